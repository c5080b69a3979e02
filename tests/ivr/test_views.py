"""The webhooks over HTTP: signatures, facts recorded, idempotence, outcomes."""
import io
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from db.models import BlockedNumber, CallbackRequest, Event, OutgoingMail
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

SID = "CA" + "0" * 32


@pytest.fixture
def attempt(session):
    creditor = make_creditor(session, max_attempts=3)
    return make_attempt(session, make_position(session, creditor))


def says(response):
    return " ".join(s.text for s in ET.fromstring(response.data).iter("Say"))


def action(response):
    gather = ET.fromstring(response.data).find("Gather")
    return gather.get("action").replace("https://cortesia.example.test", "")


def reload(session, obj):
    session.expire_all()
    return session.get(type(obj), obj.id)


def test_an_unsigned_webhook_is_refused(client, attempt):
    assert client.post(f"/ivr/{attempt.token}/answer", data={"CallSid": SID}).status_code == 403


def test_a_forged_signature_is_refused(client, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID}, token="not-ours")
    assert response.status_code == 403


def test_a_signature_for_another_host_is_refused(client, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID},
                           base_url="http://localhost")
    assert response.status_code == 403


def test_tampered_parameters_are_refused(client, attempt):
    path = f"/ivr/{attempt.token}/answer"
    good = signed_post(client, path, {"CallSid": SID}).request.headers["X-Twilio-Signature"]
    response = client.post(path, data={"CallSid": SID, "AnsweredBy": "human"},
                           headers={"X-Twilio-Signature": good})
    assert response.status_code == 403


def test_the_signature_holds_behind_an_https_proxy(client, attempt):
    """The proxy talks plain HTTP to us; the signature is over the public https URL."""
    response = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    assert response.status_code == 200 and response.mimetype == "application/xml"


def test_answer_greets_without_a_word_about_the_debt(client, session, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": SID, "AnsweredBy": "human"})
    text = says(response)
    assert "Mario Rossi" in text and "Acme Energia" in text
    assert "euro" not in text and "ottobre" not in text and "fattura" not in text
    attempt = reload(session, attempt)
    assert attempt.call_sid == SID and attempt.answered_by == "human"
    assert attempt.status == "in-progress" and attempt.answered_at is not None


def test_an_answer_and_a_turn_are_one_read_and_their_writes_without_a_session(
        app, client, session, attempt):
    """The webhooks on the debtor's ear do their work as named SQL on a Connection: the
    attempt read once with its position and creditor, then its writes, one transaction,
    and no ORM Session begun unless an outcome needs one (its bookkeeping was a quarter of
    an answer's time)."""
    # Another call of the same creditor first: its wording is read once per process.
    warm = make_attempt(session, make_position(session, attempt.position.creditor,
                                               phone="+393330000999", reference="WARM-1"))
    signed_post(client, f"/ivr/{warm.token}/answer", {"CallSid": "CA" + "9" * 32})
    statements, sessions = [], []

    def keep(_connection, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    def begun(orm_session, _transaction, _connection):
        sessions.append(orm_session)

    engine = app.extensions["cortesia.engine"]
    event.listen(engine, "before_cursor_execute", keep)
    event.listen(Session, "after_begin", begun)
    try:
        answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
        assert statements == ["SELECT", "UPDATE", "INSERT"] and not sessions
        statements.clear()
        notice = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
        assert statements == ["SELECT", "INSERT", "UPDATE", "INSERT"] and not sessions
        statements.clear()
        # An outcome is the ORM's work (a Session joins the transaction): with the objects
        # the turn read, not read again.
        signed_post(client, action(notice), {"CallSid": SID, "Digits": "1"})
        assert statements.count("SELECT") == 1 and "UPDATE" in statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)
        event.remove(Session, "after_begin", begun)
    assert "milleduecentotrentaquattro euro" in says(notice)


def test_an_unknown_attempt_is_hung_up(client):
    response = signed_post(client, "/ivr/nope/answer", {"CallSid": SID})
    assert ET.fromstring(response.data)[0].tag == "Hangup"


def test_confirming_plays_the_notice_and_records_the_outcome(client, session, attempt):
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    notice = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
    assert "milleduecentotrentaquattro euro e cinquantasei centesimi" in says(notice)
    assert "15 ottobre 2026" in says(notice)
    goodbye = signed_post(client, action(notice), {"CallSid": SID, "Digits": "1"})
    assert ET.fromstring(goodbye.data)[-1].tag == "Hangup"
    attempt = reload(session, attempt)
    assert attempt.identified and attempt.outcome == "confirmed" and attempt.digits == "1,1"
    assert attempt.position.outcome == "confirmed"


def test_a_replayed_keypress_is_recorded_once(client, session, attempt):
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    first = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
    again = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
    assert first.data == again.data
    assert reload(session, attempt).digits == "1"
    assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "identified")) == 1


def test_the_menu_is_refused_to_an_unidentified_call(client, session, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/menu?turn=2", {"CallSid": SID, "Digits": "9"})
    root = ET.fromstring(response.data)
    assert [c.tag for c in root] == ["Hangup"]


def test_wrong_person_blocks_the_number_and_queues_the_email(client, session, attempt):
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    signed_post(client, action(answer), {"CallSid": SID, "Digits": "2"})
    attempt = reload(session, attempt)
    assert attempt.position.outcome == "wrong_person"
    blocked = session.scalars(select(BlockedNumber)).one()
    assert blocked.phone == "+393331234567" and blocked.reason == "wrong_person"
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.to_address == "mario.rossi@example.test" and mail.status == "queued"
    assert "1.234,56 EUR" in mail.body


def test_callback_request_enters_the_queue_once(client, session, attempt):
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    menu = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
    signed_post(client, action(menu), {"CallSid": SID, "Digits": "3"})
    signed_post(client, action(menu), {"CallSid": SID, "Digits": "3"})
    request = session.scalars(select(CallbackRequest)).one()
    assert request.status == "open" and request.position_id == attempt.position_id


def test_status_callbacks_move_forward_only(client, session, attempt):
    path = f"/ivr/{attempt.token}/status"
    signed_post(client, path, {"CallSid": SID, "CallStatus": "in-progress"})
    signed_post(client, path, {"CallSid": SID, "CallStatus": "ringing"})
    assert reload(session, attempt).status == "in-progress"
    signed_post(client, path, {"CallSid": SID, "CallStatus": "completed", "CallDuration": "42"})
    signed_post(client, path, {"CallSid": SID, "CallStatus": "in-progress"})
    attempt = reload(session, attempt)
    assert attempt.status == "completed" and attempt.duration == 42 and attempt.ended_at


def test_a_duplicated_final_status_counts_once(client, session, attempt):
    path = f"/ivr/{attempt.token}/status"
    for _ in range(2):
        assert signed_post(client, path, {"CallSid": SID, "CallStatus": "busy"}).status_code == 204
    events = session.scalars(select(Event).where(Event.kind == "status")).all()
    assert len(events) == 1
    assert reload(session, attempt).position.outcome is None  # two attempts left


def test_the_last_unanswered_attempt_ends_the_position_as_no_answer(client, session):
    creditor = make_creditor(session, max_attempts=1)
    attempt = make_attempt(session, make_position(session, creditor))
    signed_post(client, f"/ivr/{attempt.token}/status", {"CallSid": SID, "CallStatus": "no-answer"})
    assert reload(session, attempt).position.outcome == "no_answer"


def test_a_late_status_never_flips_a_final_outcome(client, session):
    creditor = make_creditor(session, max_attempts=1)
    attempt = make_attempt(session, make_position(session, creditor))
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    menu = signed_post(client, action(answer), {"CallSid": SID, "Digits": "1"})
    signed_post(client, action(menu), {"CallSid": SID, "Digits": "8"})
    signed_post(client, f"/ivr/{attempt.token}/status", {"CallSid": SID, "CallStatus": "completed"})
    signed_post(client, f"/ivr/{attempt.token}/status", {"CallSid": SID, "CallStatus": "failed"})
    attempt = reload(session, attempt)
    assert attempt.position.outcome == "opted_out" and attempt.status == "completed"


class CountingBody(io.RawIOBase):
    """A request body of `size` bytes that counts how many of them the server read."""

    def __init__(self, size):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self):
        return True

    def seekable(self):   # the test client measures the body this way
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = self.size + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"a" * n
        self.position += n
        self.read_bytes += n
        return n


BIG = 49 * 1024 * 1024


def test_a_big_webhook_body_is_refused_before_a_byte_of_it_is_read(client, attempt):
    body = CountingBody(BIG)
    response = client.post(f"/ivr/{attempt.token}/answer", input_stream=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and body.read_bytes == 0


def test_a_big_webhook_body_without_a_length_is_read_no_further_than_the_limit(app, client, attempt):
    body = CountingBody(BIG)
    response = client.post(f"/ivr/{attempt.token}/status", input_stream=body,
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "forged"},
                           environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked",
                                              "wsgi.input_terminated": True})
    assert response.status_code == 413
    assert body.read_bytes <= app.config["WEBHOOK_MAX_BYTES"] + 1


def test_a_webhook_body_of_a_few_kilobytes_is_served(client, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": SID, "CallerName": "x" * 4000})
    assert response.status_code == 200


def test_console_uploads_may_still_be_large(app):
    assert app.config["MAX_CONTENT_LENGTH"] >= 10 * 1024 * 1024


def test_a_query_string_that_is_not_utf8_is_refused_as_unsigned(client, attempt):
    response = client.post(f"/ivr/{attempt.token}/answer", data={"CallSid": SID},
                           environ_overrides={"QUERY_STRING": "turn=\xff\xfe"},
                           headers={"X-Twilio-Signature": "c2lnbmVk"})
    assert response.status_code == 403
