"""PEC receipts read back from a real IMAP server on loopback (pymap) and filed once each; the
in-memory mailbox stands in for it where no server runs (`simulate`)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from db import session_scope
from db.models import Event, OutboxReceipt, OutgoingMail
from notify.mailbox import MemoryMailbox, pec_receipt, set_pec_mailbox
from notify.messages import queue_message
from notify.outbox import flush_outbox
from notify.pec_receipts import read_pec_receipts
from tests.factories import make_creditor, make_position
from tests.imap import PASSWORD, USER, imap_process, imap_server  # noqa: F401 - fixtures
from tests.smtp import pec_app, pec_server  # noqa: F401 - fixtures

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def reader(pec_app, imap_server):
    """The app, sending PEC through the loopback SMTP server and reading its receipts from the
    loopback IMAP server."""
    pec_app.config.update(PEC_IMAP_HOST=imap_server.host, PEC_IMAP_PORT=imap_server.port,
                          PEC_IMAP_SECURITY="none", PEC_USERNAME=USER, PEC_PASSWORD=PASSWORD)
    return pec_app


@pytest.fixture
def sent_pec(reader, session, pec_server):
    """A PEC sent through the loopback server: (its outbox id, the Message-ID the server saw)."""
    position = make_position(session, make_creditor(session), pec="mario@pec.example.test")
    mail = queue_message(reader, session, position, "pec", "sollecito_oneri", NOW, "step:1:4")
    session.commit()
    assert flush_outbox(reader, NOW).sent == 1
    return mail.id, pec_server.messages[0]["Message-ID"]


def receipt(kind, reference):
    """A receipt as a PEC provider writes it, about the message `reference`."""
    return pec_receipt(kind, reference, "sollecito", USER).as_bytes()


def filed(app, mail_id):
    with session_scope(app) as session:
        mail = session.get(OutgoingMail, mail_id)
        receipts = session.scalars(select(OutboxReceipt.kind).where(
            OutboxReceipt.mail_id == mail_id).order_by(OutboxReceipt.id)).all()
        events = session.scalars(select(Event.kind).where(Event.kind.like("pec_%"))
                                 .order_by(Event.id)).all()
        return mail.delivery, mail.delivered_at, receipts, events


def test_the_acceptance_and_delivery_receipts_are_filed_and_marked_seen(reader, imap_server,
                                                                        sent_pec):
    mail_id, message_id = sent_pec
    first = imap_server.deliver(receipt("accettazione", message_id))
    second = imap_server.deliver(receipt("avvenuta-consegna", message_id))

    report = read_pec_receipts(reader, LATER)

    assert (report.filed, report.unmatched, report.error) == (2, 0, None)
    assert filed(reader, mail_id) == ("delivered", LATER,
                                      ["pec:accettazione", "pec:avvenuta-consegna"],
                                      ["pec_sent", "pec_accepted", "pec_delivered"])
    flags = imap_server.flags()
    assert "\\Seen" in flags[first] and "\\Seen" in flags[second]
    assert read_pec_receipts(reader, LATER + timedelta(hours=1)).filed == 0


def test_a_failed_delivery_is_filed_as_not_delivered(reader, imap_server, sent_pec):
    mail_id, message_id = sent_pec
    imap_server.deliver(receipt("accettazione", message_id))
    imap_server.deliver(receipt("errore-consegna", message_id))
    read_pec_receipts(reader, LATER)
    delivery, delivered_at, _, events = filed(reader, mail_id)
    assert (delivery, delivered_at, events[-1]) == ("not_delivered", None, "pec_not_delivered")


def test_an_acceptance_read_after_the_delivery_does_not_undo_it(reader, imap_server, sent_pec):
    mail_id, message_id = sent_pec
    imap_server.deliver(receipt("avvenuta-consegna", message_id))
    read_pec_receipts(reader, LATER)
    imap_server.deliver(receipt("accettazione", message_id))
    assert read_pec_receipts(reader, LATER + timedelta(minutes=1)).filed == 1
    assert filed(reader, mail_id)[0] == "delivered"


def test_mail_that_is_not_a_receipt_and_receipts_not_ours_are_left_unread(reader, imap_server,
                                                                          sent_pec):
    mail_id, _ = sent_pec
    letter = imap_server.deliver(b"From: avvocato@pec.example.test\r\nTo: " + USER.encode()
                                 + b"\r\nSubject: Contestazione\r\n\r\nBuongiorno\r\n")
    stranger = imap_server.deliver(receipt("accettazione", "<someone-else@pec.example.test>"))

    report = read_pec_receipts(reader, LATER)

    assert (report.filed, report.unmatched) == (0, 1)
    flags = imap_server.flags()
    assert "\\Seen" not in flags[letter] and "\\Seen" not in flags[stranger]
    assert filed(reader, mail_id)[2] == []


def test_a_receipt_filed_but_not_marked_seen_is_filed_once(reader, imap_server, sent_pec):
    mail_id, message_id = sent_pec
    imap_server.deliver(receipt("avvenuta-consegna", message_id))
    read_pec_receipts(reader, LATER)
    # As if the reader had stopped between filing and marking it: the same receipt again.
    imap_server.deliver(receipt("avvenuta-consegna", message_id))

    report = read_pec_receipts(reader, LATER + timedelta(minutes=1))

    assert (report.filed, report.repeated) == (0, 1)
    assert filed(reader, mail_id)[3] == ["pec_sent", "pec_delivered"]


def test_an_unreachable_mailbox_is_reported_not_raised(reader, imap_server):
    imap_server_port = reader.config["PEC_IMAP_PORT"]
    reader.config["PEC_IMAP_PORT"] = imap_server_port + 1 if imap_server_port < 65535 else 1
    report = read_pec_receipts(reader, LATER)
    assert report.error and "cannot read the PEC mailbox" in report.error
    reader.config.update(PEC_IMAP_PORT=imap_server_port, PEC_PASSWORD="wrong")
    assert "cannot read the PEC mailbox" in read_pec_receipts(reader, LATER).error


def test_without_an_imap_host_nothing_is_read(app):
    report = read_pec_receipts(app, LATER)
    assert not report.configured and "PEC_IMAP_HOST not set" in report.summary()


def test_receipts_are_read_from_the_mailbox_a_simulation_sets(pec_app, session, pec_server):
    position = make_position(session, make_creditor(session), pec="mario@pec.example.test")
    mail = queue_message(pec_app, session, position, "pec", "sollecito", NOW, "step:1:4")
    session.commit()
    flush_outbox(pec_app, NOW)
    mailbox = MemoryMailbox()
    set_pec_mailbox(pec_app, mailbox)
    uid = mailbox.deliver(pec_receipt("avvenuta-consegna", pec_server.messages[0]["Message-ID"]))

    assert read_pec_receipts(pec_app, LATER).filed == 1
    assert filed(pec_app, mail.id)[0] == "delivered" and mailbox.seen(uid)
