"""A whole courtesy phase replayed from the command line, `tick --now` day by day: real SMTP
servers for mail and PEC, a real IMAP server for the PEC receipts, the simulator for calls and
SMS. Six debtors, each a rule of SPEC §4:

- `pays`     confirms on the day-2 call; the creditor reports the payment on day 10: nothing after;
- `wrong`    the day-2 call reaches the wrong person: calls and SMS stop, written steps go on;
- `optout`   presses 8 on the day-2 call: calls and SMS stop, written steps go on;
- `silent`   never answers: every step, then `ended` on day 30 and in the hand-over;
- `pec`      has a PEC address: the day-18 message goes as PEC, its receipts are filed;
- `landline` a fixed line: its SMS steps are skipped (`not_mobile`), its calls are made.
"""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Attempt, Event, OutgoingMail, Position
from domain.playbooks import BUILT_IN, CORTESIA_30, add_working_days
from notify.mailbox import pec_receipt
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.imap import PASSWORD, USER, imap_process, imap_server  # noqa: F401 - fixtures
from tests.smtp import pec_app, pec_server  # noqa: F401 - fixtures

ROME = ZoneInfo("Europe/Rome")
START = date(2026, 9, 7)       # a Monday; no national holiday in the next six weeks
CREDITOR = "Acme Energia"
# cortesia-30, with two SMS steps added to see the SMS rules too.
PLAYBOOK = BUILT_IN[CORTESIA_30].text().replace(
    "9 email sollecito\n", "5 sms\n9 email sollecito\n").replace("18 email", "14 sms\n18 email")
DEBTORS = {  # reference: (phone, pec, script)
    "pays": ("+393330000001", "", DebtorScript("human", (IDENTIFY, "1"))),
    "wrong": ("+393330000002", "", DebtorScript("human", ("2",))),
    "optout": ("+393330000003", "", DebtorScript("human", (IDENTIFY, "8"))),
    "silent": ("+393330000004", "", DebtorScript("no-answer")),
    "pec": ("+393330000005", "pec.debtor@pec.example.test", DebtorScript("no-answer")),
    "landline": ("+390212340006", "", DebtorScript("no-answer")),
}
TICKS = (time(9, 0), time(14, 30), time(18, 30))   # one in each of the default windows


def day_of(working_day):
    return add_working_days(START, working_day, "IT")


@pytest.fixture
def phase(pec_app, imap_server, runner, tmp_path, session):
    """The creditor on the playbook, its list imported, the debtors' phones scripted."""
    pec_app.config.update(PEC_IMAP_HOST=imap_server.host, PEC_IMAP_PORT=imap_server.port,
                          PEC_IMAP_SECURITY="none", PEC_USERNAME=USER, PEC_PASSWORD=PASSWORD)
    steps = tmp_path / "steps.txt"
    steps.write_text(PLAYBOOK)
    invoke(runner, "creditor", "add", CREDITOR, "--caller-id", "+390212345678",
           "--playbook-file", str(steps), "--late-fee", "40", "--late-interest-rate", "8",
           "--contact-phone", "+390298765432")
    contacts = tmp_path / "list.csv"
    contacts.write_text("reference,name,phone,email,pec,amount,due_date,invoice\n" + "".join(
        f"{ref},Cliente {ref},{phone},{ref}@example.test,{pec},1200.00,2026-07-31,FT-{ref}\n"
        for ref, (phone, pec, _) in DEBTORS.items()))
    invoke(runner, "import", str(contacts), "--creditor", CREDITOR)
    simulator = get_telephony(pec_app)
    for phone, _, script in DEBTORS.values():
        simulator.script(phone, script)
    return simulator


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def replay(runner, first, last, imap=None, pec_server=None):
    """`tick --now` at each tick of every day from `first` to `last`, Sundays too (nothing runs)."""
    day = first
    while day <= last:
        for moment in TICKS:
            invoke(runner, "tick", "--now", datetime.combine(day, moment).isoformat())
            if imap is not None:
                deliver_receipts(imap, pec_server)
        day += timedelta(days=1)


def deliver_receipts(imap, pec_server):
    """The PEC provider's receipts for each PEC it took, once each, as its mailbox would get."""
    for message in pec_server.messages[len(imap.delivered):]:
        for kind in ("accettazione", "avvenuta-consegna"):
            imap.deliver(pec_receipt(kind, message["Message-ID"], message["Subject"]).as_bytes())
        imap.delivered.append(message["Message-ID"])


def received(smtp_server, reference):
    """The subjects mailed to `reference`'s address, in order, without the creditor's name and
    the invoice."""
    return [m["Subject"].removeprefix(f"{CREDITOR}: ").split(" (fattura")[0]
            for m in smtp_server.messages if m["To"] == f"{reference}@example.test"]


def calls_on(simulator, reference):
    phone = DEBTORS[reference][0]
    return [call for call in simulator.calls if call.to == phone]


def sms_to(simulator, reference):
    return [sms for sms in simulator.messages if sms.to == DEBTORS[reference][0]]


def position(session, reference):
    session.expire_all()
    return session.scalar(select(Position).where(Position.reference == reference))


def skipped(session, reference):
    return [(e.detail["channel"], e.detail["reason"]) for e in session.scalars(
        select(Event).where(Event.kind == "step_skipped",
                            Event.position_id == position(session, reference).id)
        .order_by(Event.id))]


def test_a_whole_courtesy_phase_replayed_day_by_day(phase, runner, session, smtp_server,
                                                    pec_server, imap_server, tmp_path):
    simulator = phase
    assert "14 sms" in PLAYBOOK and "5 sms" in PLAYBOOK
    imap_server.delivered = []
    replay(runner, day_of(0), day_of(10) - timedelta(days=1), imap_server, pec_server)

    # Day 10: the creditor reports the payment of `pays`, on the replay's clock.
    payments = tmp_path / "pagamenti.csv"
    payments.write_text(f"riferimento;importo pagato;data pagamento\npays;1200,00;"
                        f"{day_of(10).strftime('%d/%m/%Y')}\n")
    paid_at = datetime.combine(day_of(10), time(8, 0)).isoformat()
    assert "1 paid in full" in invoke(runner, "payments", str(payments), "--creditor", CREDITOR,
                                      "--now", paid_at)
    calls_before = len(calls_on(simulator, "pays"))
    replay(runner, day_of(10), day_of(30), imap_server, pec_server)

    written = ["verifica contabile", "sollecito di pagamento", "sollecito di pagamento e oneri"]
    notice = "Promemoria di pagamento da Acme Energia"   # the wrong person's emailed notice

    # `pays`: the day-0 and day-9 emails, the day-5 SMS, one confirmed call; nothing after day 10.
    assert received(smtp_server, "pays") == written[:2]
    assert len(calls_on(simulator, "pays")) == calls_before == 1
    assert len(sms_to(simulator, "pays")) == 1
    pays = position(session, "pays")
    assert pays.status == "paid"
    later = datetime.combine(day_of(10), time(8, 0), ROME)
    assert session.scalars(select(OutgoingMail).where(OutgoingMail.position_id == pays.id,
                                                      OutgoingMail.created_at >= later)).all() == []
    assert session.scalars(select(Attempt).where(Attempt.position_id == pays.id,
                                                 Attempt.created_at >= later)).all() == []

    # `wrong`: the notice at once, and every written step; no call or SMS after day 2.
    assert received(smtp_server, "wrong") == [written[0], notice, *written[1:]]
    assert len(calls_on(simulator, "wrong")) == 1 and sms_to(simulator, "wrong") == []
    assert skipped(session, "wrong") == [("sms", "number_barred"), ("call", "number_barred"),
                                         ("sms", "number_barred"), ("call", "number_barred"),
                                         ("call", "number_barred")]

    # `optout`: calls and SMS stop after the opt-out; the written steps go on.
    assert received(smtp_server, "optout") == written
    assert len(calls_on(simulator, "optout")) == 1 and sms_to(simulator, "optout") == []
    assert skipped(session, "optout") == skipped(session, "wrong")

    # `silent`: every step: four call rounds of three attempts, two SMS, three emails.
    assert received(smtp_server, "silent") == written
    silent = position(session, "silent")
    rounds = session.scalars(select(Attempt.round).where(Attempt.position_id == silent.id)).all()
    assert sorted(rounds) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert len(calls_on(simulator, "silent")) == 12 and len(sms_to(simulator, "silent")) == 2
    assert not any("1200" in sms.request.body for sms in simulator.messages)

    # `pec`: the "oneri" message went as PEC, and its receipts were filed against it.
    assert received(smtp_server, "pec") == written[:2]
    [certified] = [m for m in pec_server.messages if m["To"] == DEBTORS["pec"][1]]
    assert "oneri" in certified["Subject"]
    pec_mail = session.scalar(select(OutgoingMail).where(OutgoingMail.channel == "pec"))
    assert pec_mail.delivery == "delivered"

    # `landline`: its calls are made; its SMS are skipped, a landline cannot receive them.
    assert received(smtp_server, "landline") == written
    assert sms_to(simulator, "landline") == []
    assert skipped(session, "landline") == [("sms", "not_mobile"), ("sms", "not_mobile")]
    assert len(calls_on(simulator, "landline")) == 12

    # Day 30: every unresolved position is ended, on the phase's last working day.
    for reference in ("wrong", "optout", "silent", "pec", "landline"):
        assert position(session, reference).status == "ended"
    ended_at = session.scalars(select(Event.at).where(Event.kind == "status", Event.detail["to"]
                                                      .as_string() == "ended")).all()
    assert {at.astimezone(ROME).date() for at in ended_at} == {day_of(30)}

    # The hand-over lists the ended positions, not the paid one.
    out = tmp_path / "handover.csv"
    invoke(runner, "handover", "--creditor", CREDITOR, "--out", str(out), "--format", "csv")
    handed = out.read_text(encoding="utf-8-sig").splitlines()
    assert sorted(line.split(",")[0] for line in handed[1:]) == [
        "landline", "optout", "pec", "silent", "wrong"]
    history = (tmp_path / "handover-history.csv").read_text(encoding="utf-8-sig")
    assert "silent" in history and "pays" not in history
