"""A debtor's data rights (SPEC §5; GDPR arts. 15, 17, 5(1)(e)): who a person is across every
creditor of the installation, and the one way their personal data is anonymised — on request
(`privacy erase`) and at the end of a creditor's retention period (contacts.retention).

Anonymising keeps every row, amount and count: a position still says a contact happened, its
reports' totals do not change; only what names, reaches or quotes the person goes. A barred
number keeps a keyed hash in place of the number (`bar_key`), so the bar still holds when the
number comes back in a later contact list (contacts.importer revives it).
"""
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update

from contacts.fields import FieldError, read_email, read_phone
from contacts.quoting import ERASED, Quoted
from contacts.status import set_status
from db.events import record_event
from db.models import (
    Attempt, BlockedNumber, CallbackRequest, Creditor, Event, ImportRejection, OutboxReceipt,
    OutgoingMail, Position, Receipt, VoiceMessage,
)
from domain.statuses import FINAL, Status

ERASED_EVENT = "privacy_erased"
BAR_PREFIX = "#"            # a barred number's keyed hash: never a dialable E.164
REPORT_KIND = "daily_report"   # reports.mail: the creditor's report, kept in the outbox
CHUNK = 500                 # ids per IN (...)


class PrivacyError(ValueError):
    """A person that cannot be looked for as given, with the reason in plain words."""


@dataclass(frozen=True)
class Person:
    """Whom a request is about: phone numbers in E.164 and lower-case addresses."""

    phones: frozenset = frozenset()
    emails: frozenset = frozenset()


def person_from(session, phone=None, email=None):
    """The Person a request names: the phone read as the importer reads it, with each
    creditor's country as the default region (`333 123 4567`, `+39 333…`, `0039…` alike), the
    address case-insensitively. PrivacyError when neither is given or neither can be read."""
    if not phone and not email:
        raise PrivacyError("give a phone number (--phone) or an email address (--email)")
    phones = set()
    if phone:
        regions = set(session.scalars(select(Creditor.country).distinct())) or {"IT"}
        for region in sorted(regions):
            try:
                phones.add(read_phone(phone, region))
            except FieldError:
                continue
        if not phones:
            raise PrivacyError(f"'{phone}' is not a valid phone number")
    emails = set()
    if email:
        try:
            emails.add(read_email(email, "email").lower())
        except FieldError as exc:
            raise PrivacyError(str(exc)) from None
    return Person(frozenset(phones), frozenset(emails))


def positions_of(session, person):
    """Every position of every creditor that reaches `person`: by phone, email or PEC."""
    terms = []
    if person.phones:
        terms.append(Position.phone.in_(person.phones))
    if person.emails:
        terms += [func.lower(Position.email).in_(person.emails),
                  func.lower(Position.pec).in_(person.emails)]
    return session.scalars(select(Position).where(or_(*terms))
                           .order_by(Position.creditor_id, Position.id)).all()


def bar_key(phone, secret):
    """The keyed hash a bar keeps of an erased number: the same number always gives the same
    key, and without the secret the key cannot be turned back into the number."""
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return BAR_PREFIX + digest[:31]


@dataclass
class Erasure:
    """What one erasure changed: counts only, never a value."""

    positions: int = 0
    closed: int = 0
    attempts: int = 0
    events: int = 0
    messages: int = 0
    callbacks: int = 0
    voice_messages: int = 0
    receipts: int = 0
    bars: int = 0
    reports: int = 0
    rejections: int = 0

    LABELS = (("attempts", "attempts"), ("events", "events cleaned"), ("messages", "messages"),
              ("callbacks", "callback notes"), ("voice_messages", "voice messages"),
              ("receipts", "payment receipts"), ("bars", "bars hashed"),
              ("reports", "report copies cleaned"), ("rejections", "import rejections cleaned"))

    def __str__(self):
        parts = [f"{self.positions} positions anonymised ({self.closed} closed)"]
        parts += [f"{getattr(self, name)} {label}" for name, label in self.LABELS
                  if getattr(self, name)]
        return ", ".join(parts)


def erase_positions(session, positions, source, now, secret, reason, person=None):
    """Anonymise `positions` (and, with `person`, whatever else names that person's phones and
    addresses): the one way personal data goes, for `privacy erase` and for retention. A
    position still being worked is closed first (its contacts withdrawn); each one records an
    event `privacy_erased` {reason} from `source`. The caller commits."""
    erasure, quoted = Erasure(), Quoted()
    if person is not None:
        quoted.add_person(person)
    for position in positions:
        quoted.add_position(position)
    ids = [p.id for p in positions]
    phones = {p.phone for p in positions if p.phone} | set(person.phones if person else ())
    for position in positions:
        if position.status not in FINAL and position.status != Status.ENDED.value:
            set_status(session, position, Status.CLOSED.value, source, "personal data erased", now)
            erasure.closed += 1
    session.flush()
    erasure.attempts = _erase_attempts(session, ids, phones, quoted,
                                       person.phones if person else ())
    erasure.events = _erase_events(session, ids, quoted)
    erasure.messages = _erase_messages(session, ids, person, quoted)
    erasure.callbacks = _erase_callbacks(session, ids)
    erasure.voice_messages, erasure.receipts = _erase_recordings(session, ids)
    erasure.reports = _erase_reports(session, positions, quoted)
    if person is not None:
        erasure.rejections = _erase_rejections(session, quoted)
    for position in positions:
        _erase_position(position, quoted, now)
        record_event(session, position.id, ERASED_EVENT, source, {"reason": reason}, at=now)
    session.flush()
    erasure.bars = _hash_bars(session, ids, phones, secret)
    erasure.positions = len(positions)
    return erasure


def _erase_position(position, quoted, now):
    if position.invoice and quoted.text(position.invoice) != position.invoice:
        position.invoice = ERASED[:100]
    position.name, position.phone = ERASED, ""
    position.email = position.pec = position.verification_code = None
    position.erased_at = now


def _chunks(ids):
    ids = list(ids)
    return (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK))


def _erase_attempts(session, ids, phones, quoted, numbers):
    """The attempts' numbers (the debtor's side only), errors and keys pressed: of the
    positions, and any other call to or from `numbers` (a person's own)."""
    terms = [Attempt.position_id.in_(chunk) for chunk in _chunks(ids)]
    if numbers:
        terms += [Attempt.to_number.in_(numbers),
                  Attempt.from_number.in_(numbers) & (Attempt.direction == "inbound")]
    if not terms:
        return 0
    attempts = session.scalars(select(Attempt).where(or_(*terms))).all()
    for attempt in attempts:
        if attempt.to_number in phones:
            attempt.to_number = None
        if attempt.from_number in phones:
            attempt.from_number = None
        attempt.last_error = quoted.text(attempt.last_error)
        attempt.digits = quoted.keys(attempt.digits)
    return len(attempts)


def _erase_events(session, ids, quoted):
    """The events' details and sources quoting the person; how many were cleaned."""
    count = 0
    for chunk in _chunks(ids):
        rows = session.execute(select(Event.id, Event.detail, Event.source)
                               .where(Event.position_id.in_(chunk))).all()
        for event_id, detail, source in rows:
            cleaned, named_by = quoted.detail(detail), quoted.text(source)
            if cleaned != detail or named_by != source:
                session.execute(update(Event).where(Event.id == event_id)
                                .values(detail=cleaned, source=named_by))
                count += 1
    return count


def _erase_messages(session, ids, person, quoted):
    """Outgoing mail, PEC and SMS of the positions (and, for a person, any to their addresses):
    addresses and bodies go, the fact and fate of each message stay; queued ones never go."""
    terms = [OutgoingMail.position_id.in_(chunk) for chunk in _chunks(ids)]
    if person is not None:
        addresses = set(person.phones) | set(person.emails)
        terms.append(func.lower(OutgoingMail.to_address).in_(addresses))
    if not terms:
        return 0
    mails = session.scalars(select(OutgoingMail).where(or_(*terms))).all()
    for mail in mails:
        if mail.status == "queued":
            mail.status, mail.last_error = "withdrawn", "withdrawn: personal data erased"
        mail.to_address, mail.body, mail.html = "", "", None
        mail.subject = quoted.text(mail.subject)
        mail.last_error = quoted.text(mail.last_error)
        mail.attachment = quoted.text(mail.attachment)
        receipts = session.scalars(select(OutboxReceipt).where(OutboxReceipt.mail_id == mail.id))
        for receipt in receipts:
            receipt.detail = quoted.detail(receipt.detail)
    return len(mails)


def _erase_callbacks(session, ids):
    count = 0
    for chunk in _chunks(ids):
        count += session.execute(update(CallbackRequest).where(
            CallbackRequest.position_id.in_(chunk), CallbackRequest.note.is_not(None))
            .values(note=ERASED)).rowcount
    return count


def _erase_recordings(session, ids):
    """The debtor's spoken messages and uploaded receipts: their content goes, their size and
    time stay; an unfetched message is never fetched."""
    voices = receipts = 0
    for chunk in _chunks(ids):
        voices += session.execute(update(VoiceMessage).where(VoiceMessage.position_id.in_(chunk))
                                  .values(status="erased", url="", data=None, sha256=None,
                                          last_error=None, next_try_at=None)).rowcount
        receipts += session.execute(update(Receipt).where(Receipt.position_id.in_(chunk))
                                    .values(data=b"", original_name=None)).rowcount
    return voices, receipts


def _erase_reports(session, positions, quoted):
    """The copies of the creditors' daily reports kept in the outbox (reports.mail) name the
    positions of their day: the reports of the positions' creditors are cleaned."""
    if not positions or not quoted.values:
        return 0
    owners = [OutgoingMail.key.like(f"report:{creditor_id}:%")
              for creditor_id in {p.creditor_id for p in positions}]
    count = 0
    reports = session.scalars(select(OutgoingMail).where(
        OutgoingMail.kind == REPORT_KIND, OutgoingMail.position_id.is_(None),
        OutgoingMail.attachment.is_not(None), or_(*owners)))
    for mail in reports:
        cleaned = quoted.text(mail.attachment)
        if cleaned != mail.attachment:
            mail.attachment, count = cleaned, count + 1
    return count


def _erase_rejections(session, quoted):
    """Import rejections quoting the person (a row refused for its phone, say)."""
    count = 0
    for value in quoted.values:
        pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for rejection in session.scalars(select(ImportRejection).where(
                func.lower(ImportRejection.reason).like(pattern.lower(), escape="\\"))):
            rejection.reason = quoted.text(rejection.reason)
            count += 1
    return count


def _hash_bars(session, ids, phones, secret):
    """Bars on numbers no position carries any more keep a keyed hash instead of the number."""
    if not phones:
        return 0
    still_carried = set(session.scalars(select(Position.phone).where(
        Position.phone.in_(phones), Position.erased_at.is_(None)).distinct()))
    gone = phones - still_carried
    count = 0
    for bar in session.scalars(select(BlockedNumber).where(BlockedNumber.phone.in_(gone))).all():
        key = bar_key(bar.phone, secret)
        kept = session.scalar(select(BlockedNumber).where(
            BlockedNumber.creditor_id == bar.creditor_id, BlockedNumber.phone == key))
        if kept is not None:
            session.delete(bar)   # the number was barred and erased before: one bar is enough
        else:
            bar.phone = key
        count += 1
    return count


def revive_bars(session, phones, secret):
    """Bars kept as keyed hashes take back their number when it is in a contact list again, so
    every check on the number holds as before the erasure; how many."""
    keys = {bar_key(phone, secret): phone for phone in phones}
    count = 0
    for chunk in _chunks(keys):
        for bar in session.scalars(select(BlockedNumber).where(BlockedNumber.phone.in_(chunk))):
            bar.phone = keys[bar.phone]
            count += 1
    return count


def erase_person(session, person, source, now, secret):
    """`privacy erase`: anonymise everything kept about `person`; an Erasure."""
    positions = [p for p in positions_of(session, person) if p.erased_at is None]
    return erase_positions(session, positions, source, now, secret, "request", person=person)


def privacy_secret(app):
    """The key of the bars' hashes (bar_key): PRIVACY_KEY, else SECRET_KEY. Changing it makes
    the bars on numbers erased before it no longer match."""
    return app.config.get("PRIVACY_KEY") or app.config["SECRET_KEY"]
