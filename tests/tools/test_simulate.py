"""`flask simulate`: a campaign on a simulated clock reaches outcomes and prints its summary."""
import os

from app import create_app
from tools.simulate import build_campaign_app, run_campaign, working_days

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "contacts.csv")


def test_working_days_skip_sundays_and_holidays():
    from datetime import date
    days = working_days(date(2026, 12, 5), 3, "IT")   # Sat 5, Sun 6 skipped, Mon 7, Tue 8 holiday
    assert days == [date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 9)]


def test_a_simulated_campaign_reaches_outcomes_and_reports_each_day(tmp_path):
    from datetime import date
    app = build_campaign_app(create_app, f"sqlite:///{tmp_path}/campaign.db", "7")
    summary = run_campaign(app, SAMPLE, 2, date(2026, 11, 24))
    app.extensions["cortesia.engine"].dispose()
    assert summary.positions == 11
    assert sum(summary.outcomes.values()) == 11 and summary.outcomes["pending"] < 11
    assert [day for day, _ in summary.reports] == [date(2026, 11, 24), date(2026, 11, 25)]
    assert all("reference" in text for _, text in summary.reports)
    assert set(summary.calls_per_window) <= {"08:30-12:00", "14:00-17:00", "18:00-21:00"}


def test_the_simulate_command_prints_each_days_report_and_the_summary(runner):
    result = runner.invoke(args=["simulate", "--contacts", SAMPLE, "--days", "2", "--seed", "3",
                                 "--start", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "# report 2026-11-24" in result.output and "# report 2026-11-25" in result.output
    assert "11 positions" in result.output
    assert "answer rate per window" in result.output and "08:30-12:00" in result.output


def test_a_seeded_campaign_replays_the_same(runner):
    def summary():
        result = runner.invoke(args=["simulate", "--contacts", SAMPLE, "--days", "2",
                                     "--seed", "11", "--start", "2026-11-24", "--quiet"])
        assert result.exit_code == 0, result.output
        return result.output[result.output.index("positions"):]

    assert summary() == summary()


def test_a_start_that_is_not_a_date_is_refused(runner):
    result = runner.invoke(args=["simulate", "--contacts", SAMPLE, "--start", "tomorrow"])
    assert result.exit_code == 2 and "not a date" in result.output


def write_contacts(path, count):
    """`count` debtors on mobiles, every fourth without an email address."""
    lines = ["Riferimento;Nominativo;Telefono;Email;PEC;Importo;Valuta;Scadenza;Fattura;"
             "Codice verifica;Lingua"]
    for n in range(1, count + 1):
        email = "" if n % 4 == 0 else f"debitore{n}@example.it"
        lines.append(f"SIM-{n:04d};Debitore {n};+39 347 100 {n:04d};{email};;{100 + n},00;EUR;"
                     f"15/10/2026;FT-{n};;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_cortesia_month_adds_up_step_by_step_and_paid_positions_get_nothing_after(
        database_url, tmp_path):
    from datetime import date

    from sqlalchemy import select

    from db import session_scope
    from db.models import Attempt, Event, OutgoingMail
    app = build_campaign_app(create_app, database_url, "5")
    summary = run_campaign(app, write_contacts(tmp_path / "list.csv", 20), 30,
                           date(2026, 11, 24), every_minutes=60, playbook="cortesia-30", seed="5")
    phase = summary.phase
    assert sum(phase.statuses.values()) == 20
    assert set(phase.statuses) <= {"paid", "ended", "disputed"} and phase.statuses["paid"] > 0
    paid_so_far = phase.paid_before_any_step
    for figures in phase.steps:
        assert figures.ran + sum(figures.skipped.values()) + sum(figures.stopped.values()) \
            == 20 - paid_so_far, figures
        if not figures.is_call:
            assert figures.contacts == figures.ran   # every queued message was sent
        paid_so_far += figures.paid_after
    assert paid_so_far == phase.statuses["paid"]
    assert phase.steps[0].skipped["no_email"] == 5
    with session_scope(app) as session:
        payments = session.execute(select(Event.position_id, Event.at).where(
            Event.kind == "payment", Event.source == "simulator")).all()
        assert len(payments) == phase.statuses["paid"]
        for position_id, paid_at in payments:
            assert not session.scalars(select(Attempt.id).where(
                Attempt.position_id == position_id, Attempt.placed_at > paid_at)).all()
            assert not session.scalars(select(OutgoingMail.id).where(
                OutgoingMail.position_id == position_id, OutgoingMail.sent_at > paid_at)).all()
            assert not session.scalars(select(Event.id).where(
                Event.position_id == position_id, Event.kind == "step",
                Event.at > paid_at)).all()
    app.extensions["cortesia.engine"].dispose()


def test_the_simulate_command_prints_the_month_step_by_step(runner, tmp_path):
    result = runner.invoke(args=["simulate", "--contacts", write_contacts(tmp_path / "l.csv", 8),
                                 "--days", "30", "--playbook", "cortesia-30", "--seed", "2",
                                 "--start", "2026-11-24", "--every", "120", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "playbook cortesia-30, step by step:" in result.output
    assert "0: 0 email verifica_contabile" in result.output and "6: 25 call" in result.output
    assert "final statuses:" in result.output and "ended" in result.output


def test_a_playbook_of_the_creditors_own_with_an_sms_step_is_simulated(runner, tmp_path):
    playbook = tmp_path / "steps.txt"
    playbook.write_text("0 sms\n1 email sollecito\n3 end\n", encoding="utf-8")
    result = runner.invoke(args=["simulate", "--contacts", write_contacts(tmp_path / "l.csv", 6),
                                 "--days", "3", "--playbook-file", str(playbook), "--seed", "4",
                                 "--start", "2026-11-24", "--every", "120", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "playbook custom, step by step:" in result.output
    sms_line = next(line for line in result.output.splitlines() if "0: 0 sms" in line)
    assert "1: 1 email sollecito" in result.output and "ended" in result.output
    ran, sent = int(sms_line.split()[4]), int(sms_line.split()[5])
    assert ran == sent == 6   # every SMS queued was sent, through the simulator


def test_a_playbook_file_that_is_wrong_is_refused_with_its_line(runner, tmp_path):
    playbook = tmp_path / "steps.txt"
    playbook.write_text("0 email sollecito\n2 fax\n", encoding="utf-8")
    result = runner.invoke(args=["simulate", "--contacts", write_contacts(tmp_path / "l.csv", 2),
                                 "--playbook-file", str(playbook)])
    assert result.exit_code == 2 and "line 2" in result.output


def test_skipping_the_ticks_that_can_do_nothing_replays_the_same_month(tmp_path):
    import re
    from datetime import date

    from sqlalchemy import select

    from db import session_scope
    from db.models import Attempt, Event, OutgoingMail

    RANDOM = ("timestamp", "call_sid")   # a simulated call's sid is never seeded

    def month(skip_idle):
        app = build_campaign_app(create_app, f"sqlite:///{tmp_path}/{skip_idle}.db", "9")
        run_campaign(app, write_contacts(tmp_path / "list.csv", 12), 30, date(2026, 11, 24),
                     every_minutes=30, playbook="cortesia-30", seed="9", skip_idle=skip_idle)
        with session_scope(app) as session:
            events = [(e.position_id, e.kind, re.sub(r"CA[0-9a-f]{32}", "", e.source),
                       e.at, sorted((k, v) for k, v in e.detail.items() if k not in RANDOM))
                      for e in session.scalars(select(Event).where(Event.kind != "imported")
                                               .order_by(Event.id))]
            attempts = session.execute(select(
                Attempt.position_id, Attempt.round, Attempt.number, Attempt.status,
                Attempt.due_at, Attempt.placed_at).order_by(Attempt.id)).all()
            mails = session.execute(select(OutgoingMail.position_id, OutgoingMail.kind,
                                           OutgoingMail.sent_at).order_by(OutgoingMail.id)).all()
        app.extensions["cortesia.engine"].dispose()
        return events, attempts, mails

    skipping, every_tick = month(True), month(False)
    for mine, theirs in zip(skipping, every_tick):
        first = next((i for i, pair in enumerate(zip(mine, theirs)) if pair[0] != pair[1]), None)
        assert first is None, (mine[first], theirs[first])
        assert len(mine) == len(theirs)
    assert len(skipping[0]) > 100


def test_a_phase_is_simulated_through_its_working_day_n_saturdays_included():
    from datetime import date

    from domain.playbooks import BUILT_IN
    from tools.simulate import simulated_days
    days = simulated_days(date(2026, 11, 24), 30, "IT", BUILT_IN["cortesia-30"])
    # Tue 24 Nov is day 0; working day 30 (Mon-Fri, not 8 and 25 Dec, 1 and 6 Jan) is Mon 11 Jan.
    assert days[0] == date(2026, 11, 24) and days[-1] == date(2027, 1, 11)
    assert date(2026, 11, 28) in days and date(2026, 11, 29) not in days   # Saturday, Sunday
    assert len(simulated_days(date(2026, 11, 24), 2, "IT", BUILT_IN["primo-sollecito"])) == 2


def test_calls_run_in_worker_processes_replay_the_same_month(tmp_path):
    import re
    from collections import Counter
    from datetime import date

    from sqlalchemy import select

    from db import session_scope
    from db.models import Attempt, Event, OutgoingMail, Position
    from tools.simulate import close_campaign_app

    def month(processes):
        app = build_campaign_app(create_app, f"sqlite:///{tmp_path}/{processes}.db", "4",
                                 processes=processes)
        try:
            summary = run_campaign(app, write_contacts(tmp_path / "list.csv", 16), 30,
                                   date(2026, 11, 24), every_minutes=30, playbook="cortesia-30",
                                   seed="4")
            with session_scope(app) as session:
                # Calls running side by side write their rows in another order: compare each
                # position's own history.
                events = Counter((e.position_id, e.kind, e.at, re.sub(r"CA[0-9a-f]{32}", "",
                                                                      e.source))
                                 for e in session.scalars(select(Event).where(
                                     Event.kind != "imported")))
                attempts = Counter(session.execute(select(
                    Attempt.position_id, Attempt.number, Attempt.status, Attempt.outcome,
                    Attempt.placed_at)).all())
                mails = Counter(session.execute(select(
                    OutgoingMail.position_id, OutgoingMail.kind, OutgoingMail.sent_at)).all())
                statuses = Counter(session.scalars(select(Position.status)))
        finally:
            close_campaign_app(app)
        return summary, events, attempts, mails, statuses

    here, *here_rows = month(1)
    beside, *beside_rows = month(2)
    for a, b in zip(here_rows, beside_rows):
        assert a - b == b - a, (sorted((a - b).items())[:8], sorted((b - a).items())[:8])
    assert (here.outcomes, here.calls_per_window, here.phase.statuses) == \
        (beside.outcomes, beside.calls_per_window, beside.phase.statuses)
    assert sum(here_rows[1].values()) > 20     # calls were placed, in both


def test_a_campaign_of_a_creditor_that_requires_a_code_runs_and_tells_no_notice_without_one(
        tmp_path):
    from datetime import date

    from sqlalchemy import select

    from db import session_scope
    from db.models import Position

    app = build_campaign_app(create_app, f"sqlite:///{tmp_path}/campaign.db", "7")
    summary = run_campaign(app, SAMPLE, 2, date(2026, 11, 24), require_code=True)
    with session_scope(app) as session:
        uncoded = session.execute(select(Position.outcome, Position.status).where(
            Position.verification_code.is_(None))).all()
    app.extensions["cortesia.engine"].dispose()
    assert summary.positions == 11 and len(uncoded) >= 5
    told = {"confirmed", "promised", "declared_paid", "disputed", "identity_failed"}
    assert not [outcome for outcome, _ in uncoded if outcome in told]
    assert summary.outcomes["pending"] < 11


def test_the_simulate_command_takes_require_code(runner):
    result = runner.invoke(args=["simulate", "--contacts", SAMPLE, "--days", "1", "--seed", "3",
                                 "--start", "2026-11-24", "--quiet", "--require-code"])
    assert result.exit_code == 0, result.output
    assert "11 positions" in result.output
