"""The call as a state machine over plain data: what the debtor pressed → what to say next.

No Flask, no database. The state of a call travels in its webhook URLs (see `State.query`), so
each turn is a pure function of (caller, state, digits) and a webhook replayed by Twilio gets the
same answer. A `Reply` names prompt slots; `ivr.twiml` turns it into TwiML.
"""
from dataclasses import dataclass, replace
from datetime import date

from domain.identification import CODE, CONFIRM as BY_CONFIRMING, WITHHELD
from domain.outcomes import Outcome
from domain.promises import promise_date_problem

MAX_IDENTIFY_MISSES = 2   # SPEC §1: two tries on a wrong or missing answer
MAX_MENU_SILENCES = 1     # silence re-prompts once, then ends the call
MAX_MENU_INVALID = 3      # unknown keys re-prompt, but not forever

MAX_PROMISE_REFUSALS = 2  # a refused date is asked once more, then back to the menu

CONFIRM = "1"
WRONG_PERSON = "2"
CALLBACK = "3"
PAID = "4"
PROMISE = "5"
DISPUTE = "6"
PAYMENT_LINK = "7"
OPT_OUT = "8"
REPEAT = "9"
MORE = "0"                # the other options: a spoken menu names at most five choices
RE_ENTER = "2"            # at a promise's read-back: key another date

# The same key means the same thing at every menu (SPEC §1).
KEY_OUTCOMES = {
    WRONG_PERSON: (Outcome.WRONG_PERSON.value, "goodbye_wrong_person"),
    CALLBACK: (Outcome.CALLBACK_REQUESTED.value, "goodbye_callback"),
    OPT_OUT: (Outcome.OPTED_OUT.value, "goodbye_opted_out"),
}


@dataclass(frozen=True)
class Caller:
    """What the flow needs to know about the position being called."""

    identification: str              # domain.identification: "confirm", "code" or "withheld"
    verification_code: str | None = None
    has_invoice: bool = True
    today: date | None = None        # the creditor's today, for the date of a promise
    can_text_link: bool = False      # key 7: the creditor has a payment link and it is a mobile
    can_write: bool = False          # the position has an email or PEC address for the notice


@dataclass(frozen=True)
class State:
    """Where a call is: the step awaiting keys, the turn number and the misses so far."""

    step: str = "identify"           # identify, menu, promise, promise_check; recorded (key 6)
    turn: int = 1
    silent: int = 0
    invalid: int = 0
    wrong: int = 0
    promise: str = ""                # the DDMM keyed, while it is read back for confirmation

    def query(self):
        query = {"turn": self.turn, "silent": self.silent, "invalid": self.invalid,
                 "wrong": self.wrong}
        if self.promise:
            query["promise"] = self.promise
        return query

    @classmethod
    def from_query(cls, step, args):
        def number(name):
            try:
                return max(0, min(int(args.get(name, 0)), 99))
            except (TypeError, ValueError):
                return 0
        promise = str(args.get("promise", ""))
        return cls(step=step, turn=max(1, number("turn")), silent=number("silent"),
                   invalid=number("invalid"), wrong=number("wrong"),
                   promise=promise if len(promise) == 4 and promise.isdigit() else "")


@dataclass(frozen=True)
class Gather:
    """Wait for keys, then post them to `state`'s step."""

    state: State
    finish_on_key: bool = False      # a code ends with '#'; a menu choice is one key
    digits: int = 1                  # how many keys a choice has (a date: DDMM)


@dataclass(frozen=True)
class Reply:
    """What to say (prompt slots in order), then either gather keys or hang up."""

    prompts: tuple[str, ...]
    gather: Gather | None = None
    identified: bool = False         # the debt may be spoken in this reply
    identified_now: bool = False     # this turn identified the debtor
    outcome: str | None = None
    ended_without_outcome: str | None = None   # why the call ended with nothing definite
    promise_date: date | None = None           # a promise's date: keyed, or confirmed
    record: bool = False                       # `gather` takes a spoken message, not keys
    send_payment_link: bool = False            # text the creditor's payment link now
    go_on: bool = False                        # a call-back goes on to the caller's next position
    write_notice: bool = False                 # queue the notice by email/PEC (a withheld call)


def answer(caller, answered_by=None):
    """The first turn, when the callee picks up (or a machine does)."""
    if answered_by and (answered_by.startswith("machine") or answered_by == "fax"):
        # Nothing about the debt on a machine; the attempt counts as unanswered.
        return Reply(prompts=("machine",) if answered_by != "fax" else (),
                     ended_without_outcome="machine")
    return _ask_identity(caller, State(), ())


def identify(caller, state, digits):
    """A turn of identification: the debtor answered the greeting (or did not)."""
    digits = (digits or "").strip()
    if caller.identification == WITHHELD:
        return _withheld(caller, state, digits)
    code_matches = caller.identification == CODE and digits == caller.verification_code
    if digits == CONFIRM and caller.identification == BY_CONFIRMING or code_matches:
        return _notice_and_menu(caller, State(step="menu", turn=state.turn + 1), identified_now=True)
    if digits in KEY_OUTCOMES:
        return _end_with(digits)
    if digits == REPEAT:
        return _ask_identity(caller, replace(state, turn=state.turn + 1), ())
    if not digits:
        state, lead = replace(state, silent=state.silent + 1), "no_input"
    elif caller.identification == CODE and digits.isdigit() and len(digits) > 1:
        state, lead = replace(state, wrong=state.wrong + 1), "code_wrong"
    else:
        state, lead = replace(state, invalid=state.invalid + 1), "invalid_choice"
    if state.wrong >= MAX_IDENTIFY_MISSES:
        return Reply(prompts=("goodbye_identity_failed",), outcome=Outcome.IDENTITY_FAILED.value)
    if state.silent + state.invalid + state.wrong >= MAX_IDENTIFY_MISSES:
        return Reply(prompts=("goodbye_not_identified",), ended_without_outcome="not_identified")
    return _ask_identity(caller, replace(state, turn=state.turn + 1), (lead,))


def menu(caller, state, digits):
    """A turn of the feedback menu, after the notice: only reachable once identified."""
    digits = (digits or "").strip()[:1]
    following = replace(state, turn=state.turn + 1, step="menu", promise="")
    if digits == CONFIRM:
        return Reply(prompts=("goodbye_confirmed",), identified=True,
                     outcome=Outcome.CONFIRMED.value)
    if digits in KEY_OUTCOMES:
        return replace(_end_with(digits), identified=True)
    if digits == PAID:
        return Reply(prompts=("goodbye_declared_paid",), identified=True,
                     outcome=Outcome.DECLARED_PAID.value)
    if digits == PROMISE:
        return _ask_date(replace(following, step="promise", wrong=0), ())
    if digits == DISPUTE:
        return Reply(prompts=("dispute_record",), identified=True, record=True,
                     gather=Gather(replace(following, step="recorded")),
                     outcome=Outcome.DISPUTED.value)
    if digits == PAYMENT_LINK and caller.can_text_link:
        return Reply(prompts=("payment_link_sent", "menu"), gather=Gather(following),
                     identified=True, send_payment_link=True)
    if digits == MORE:
        return Reply(prompts=(_more_options(caller),), gather=Gather(following), identified=True)
    if digits == REPEAT:
        return _notice_and_menu(caller, following)
    if not digits:
        if state.silent >= MAX_MENU_SILENCES:
            return Reply(prompts=("goodbye_no_input",), identified=True,
                         ended_without_outcome="silence")
        return _menu_again(replace(following, silent=state.silent + 1), "no_input")
    if state.invalid + 1 >= MAX_MENU_INVALID:
        return Reply(prompts=("goodbye_no_input",), identified=True,
                     ended_without_outcome="invalid_keys")
    return _menu_again(replace(following, invalid=state.invalid + 1), "invalid_choice")


def promise(caller, state, digits):
    """The date of a promise, keyed as DDMM: read back for confirmation, or refused politely
    (impossible, past, more than 60 days ahead) and asked once more, then back to the menu."""
    digits = (digits or "").strip()
    following = replace(state, turn=state.turn + 1)
    day = promised_day(digits, caller.today)
    if day is not None:
        return Reply(prompts=("promise_read_back",), identified=True, promise_date=day,
                     gather=Gather(replace(following, step="promise_check", promise=digits)))
    lead = "no_input" if not digits else "promise_refused"
    if state.wrong + 1 >= MAX_PROMISE_REFUSALS:
        return _menu_again(replace(following, step="menu", wrong=0, promise=""), lead)
    return _ask_date(replace(following, wrong=state.wrong + 1), (lead,))


def promise_check(caller, state, digits):
    """The debtor heard the date read back: 1 makes it the promise, 2 keys another one; every
    other key means what it means at the menu."""
    digits = (digits or "").strip()[:1]
    day = promised_day(state.promise, caller.today)
    if digits == CONFIRM and day is not None:
        return Reply(prompts=("goodbye_promised",), identified=True, promise_date=day,
                     outcome=Outcome.PROMISED.value)
    if digits == RE_ENTER or (digits == CONFIRM and day is None):
        return _ask_date(replace(state, turn=state.turn + 1, step="promise", promise=""), ())
    return menu(caller, replace(state, step="menu", promise=""), digits)


def promised_day(digits, today):
    """The day `digits` (DDMM) name from `today` on — this year's, or next year's once this
    year's has passed — when a promise may name it; None when it is impossible (3102), past or
    too far ahead (domain.promises)."""
    if today is None or len(digits or "") != 4 or not digits.isdigit():
        return None
    day_of_month, month = int(digits[:2]), int(digits[2:])
    for year in (today.year, today.year + 1):
        try:
            day = date(year, month, day_of_month)
        except ValueError:
            continue   # 3102 never exists; 2902 only in a leap year
        if day >= today:
            return day if promise_date_problem(day, today) is None else None
    return None


def after_recording():
    """The debtor's spoken message is over (or there was none): thank and say goodbye."""
    return Reply(prompts=("goodbye_disputed",), identified=True)


# The goodbyes of a position's conversation that ended with the debtor's answer: on a call-back
# with more of the caller's positions to tell, the call goes on to the next one instead (SPEC
# §1.6). Wrong person, opt-out, a failed identification or silence end the whole call.
ANSWERED = frozenset({"goodbye_confirmed", "goodbye_callback", "goodbye_declared_paid",
                      "goodbye_promised", "goodbye_disputed"})


def goes_on(reply):
    """Whether a call-back may go on to another position after `reply`: the debtor, identified,
    has given the answer that ends this position's conversation."""
    return bool(reply.identified and reply.gather is None and reply.prompts
                and reply.prompts[-1] in ANSWERED)


def then_next(reply):
    """`reply` when the call goes on to the caller's next position: the answer is noted without
    a goodbye, and the call moves on (`go_on`)."""
    return replace(reply, prompts=(*reply.prompts[:-1], "answer_noted"), go_on=True)


def next_position(caller, known_codes=frozenset()):
    """The first turn of a call-back's next position: there is another one, then who are you —
    nothing of it before its own identification. When the caller already keyed this position's
    customer code for the same creditor on this call (`known_codes`), that identifies them:
    say so, and read its notice."""
    if caller.identification == CODE and caller.verification_code in known_codes:
        reply = _notice_and_menu(caller, State(step="menu", turn=2), identified_now=True)
        return replace(reply, prompts=("another_position_same_code", *reply.prompts))
    return _ask_identity(caller, State(), ("another_position",))


STEPS = {"identify": identify, "menu": menu, "promise": promise, "promise_check": promise_check}


def _withheld(caller, state, digits):
    """A turn at the greeting of a call that may tell nothing of the notice (a creditor that
    requires a code, a position without one): whoever answers, the keys it offers (2, 3, 8)
    mean what they always mean, and 1 ("it's me") hears that the notice comes in writing —
    which is queued to the position's own addresses — or from an operator."""
    if digits in KEY_OUTCOMES:
        return _end_with(digits)
    if digits == REPEAT:
        return _ask_identity(caller, replace(state, turn=state.turn + 1), ())
    if digits == CONFIRM:
        state = replace(state, invalid=state.invalid + 1)
        lead = "withheld_in_writing" if caller.can_write else "withheld_ask_operator"
    elif not digits:
        state, lead = replace(state, silent=state.silent + 1), "no_input"
    else:
        state, lead = replace(state, invalid=state.invalid + 1), "invalid_choice"
    written = digits == CONFIRM and caller.can_write
    if state.silent + state.invalid >= MAX_IDENTIFY_MISSES:
        said = (lead,) if digits == CONFIRM else ()
        return Reply(prompts=(*said, "goodbye_withheld"), ended_without_outcome="withheld",
                     write_notice=written)
    return Reply(prompts=(lead, "withheld_menu"), write_notice=written,
                 gather=Gather(replace(state, turn=state.turn + 1)))


GREETINGS = {CODE: ("greeting_code",), BY_CONFIRMING: ("greeting_confirm",),
             WITHHELD: ("greeting_withheld", "withheld_menu")}


def _ask_identity(caller, state, lead):
    return Reply(prompts=(*lead, *GREETINGS[caller.identification]),
                 gather=Gather(state, finish_on_key=caller.identification == CODE))


def _notice_and_menu(caller, state, identified_now=False):
    notice = "notice" if caller.has_invoice else "notice_no_invoice"
    return Reply(prompts=(notice, "menu"), gather=Gather(state), identified=True,
                 identified_now=identified_now)


def _ask_date(state, lead):
    return Reply(prompts=(*lead, "promise_ask"), gather=Gather(state, digits=4), identified=True)


def _more_options(caller):
    return "menu_more_link" if caller.can_text_link else "menu_more"


def _menu_again(state, lead):
    return Reply(prompts=(lead, "menu"), gather=Gather(state), identified=True)


def _end_with(key):
    outcome, goodbye = KEY_OUTCOMES[key]
    return Reply(prompts=(goodbye,), outcome=outcome)
