"""The debtor's page (SPEC §1.6): a personal link in every email and SMS, identification by the
verification code, then the notice and the keypad's choices, in Italian or English, on a phone
screen and without JavaScript."""
from page.cookies import PageOrConsoleSessions
from page.views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.session_interface = PageOrConsoleSessions()
