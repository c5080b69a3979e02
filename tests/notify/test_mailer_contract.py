"""The `Mailer` contract, held against both implementations: the SMTP mailer (against a real
aiosmtpd server on loopback) and the MemoryMailer. Where the SMTP one fails, the fake must fail
the same way, so the outbox's tests on the fake say what happens on a real server."""
import pytest

from notify.mailer import MailError, MailFateUnknown, MemoryMailer, SMTPMailer, build_message
from tests.notify.test_mailer import outgoing
from tests.smtp import MAIL_FROM, LoopbackSMTP

REFUSED = "mario.rossi@example.test"


class SMTPWorld:
    """The SMTP mailer and the server it talks to, driven into each situation."""

    def __init__(self):
        self.server = LoopbackSMTP()
        self.server.start()
        self.mailer = SMTPMailer(self.server.host, self.server.port, timeout=0.5)

    def delivered(self):
        return self.server.messages

    def refuse(self, address):
        self.server.handler.refuse.add(address)

    def go_down(self):
        self.server.stop()

    def lose_the_reply_to_data(self):
        self.server.handler.hold = "DATA"

    def close(self):
        self.server.handler.release()
        self.server.stop()


class MemoryWorld:
    def __init__(self):
        self.mailer = MemoryMailer()

    def delivered(self):
        return self.mailer.sent

    def refuse(self, address):
        self.mailer.refuse.add(address)

    def go_down(self):
        self.mailer.fail_with = "ConnectionRefusedError: [Errno 111] Connection refused"

    def lose_the_reply_to_data(self):
        self.mailer.lose_reply_with = "TimeoutError: timed out"

    def close(self):
        pass


@pytest.fixture(params=["smtp", "memory"])
def world(request):
    world = SMTPWorld() if request.param == "smtp" else MemoryWorld()
    yield world
    world.close()


def message(**fields):
    return build_message(outgoing(**fields), MAIL_FROM)


def send(world, mail, seen):
    world.mailer.send(mail, before_data=lambda: seen.append(len(world.delivered())))


def test_a_delivered_message_calls_before_data_once_before_the_server_has_it(world):
    seen = []
    assert send(world, message(), seen) is None
    assert seen == [0]
    assert [m["Subject"] for m in world.delivered()] == ["Promemoria di pagamento da Acme Città"]


def test_a_refused_recipient_is_a_plain_mail_error_before_data(world):
    world.refuse(REFUSED)
    seen = []
    with pytest.raises(MailError, match="550") as raised:
        send(world, message(), seen)
    assert not isinstance(raised.value, MailFateUnknown)
    assert seen == [] and world.delivered() == []


def test_a_message_without_recipients_is_refused_before_data(world):
    mail = message()
    del mail["To"]
    seen = []
    with pytest.raises(MailError, match="recipient refused") as raised:
        send(world, mail, seen)
    assert not isinstance(raised.value, MailFateUnknown) and seen == []


def test_one_refused_recipient_of_two_still_delivers_to_the_other(world):
    world.refuse(REFUSED)
    seen = []
    send(world, message(to_address=f"{REFUSED}, anna.bianchi@example.test"), seen)
    assert seen == [0] and len(world.delivered()) == 1


def test_a_server_that_is_down_is_a_plain_mail_error_before_data(world):
    world.go_down()
    seen = []
    with pytest.raises(MailError) as raised:
        send(world, message(), seen)
    assert not isinstance(raised.value, MailFateUnknown) and seen == []


def test_a_lost_reply_to_data_is_an_unknown_fate_and_the_server_may_have_it(world):
    world.lose_the_reply_to_data()
    seen = []
    with pytest.raises(MailFateUnknown):
        send(world, message(), seen)
    assert seen == [0] and len(world.delivered()) == 1


def test_a_failing_before_data_stops_the_message_and_its_error_comes_through(world):
    def commit_fails():
        raise RuntimeError("the outbox could not commit")

    with pytest.raises(RuntimeError, match="could not commit"):
        world.mailer.send(message(), before_data=commit_fails)
    assert world.delivered() == []
