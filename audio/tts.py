"""Speech synthesis engines: gTTS behind one small interface. The only importer of `gtts`."""
import logging

log = logging.getLogger(__name__)

SYNTHESIS_TIMEOUT_SECONDS = 10


class SynthesisError(RuntimeError):
    """The engine could not render the text (network down, rate limited, timed out…)."""


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

        buffer = io.BytesIO()
        try:
            gTTS(text, lang=language, lang_check=False, timeout=self.timeout).write_to_fp(buffer)
        except (gTTSError, ValueError, OSError) as exc:
            raise SynthesisError(f"gTTS could not render a {language} sentence: {exc}") from exc
        if not buffer.getvalue():
            raise SynthesisError("gTTS answered without audio")
        return buffer.getvalue()


def build_engine(name):
    """The engine TTS_ENGINE names; None for `say` (Twilio's <Say> speaks everything)."""
    if name == "say":
        return None
    if name == "gtts":
        return GttsEngine()
    raise RuntimeError(f"TTS_ENGINE must be 'gtts' or 'say', not {name!r}")
