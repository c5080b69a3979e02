"""Recorded prompts made fit for the phone: 8 kHz mono WAV, levelled, without dead air.

A creditor's recording of a slot ("greeting_confirm", "notice", …) is played instead of the
synthesized text. Whatever common format comes in is decoded by ffmpeg; pydub does the rest,
and the result is measured, not trusted: a recording that is silent, or too long for a
courtesy call, is refused with the reason.
"""
import hashlib
import io
from dataclasses import dataclass

from audio.ffmpeg import DecodeError, decode

PHONE_FRAME_RATE = 8000          # what the telephone network carries anyway
TARGET_DBFS = -18.0              # average loudness after levelling: clear, not clipped
SILENCE_THRESHOLD_DBFS = -50.0   # quieter than this counts as silence
SILENCE_CHUNK_MS = 10
KEEP_SILENCE_MS = 150            # a breath at each end, so words are not clipped
MAX_SECONDS = 120
MIN_SECONDS = 0.3


class RecordingError(ValueError):
    """An upload that cannot be used, with the reason a person can act on."""


@dataclass(frozen=True)
class PreparedRecording:
    """The phone-ready audio and what was measured on it."""

    wav: bytes
    sha256: str
    duration_ms: int
    frame_rate: int
    channels: int
    dbfs: float


def prepare(data, max_seconds=MAX_SECONDS):
    """`data` (any common audio file) as a PreparedRecording; RecordingError if unusable."""
    if not data:
        raise RecordingError("the file is empty")
    try:
        sound = decode(data)
    except DecodeError as exc:
        raise RecordingError(f"not an audio file ffmpeg can read ({exc})") from None
    if len(sound) / 1000 > max_seconds * 1.5:   # before trimming: refuse the absurd early
        raise RecordingError(f"it lasts {len(sound) / 1000:.0f} s; at most {max_seconds} s")
    sound = sound.set_channels(1).set_frame_rate(PHONE_FRAME_RATE).set_sample_width(2)
    sound = trim_silence(sound)
    if sound.max_dBFS == float("-inf") or sound.max_dBFS < SILENCE_THRESHOLD_DBFS \
            or len(sound) < MIN_SECONDS * 1000:
        raise RecordingError("it is silent: nothing louder than "
                             f"{SILENCE_THRESHOLD_DBFS:.0f} dBFS was recorded")
    if len(sound) / 1000 > max_seconds:
        raise RecordingError(f"it lasts {len(sound) / 1000:.1f} s without the silence at its "
                             f"ends; at most {max_seconds} s")
    sound = level(sound)
    buffer = io.BytesIO()
    sound.export(buffer, format="wav")
    wav = buffer.getvalue()
    return PreparedRecording(wav=wav, sha256=hashlib.sha256(wav).hexdigest(),
                             duration_ms=len(sound), frame_rate=sound.frame_rate,
                             channels=sound.channels, dbfs=round(sound.dBFS, 1))


def trim_silence(sound):
    """Without the silence before the first and after the last sound, but a breath."""
    start = _leading_silence(sound)
    end = len(sound) - _leading_silence(sound.reverse())
    if end <= start:
        return sound[:0]
    return sound[max(0, start - KEEP_SILENCE_MS):min(len(sound), end + KEEP_SILENCE_MS)]


def level(sound):
    """Average loudness brought to TARGET_DBFS, never past full scale."""
    gain = TARGET_DBFS - sound.dBFS
    headroom = -1.0 - sound.max_dBFS   # keep 1 dB below clipping
    return sound.apply_gain(min(gain, headroom))


def _leading_silence(sound):
    from pydub.silence import detect_leading_silence

    return detect_leading_silence(sound, silence_threshold=SILENCE_THRESHOLD_DBFS,
                                  chunk_size=SILENCE_CHUNK_MS)
