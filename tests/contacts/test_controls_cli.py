"""`flask creditor pause|resume NAME`: the campaign paused and resumed from the command line,
with the reason kept in the creditor's events; refusals in English, exit status 1."""
from datetime import datetime, timezone

from sqlalchemy import select

from db.models import Creditor, CreditorEvent
from tests.factories import make_creditor

AT = "2026-11-23T10:00Z"


def creditor_named(session, name="Acme Energia"):
    session.expire_all()
    return session.scalar(select(Creditor).where(Creditor.name == name))


def test_pause_and_resume_from_the_command_line(runner, session):
    make_creditor(session)
    result = runner.invoke(args=["creditor", "pause", "Acme Energia", "--reason",
                                 "verifica dei dati", "--now", AT])
    assert result.exit_code == 0, result.output
    assert "Paused the campaign of 'Acme Energia'" in result.output
    creditor = creditor_named(session)
    assert (creditor.paused_at, creditor.paused_by) == \
        (datetime(2026, 11, 23, 10, tzinfo=timezone.utc), "command line")
    assert "Acme Energia [paused]" in runner.invoke(args=["creditor", "list"]).output
    result = runner.invoke(args=["creditor", "resume", "Acme Energia"])
    assert result.exit_code == 0, result.output
    assert creditor_named(session).paused_at is None
    assert "[paused]" not in runner.invoke(args=["creditor", "list"]).output
    events = session.scalars(select(CreditorEvent).order_by(CreditorEvent.id)).all()
    assert [(e.kind, e.source, e.detail.get("reason")) for e in events] == [
        ("paused", "command line", "verifica dei dati"), ("resumed", "command line", None)]


def test_the_command_line_refuses_in_english(runner, session):
    make_creditor(session)
    result = runner.invoke(args=["creditor", "resume", "Acme Energia"])
    assert result.exit_code == 1
    assert "the campaign of Acme Energia is not paused" in result.output
    missing = runner.invoke(args=["creditor", "pause", "Acme Energia"])
    assert missing.exit_code == 2 and "--reason" in missing.output
    unknown = runner.invoke(args=["creditor", "pause", "Nobody", "--reason", "x"])
    assert unknown.exit_code == 1 and "no creditor named 'Nobody'" in unknown.output
