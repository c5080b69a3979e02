"""Speech synthesis engines: gTTS behind one written interface (`SpeechEngine`), and a fake
held to the same contract (tests/audio/test_tts_contract.py). The only importer of `gtts`."""
import base64
import logging
from typing import Protocol

log = logging.getLogger(__name__)

SYNTHESIS_TIMEOUT_SECONDS = 10


class SynthesisError(RuntimeError):
    """The engine could not render the text (network down, rate limited, timed out…)."""


class SpeechEngine(Protocol):
    """Renders a sentence as audio, ahead of time; clips are cached by (name, language, text)."""

    name: str
    mimetype: str
    suffix: str

    def render(self, text: str, language: str) -> bytes:
        """The audio of `text` spoken in `language`, in `mimetype`; SynthesisError on any
        failure, a text with nothing to say (no letter or digit) included."""


def has_words(text):
    """False for a text an engine cannot say: empty, blank, punctuation only."""
    return any(character.isalnum() for character in text)


# A quarter second of silence, 8 kHz mono MP3: what the fake answers, and it really decodes.
SILENT_MP3 = base64.b64decode(
    "/+MYxAAAAANIAAAAAExBTUU0LjEgKGFscGhhIDApVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVMQU1FNC4xIChhbHBo"
    "YSAwKVVV/+MYxDsAAANIAAAAAFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVMQU1FNC4x"
    "IChhbHBoYSAwKVVV/+MYxHYAAANIAAAAAFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"
    "VVVVVVVVVVVVVVVVVVVVVVVV/+MYxLEAAANIAAAAAFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"
    "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV/+MYxMQAAANIAAAAAFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"
    "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV/+MYxMQAAANIAAAAAFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"
    "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV")


class FakeSpeech:
    """Renders every sentence as SILENT_MP3 without any network, failing where gTTS would:
    `fail_with` makes every render fail (the network down, a rate limit)."""

    name = "fake"
    mimetype = "audio/mpeg"
    suffix = ".mp3"

    def __init__(self):
        self.rendered = []
        self.fail_with = None

    def render(self, text, language):
        if not has_words(text):
            raise SynthesisError(f"nothing to say in a {language} sentence: {text!r}")
        if self.fail_with is not None:
            raise SynthesisError(self.fail_with)
        self.rendered.append((text, language))
        return SILENT_MP3


class GttsEngine:
    """Google Translate's text-to-speech through gTTS: MP3, about 24 kHz mono."""

    name = "gtts"
    mimetype = "audio/mpeg"
    suffix = ".mp3"

    def __init__(self, timeout=SYNTHESIS_TIMEOUT_SECONDS):
        self.timeout = timeout

    def render(self, text, language):
        """The MP3 of `text` spoken in `language`; SynthesisError on any failure."""
        import io

        from gtts import gTTS, gTTSError

        if not has_words(text):   # gTTS would fail an assert, not tell us why
            raise SynthesisError(f"nothing to say in a {language} sentence: {text!r}")
        buffer = io.BytesIO()
        try:
            gTTS(text, lang=language, lang_check=False, timeout=self.timeout).write_to_fp(buffer)
        except (gTTSError, ValueError, OSError) as exc:
            raise SynthesisError(f"gTTS could not render a {language} sentence: {exc}") from exc
        if not buffer.getvalue():
            raise SynthesisError("gTTS answered without audio")
        return buffer.getvalue()


def build_engine(name) -> SpeechEngine | None:
    """The engine TTS_ENGINE names; None for `say` (Twilio's <Say> speaks everything)."""
    if name == "say":
        return None
    if name == "gtts":
        return GttsEngine()
    raise RuntimeError(f"TTS_ENGINE must be 'gtts' or 'say', not {name!r}")
