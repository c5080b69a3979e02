"""Audio made in the test itself: a tone between silences, encoded in the formats people upload."""
import io
import os
import subprocess
import tempfile

import pytest
from pydub import AudioSegment
from pydub.generators import Sine

from audio.ffmpeg import ffmpeg_binary

# ffmpeg's muxer and codec for each upload format.
ENCODINGS = {"mp3": ("mp3", "libmp3lame"), "ogg": ("ogg", "libvorbis"), "m4a": ("ipod", "aac")}


def tone_wav(seconds=2.0, lead=1.5, trail=1.0, volume=-30.0, rate=44100, channels=2):
    """`seconds` of 440 Hz between `lead` and `trail` seconds of silence, as WAV bytes."""
    quiet = AudioSegment.silent(duration=int(lead * 1000), frame_rate=rate)
    end = AudioSegment.silent(duration=int(trail * 1000), frame_rate=rate)
    tone = Sine(440, sample_rate=rate).to_audio_segment(duration=int(seconds * 1000),
                                                         volume=volume)
    buffer = io.BytesIO()
    (quiet + tone + end).set_channels(channels).export(buffer, format="wav")
    return buffer.getvalue()


def encode(wav, kind):
    """`wav` encoded as a file of `kind` would be (an M4A with its index at the end)."""
    muxer, codec = ENCODINGS[kind]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"upload.{kind}")
        done = subprocess.run([ffmpeg_binary(), "-loglevel", "error", "-f", "wav", "-i",
                               "pipe:0", "-c:a", codec, "-f", muxer, path],
                              input=wav, capture_output=True)
        assert done.returncode == 0, done.stderr
        with open(path, "rb") as encoded:
            return encoded.read()


@pytest.fixture(params=["wav", "mp3", "ogg", "m4a"])
def upload(request):
    """(format, bytes) of a 2 s tone with 1.5 s of silence before and 1 s after it."""
    wav = tone_wav()
    return request.param, wav if request.param == "wav" else encode(wav, request.param)
