"""A creditor's own wording and recordings, kept per process by the webhooks (ivr.wording):
read once per change, and every change heard from the next turn on, whoever made it."""
import xml.etree.ElementTree as ET

from sqlalchemy import event

from tests.audio.conftest import tone_wav
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

SID = "CA" + "1" * 32


def answered(client, session, creditor, n):
    """The TwiML of a fresh call of `creditor`'s, answered by a person."""
    position = make_position(session, creditor, reference=f"W-{n}", phone=f"+39333123{n:04d}")
    attempt = make_attempt(session, position)
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": SID[:-4] + f"{n:04d}", "AnsweredBy": "human"})
    assert response.status_code == 200
    return ET.fromstring(response.data)


def spoken(twiml):
    return " ".join(s.text for s in twiml.iter("Say"))


def played(twiml):
    return [p.text for p in twiml.iter("Play")]


def test_changes_of_wording_and_recordings_are_heard_on_the_next_call(morning_calls, client, runner,
                                                                      session, tmp_path):
    creditor = make_creditor(session, name="Acme")
    assert "Buongiorno" in spoken(answered(client, session, creditor, 1))
    for slot in ("greeting_confirm", "greeting_code"):
        result = runner.invoke(args=["prompt", "text", slot, "Salve da {creditor}, {name}?",
                                     "--creditor", "Acme"])
        assert result.exit_code == 0, result.output
    assert "Salve da Acme, Mario Rossi?" in spoken(answered(client, session, creditor, 2))

    for slot in ("greeting_confirm", "greeting_code"):
        assert runner.invoke(args=["prompt", "text", slot, "--reset",
                                   "--creditor", "Acme"]).exit_code == 0
    twiml = answered(client, session, creditor, 3)
    assert "Buongiorno" in spoken(twiml) and "Salve" not in spoken(twiml)

    wav = tmp_path / "saluto.wav"
    wav.write_bytes(tone_wav())
    for slot in ("greeting_confirm.1", "greeting_code.1"):
        result = runner.invoke(args=["prompt", "upload", slot, str(wav), "--creditor", "Acme"])
        assert result.exit_code == 0, result.output
    twiml = answered(client, session, creditor, 4)
    assert any("/audio/recordings/" in url for url in played(twiml))
    assert "Buongiorno" not in spoken(twiml) and "Mario Rossi" in spoken(twiml)

    for slot in ("greeting_confirm.1", "greeting_code.1"):
        assert runner.invoke(args=["prompt", "remove", slot, "--creditor", "Acme"]).exit_code == 0
    twiml = answered(client, session, creditor, 5)
    assert not played(twiml) and "Buongiorno" in spoken(twiml)

def test_a_turn_reads_the_wording_only_when_it_changed(app, client, runner, session):
    creditor = make_creditor(session, name="Acme")
    other = make_creditor(session, name="Beta", caller_id="+390212345679")
    statements = []
    engine = app.extensions["cortesia.engine"]

    def keep(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        def wording_reads(creditor, n):
            statements.clear()
            answered(client, session, creditor, n)
            return sum("prompt_texts" in s or "FROM recordings" in s for s in statements)

        assert wording_reads(creditor, 1) == 2          # read once for this process
        assert wording_reads(creditor, 2) == 0
        assert wording_reads(other, 3) == 2             # each creditor its own
        runner.invoke(args=["prompt", "text", "menu", "Scelga.", "--creditor", "Acme"])
        assert wording_reads(creditor, 4) == 2          # changed: read again
        assert wording_reads(creditor, 5) == 0
        assert wording_reads(other, 6) == 0
    finally:
        event.remove(engine, "before_cursor_execute", keep)
