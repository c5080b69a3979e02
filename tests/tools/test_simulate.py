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
