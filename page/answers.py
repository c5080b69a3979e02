"""A choice made on the debtor's page, read from its form and recorded as the keypad's answer
through ivr.outcomes.take_answer (source `debtor:page`); a receipt goes with "I have paid"."""
from dataclasses import dataclass
from datetime import date

from console.forms import FormError, clean_text
from contacts.receipts import MAX_RECEIPT_BYTES, ReceiptError, receipt_type, save_receipt
from domain.outcomes import Outcome
from domain.promises import promise_date_problem, read_promise_day
from domain.statuses import PAUSED, Status
from ivr.outcomes import answer_holds, take_answer

SOURCE = "debtor:page"
# The page's choices (their address) and the keypad's answer each one is.
CHOICES = {"paid": Outcome.DECLARED_PAID.value, "promise": Outcome.PROMISED.value,
           "dispute": Outcome.DISPUTED.value, "callback": Outcome.CALLBACK_REQUESTED.value,
           "stop": Outcome.OPTED_OUT.value}
# Statuses in which the page still takes an answer (as contacts.status.record_answer does).
ANSWERING = (Status.OPEN.value, *PAUSED)
MAX_NOTE = 2000


class AnswerProblem(ValueError):
    """A choice that cannot be recorded as sent: `code` names the page's words for it."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Taken:
    answer: str
    recorded: bool          # False: it held already (a second submission), nothing changed
    receipt: bool = False
    promise_date: date | None = None


def take(session, position, choice, form, files, now, today):
    """Record `choice` for `position` from the page's `form` (and `files`); a Taken, or
    AnswerProblem with nothing recorded. The caller holds the position's row."""
    answer = CHOICES[choice]
    detail, promise_date, receipt = {}, None, None
    if answer == Outcome.PROMISED.value:
        promise_date = read_promise_date(form.get("date"), today)
        detail["promise_date"] = promise_date.isoformat()
    elif answer == Outcome.DISPUTED.value:
        note = read_note(form.get("note"))
        if note:
            detail["note"] = note
    elif answer == Outcome.CALLBACK_REQUESTED.value:
        window = form.get("window", "")
        if window in callback_windows(position.creditor):
            detail["preferred_window"] = window
    elif answer == Outcome.DECLARED_PAID.value:
        receipt = read_receipt(files.get("receipt"))
    # A second submission finds its answer holding (the position may have stopped because of
    # it: an opt-out ends a first reminder): it is told so, not refused.
    holds = answer_holds(session, position, answer, promise_date)
    if not holds and position.status not in ANSWERING:
        raise AnswerProblem("not_now")
    recorded = not holds and take_answer(session, position, answer, SOURCE, now, detail=detail,
                           promise_date=promise_date)
    if receipt is not None:
        save_receipt(session, position, receipt[0], receipt[1], SOURCE, now)
    return Taken(answer, recorded, receipt is not None, promise_date)


def read_promise_date(text, today):
    """The promised day from the form's date field (`YYYY-MM-DD`, or `DD/MM/YYYY` where a
    browser shows a plain text box); AnswerProblem when missing, past or too far ahead."""
    day = read_promise_day(text)
    if day is None:
        raise AnswerProblem("date_missing")
    problem = promise_date_problem(day, today)
    if problem:
        raise AnswerProblem(f"date_{problem}")
    return day


def read_note(text):
    try:
        note = clean_text(text, "note", multiline=True)
    except FormError:
        raise AnswerProblem("text_bad") from None
    if len(note) > MAX_NOTE:
        raise AnswerProblem("text_too_long")
    return note


def read_receipt(upload):
    """(bytes, name) of an uploaded receipt, checked by its first bytes and size; None when no
    file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_RECEIPT_BYTES + 1)
    try:
        receipt_type(data)
    except ReceiptError as exc:
        raise AnswerProblem(f"receipt_{exc.code}") from None
    return data, upload.filename


def callback_windows(creditor):
    """The windows a debtor may ask to be called back in: the creditor's call windows."""
    return [window.strip() for window in (creditor.windows or "").split(",") if window.strip()]
