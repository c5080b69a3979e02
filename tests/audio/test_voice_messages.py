"""The worker's fetch of the debtors' spoken messages from Twilio (mocked with `responses`):
kept once, retried with backoff, given up, claimed by one worker at a time."""
from datetime import datetime, timedelta, timezone

import pytest
import responses
from sqlalchemy import select

from audio import voice_messages
from audio.voice_messages import BACKOFF, MAX_TRIES, NOT_YET_THERE, claim, fetch_voice_messages
from db.models import Event, VoiceMessage
from tests.factories import make_creditor, make_position

ACCOUNT_SID = "AC" + "6" * 32
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16)


@pytest.fixture
def twilio(app):
    app.config.update(TELEPHONY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID)
    with responses.RequestsMock() as mock:
        yield mock


def pending(session, number=1, created_at=NOW):
    position = make_position(session, make_creditor(session), reference=f"P-{number}")
    sid = "RE" + f"{number:032x}"
    message = VoiceMessage(
        position_id=position.id, recording_sid=sid, duration=7, status="pending", tries=0,
        url=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}",
        next_try_at=created_at, created_at=created_at)
    session.add(message)
    session.commit()
    return message


def reloaded(session, message):
    session.expire_all()
    return session.get(VoiceMessage, message.id)


def events(session, kind):
    return [e.detail for e in session.scalars(select(Event).where(Event.kind == kind))]


def test_a_server_error_is_retried_after_the_backoff_then_kept(app, session, twilio):
    message = pending(session)
    media = message.url + ".wav"
    twilio.get(media, status=503, body="unavailable")
    report = fetch_voice_messages(app, NOW)
    assert (report.kept, report.retried, report.failed) == (0, 1, 0)
    message = reloaded(session, message)
    assert (message.status, message.tries) == ("pending", 1)
    assert message.next_try_at == NOW + BACKOFF[0] and "HTTP 503" in message.last_error

    assert not fetch_voice_messages(app, NOW + BACKOFF[0] - timedelta(seconds=1))  # not yet due
    twilio.replace(responses.GET, media, body=WAV, content_type="audio/x-wav")
    assert fetch_voice_messages(app, NOW + BACKOFF[0]).kept == 1
    message = reloaded(session, message)
    assert (message.status, message.data, message.tries, message.last_error) == \
        ("kept", WAV, 2, None)
    assert events(session, "voice_message_kept") == [
        {"voice_message_id": message.id, "bytes": len(WAV)}]


def test_it_gives_up_after_the_last_try(app, session, twilio):
    message = pending(session)
    twilio.get(message.url + ".wav", status=500, body="oops")
    now = NOW
    for _ in range(MAX_TRIES):
        fetch_voice_messages(app, now)
        now = reloaded(session, message).next_try_at or now
    message = reloaded(session, message)
    assert (message.status, message.tries, message.next_try_at) == ("failed", MAX_TRIES, None)
    [failed] = events(session, "voice_message_failed")
    assert failed["tries"] == MAX_TRIES and "HTTP 500" in failed["error"]
    assert not fetch_voice_messages(app, now + timedelta(days=1))


def test_a_404_on_a_fresh_recording_is_retried_as_twilio_may_still_be_processing_it(
        app, session, twilio):
    message = pending(session)
    twilio.get(message.url + ".wav", status=404, json={"code": 20404, "message": "Not found"})
    assert fetch_voice_messages(app, NOW).retried == 1
    assert reloaded(session, message).status == "pending"


def test_a_404_on_an_old_recording_is_given_up_at_once(app, session, twilio):
    message = pending(session)
    twilio.get(message.url + ".wav", status=404, json={"code": 20404, "message": "Not found"})
    assert fetch_voice_messages(app, NOW + NOT_YET_THERE).failed == 1
    message = reloaded(session, message)
    assert (message.status, message.tries) == ("failed", 1) and "HTTP 404" in message.last_error


def test_an_answer_that_is_not_audio_is_not_kept(app, session, twilio):
    message = pending(session)
    twilio.get(message.url + ".wav", body=b"<html>login</html>", content_type="text/html")
    assert fetch_voice_messages(app, NOW).retried == 1
    message = reloaded(session, message)
    assert message.status == "pending" and message.data is None
    assert "not a WAV or MP3" in message.last_error


def test_two_workers_never_fetch_the_same_message(app, session):
    message = pending(session)
    assert claim(app, message.id, NOW) is not None
    assert claim(app, message.id, NOW) is None                     # the other worker
    assert claim(app, message.id, NOW + voice_messages.LEASE) is not None   # the lease ended


def test_a_late_answer_of_a_lost_claim_writes_nothing(app, session):
    message = pending(session)
    first = claim(app, message.id, NOW)
    second = claim(app, message.id, NOW + voice_messages.LEASE)   # the first worker was too slow
    assert not voice_messages.record_kept(app, first, WAV, NOW + voice_messages.LEASE)
    assert voice_messages.record_kept(app, second, WAV, NOW + voice_messages.LEASE)
    assert not voice_messages.record_failure(app, first, "late", False, NOW)
    message = reloaded(session, message)
    assert (message.status, message.tries) == ("kept", 1)
    assert len(events(session, "voice_message_kept")) == 1


def test_wav_and_mp3_are_recognised_by_their_first_bytes():
    assert voice_messages.audio_type(WAV) == "audio/wav"
    assert voice_messages.audio_type(b"ID3\x03\x00") == "audio/mpeg"
    assert voice_messages.audio_type(b"RIFF\x00\x00\x00\x00AVI ") is None
    assert voice_messages.audio_type(b"") is None
