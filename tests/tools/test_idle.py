"""The simulator's skipping of idle ticks waits for the debtors' spoken messages too."""
from datetime import datetime, timedelta, timezone

from audio.voice_messages import FetchReport
from scheduler.tick import TickReport
from tests.audio.test_voice_messages import pending
from tools.idle import did_nothing, next_due

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)


class Nothing:
    """A pass that did nothing: every count zero."""

    ended = resumed = ()

    def __getattr__(self, name):
        return 0


def test_a_pending_voice_messages_next_try_is_something_to_wait_for(app, session):
    pending(session, created_at=NOW + timedelta(minutes=5))
    assert next_due(app, NOW) == NOW + timedelta(minutes=5)


def test_a_tick_that_kept_a_voice_message_did_something():
    idle = TickReport(Nothing(), Nothing(), Nothing(), Nothing())
    assert did_nothing(idle)
    busy = TickReport(Nothing(), Nothing(), Nothing(), Nothing(), FetchReport(kept=1))
    assert not did_nothing(busy)
