"""`flask positions`: what a newcomer looks at after the first dial pass."""
from tests.factories import make_attempt, make_creditor, make_position


def test_positions_show_outcome_attempts_and_the_last_call(runner, session):
    creditor = make_creditor(session)
    done = make_position(session, creditor, reference="P-1", outcome="confirmed")
    make_attempt(session, done, number=1, status="completed")
    make_position(session, creditor, reference="P-2", phone="+393339876543")
    result = runner.invoke(args=["positions", "--creditor", "Acme Energia"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["reference", "creditor", "name", "phone", "outcome", "attempts",
                                "last", "call", "status"]
    p1 = next(line for line in lines if line.startswith("P-1"))
    assert "confirmed" in p1 and "completed" in p1 and "+39333****567" in p1
    assert "+393331234567" not in result.output


def test_positions_filter_by_outcome(runner, session):
    creditor = make_creditor(session)
    make_position(session, creditor, reference="P-1", outcome="opted_out")
    make_position(session, creditor, reference="P-2", phone="+393339876543")
    result = runner.invoke(args=["positions", "--outcome", "pending"])
    assert "P-2" in result.output and "P-1" not in result.output


def test_an_unknown_creditor_is_named_in_the_error(runner, session):
    make_creditor(session)
    result = runner.invoke(args=["positions", "--creditor", "Nobody"])
    assert result.exit_code != 0 and "no creditor named 'Nobody'" in result.output


def test_positions_show_and_filter_the_status(runner, session):
    creditor = make_creditor(session)
    make_position(session, creditor, reference="P-1", status="paid")
    make_position(session, creditor, reference="P-2", phone="+393339876543")
    result = runner.invoke(args=["positions", "--status", "paid"])
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.output.splitlines() if line.startswith("P-")]
    assert row.startswith("P-1") and row.split()[-1] == "paid"


def test_attempts_count_every_call_round(runner, session):
    creditor = make_creditor(session, playbook="cortesia-30")
    position = make_position(session, creditor, reference="P-1", round=2)
    make_attempt(session, position, round=1, number=1, status="no-answer")
    make_attempt(session, position, round=2, number=1, status="completed")
    result = runner.invoke(args=["positions"])
    row = next(line for line in result.output.splitlines() if line.startswith("P-1"))
    assert row.split()[-3:] == ["2", "completed", "open"]
