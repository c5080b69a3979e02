"""The timeline's words: every event the outbox records reads in Italian."""
import pytest

from console.filters import event_label


@pytest.mark.parametrize("kind", ["email_queued", "email_sent", "email_failed", "email_unknown",
                                  "email_settled"])
def test_every_mail_event_has_an_italian_label(kind):
    assert event_label(kind).startswith("Email")
