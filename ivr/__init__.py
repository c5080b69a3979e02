"""The phone side: Twilio webhooks, the call flow and the TwiML it speaks."""
from db.models import utcnow
from ivr.views import bp


def init_app(app):
    # Webhooks stamp facts with this clock; a simulated campaign swaps it for its own.
    app.extensions.setdefault("cortesia.clock", utcnow)
    app.register_blueprint(bp)
