"""A full campaign day from the command line: issue 3's "Done means", on every test backend.

One creditor, one position per kind of debtor, and only the commands a user types:
`creditor add`, `import`, then `dial --dry-run` and `dial --now` before, inside, between and
after the windows of Tuesday 2026-11-24, `outbox flush`, `positions`, and `report --out` /
`report --send`. The simulator plays each debtor through the real, signed webhooks; mail goes
to a real SMTP server on loopback. The `day` fixture runs the day and keeps what each command
printed and what each pass rang; each test reads one behaviour off it. Two short campaigns of
their own pin what one day cannot show: the minimum gap and Sundays, and barred numbers.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Attempt, BlockedNumber, CallbackRequest, Position
from telephony import get_telephony
from telephony.simulator import DebtorScript

DAY = "2026-11-24"              # a Tuesday, not an Italian holiday
ROME = ZoneInfo("Europe/Rome")
CREDITOR = "Acme Energia"
REPORT_TO = "crediti@acme.example.test"
MORNING, AFTERNOON, EVENING = "08:30-12:00", "14:00-17:00", "18:00-21:00"
# The instants of the day's passes, read in TIMEZONE (Europe/Rome) like a user's `--now`.
PASSES = ("07:00", "09:00", "10:00", "13:00", "14:30", "18:30", "21:30")

HEADER = "riferimento;nominativo;telefono;email;pec;importo;scadenza;fattura;codice verifica\n"


@dataclass(frozen=True)
class Debtor:
    """One row of the list, how the person at that number behaves on each call, and the outcome."""

    reference: str
    name: str
    phone: str                  # as written in the list
    e164: str
    scripts: tuple              # one per call; the last one repeats
    outcome: str
    email: str = ""
    pec: str = ""
    code: str = ""

    def row(self):
        return (f"{self.reference};{self.name};{self.phone};{self.email};{self.pec};"
                f"1.234,56;15/10/2026;FT-2026/118;{self.code}\n")


def human(*keys):
    return DebtorScript("human", keys)


DEBTORS = (
    Debtor("P-01", "Mario Rossi", "333 000 0001", "+393330000001", (human("1", "1"),), "confirmed"),
    Debtor("P-02", "Giulia Bianchi", "+39 333 000 0002", "+393330000002", (human("2"),),
           "wrong_person", email="giulia.bianchi@example.test",
           pec="giulia.bianchi@pec.example.test"),
    Debtor("P-03", "Luca Ferrari", "0039 333 000 0003", "+393330000003",
           (human("11111#", "22222#"),), "identity_failed", email="luca.ferrari@example.test",
           code="48213"),
    Debtor("P-04", "Anna Esposito", "333-000-0004", "+393330000004", (human("1", "3"),),
           "callback_requested"),
    Debtor("P-05", "Paolo Romano", "3330000005", "+393330000005", (human("1", "9", "8"),),
           "opted_out"),
    Debtor("P-06", "Sara Colombo", "333 000 0006", "+393330000006",
           (DebtorScript("no-answer"), DebtorScript("busy"), DebtorScript("failed")), "no_answer"),
    Debtor("P-07", "Marco Ricci", "333 000 0007", "+393330000007", (DebtorScript("machine"),),
           "no_answer"),
    # Out the first two times, then keys in her code and confirms on the third call.
    Debtor("P-08", "Elena Gallo", "333 000 0008", "+393330000008",
           (DebtorScript("no-answer"), DebtorScript("busy"), human("4321#", "1")), "confirmed",
           code="4321"),
)
BAD_ROW = "P-09;Numero Sbagliato;12;;;10,00;15/10/2026;;\n"     # row 10: not a phone number
BY_PHONE = {d.e164: d for d in DEBTORS}
EVERYONE = [d.reference for d in DEBTORS]
UNREACHED = ["P-06", "P-07", "P-08"]   # no outcome after the first call


@dataclass
class Pass:
    """One `dial --now` of the day: the dry run before it, its output, who it rang, and after."""

    preview: str
    output: str
    rung: list                  # references, in the order rung
    attempts: dict              # reference → [(number, window, placed HH:MM, status)]


@dataclass
class Day:
    """What the day printed, what the SMTP server received, and what the database kept."""

    imported: str
    passes: dict = field(default_factory=dict)      # "09:00" → Pass
    flushes: list = field(default_factory=list)     # `outbox flush` outputs
    notices: list = field(default_factory=list)     # SMTP messages after the first flush
    positions: str = ""
    report_file: str = ""
    report_output: str = ""
    sent_report: str = ""
    flush_after_report: str = ""
    mail: list = field(default_factory=list)        # every message the SMTP server received
    recipients: list = field(default_factory=list)  # their envelope recipients
    calls: int = 0              # calls the simulator placed in the whole day
    attempts: int = 0           # attempts in the database at the end of the day
    facts: dict = field(default_factory=dict)       # (reference, number) → the call's facts
    barred: dict = field(default_factory=dict)      # phone → why the creditor may not call it
    callbacks: list = field(default_factory=list)   # references in the callback queue


def cli(runner, *args):
    """Run a command as a user would; its output, after checking it succeeded."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, f"{' '.join(args)} failed:\n{result.output}"
    assert result.exception is None, result.exception
    return result.output


def script_next_calls(simulator):
    """Give each number the behaviour of its next call (the simulator keeps one script each)."""
    for debtor in DEBTORS:
        calls = sum(1 for call in simulator.calls if call.to == debtor.e164)
        simulator.script(debtor.e164, debtor.scripts[min(calls, len(debtor.scripts) - 1)])


def attempts_by_reference(session):
    session.expire_all()
    found = {}
    for attempt, reference in session.execute(
            select(Attempt, Position.reference).join(Attempt.position)
            .order_by(Position.reference, Attempt.number)):
        placed = attempt.placed_at.astimezone(ROME).strftime("%H:%M") if attempt.placed_at else None
        found.setdefault(reference, []).append(
            (attempt.number, attempt.call_window, placed, attempt.status))
    return found


def dial(runner, session, simulator, at):
    script_next_calls(simulator)
    before = len(simulator.calls)
    preview = cli(runner, "dial", "--now", f"{DAY}T{at}", "--dry-run")
    output = cli(runner, "dial", "--now", f"{DAY}T{at}")
    assert simulator.errors == []
    rung = [BY_PHONE[call.to].reference for call in simulator.calls[before:]]
    return Pass(preview, output, rung, attempts_by_reference(session))


def run_day(app, smtp_server, runner, session, folder):
    """Tuesday 2026-11-24 of a campaign, run from the command line: what each step printed."""
    contacts = folder / "contatti.csv"
    contacts.write_text(HEADER + "".join(d.row() for d in DEBTORS) + BAD_ROW, encoding="utf-8")
    cli(runner, "creditor", "add", CREDITOR, "--caller-id", "+390212345678",
        "--report-email", REPORT_TO)
    day = Day(imported=cli(runner, "import", str(contacts), "--creditor", CREDITOR))
    simulator = get_telephony(app)
    for at in PASSES:
        day.passes[at] = dial(runner, session, simulator, at)
        if at == "09:00":  # as the worker does after a pass
            day.flushes.append(cli(runner, "outbox", "flush"))
            day.notices = smtp_server.messages
    day.flushes.append(cli(runner, "outbox", "flush"))
    day.positions = cli(runner, "positions", "--creditor", CREDITOR)
    report = folder / "report.csv"
    day.report_output = cli(runner, "report", "--date", DAY, "--creditor", CREDITOR,
                            "--out", str(report))
    day.report_file = report.read_text(encoding="utf-8")
    day.sent_report = cli(runner, "report", "--date", DAY, "--creditor", CREDITOR, "--send")
    day.flush_after_report = cli(runner, "outbox", "flush")
    day.mail = smtp_server.messages
    day.recipients = [envelope.rcpt_tos for envelope in smtp_server.envelopes]
    day.calls = len(simulator.calls)
    day.attempts = sum(len(a) for a in attempts_by_reference(session).values())
    record_facts(day, session)
    return day


def record_facts(day, session):
    """What the database keeps of the day: each call's Twilio facts, barred numbers, callbacks."""
    session.expire_all()
    for attempt, reference in session.execute(
            select(Attempt, Position.reference).join(Attempt.position)):
        day.facts[reference, attempt.number] = {
            "call_sid": attempt.call_sid, "status": attempt.status,
            "answered_by": attempt.answered_by, "digits": attempt.digits,
            "duration": attempt.duration, "ended": attempt.ended_at is not None}
    day.barred = {b.phone: b.reason for b in session.scalars(select(BlockedNumber))}
    day.callbacks = [c.position.reference for c in session.scalars(select(CallbackRequest))]


@pytest.fixture(scope="module")
def days():
    """The day of each backend, by backend name, shared by this module's tests."""
    return {}


@pytest.fixture
def day(request, days, database_url):
    """The campaign day on this test's backend, run by the first test that asks for it.

    A day takes a couple of seconds: it runs once per backend, and the tests only read what it
    recorded (outputs, snapshots, mail received), never the database or servers it used.
    """
    backend = database_url.partition(":")[0]
    if backend not in days:
        days[backend] = run_day(request.getfixturevalue("smtp_app"),
                                request.getfixturevalue("smtp_server"),
                                request.getfixturevalue("runner"),
                                request.getfixturevalue("session"),
                                request.getfixturevalue("tmp_path"))
    return days[backend]


def read_csv(text):
    """The rows of a report by reference, and its totals (the BOM and the blank row dropped)."""
    assert text.startswith("\ufeff"), "the report starts with a BOM for Excel"
    lines = list(csv.reader(io.StringIO(text[1:])))
    blank = lines.index([])
    end = lines.index([], blank + 1)   # the outcome totals; other sections follow
    header, rows, totals = lines[0], lines[1:blank], lines[blank + 2:end]
    return {row[0]: dict(zip(header, row)) for row in rows}, dict(totals)


def table(output):
    """The rows of a `positions` listing by reference (columns are two or more spaces apart)."""
    lines = output.splitlines()
    header = re.split(r"\s{2,}", lines[0])
    return {cells[0]: dict(zip(header, cells))
            for cells in (re.split(r"\s{2,}", line) for line in lines[2:])}


# --- the contact list -------------------------------------------------------------------------

def test_the_contact_list_is_imported_with_its_bad_row_reported(day):
    assert "row 10: phone '12' is not a valid phone number" in day.imported
    assert "8 imported, 0 updated, 1 rejected" in day.imported


# --- the dialer's clock through the day --------------------------------------------------------

def summary(at, placed=0, planned=0):
    """What `dial --now` at `at` on DAY prints when every call it places goes through."""
    text = f"dial pass at {DAY}T{at}:00+01:00: {placed} placed, 0 failed, 0 skipped"
    return text + (f" ({planned} planned)" if planned else "")


def test_nothing_is_dialled_before_the_first_window(day):
    early = day.passes["07:00"]
    assert early.preview.startswith(f"dry run at {DAY}T07:00:00+01:00: 0 calls due")
    assert early.output.strip() == summary("07:00")
    assert early.rung == [] and early.attempts == {}


def test_the_first_window_rings_every_position_once(day):
    first = day.passes["09:00"]
    assert f"{len(DEBTORS)} calls due, nothing changed" in first.preview
    assert "would call P-01 +39333****001 (Acme Energia)" in first.preview
    assert "+393330000001" not in first.preview, "a listing masks the numbers"
    assert first.output.strip() == summary("09:00", placed=8, planned=8)
    assert sorted(first.rung) == EVERYONE
    assert {ref: [a[:3] for a in found] for ref, found in first.attempts.items()} == \
        {ref: [(1, MORNING, "09:00")] for ref in EVERYONE}


def test_an_unanswered_call_is_not_retried_in_the_same_window(day):
    later = day.passes["10:00"]
    assert "0 calls due" in later.preview
    assert later.output.strip() == summary("10:00", planned=3)
    assert later.rung == []
    # Planned for the next window, at its opening (more than min_gap after 09:00).
    for reference in UNREACHED:
        assert later.attempts[reference][1] == (2, AFTERNOON, None, "pending")
    for reference in set(EVERYONE) - set(UNREACHED):
        assert len(later.attempts[reference]) == 1


def test_nothing_is_dialled_between_windows(day):
    lunch = day.passes["13:00"]
    assert "0 calls due" in lunch.preview
    assert lunch.output.strip() == summary("13:00")
    assert lunch.rung == [] and lunch.attempts == day.passes["10:00"].attempts


def test_the_unanswered_are_retried_in_the_afternoon_window_only(day):
    afternoon = day.passes["14:30"]
    assert "3 calls due" in afternoon.preview
    assert [line.split()[2] for line in afternoon.preview.splitlines()[1:]] == UNREACHED
    assert afternoon.output.strip() == summary("14:30", placed=3)
    assert sorted(afternoon.rung) == UNREACHED
    assert afternoon.attempts["P-06"][1] == (2, AFTERNOON, "14:30", "busy")
    assert afternoon.attempts["P-07"][1] == (2, AFTERNOON, "14:30", "completed")
    assert afternoon.attempts["P-08"][1] == (2, AFTERNOON, "14:30", "busy")


def test_third_attempts_go_to_the_evening_window_and_are_the_last(day):
    evening = day.passes["18:30"]
    assert sorted(evening.rung) == UNREACHED
    assert evening.output.strip() == summary("18:30", placed=3, planned=3)
    assert [a[:3] for a in evening.attempts["P-08"]] == \
        [(1, MORNING, "09:00"), (2, AFTERNOON, "14:30"), (3, EVENING, "18:30")]
    assert evening.attempts["P-06"][2] == (3, EVENING, "18:30", "failed")


def test_nothing_is_dialled_after_the_last_window(day):
    late = day.passes["21:30"]
    assert "0 calls due" in late.preview
    assert late.output.strip() == summary("21:30")
    assert late.rung == [] and late.attempts == day.passes["18:30"].attempts


def test_nobody_is_rung_more_than_the_three_attempts_allowed(day):
    assert day.calls == day.attempts == len(DEBTORS) + 2 * len(UNREACHED)
    assert max(len(a) for a in day.passes["21:30"].attempts.values()) == 3


def dialled(runner, at):
    """How many calls `dial --now at` placed."""
    return int(re.search(r": (\d+) placed", cli(runner, "dial", "--now", at))[1])


def test_a_retry_keeps_the_minimum_gap_and_skips_sunday(app, runner, session, tmp_path):
    # `session` also holds the app context `flask` itself pushes for `import` (the runner does not).
    never = Debtor("R-1", "Ugo Marini", "333 000 0200", "+393330000200",
                   (DebtorScript("no-answer"),), "no_answer")
    get_telephony(app).script(never.e164, never.scripts[0])
    contacts = tmp_path / "contatti.csv"
    contacts.write_text(HEADER + never.row(), encoding="utf-8")
    cli(runner, "creditor", "add", CREDITOR, "--caller-id", "+390212345678")
    cli(runner, "import", str(contacts), "--creditor", CREDITOR)
    calls = {
        "2026-11-28T14:30": 1,      # Saturday afternoon, before 15:00: the first call
        "2026-11-28T16:00": 0,      # the same window: a retry goes to another one
        "2026-11-28T18:30": 0,      # the evening window, but the it preset's Saturday ends at 15
        "2026-11-29T09:00": 0,      # Sunday
        "2026-11-30T08:30": 1,      # Monday morning: the retry the policy postponed
        "2026-11-30T10:00": 0,
        "2026-11-30T14:30": 0,      # a window already tried
        "2026-11-30T18:00": 1,      # the one window not tried yet: the last call
    }
    assert {at: dialled(runner, at) for at in calls} == calls
    listed = table(cli(runner, "positions", "--creditor", CREDITOR))
    assert (listed["R-1"]["outcome"], listed["R-1"]["attempts"]) == ("no_answer", "3")


# --- outcomes ----------------------------------------------------------------------------------

def test_each_position_ends_with_its_outcome(day):
    listed = table(day.positions)
    assert {ref: row["outcome"] for ref, row in listed.items()} == \
        {d.reference: d.outcome for d in DEBTORS}
    assert {ref: row["attempts"] for ref, row in listed.items()} == \
        {ref: "3" if ref in UNREACHED else "1" for ref in EVERYONE}
    assert {d.outcome for d in DEBTORS} == {"confirmed", "wrong_person", "identity_failed",
                                           "callback_requested", "opted_out", "no_answer"}


def test_the_wrong_person_and_failed_identity_notices_arrive_by_smtp_once(day):
    assert day.flushes[0].strip() == "outbox: 3 sent, 0 retried, 0 failed"
    recipients = sorted(m["To"] for m in day.notices)
    assert recipients == ["giulia.bianchi@example.test", "giulia.bianchi@pec.example.test",
                          "luca.ferrari@example.test"]
    to_giulia = next(m for m in day.notices if m["To"] == "giulia.bianchi@example.test")
    assert to_giulia["Subject"] == "Promemoria di pagamento da Acme Energia"
    assert "Gentile Giulia Bianchi" in to_giulia.get_content()
    assert "1.234,56 EUR" in to_giulia.get_content()
    # Flushing again sends nothing twice.
    assert day.flushes[1].strip() == "outbox: 0 sent, 0 retried, 0 failed"
    assert sorted(to for to in day.recipients if to != [REPORT_TO]) == [[to] for to in recipients]


def test_every_call_keeps_its_twilio_facts(day):
    assert len(day.facts) == day.calls
    assert len({f["call_sid"] for f in day.facts.values()}) == day.calls
    assert all(f["call_sid"].startswith("CA") and f["ended"] for f in day.facts.values())
    confirmed_late = day.facts["P-08", 3]
    assert (confirmed_late["status"], confirmed_late["answered_by"], confirmed_late["digits"]) == \
        ("completed", "human", "4321,1")
    assert confirmed_late["duration"] > 0
    assert day.facts["P-07", 1]["answered_by"] == "machine_start"
    assert (day.facts["P-06", 1]["status"], day.facts["P-06", 1]["duration"]) == ("no-answer", 0)


def test_a_callback_request_enters_the_callback_queue(day):
    assert day.callbacks == ["P-04"]


def test_the_wrong_persons_and_the_opted_out_numbers_are_barred(day):
    phones = {d.reference: d.e164 for d in DEBTORS}
    assert day.barred[phones["P-02"]] == "wrong_person"
    assert day.barred[phones["P-05"]] == "opted_out"
    assert not {phones[r] for r in ("P-01", "P-04", "P-06", "P-07", "P-08")} & set(day.barred)


# An outcome that stops calls to a number, and how the person at that number reaches it.
STOPPING = {
    "wrong_person": ("", human("2")),
    "opted_out": ("", human("1", "8")),
    "identity_failed": ("48213", human("11111#", "22222#")),
}


@pytest.mark.parametrize("outcome", ["wrong_person", "opted_out", "identity_failed"])
def test_an_outcome_that_stops_calls_to_a_number_holds_for_a_later_position(
        app, runner, session, tmp_path, outcome):
    # `session` also holds the app context `flask` itself pushes for `import` (the runner does not).
    code, script = STOPPING[outcome]
    get_telephony(app).script("+393330000100", script)
    first = Debtor("Q-1", "Rita Greco", "333 000 0100", "+393330000100", (script,), outcome,
                   email="rita.greco@example.test", code=code)
    same_number = Debtor("Q-2", "Bruno Greco", "333 000 0100", "+393330000100", (), "not called")
    cli(runner, "creditor", "add", CREDITOR, "--caller-id", "+390212345678")
    lists = tmp_path / "first.csv", tmp_path / "second.csv"
    lists[0].write_text(HEADER + first.row(), encoding="utf-8")
    lists[1].write_text(HEADER + first.row() + same_number.row(), encoding="utf-8")
    cli(runner, "import", str(lists[0]), "--creditor", CREDITOR)
    assert "1 placed" in cli(runner, "dial", "--now", f"{DAY}T09:00")
    # The next list repeats Q-1 and brings Q-2 at the same number, still in the morning window.
    assert "1 imported, 1 updated, 0 rejected" in cli(runner, "import", str(lists[1]),
                                                     "--creditor", CREDITOR)
    assert "0 calls due" in cli(runner, "dial", "--now", f"{DAY}T10:00", "--dry-run")
    for at in ("10:00", "14:30", "18:30"):
        assert "0 placed" in cli(runner, "dial", "--now", f"{DAY}T{at}")
    assert len(get_telephony(app).calls) == 1
    listed = table(cli(runner, "positions", "--creditor", CREDITOR))
    assert (listed["Q-1"]["outcome"], listed["Q-1"]["attempts"]) == (outcome, "1")
    # Never called, Q-2 is closed with the outcome its number got.
    assert (listed["Q-2"]["outcome"], listed["Q-2"]["attempts"]) == (outcome, "0")


# --- the daily report --------------------------------------------------------------------------

EXPECTED_TOTALS = {"pending": "0", "confirmed": "2", "wrong_person": "1", "identity_failed": "1",
                   "callback_requested": "1", "declared_paid": "0", "promised": "0",
                   "disputed": "0", "opted_out": "1", "no_answer": "2", "total": "8"}


def expected_last_call(reference):
    return f"{DAY}T18:30:00+01:00" if reference in UNREACHED else f"{DAY}T09:00:00+01:00"


def check_report(text):
    rows, totals = read_csv(text)
    assert sorted(rows) == EVERYONE
    for debtor in DEBTORS:
        row = rows[debtor.reference]
        assert (row["name"], row["phone"]) == (debtor.name, "'" + debtor.e164)  # no formula
        assert row["outcome"] == debtor.outcome
        assert row["attempts"] == ("3" if debtor.reference in UNREACHED else "1")
        assert row["last_call_at"] == expected_last_call(debtor.reference)
    assert rows["P-02"]["email_status"] == rows["P-03"]["email_status"] == "sent"
    assert totals == EXPECTED_TOTALS


def test_the_report_file_has_the_right_outcome_per_position(day):
    assert "(Acme Energia: 8 positions)" in day.report_output
    check_report(day.report_file)


def test_the_report_is_mailed_with_its_csv_attachment(day):
    assert f"sent cortesia-acme-energia-{DAY}.csv to cr***@acme.example.test" in day.sent_report
    assert day.flush_after_report.strip() == "outbox: 0 sent, 0 retried, 0 failed"
    (report,) = [m for m in day.mail if m["To"] == REPORT_TO]
    (attachment,) = list(report.iter_attachments())
    assert attachment.get_filename() == f"cortesia-acme-energia-{DAY}.csv"
    assert attachment.get_content_type() == "text/csv"
    check_report(attachment.get_payload(decode=True).decode("utf-8"))
