"""Recorded and synthesized audio for the calls: recordings made fit for the phone, and
speech rendered ahead of time."""
import logging

from audio.ffmpeg import use_with_pydub

log = logging.getLogger(__name__)


def use_speech_engine(app, engine):
    """Render speech with `engine` (a SpeechEngine) from now on; None: <Say> speaks it all.
    init_app installs the one TTS_ENGINE names; tests and benchmarks may put FakeSpeech."""
    from audio.clips import ClipCache, Renderer

    app.extensions.pop("cortesia.renderer", None)
    if engine is not None:
        cache = ClipCache(app.config["AUDIO_CACHE_DIR"], engine.suffix)
        app.extensions["cortesia.renderer"] = Renderer(engine, cache)


def init_app(app):
    from audio.cli import prompt_cli
    from audio.tts import build_engine
    from audio.views import bp

    use_speech_engine(app, build_engine(app.config["TTS_ENGINE"]))

    try:
        use_with_pydub()
    except ImportError:  # decoding will say so when it is needed; the rest of the app runs
        log.warning("no ffmpeg: install imageio-ffmpeg or set FFMPEG_BINARY to decode audio")
    app.cli.add_command(prompt_cli)
    app.register_blueprint(bp)
