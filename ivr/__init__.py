"""The phone side: Twilio webhooks, the call flow and the TwiML it speaks."""
from db.models import utcnow
from ivr.views import bp
from ivr.wording import WordingCache


def init_app(app):
    # Webhooks stamp facts with this clock; a simulated campaign swaps it for its own.
    app.extensions.setdefault("cortesia.clock", utcnow)
    # The creditors' wording and recordings each process read last (ivr.wording).
    app.extensions["cortesia.wording"] = WordingCache()
    app.register_blueprint(bp)
