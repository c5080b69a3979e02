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
                                "last", "call"]
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
