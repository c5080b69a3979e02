"""Placeholder until the channels land: queue a step's written message (email only)."""
from sqlalchemy import select

from db.models import OutgoingMail


class ChannelUnavailable(Exception):
    def __init__(self, code, text=""):
        super().__init__(text or code)
        self.code = code


def queue_message(app, session, position, channel, message, now, key):
    if channel == "email_or_pec":
        channel = "email"
    if channel != "email":
        raise ChannelUnavailable("not_configured", f"{channel} not available yet")
    if not position.email:
        raise ChannelUnavailable("no_email", "the position has no email address")
    mail = session.scalar(select(OutgoingMail).where(OutgoingMail.key == key))
    if mail is None:
        mail = OutgoingMail(key=key, position_id=position.id, kind=message,
                            to_address=position.email, subject=message, body=message,
                            next_try_at=now, created_at=now)
        session.add(mail)
        session.flush()
    mail.channel = channel
    return mail
