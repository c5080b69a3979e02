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
from domain.wording import N_, Coded, register

PHONE_FRAME_RATE = 8000          # what the telephone network carries anyway
TARGET_DBFS = -18.0              # average loudness after levelling: clear, not clipped
SILENCE_THRESHOLD_DBFS = -50.0   # quieter than this counts as silence
SILENCE_CHUNK_MS = 10
KEEP_SILENCE_MS = 150            # a breath at each end, so words are not clipped
MAX_SECONDS = 120
MIN_SECONDS = 0.3


class RecordingError(Coded):
    """An upload that cannot be used: a code of MESSAGES and the facts a person acts on."""


MESSAGES = register({
    "recording_no_file": N_("choose an audio file"),
    "recording_empty": N_("the file is empty"),
    "recording_unreadable": N_("not an audio file ffmpeg can read ({detail})"),
    "recording_too_long_raw": N_("it lasts {seconds:.0f} s; at most {limit} s"),
    "recording_silent": N_("it is silent: nothing louder than {threshold:.0f} dBFS was recorded"),
    "recording_too_long": N_("it lasts {seconds:.1f} s without the silence at its ends; at most "
                             "{limit} s"),
})


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
        raise RecordingError("recording_empty")
    try:
        sound = decode(data)
    except DecodeError as exc:
        raise RecordingError("recording_unreadable", detail=str(exc)) from None
    if len(sound) / 1000 > max_seconds * 1.5:   # before trimming: refuse the absurd early
        raise RecordingError("recording_too_long_raw", seconds=len(sound) / 1000,
                             limit=max_seconds)
    sound = sound.set_channels(1).set_frame_rate(PHONE_FRAME_RATE).set_sample_width(2)
    sound = trim_silence(sound)
    if sound.max_dBFS == float("-inf") or sound.max_dBFS < SILENCE_THRESHOLD_DBFS \
            or len(sound) < MIN_SECONDS * 1000:
        raise RecordingError("recording_silent", threshold=SILENCE_THRESHOLD_DBFS)
    if len(sound) / 1000 > max_seconds:
        raise RecordingError("recording_too_long", seconds=len(sound) / 1000, limit=max_seconds)
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
