"""A creditor's recordings in its calls: <Play> where a piece is recorded, <Say> for the rest."""
import io
import xml.etree.ElementTree as ET

from pydub import AudioSegment

from audio.recordings import prepare
from audio.store import save
from tests.audio.conftest import tone_wav
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_attempt, make_creditor, make_position
from tests.ivr.test_views import action
from tests.twilio_signing import signed_post


def record(session, creditor, slot, language="it", seconds=1.0):
    recording = save(session, creditor, slot, language, prepare(tone_wav(seconds=seconds)))
    session.commit()
    return recording


def verbs(response):
    return [(verb.tag, verb.text) for verb in ET.fromstring(response.data).iter()
            if verb.tag in ("Say", "Play")]


def test_recorded_pieces_are_played_and_the_debtors_values_said(client, session):
    creditor = make_creditor(session)
    position = make_position(session, creditor)
    attempt = make_attempt(session, position)
    greeting = record(session, creditor, "greeting_confirm.1")
    notice = record(session, creditor, "notice.1", seconds=1.5)
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert verbs(answer)[0] == ("Play", f"{PUBLIC_BASE_URL}/audio/recordings/{greeting.sha256}.wav")
    assert verbs(answer)[1] == ("Say", "Mario Rossi. Se è Mario Rossi, prema 1. Se non lo è, prema 2.")
    heard = verbs(signed_post(client, action(answer), {"CallSid": "CA1", "Digits": "1"}))
    assert heard[0] == ("Play", f"{PUBLIC_BASE_URL}/audio/recordings/{notice.sha256}.wav")
    assert heard[1][0] == "Say" and heard[1][1].startswith("F T trattino")   # the invoice, spelled
    assert "milleduecentotrentaquattro euro" in heard[1][1]


def test_the_notice_is_never_played_before_identification(client, session):
    creditor = make_creditor(session)
    attempt = make_attempt(session, make_position(session, creditor))
    notice = record(session, creditor, "notice.1")
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert notice.sha256 not in answer.get_data(as_text=True)


def test_an_english_call_does_not_play_the_italian_recording(client, session):
    creditor = make_creditor(session)
    attempt = make_attempt(session, make_position(session, creditor, language="en"))
    record(session, creditor, "greeting_confirm.1", "it")
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert [tag for tag, _ in verbs(answer)] == ["Say"]


def test_a_played_url_serves_phone_audio_cacheable_for_ever(client, session):
    creditor = make_creditor(session)
    recording = record(session, creditor, "menu")
    response = client.get(f"/audio/recordings/{recording.sha256}.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert "immutable" in response.headers["Cache-Control"]
    sound = AudioSegment.from_wav(io.BytesIO(response.data))
    assert (sound.channels, sound.frame_rate) == (1, 8000)
    again = client.get(f"/audio/recordings/{recording.sha256}.wav",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/audio/recordings/" + "0" * 64 + ".wav").status_code == 404


def test_without_recordings_each_prompt_is_one_say_as_before(morning_calls, client, session):
    creditor = make_creditor(session)
    attempt = make_attempt(session, make_position(session, creditor))
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert verbs(answer) == [("Say", "Buongiorno, questo è un messaggio di Acme Energia per "
                                     "Mario Rossi. Se è Mario Rossi, prema 1. Se non lo è, prema 2.")]
