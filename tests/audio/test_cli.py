"""`flask prompt upload|list|remove`: what a creditor's admin sees and what is stored."""
import io

from pydub import AudioSegment
from sqlalchemy import select

from db.models import Recording
from tests.audio.conftest import encode, tone_wav
from tests.factories import make_creditor


def upload(runner, tmp_path, slot="menu", data=None, name="voce.mp3", *extra):
    path = tmp_path / name
    path.write_bytes(encode(tone_wav(), "mp3") if data is None else data)
    return runner.invoke(args=["prompt", "upload", slot, str(path), "--creditor", "Acme", *extra])


def test_an_uploaded_mp3_is_stored_as_phone_ready_wav(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    result = upload(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Recorded 'menu' (it) for 'Acme'" in result.output and "8000 Hz" in result.output
    recording = session.scalar(select(Recording))
    sound = AudioSegment.from_wav(io.BytesIO(recording.wav))
    assert (sound.channels, sound.frame_rate) == (1, 8000)
    assert (recording.slot, recording.language, recording.original_name) == \
        ("menu", "it", "voce.mp3")


def test_a_new_upload_replaces_the_slots_recording(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    upload(runner, tmp_path)
    upload(runner, tmp_path, "menu", tone_wav(seconds=1.0), "corta.wav")
    session.expire_all()
    (recording,) = session.scalars(select(Recording)).all()
    assert recording.original_name == "corta.wav" and recording.duration_ms < 1500


def test_the_english_recording_is_kept_apart(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    assert upload(runner, tmp_path, "notice.1", None, "it.mp3").exit_code == 0
    assert upload(runner, tmp_path, "notice.1", None, "en.mp3", "--language", "en").exit_code == 0
    languages = sorted(session.scalars(select(Recording.language)))
    assert languages == ["en", "it"]


def test_unusable_uploads_change_nothing_and_say_why(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    silent = upload(runner, tmp_path, "notice.1", tone_wav(volume=-90.0), "muta.wav")
    assert silent.exit_code == 1 and "muta.wav: it is silent" in silent.output
    garbage = upload(runner, tmp_path, "notice.1", b"PK\x03\x04 a spreadsheet", "lista.xlsx")
    assert garbage.exit_code == 1 and "not an audio file" in garbage.output
    slot = upload(runner, tmp_path, "saluti")
    assert slot.exit_code == 1 and "no prompt slot 'saluti'" in slot.output
    assert "notice.1" in slot.output   # the message lists the slots there are
    whole = upload(runner, tmp_path, "notice")   # it has the debtor's values in it: in pieces
    assert whole.exit_code == 1 and "no prompt slot 'notice'" in whole.output
    assert session.scalar(select(Recording)) is None


def test_an_unknown_creditor_is_named_with_the_known_ones(runner, session, tmp_path):
    make_creditor(session, name="Beta")
    result = upload(runner, tmp_path)
    assert result.exit_code == 1 and "no creditor named 'Acme' (known: Beta)" in result.output


def test_list_shows_each_slot_recorded_or_synthesized_and_remove_goes_back(runner, session,
                                                                          tmp_path):
    make_creditor(session, name="Acme")
    upload(runner, tmp_path, "notice.1")
    listed = runner.invoke(args=["prompt", "list", "--creditor", "Acme"]).output
    rows = {line.split()[2]: line for line in listed.splitlines()[2:]}
    assert "recorded, 2.3 s" in rows["notice.1"] and "La informiamo che" in rows["notice.1"]
    assert "synthesized" in rows["greeting_confirm.1"] and "{creditor}" in rows["greeting_confirm.1"]
    assert "synthesized" in rows["menu"]
    removed = runner.invoke(args=["prompt", "remove", "notice.1", "--creditor", "Acme"])
    assert removed.exit_code == 0, removed.output
    again = runner.invoke(args=["prompt", "remove", "notice.1", "--creditor", "Acme"])
    assert again.exit_code == 1 and "has no recording" in again.output
