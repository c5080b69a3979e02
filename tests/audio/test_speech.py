"""Speech rendered ahead of time with gTTS (its HTTP endpoint mocked by `responses`, answering
real MP3 made here): only fixed sentences leave the building, each once, and no call waits."""
import base64
import json
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses

from app import create_app
from audio import use_speech_engine
from audio.speech import fixed_sentences, render_prompts
from audio.tts import SILENT_MP3, FakeSpeech
from db import session_scope
from db.models import Position, utcnow
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.audio.conftest import encode, tone_wav
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.factories import make_attempt, make_creditor, make_position
from tests.test_end_to_end import NOW
from tests.twilio_signing import signed_post

GTTS = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
MP3 = encode(tone_wav(seconds=0.5, lead=0.05, trail=0.05), "mp3")


def gtts_answer(mp3=MP3):
    """The body gTTS parses: its RPC envelope around the base64 of the audio."""
    audio = base64.b64encode(mp3).decode()
    envelope = [["wrb.fr", "jQ1olc", json.dumps([audio]), None]]
    return ")]}'\n\n" + json.dumps(envelope, separators=(",", ":")) + "\n"


def spoken(request):
    """The sentence a gTTS request asked for."""
    rpc = json.loads(parse_qs(request.body)["f.req"][0])
    return json.loads(rpc[0][0][1])[0]


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TELEPHONY": "simulator",
                      "TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                      "TWILIO_CALLER_ID": "+390212345678", "TTS_ENGINE": "gtts",
                      "AUDIO_CACHE_DIR": str(tmp_path / "clips")})
    yield app
    app.extensions["cortesia.engine"].dispose()


@pytest.fixture
def google():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_only_fixed_sentences_are_sent_and_each_only_once(app, session, google):
    google.post(GTTS, body=gtts_answer())
    creditor = make_creditor(session)
    for i in range(10):
        make_position(session, creditor, reference=f"P-{i}", name=f"Debitore Numero{i}",
                      amount=Decimal(f"{100 + i}.50"), invoice=f"FT-{i}")
    report = render_prompts(app, utcnow())
    sent = [spoken(call.request) for call in google.calls]   # gTTS cuts long ones in pieces
    assert report.rendered == len(set(fixed_sentences("Acme Energia", "it")))
    everything = " ".join(sent)
    assert "Acme Energia" in everything                    # the creditor's name: not personal
    assert "Numero" not in everything and "FT" not in everything and "cento" not in everything
    again = render_prompts(app, utcnow())                 # all cached: nothing is asked twice
    assert again.rendered == 0 and again.cached == report.rendered
    assert [spoken(call.request) for call in google.calls] == sent


def test_a_rate_limit_backs_off_instead_of_hammering(app, session, google):
    google.post(GTTS, status=429, body="Too Many Requests")
    make_position(session, make_creditor(session))
    now = utcnow()
    first = render_prompts(app, now)
    assert (first.failed, first.rendered, len(google.calls)) == (1, 0, 1)
    assert first.postponed == len(set(fixed_sentences("Acme Energia", "it"))) - 1
    assert render_prompts(app, now).postponed > 0 and len(google.calls) == 1
    google.replace(responses.POST, GTTS, body=gtts_answer())
    later = render_prompts(app, now + timedelta(minutes=2))  # the back-off is over
    assert later.rendered == first.postponed + 1 and later.failed == 0


def test_a_wording_with_a_piece_of_punctuation_alone_renders_every_other_piece(app, session,
                                                                              google):
    google.post(GTTS, body=gtts_answer())
    make_creditor(session)
    worded = app.test_cli_runner().invoke(args=["prompt", "text", "notice", "{amount}, {due_date}.",
                                                "--creditor", "Acme Energia"])
    assert worded.exit_code == 0, worded.output
    report = render_prompts(app, utcnow())   # gTTS cannot say "," or ".": they are not sent
    assert (report.failed, report.postponed) == (0, 0) and report.rendered > 0
    assert all(any(c.isalnum() for c in spoken(call.request)) for call in google.calls)


def test_rendered_clips_are_played_and_the_debtors_name_is_said(app, session, google):
    google.post(GTTS, body=gtts_answer())
    creditor = make_creditor(session)
    attempt = make_attempt(session, make_position(session, creditor))
    render_prompts(app, utcnow())
    answer = signed_post(app.test_client(), f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    verbs = [(v.tag, v.text) for v in ET.fromstring(answer.data).iter() if v.tag in ("Say", "Play")]
    assert [tag for tag, _ in verbs] == ["Play", "Say", "Play", "Say", "Play"]
    assert verbs[1][1] == verbs[3][1] == "Mario Rossi"
    clip = app.test_client().get(verbs[0][1].replace(PUBLIC_BASE_URL, ""))
    assert clip.status_code == 200 and clip.mimetype == "audio/mpeg" and clip.data == MP3
    assert "immutable" in clip.headers["Cache-Control"]


def test_a_test_can_put_the_fake_speech_in_place_and_calls_play_its_clips(app, session, google):
    fake = FakeSpeech()
    use_speech_engine(app, fake)
    attempt = make_attempt(session, make_position(session, make_creditor(session)))
    report = render_prompts(app, utcnow())
    assert report.rendered == len(fake.rendered) > 0 and len(google.calls) == 0
    answer = signed_post(app.test_client(), f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    played = [v.text for v in ET.fromstring(answer.data).iter() if v.tag == "Play"]
    assert played and app.test_client().get(played[0].replace(PUBLIC_BASE_URL, "")).data == SILENT_MP3


def test_a_webhook_answers_at_once_while_gtts_hangs(app, session, google):
    def hang(request):
        time.sleep(5)
        return 200, {}, gtts_answer()

    google.add_callback(responses.POST, GTTS, callback=hang)
    attempt = make_attempt(session, make_position(session, make_creditor(session)))
    started = time.perf_counter()
    answer = signed_post(app.test_client(), f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert time.perf_counter() - started < 1.0 and len(google.calls) == 0
    assert b"<Play>" not in answer.data and b"Mario Rossi" in answer.data   # <Say> meanwhile


def test_with_tts_engine_say_nothing_is_rendered(database_url, google):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TTS_ENGINE": "say",
                      "TELEPHONY": "simulator"})
    with session_scope(app) as session:
        make_position(session, make_creditor(session))
    assert render_prompts(app, utcnow()) is None
    result = app.test_cli_runner().invoke(args=["prompt", "render"])
    assert "nothing to render" in result.output and len(google.calls) == 0
    app.extensions["cortesia.engine"].dispose()


def test_with_gtts_and_no_network_every_call_completes_with_say(app, session, google, tmp_path):
    google.post(GTTS, body=requests.ConnectionError("no network"))
    make_creditor(session, name="Acme Energia")
    contacts = tmp_path / "lista.csv"
    contacts.write_text("Riferimento;Nominativo;Telefono;Importo;Scadenza\n"
                        "A-1;Anna Neri;333 111 2222;10,00;2026-10-01\n"
                        "A-2;Bruno Verdi;333 111 3333;20,00;2026-10-01\n", encoding="utf-8")
    imported = app.test_cli_runner().invoke(args=["import", str(contacts),
                                                  "--creditor", "Acme Energia"])
    assert imported.exit_code == 0, imported.output
    assert "1 failed" in imported.output and "<Say>" in imported.output
    simulator = get_telephony(app)
    for phone in ("+393331112222", "+393331113333"):
        simulator.script(phone, DebtorScript("human", ("1", "1")))
    report = dial_pass(app, NOW)
    assert len(report.placed) == 2 and simulator.errors == []
    assert all(r.body.count("<Play>") == 0 for call in simulator.calls for r in call.requests
               if r.body)
    session.expire_all()
    assert {p.outcome for p in session.query(Position)} == {"confirmed"}


def test_a_creditor_that_opts_in_has_the_debtors_values_rendered_and_played(app, session,
                                                                            google):
    google.post(GTTS, body=gtts_answer())
    creditor = make_creditor(session)
    attempt = make_attempt(session, make_position(session, creditor))
    result = app.test_cli_runner().invoke(args=["creditor", "set", "Acme Energia",
                                                "--synthesize-personal", "yes"])
    assert result.exit_code == 0, result.output
    render_prompts(app, utcnow())
    sent = " ".join(spoken(call.request) for call in google.calls)
    assert "Mario Rossi" in sent and "milleduecentotrentaquattro" in sent
    answer = signed_post(app.test_client(), f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    tags = [v.tag for v in ET.fromstring(answer.data).iter() if v.tag in ("Say", "Play")]
    assert tags == ["Play"] * 5    # the name too is a rendered clip now
