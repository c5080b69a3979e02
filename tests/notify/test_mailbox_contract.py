"""The `Mailbox` contract, held against both implementations: IMAP (against a real server on
loopback, pymap) and the in-memory fake. What one lists and marks, the other must."""
import pytest

from notify.mailbox import ImapMailbox, MailboxError, MemoryMailbox, pec_receipt
from tests.imap import PASSWORD, USER, imap_process, imap_server  # noqa: F401 - fixtures

LETTER = (b"From: avvocato@pec.example.test\r\nTo: acme@pec.example.test\r\n"
          b"Subject: Contestazione\r\n\r\nBuongiorno\r\n")


@pytest.fixture(params=["imap", "memory"])
def mailbox(request):
    """(deliver(bytes) -> id, open() -> Mailbox): put mail in, then read it."""
    if request.param == "imap":
        server = request.getfixturevalue("imap_server")
        opened = []

        def open_imap():
            opened.append(ImapMailbox(server.host, server.port, USER, PASSWORD, security="none"))
            return opened[-1]

        yield lambda message: str(server.deliver(message)), open_imap
        for box in opened:
            box.close()
        return
    memory = MemoryMailbox()
    yield memory.deliver, lambda: memory


def receipt(kind, reference):
    return pec_receipt(kind, reference, "sollecito", "acme@pec.example.test").as_bytes()


def test_only_unread_receipts_are_listed_oldest_first_and_stay_unread(mailbox):
    deliver, open_mailbox = mailbox
    first = deliver(receipt("accettazione", "<a@pec.example.test>"))
    deliver(LETTER)
    second = deliver(receipt("avvenuta-consegna", "<a@pec.example.test>"))
    box = open_mailbox()

    listed = box.unseen_receipts()

    assert [uid for uid, _ in listed] == [first, second]
    assert [h["X-Ricevuta"] for _, h in listed] == ["accettazione", "avvenuta-consegna"]
    assert listed[0][1]["X-Riferimento-Message-ID"] == "<a@pec.example.test>"
    assert [uid for uid, _ in box.unseen_receipts()] == [first, second]   # still unread


def test_a_receipt_marked_seen_is_not_listed_again(mailbox):
    deliver, open_mailbox = mailbox
    first = deliver(receipt("accettazione", "<a@pec.example.test>"))
    second = deliver(receipt("errore-consegna", "<b@pec.example.test>"))
    open_mailbox().mark_seen(first)
    assert [uid for uid, _ in open_mailbox().unseen_receipts()] == [second]


def test_an_empty_mailbox_lists_nothing(mailbox):
    _, open_mailbox = mailbox
    assert open_mailbox().unseen_receipts() == []


def test_an_imap_login_refused_is_a_mailbox_error(imap_server):
    with pytest.raises(MailboxError):
        ImapMailbox(imap_server.host, imap_server.port, USER, "wrong", security="none")


def test_an_unreachable_imap_server_is_a_mailbox_error(imap_server):
    with pytest.raises(MailboxError, match="cannot reach"):
        ImapMailbox(imap_server.host, imap_server.port + 1, USER, PASSWORD, security="none",
                    timeout=2)


def test_the_fake_fails_as_a_mailbox_that_cannot_be_read():
    memory = MemoryMailbox()
    memory.fail_with = "connection reset"
    with pytest.raises(MailboxError, match="connection reset"):
        memory.unseen_receipts()
