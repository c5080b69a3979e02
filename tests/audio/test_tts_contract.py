"""The `SpeechEngine` contract, held against gTTS (Google's endpoint mocked by `responses`,
answering real MP3) and the FakeSpeech that tests and benchmarks use instead: what one renders
or refuses, the other must too."""
import pytest
import requests
import responses

from audio.ffmpeg import decode
from audio.tts import FakeSpeech, GttsEngine, SynthesisError
from tests.audio.test_speech import GTTS, gtts_answer


class GttsWorld:
    def __init__(self, google):
        self.google = google
        self.engine = GttsEngine(timeout=2)
        google.post(GTTS, body=gtts_answer())

    def go_down(self):
        self.google.replace(responses.POST, GTTS, body=requests.ConnectionError("no network"))

    def requests_made(self):
        return len(self.google.calls)


class FakeWorld:
    def __init__(self, google):
        self.engine = FakeSpeech()

    def go_down(self):
        self.engine.fail_with = "no network"

    def requests_made(self):
        return len(self.engine.rendered)


@pytest.fixture(params=["gtts", "fake"])
def world(request):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        yield (GttsWorld if request.param == "gtts" else FakeWorld)(google)


def test_a_sentence_renders_as_audio_of_the_engines_declared_format(world):
    audio = world.engine.render("Questo è un messaggio di Acme Energia.", "it")
    assert (world.engine.mimetype, world.engine.suffix) == ("audio/mpeg", ".mp3")
    assert len(decode(audio)) > 0
    assert world.engine.name and world.engine.name != "say"


def test_an_unreachable_engine_is_a_synthesis_error(world):
    world.go_down()
    with pytest.raises(SynthesisError):
        world.engine.render("Arrivederci.", "it")


@pytest.mark.parametrize("text", ["", "   ", ". ,"])
def test_a_text_with_nothing_to_say_is_a_synthesis_error_and_asks_nothing(world, text):
    with pytest.raises(SynthesisError):
        world.engine.render(text, "it")
    assert world.requests_made() == 0
