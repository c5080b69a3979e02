"""A debtor's spoken message (key 6) through its whole life: left at <Record> on a simulated
call, fetched by a later tick (never on the webhook path), played in the console by those who
may see the position, and refused to another creditor's users."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from console.accounts import create_user
from db.models import CallbackRequest, Event, VoiceMessage
from scheduler.dial import dial_pass
from scheduler.tick import simulated_calls_at, tick
from telephony import get_telephony
from telephony.simulator import SPEAK, DebtorScript
from tests.console.conftest import PASSWORD, Browser
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)   # a Tuesday, 10:30 in Rome


@pytest.fixture
def disputed(app, session):
    """A position of Acme whose debtor pressed 6 and spoke, on a call placed at NOW."""
    acme = make_creditor(session, max_attempts=1)
    position = make_position(session, acme)
    get_telephony(app).script(position.phone, DebtorScript("human", ("1", "6", SPEAK)))
    with simulated_calls_at(app, NOW):
        assert len(dial_pass(app, NOW).placed) == 1
    session.expire_all()
    return position


def login(app, session, username, role, creditor=None):
    create_user(session, username, PASSWORD, role, creditor)
    session.commit()
    browser = Browser(app.test_client())
    browser.log_in(username)
    return browser


def kinds(session, position):
    return [e.kind for e in session.scalars(select(Event).where(Event.position_id == position.id)
                                            .order_by(Event.id))]


def test_a_disputes_message_is_fetched_by_a_later_tick_and_played_to_a_collector(
        app, session, disputed):
    [message] = session.scalars(select(VoiceMessage))
    assert (message.status, message.data, message.next_try_at) == ("pending", None, NOW)
    assert "voice_message_kept" not in kinds(session, disputed)

    report = tick(app, NOW + timedelta(minutes=1))

    assert "voice messages: 1 kept" in report.summary()
    session.expire_all()
    message = session.get(VoiceMessage, message.id)
    recorded = get_telephony(app).recordings[message.url]
    assert (message.status, message.data, message.content_type) == ("kept", recorded, "audio/wav")
    assert message.fetched_at == NOW + timedelta(minutes=1) and message.tries == 1
    assert len(message.sha256) == 64 and message.next_try_at is None
    assert kinds(session, disputed).count("voice_message_kept") == 1

    collector = login(app, session, "carlo", "collector")
    page = collector.get(f"/posizioni/{disputed.id}").get_data(as_text=True)
    audio = f'/posizioni/{disputed.id}/messaggi/{message.id}'
    assert f'<audio controls preload="none" src="{audio}">' in page
    assert f"{message.duration} s" in page and "Messaggio vocale scaricato" in page
    served = collector.get(audio)
    assert served.status_code == 200 and served.data == recorded
    assert served.mimetype == "audio/wav"

    # The creditor's own users play it; another creditor's user never learns it exists.
    own = login(app, session, "mara", "creditor", disputed.creditor)
    assert own.get(audio).data == recorded
    other = login(app, session, "bea", "creditor", make_creditor(session, name="Beta"))
    assert other.get(audio).status_code == 404
    assert other.get(f"/posizioni/{disputed.id}").status_code == 404
    assert Browser(app.test_client()).get(audio).status_code in (302, 303)   # not logged in


def test_a_second_tick_fetches_nothing_again(app, session, disputed):
    tick(app, NOW + timedelta(minutes=1))
    get_telephony(app).recordings.clear()   # a second fetch would fail
    report = tick(app, NOW + timedelta(minutes=2))
    assert not report.voices
    [message] = session.scalars(select(VoiceMessage))
    assert message.status == "kept" and kinds(session, disputed).count("voice_message_kept") == 1


def test_nothing_is_fetched_before_its_next_try(app, session, disputed):
    report = tick(app, NOW - timedelta(seconds=1))
    assert not report.voices
    [message] = session.scalars(select(VoiceMessage))
    assert (message.status, message.tries, message.data) == ("pending", 0, None)


def test_a_pending_message_says_it_is_on_its_way_and_cannot_be_played(app, session, disputed):
    [message] = session.scalars(select(VoiceMessage))
    collector = login(app, session, "carlo", "collector")
    page = collector.get(f"/posizioni/{disputed.id}").get_data(as_text=True)
    assert "in arrivo" in page and "<audio" not in page
    assert collector.get(f"/posizioni/{disputed.id}/messaggi/{message.id}").status_code == 404


def test_the_callback_requests_page_plays_it_too(app, session, disputed):
    tick(app, NOW + timedelta(minutes=1))
    [message] = session.scalars(select(VoiceMessage))
    request = CallbackRequest(position_id=disputed.id, attempt_id=message.attempt_id,
                              requested_at=NOW)
    session.add(request)
    session.commit()
    page = login(app, session, "carlo", "collector").get(f"/richiamate/{request.id}")
    assert f'src="/posizioni/{disputed.id}/messaggi/{message.id}"' in page.get_data(as_text=True)


def test_a_replayed_recorded_webhook_keeps_one_message(client, session):
    position = make_position(session, make_creditor(session))
    attempt = make_attempt(session, position, identified=True, status="in-progress")
    form = {"CallSid": "CA" + "0" * 32, "RecordingSid": "RE" + "7" * 32,
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE"
                            + "7" * 32, "RecordingDuration": "9"}
    for _ in range(3):
        assert signed_post(client, f"/ivr/{attempt.token}/recorded", form).status_code == 200
    assert session.scalar(select(func.count()).select_from(VoiceMessage)) == 1
    assert kinds(session, position).count("voice_message") == 1


def test_a_message_that_could_not_be_fetched_says_so(app, session, disputed):
    get_telephony(app).recordings.clear()   # as if the provider had lost it
    tick(app, NOW + timedelta(hours=1))     # a 404 on a recording an hour old is final
    [message] = session.scalars(select(VoiceMessage))
    assert message.status == "failed"
    page = login(app, session, "carlo", "collector").get(f"/posizioni/{disputed.id}")
    text = page.get_data(as_text=True)
    assert "non è stato possibile scaricarlo" in text and "<audio" not in text
    assert "Messaggio vocale non scaricato" in text
