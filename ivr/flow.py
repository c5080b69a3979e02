"""The call as a state machine over plain data: what the debtor pressed → what to say next.

No Flask, no database. The state of a call travels in its webhook URLs (see `State.query`), so
each turn is a pure function of (caller, state, digits) and a webhook replayed by Twilio gets the
same answer. A `Reply` names prompt slots; `ivr.twiml` turns it into TwiML.
"""
from dataclasses import dataclass, replace

from domain.outcomes import Outcome

MAX_IDENTIFY_MISSES = 2   # SPEC §1: two tries on a wrong or missing answer
MAX_MENU_SILENCES = 1     # silence re-prompts once, then ends the call
MAX_MENU_INVALID = 3      # unknown keys re-prompt, but not forever

CONFIRM = "1"
WRONG_PERSON = "2"
CALLBACK = "3"
OPT_OUT = "8"
REPEAT = "9"

# The same key means the same thing at every menu (SPEC §1).
KEY_OUTCOMES = {
    WRONG_PERSON: (Outcome.WRONG_PERSON.value, "goodbye_wrong_person"),
    CALLBACK: (Outcome.CALLBACK_REQUESTED.value, "goodbye_callback"),
    OPT_OUT: (Outcome.OPTED_OUT.value, "goodbye_opted_out"),
}


@dataclass(frozen=True)
class Caller:
    """What the flow needs to know about the position being called."""

    identification: str              # "confirm" (press 1) or "code" (keys in verification_code)
    verification_code: str | None = None
    has_invoice: bool = True


@dataclass(frozen=True)
class State:
    """Where a call is: the step awaiting keys, the turn number and the misses so far."""

    step: str = "identify"           # "identify" or "menu"
    turn: int = 1
    silent: int = 0
    invalid: int = 0
    wrong: int = 0

    def query(self):
        return {"turn": self.turn, "silent": self.silent, "invalid": self.invalid, "wrong": self.wrong}

    @classmethod
    def from_query(cls, step, args):
        def number(name):
            try:
                return max(0, min(int(args.get(name, 0)), 99))
            except (TypeError, ValueError):
                return 0
        return cls(step=step, turn=max(1, number("turn")), silent=number("silent"),
                   invalid=number("invalid"), wrong=number("wrong"))


@dataclass(frozen=True)
class Gather:
    """Wait for keys, then post them to `state`'s step."""

    state: State
    finish_on_key: bool = False      # a code ends with '#'; a menu choice is one key


@dataclass(frozen=True)
class Reply:
    """What to say (prompt slots in order), then either gather keys or hang up."""

    prompts: tuple[str, ...]
    gather: Gather | None = None
    identified: bool = False         # the debt may be spoken in this reply
    identified_now: bool = False     # this turn identified the debtor
    outcome: str | None = None
    ended_without_outcome: str | None = None   # why the call ended with nothing definite


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
    code_matches = caller.identification == "code" and digits == caller.verification_code
    if digits == CONFIRM and caller.identification == "confirm" or code_matches:
        return _notice_and_menu(caller, State(step="menu", turn=state.turn + 1), identified_now=True)
    if digits in KEY_OUTCOMES:
        return _end_with(digits)
    if digits == REPEAT:
        return _ask_identity(caller, replace(state, turn=state.turn + 1), ())
    if not digits:
        state, lead = replace(state, silent=state.silent + 1), "no_input"
    elif caller.identification == "code" and digits.isdigit() and len(digits) > 1:
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
    following = replace(state, turn=state.turn + 1)
    if digits == CONFIRM:
        return Reply(prompts=("goodbye_confirmed",), identified=True,
                     outcome=Outcome.CONFIRMED.value)
    if digits in KEY_OUTCOMES:
        return replace(_end_with(digits), identified=True)
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


STEPS = {"identify": identify, "menu": menu}


def _ask_identity(caller, state, lead):
    greeting = "greeting_code" if caller.identification == "code" else "greeting_confirm"
    return Reply(prompts=(*lead, greeting),
                 gather=Gather(state, finish_on_key=caller.identification == "code"))


def _notice_and_menu(caller, state, identified_now=False):
    notice = "notice" if caller.has_invoice else "notice_no_invoice"
    return Reply(prompts=(notice, "menu"), gather=Gather(state), identified=True,
                 identified_now=identified_now)


def _menu_again(state, lead):
    return Reply(prompts=(lead, "menu"), gather=Gather(state), identified=True)


def _end_with(key):
    outcome, goodbye = KEY_OUTCOMES[key]
    return Reply(prompts=(goodbye,), outcome=outcome)
