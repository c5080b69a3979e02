"""The audit of the contact policy: every decision kept (append-only), and said in plain words.

`record` appends decisions as one executemany; `explain` turns one into a sentence such as
"no call at 15:10 Saturday 5 December: it preset, Saturday until 15:00; next 08:30 Monday
7 December" (English for the command line, Italian for the console: the same function).
"""
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from db.models import PolicyDecision
from db.prepared import Prepared
from domain.windows import holiday_name
from policy.rules import PRESETS


def decision_row(subject, channel, at, decision, attempt_id=None, mail_id=None):
    """The audit row of `decision` about `subject` (a policy.facts.Subject)."""
    return {"creditor_id": subject.creditor_id, "position_id": subject.position_id,
            "channel": channel, "allowed": decision.allowed, "rule": decision.rule,
            "facts": decision.facts or {}, "at": at,
            "next_allowed_at": decision.next_allowed_at, "attempt_id": attempt_id,
            "mail_id": mail_id}


def record(session, rows):
    """Append decision rows (dicts of the same PolicyDecision columns): the outbox keeps one
    with each message it claims, a dial pass one per call of a batch."""
    if len(rows) == 1:
        _INSERT.execute(session, rows[0])
    elif rows:
        _INSERT.executemany(session, rows)


_INSERT = Prepared(insert(PolicyDecision.__table__))


def record_looser(session, creditor_id, values, names, now, source):
    """Keep, among the decisions, that a creditor's policy was allowed looser than its preset:
    one row per setting `names`, from the creditor's new attributes `values`."""
    if not names:
        return
    preset = values["policy"]
    record(session, [{
        "creditor_id": creditor_id, "position_id": None, "channel": "setting", "allowed": True,
        "rule": name, "at": now, "next_allowed_at": None, "attempt_id": None, "mail_id": None,
        "facts": {"preset": preset, "value": values["policy_settings"].get(name),
                  "preset_value": getattr(PRESETS[preset], name), "by": source}}
        for name in names])


def decisions_of(session, position_id):
    """A position's decisions, oldest first."""
    return session.scalars(select(PolicyDecision).where(PolicyDecision.position_id == position_id)
                           .order_by(PolicyDecision.at, PolicyDecision.id)).all()


@dataclass(frozen=True)
class _Words:
    channels: dict
    weekdays: tuple
    months: tuple
    no: dict            # channel → its "no … at" where the default would read wrong
    allowed: str
    no_default: str
    preset: str
    next: str
    never: str
    rules: dict


_EN = _Words(
    channels={"call": "call", "sms": "SMS", "email": "email", "pec": "PEC"},
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
    no={}, allowed="{channel} at {at}: allowed ({preset} preset)",
    no_default="no {channel} at {at}", preset="{preset} preset", next="next {at}",
    never="not until that changes",
    rules={
        "saturday_until": "Saturday until {end}", "saturday_from": "Saturday from {start}",
        "call_hours": "calls {start}–{end}{local}", "sms_hours": "SMS {start}–{end}{local}",
        "local": " at the debtor's local time ({zones})",
        "sunday": "no {channel} on Sundays", "holiday": "no {channel} on holidays ({name})",
        "conversations_per_day": "at most {n} conversation(s) a day",
        "conversations_per_week": "at most {n} conversations a week",
        "attempts_per_day": "at most {n} call attempt(s) a day",
        "attempts_per_7_days": "at most {n} call attempts in 7 days",
        "after_conversation": "no call within {n} days after a conversation",
        "written_per_month": "at most {n} written contact requests a month",
        "dispute": "the debtor stated a dispute", "opt_out": "the debtor opted out (key 8)",
    })
_IT = _Words(
    channels={"call": "chiamata", "sms": "SMS", "email": "email", "pec": "PEC"},
    weekdays=("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    months=("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
            "settembre", "ottobre", "novembre", "dicembre"),
    no={"sms": "nessun {channel} alle {at}"}, no_default="nessuna {channel} alle {at}",
    allowed="{channel} alle {at}: via libera (regole {preset})", preset="regole {preset}",
    next="prossima possibilità {at}", never="finché non cambia",
    rules={
        "saturday_until": "il sabato fino alle {end}", "saturday_from": "il sabato dalle {start}",
        "call_hours": "chiamate {start}–{end}{local}", "sms_hours": "SMS {start}–{end}{local}",
        "local": " all'ora del debitore ({zones})",
        "sunday": "niente {channel} la domenica",
        "holiday": "niente {channel} nei festivi ({name})",
        "conversations_per_day": "al massimo {n} conversazione/i al giorno",
        "conversations_per_week": "al massimo {n} conversazioni a settimana",
        "attempts_per_day": "al massimo {n} tentativo/i di chiamata al giorno",
        "attempts_per_7_days": "al massimo {n} tentativi di chiamata in 7 giorni",
        "after_conversation": "nessuna chiamata nei {n} giorni dopo una conversazione",
        "written_per_month": "al massimo {n} richieste di contatto scritte al mese",
        "dispute": "il debitore ha contestato", "opt_out": "il debitore ha chiesto di non "
                                                          "essere chiamato (tasto 8)",
    })
WORDS = {"en": _EN, "it": _IT}


def explain(decision, rules, language="en"):
    """One sentence for a PolicyDecision (or any object with its columns), read with `rules`
    (the creditor's PolicyRules) on the clock the decision was taken on."""
    words = WORDS[language]
    facts = decision.facts or {}
    zone = ZoneInfo((facts.get("zones") or [rules.timezone])[0])
    channel = words.channels.get(decision.channel, decision.channel)
    at = _when(decision.at, zone, words)
    preset = facts.get("preset", rules.preset)
    if decision.allowed:
        return words.allowed.format(channel=channel, at=at, preset=preset)
    reason = _rule(decision, rules, zone, words, facts)
    after = (words.next.format(at=_when(decision.next_allowed_at, zone, words))
             if decision.next_allowed_at else words.never)
    refused = words.no.get(decision.channel, words.no_default)
    return (f"{refused.format(channel=channel, at=at)}: {words.preset.format(preset=preset)}, "
            f"{reason}; {after}")


def _rule(decision, rules, zone, words, facts):
    rule, texts = decision.rule, words.rules
    local = decision.at.astimezone(zone)
    hours = rules.sms_hours if decision.channel == "sms" else rules.call_hours
    slot = hours[local.weekday()] if hours else None
    clock = lambda t: f"{t:%H:%M}"   # noqa: E731
    if rule == "saturday_hours" and slot:
        late = local.time().replace(tzinfo=None) >= slot[1]
        return (texts["saturday_until"] if late else texts["saturday_from"]).format(
            start=clock(slot[0]), end=clock(slot[1]))
    if rule in ("call_hours", "sms_hours"):
        slot = slot or hours[0]
        there = texts["local"].format(zones=", ".join(facts["zones"])) \
            if facts.get("zones") else ""
        return texts[rule].format(start=clock(slot[0]), end=clock(slot[1]), local=there)
    if rule == "holiday":
        return texts["holiday"].format(channel=words.channels.get(decision.channel),
                                       name=holiday_name(local.date(), rules.country) or "")
    if rule == "sunday":
        return texts["sunday"].format(channel=words.channels.get(decision.channel))
    setting = {"after_conversation": "quiet_days_after_conversation",
               "written_per_month": "max_written_per_month"}.get(rule, f"max_{rule}")
    template = texts.get(rule, rule or "")
    return template.format(n=getattr(rules, setting, ""))


def _when(instant, zone, words):
    local = instant.astimezone(zone)
    return (f"{local:%H:%M} {words.weekdays[local.weekday()]} {local.day} "
            f"{words.months[local.month - 1]}")
