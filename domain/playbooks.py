"""Playbooks: a creditor's sequence of steps over working days (SPEC §4), pure.

A playbook is written one step per line, `DAY CHANNEL [MESSAGE]`, with `#` comments:

    0  email         verifica_contabile
    2  call
    18 email_or_pec  sollecito_oneri
    30 end

`DAY` counts working days (Monday to Friday, not the creditor's country's national holidays)
from the day the position's phase started; steps run only on working days. (A call round may
still retry on a Saturday, which the calling rules allow.) `end` closes the phase on that day: an
unresolved position becomes `ended`. Without an `end` line the phase is over when the last step
is done (and, for a call, its round has its outcome).
"""
import functools
from dataclasses import dataclass
from datetime import date, timedelta

from domain.windows import is_calling_day
from domain.wording import N_, Coded, register

SATURDAY = 5

CALL, EMAIL, PEC, EMAIL_OR_PEC, SMS, END = "call", "email", "pec", "email_or_pec", "sms", "end"
CHANNELS = (CALL, EMAIL, PEC, EMAIL_OR_PEC, SMS)
WRITTEN_MESSAGES = ("verifica_contabile", "sollecito", "sollecito_oneri")
SMS_MESSAGES = ("contatto",)
# Channels that ring or text the debtor's phone: barred by wrong person, failed identity, opt-out.
PHONE_CHANNELS = frozenset({CALL, SMS})
MAX_DAY = 366
MAX_STEPS = 50


class PlaybookError(Coded):
    """A playbook that cannot be used: the `line` (0 for the whole) and a code of MESSAGES."""

    def __init__(self, line, code, **params):
        self.line = line
        super().__init__(code, **params)

    def say(self, translate):
        reason = super().say(translate)
        return translate(LINE).format(line=self.line, reason=reason) if self.line else reason


LINE = N_("line {line}: {reason}")
MESSAGES = register({
    "playbook_after_end": N_("nothing may follow the '{end}' line"),
    "playbook_order": N_("day {day} comes before day {before} of the line above: list the "
                         "steps in order of day"),
    "playbook_empty": N_("the playbook has no step: write at least one line like '0 call'"),
    "playbook_too_many": N_("at most {limit} steps"),
    "playbook_words": N_("'{text}' has too many words: write DAY CHANNEL [MESSAGE]"),
    "playbook_day": N_("'{day}' is not a day between 0 and {limit}"),
    "playbook_no_channel": N_("day {day} has no channel"),
    "playbook_no_message": N_("a '{channel}' step takes no message"),
    "playbook_sms_message": N_("'{message}' is not an SMS message: use {choices}"),
    "playbook_channel": N_("'{channel}' is not a channel: use {choices}"),
    "playbook_needs_message": N_("a '{channel}' step needs a message: {choices}"),
})


@dataclass(frozen=True)
class Step:
    day: int
    channel: str
    message: str | None = None

    def __str__(self):
        return f"{self.day} {self.channel}" + (f" {self.message}" if self.message else "")


@dataclass(frozen=True)
class Playbook:
    name: str
    steps: tuple[Step, ...]
    end_day: int | None = None

    @property
    def opens_with_call(self):
        """Its first step is a day-0 call round: a new position is in that round at once."""
        return bool(self.steps) and self.steps[0] == Step(0, CALL)

    def text(self):
        lines = [str(step) for step in self.steps]
        if self.end_day is not None:
            lines.append(f"{self.end_day} {END}")
        return "\n".join(lines) + "\n"


PRIMO_SOLLECITO = "primo-sollecito"
CORTESIA_30 = "cortesia-30"
CUSTOM = "custom"
BUILT_IN = {
    PRIMO_SOLLECITO: Playbook(PRIMO_SOLLECITO, (Step(0, CALL),)),
    CORTESIA_30: Playbook(CORTESIA_30, (
        Step(0, EMAIL, "verifica_contabile"), Step(2, CALL), Step(9, EMAIL, "sollecito"),
        Step(11, CALL), Step(18, EMAIL_OR_PEC, "sollecito_oneri"), Step(20, CALL),
        Step(25, CALL)), end_day=30),
}
DEFAULT = PRIMO_SOLLECITO


def parse_playbook(text, name=CUSTOM):
    """The Playbook written in `text`; PlaybookError naming the first bad line."""
    steps, end_day, last_day = [], None, 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if end_day is not None:
            raise PlaybookError(number, "playbook_after_end", end=END)
        step = _parse_line(number, line)
        if step.day < last_day:
            raise PlaybookError(number, "playbook_order", day=step.day, before=last_day)
        last_day = step.day
        if step.channel == END:
            end_day = step.day
        else:
            steps.append(step)
    if not steps:
        raise PlaybookError(0, "playbook_empty")
    if len(steps) > MAX_STEPS:
        raise PlaybookError(0, "playbook_too_many", limit=MAX_STEPS)
    return Playbook(name, tuple(steps), end_day)


def _parse_line(number, line):
    words = line.split()
    if len(words) > 3:
        raise PlaybookError(number, "playbook_words", text=line)
    if not words[0].isdigit() or int(words[0]) > MAX_DAY:
        raise PlaybookError(number, "playbook_day", day=words[0], limit=MAX_DAY)
    if len(words) < 2:
        raise PlaybookError(number, "playbook_no_channel", day=words[0])
    day, channel = int(words[0]), words[1].lower()
    message = words[2].lower() if len(words) == 3 else None
    if channel in (CALL, END):
        if message:
            raise PlaybookError(number, "playbook_no_message", channel=channel)
        return Step(day, channel)
    if channel == SMS:
        if message not in (None, *SMS_MESSAGES):
            raise PlaybookError(number, "playbook_sms_message", message=message,
                                choices=", ".join(SMS_MESSAGES))
        return Step(day, channel, message or SMS_MESSAGES[0])
    if channel not in CHANNELS:
        raise PlaybookError(number, "playbook_channel", channel=words[1],
                            choices=", ".join((*CHANNELS, END)))
    if message not in WRITTEN_MESSAGES:
        raise PlaybookError(number, "playbook_needs_message", channel=channel,
                            choices=", ".join(WRITTEN_MESSAGES))
    return Step(day, channel, message)


def playbook_of(name, text=None):
    """The playbook a creditor's settings name: a built-in one, or its own text."""
    if text and name == CUSTOM:
        return parse_playbook(text)
    return BUILT_IN.get(name, BUILT_IN[DEFAULT])


@functools.lru_cache(maxsize=4096)
def add_working_days(start, days, country):
    """The `days`-th working day after `start` (`start` itself for 0, even if not working).

    Kept for the few (start, days, country) a pass meets: every message queued asks it for its
    link's expiry, and every position for its next step."""
    day = start
    for _ in range(days):
        day += timedelta(days=1)
        while not is_working_day(day, country):
            day += timedelta(days=1)
    return day


def next_step_on(playbook, step_index, phase_start, after, country):
    """The day the step at `step_index` (or the end) is due: its working day counted from
    `phase_start`, and never before the day after `after` (one day's steps on one day).
    None when nothing follows."""
    if step_index < len(playbook.steps):
        day = playbook.steps[step_index].day
    elif playbook.end_day is not None:
        day = playbook.end_day
    else:
        return None
    due = add_working_days(phase_start, day, country)
    if after is not None and due <= after and (
            step_index == 0 or _day_of(playbook, step_index) != _day_of(playbook, step_index - 1)):
        due = add_working_days(after, 1, country)
    return due


def _day_of(playbook, index):
    return playbook.steps[index].day if index < len(playbook.steps) else playbook.end_day


def steps_due(playbook, step_index):
    """The steps to run together from `step_index`: it and the ones after it on the same day."""
    if step_index >= len(playbook.steps):
        return ()
    day = playbook.steps[step_index].day
    found = []
    for step in playbook.steps[step_index:]:
        if step.day != day:
            break
        found.append(step)
    return tuple(found)


def is_working_day(day: date, country):
    """Monday to Friday, and not a national holiday of `country`."""
    return day.weekday() < SATURDAY and is_calling_day(day, country)
