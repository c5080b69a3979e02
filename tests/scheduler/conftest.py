"""Fixtures of the dialer's tests: the app on Twilio REST against a local stand-in."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bench.twilio_standin import TwilioStandIn
from scheduler.pacing import VirtualClock

STANDIN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))
LEASE = 300


@pytest.fixture
def standin(app):
    """The app on Twilio REST, pointed at a local stand-in whose calls are created at 09:00."""
    with TwilioStandIn(clock=lambda: STANDIN_NOW) as server:
        app.config.update(TELEPHONY="twilio", TWILIO_ACCOUNT_SID="AC" + "2" * 32,
                          TWILIO_API_BASE_URL=server.url, DIAL_LEASE_SECONDS=LEASE)
        app.extensions["cortesia.dial_clock"] = VirtualClock()
        yield server
