"""Recordings made fit for the phone, measured on the result rather than trusted."""
import io

import pytest
from pydub import AudioSegment

from audio.recordings import KEEP_SILENCE_MS, TARGET_DBFS, RecordingError, prepare
from tests.audio.conftest import tone_wav


def test_any_common_format_becomes_8_khz_mono_wav_levelled_and_trimmed(upload):
    kind, data = upload
    prepared = prepare(data)
    sound = AudioSegment.from_wav(io.BytesIO(prepared.wav))
    assert (sound.channels, sound.frame_rate, sound.sample_width) == (1, 8000, 2)
    # The 2 s tone and a breath at each end; the 1.5 s and 1 s of silence are gone. Lossy
    # codecs pad a few tens of milliseconds.
    assert 2000 + 2 * KEEP_SILENCE_MS - 20 <= len(sound) <= 2000 + 2 * KEEP_SILENCE_MS + 120, kind
    assert abs(sound.dBFS - TARGET_DBFS) < 1.0 and sound.max_dBFS < -0.9
    assert prepared.duration_ms == len(sound)


def test_a_loud_recording_is_levelled_down_without_clipping():
    prepared = prepare(tone_wav(volume=-1.0))
    sound = AudioSegment.from_wav(io.BytesIO(prepared.wav))
    assert abs(sound.dBFS - TARGET_DBFS) < 1.0


def test_the_same_audio_has_the_same_content_address():
    assert prepare(tone_wav()).sha256 == prepare(tone_wav()).sha256
    assert prepare(tone_wav()).sha256 != prepare(tone_wav(seconds=1.0)).sha256


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"this is a spreadsheet, not a song", "not an audio file"),
    (tone_wav(volume=-90.0), "silent"),
])
def test_unusable_uploads_are_refused_with_the_reason(data, reason):
    with pytest.raises(RecordingError, match=reason):
        prepare(data)


def test_a_recording_longer_than_the_limit_is_refused():
    with pytest.raises(RecordingError, match="at most 1 s"):
        prepare(tone_wav(seconds=1.5, lead=0.1, trail=0.1), max_seconds=1)
