"""The ffmpeg binary, from the imageio-ffmpeg wheel unless FFMPEG_BINARY names another one.

The wheel ships a static build, so `make install` on a fresh machine needs no system package.
Only ffmpeg is used, never ffprobe (which the wheel lacks): files are decoded to WAV here and
pydub reads and writes WAV by itself.
"""
import io
import os
import subprocess
import tempfile
import warnings

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH when imported and warns; the wheel's binary is set below.
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
    from pydub import AudioSegment

DECODE_TIMEOUT_SECONDS = 60


class DecodeError(ValueError):
    """ffmpeg could not read the file as audio."""


def ffmpeg_binary():
    configured = os.environ.get("FFMPEG_BINARY")
    if configured:
        return configured
    import imageio_ffmpeg  # optional until audio is decoded: a clear error if it is missing

    return imageio_ffmpeg.get_ffmpeg_exe()


def use_with_pydub():
    """Point pydub at the same binary, for anything it converts itself."""
    AudioSegment.converter = ffmpeg_binary()


def decode(data):
    """Any audio ffmpeg reads (WAV, MP3, OGG, M4A…) as a pydub AudioSegment of 16-bit PCM."""
    # From a file, not a pipe: an M4A usually keeps its index at the end, which a pipe
    # cannot seek to.
    with tempfile.NamedTemporaryFile(prefix="cortesia-upload-") as upload:
        upload.write(data)
        upload.flush()
        try:
            done = subprocess.run(
                [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-i", upload.name,
                 "-vn", "-acodec", "pcm_s16le", "-f", "wav", "pipe:1"],
                capture_output=True, timeout=DECODE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise DecodeError(f"decoding took longer than {DECODE_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0 or len(done.stdout) <= 44:   # a WAV header and nothing after it
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DecodeError(reason[-1] if reason else "no audio stream in the file")
    try:
        return AudioSegment.from_wav(io.BytesIO(done.stdout))
    except Exception as exc:  # pydub raises several kinds on a malformed stream
        raise DecodeError(f"unreadable audio: {exc}") from exc
