"""The outbox in the console: failed and uncertain messages for admins, sent again or settled
through the same functions as `flask outbox`."""
from datetime import timedelta

from sqlalchemy import select

from db.models import Event, OutgoingMail, utcnow
from tests.factories import make_position


def mail(session, position, status, n, **values):
    row = OutgoingMail(key=f"test:{status}:{n}", channel="email", position_id=position.id,
                       kind="notice", to_address=f"debitore{n}@example.com", subject="Avviso",
                       body="...", status=status, tries=8 if status == "failed" else 1,
                       next_try_at=utcnow() + timedelta(minutes=5), **values)
    session.add(row)
    session.commit()
    return row


def test_admins_see_the_failed_messages_with_their_error_and_send_one_again(browser, users,
                                                                            session):
    position = make_position(session, users["creditor"].creditor)
    failed = mail(session, position, "failed", 1, last_error="550 5.1.1 mailbox unavailable")
    mail(session, position, "sent", 2)
    browser.log_in("anna")
    page = browser.get("/messaggi").get_data(as_text=True)
    assert "Messaggi non consegnati" in page and "debitore1@example.com" in page
    assert "550 5.1.1 mailbox unavailable" in page and "debitore2@example.com" not in page
    assert "non consegnati (1)" in page and "inviati (1)" in page
    browser.post(f"/messaggi/{failed.id}/riprova")
    session.expire_all()
    row = session.get(OutgoingMail, failed.id)
    assert (row.status, row.tries) == ("queued", 0) and row.next_try_at <= utcnow()
    assert session.scalar(select(Event.source).where(Event.kind == "email_retried")) == \
        "user:anna"
    again = browser.post(f"/messaggi/{failed.id}/riprova", follow_redirects=True)
    assert "non è più tra quelli non consegnati" in again.get_data(as_text=True)


def test_an_uncertain_message_is_settled_as_delivered_or_sent_again(browser, users, session):
    position = make_position(session, users["creditor"].creditor)
    first = mail(session, position, "unknown", 1, message_id="<a1@cortesia>")
    second = mail(session, position, "unknown", 2, message_id="<a2@cortesia>")
    browser.log_in("anna")
    page = browser.get("/messaggi?stato=unknown").get_data(as_text=True)
    assert "Message-ID &lt;a1@cortesia&gt;" in page and "Consegnato" in page
    browser.post(f"/messaggi/{first.id}/esito", {"esito": "consegnato"})
    browser.post(f"/messaggi/{second.id}/esito", {"esito": "rinvia"})
    session.expire_all()
    assert session.get(OutgoingMail, first.id).status == "sent"
    assert session.get(OutgoingMail, second.id).status == "queued"


def test_only_admins_open_the_messages(browser, users, session):
    position = make_position(session, users["creditor"].creditor)
    failed = mail(session, position, "failed", 1)
    for user in ("carlo", "mara"):
        browser.log_in(user)
        assert browser.get("/messaggi").status_code == 403
        assert browser.post(f"/messaggi/{failed.id}/riprova").status_code == 403
        browser.post("/logout")
    session.expire_all()
    assert session.get(OutgoingMail, failed.id).status == "failed"
