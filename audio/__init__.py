"""Recorded and synthesized audio for the calls: recordings made fit for the phone."""
import logging

from audio.ffmpeg import use_with_pydub

log = logging.getLogger(__name__)


def init_app(app):
    from audio.cli import prompt_cli
    from audio.views import bp

    try:
        use_with_pydub()
    except ImportError:  # decoding will say so when it is needed; the rest of the app runs
        log.warning("no ffmpeg: install imageio-ffmpeg or set FFMPEG_BINARY to decode audio")
    app.cli.add_command(prompt_cli)
    app.register_blueprint(bp)
