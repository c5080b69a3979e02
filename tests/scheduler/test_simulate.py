"""`flask simulate`: a campaign on a simulated clock reaches outcomes and prints its summary."""
import os

from scheduler.simulate import build_campaign_app, run_campaign, working_days

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "contacts.csv")


def test_working_days_skip_sundays_and_holidays():
    from datetime import date
    days = working_days(date(2026, 12, 5), 3, "IT")   # Sat 5, Sun 6 skipped, Mon 7, Tue 8 holiday
    assert days == [date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 9)]


def test_a_simulated_campaign_reaches_outcomes_and_reports_each_day(tmp_path):
    from datetime import date
    app = build_campaign_app(f"sqlite:///{tmp_path}/campaign.db", "7")
    summary = run_campaign(app, SAMPLE, 2, date(2026, 11, 24))
    app.extensions["cortesia.engine"].dispose()
    assert summary.positions == 11
    assert sum(summary.outcomes.values()) == 11 and summary.outcomes["pending"] < 11
    assert [day for day, _ in summary.reports] == [date(2026, 11, 24), date(2026, 11, 25)]
    assert all("reference" in text for _, text in summary.reports)
    assert set(summary.calls_per_window) <= {"08:30-12:00", "14:00-17:00", "18:00-21:00"}
