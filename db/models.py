"""The domain's tables: creditors, positions, attempts and everything that happens to them."""
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Numeric,
    String, Text, TypeDecorator, UniqueConstraint, text,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The outcomes' home is domain/outcomes.py; named here too for the code that reads the tables.
from domain.identification import identification
from domain.outcomes import (  # noqa: F401
    MAIL_FALLBACK_OUTCOMES, NUMBER_BLOCKING_OUTCOMES, OUTCOMES, Outcome,
)


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Cortesia stores timezone-aware instants only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Creditor(Base):
    __tablename__ = "creditors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # How the greeting names the creditor; defaults to `name`.
    spoken_name: Mapped[str | None] = mapped_column(String(200))
    # Opt-in: the debtors' own values (name, amount…) rendered by gTTS too, not only <Say>.
    synthesize_personal: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=sa_false())
    # Debtors identify on the phone by verification code only; a position without one is never
    # told the notice by phone (domain.identification).
    require_code: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    caller_id: Mapped[str | None] = mapped_column(String(32))
    # Calls of this creditor ringing at once, at most; None: only the account's limit applies.
    max_concurrent_calls: Mapped[int | None] = mapped_column(Integer)
    windows: Mapped[str] = mapped_column(String(200), default="08:30-12:00,14:00-17:00,18:00-21:00")
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    min_gap_seconds: Mapped[int] = mapped_column(Integer, default=2 * 3600)
    report_email: Mapped[str | None] = mapped_column(String(320))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    country: Mapped[str] = mapped_column(String(2), default="IT")
    language: Mapped[str] = mapped_column(String(2), default="it")
    # The courtesy phase (SPEC §4): a built-in playbook's name, or `custom` with its own text.
    playbook: Mapped[str] = mapped_column(String(40), default="primo-sollecito",
                                          server_default="primo-sollecito")
    playbook_steps: Mapped[str | None] = mapped_column(Text)
    # Late-payment charges of the "sollecito e oneri": a fixed amount per invoice and/or an
    # annual interest rate (percent) over the days late.
    late_fee: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    late_interest_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    sms_sender: Mapped[str | None] = mapped_column(String(32))
    # How the debtor reaches the creditor, written in emails and SMS.
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    # A promise pauses contact until its date + this grace; a declared payment for verify_days.
    promise_grace_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    verify_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # Where debtors pay online: a URL template naming {reference} and {amount}
    # (domain.payment_links); None: no "pay now" on the debtor's page, no key 7.
    payment_link: Mapped[str | None] = mapped_column(String(2000))
    # Counts the changes of the creditor's own wording and recordings (prompts.store and
    # audio.store bump it): a call's turn reads it with the creditor and keeps the wording it
    # last read for that count, so the wording is read once per change, not once per turn.
    wording_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Months a paid, closed or ended position keeps its personal data (contacts.retention).
    retention_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    # The contact policy (policy.rules): a preset's name, and the creditor's own numbers over
    # it ({setting: value}), tighter than the preset unless loosening was explicitly allowed.
    policy: Mapped[str] = mapped_column(String(12), default="it", server_default="it")
    policy_settings: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # Outgoing webhooks (api.webhooks): where the creditor's events are POSTed, the secret
    # that signs them, and when deliveries were paused after repeated failures (None: running).
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    webhook_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The campaign paused by a person (contacts.controls): no call placed, no step run, no
    # message of its positions sent until it is resumed; None: running.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    positions: Mapped[list["Position"]] = relationship(back_populates="creditor")

    @property
    def greeting_name(self):
        return self.spoken_name or self.name


class ImportBatch(Base):
    """One upload of a contact list, with its counts."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    filename: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)

    rejections: Mapped[list["ImportRejection"]] = relationship(
        back_populates="batch", order_by="ImportRejection.row_number"
    )


class ImportRejection(Base):
    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)

    batch: Mapped[ImportBatch] = relationship(back_populates="rejections")


class Position(Base):
    """One unpaid credit of a creditor: who to call, and what to tell them once identified."""

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("creditor_id", "reference", name="uq_positions_creditor_reference"),
        Index("ix_positions_creditor_phone", "creditor_id", "phone"),
        # Full: a call round under way is `outcome IS NULL`, which the dialer asks at every
        # pass, and on a table where most positions have an outcome this index finds the
        # open ones (a partial one, sparing the import a write per row, made that a scan).
        Index("ix_positions_outcome", "outcome"),
        # The step engine's walk: a creditor's open positions whose next step is due.
        Index("ix_positions_steps", "creditor_id", "status", "next_step_on"),
        # Every tick's look for the pauses that are over (only paused positions have one):
        # partial, so an imported position, with no pause, costs it no write.
        Index("ix_positions_status_until", "status_until",
              postgresql_where=text("status_until IS NOT NULL"),
              sqlite_where=text("status_until IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    reference: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    pec: Mapped[str | None] = mapped_column(String(320))
    amount: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=True))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    due_date: Mapped[date] = mapped_column(Date)
    invoice: Mapped[str | None] = mapped_column(String(100))
    verification_code: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(2))
    # The outcome of the current call round (`round`); None while it is under way.
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the position stands (domain.statuses); paused statuses last until `status_until`.
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    status_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True), default=Decimal(0),
                                                 server_default="0")
    # The playbook's progress: the call round under way or last held (0: none yet), the index of
    # the next step, the creditor-local day the phase started and the day the next step is due
    # (None: as soon as the step engine sees it). The defaults are primo-sollecito's: its day-0
    # call round is open from the start.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    step: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    phase_start: Mapped[date | None] = mapped_column(Date)
    next_step_on: Mapped[date | None] = mapped_column(Date)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # When its personal data was anonymised (contacts.privacy): on request or at retention's end.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Contact stopped by a person ("Ferma", contacts.controls), whatever its status, until
    # released: nothing planned, dialled or sent meanwhile. None: not held.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creditor: Mapped[Creditor] = relationship(back_populates="positions")
    attempts: Mapped[list["Attempt"]] = relationship(
        back_populates="position", order_by="Attempt.number"
    )

    @property
    def identification(self):
        """`code` when the debtor keys in a verification code, `confirm` when they press 1,
        `withheld` when they cannot identify (domain.identification)."""
        return identification(self.creditor, self.verification_code)

    @property
    def spoken_language(self):
        return self.language or self.creditor.language

    @hybrid_property
    def amount_due(self):
        """The invoice's amount less what the creditor reported paid."""
        return self.amount - (self.amount_paid or 0)


def new_token():
    return secrets.token_urlsafe(16)


class Attempt(Base):
    """One call to a position, with every fact Twilio reported about it."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("position_id", "round", "number", name="uq_attempts_position_round_number"),
        # One call is one attempt of each position it speaks of: a call-back may go on from
        # one of the caller's positions to the next (ivr.inbound), each its own attempt.
        UniqueConstraint("call_sid", "position_id", name="uq_attempts_call_sid_position"),
        Index("ix_attempts_status_due", "status", "due_at"),
        Index("ix_attempts_day", "day"),
        # Is a call to this number under way? Asked for every call a dialer claims.
        Index("ix_attempts_to_number_status", "to_number", "status"),
        # …or is the debtor on a call-back from it? Only inbound attempts: the outbound ones'
        # `from_number`, the caller ID, would make this index as big as the table for nothing.
        Index("ix_attempts_inbound_from_number", "from_number", "status",
              postgresql_where=text("direction = 'inbound'"),
              sqlite_where=text("direction = 'inbound'")),
        # A claim walks the pending attempts of the open window in order and stops at its
        # batch size, instead of sorting every due attempt for every batch.
        Index("ix_attempts_claim", "status", "call_window", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Webhook URLs name the attempt by this random token, never by a guessable id.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    # The position's call round (a playbook step) and the attempt's number within it.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    number: Mapped[int] = mapped_column(Integer)
    # `outbound` (the dialer rang the debtor) or `inbound` (the debtor rang the caller ID back)
    direction: Mapped[str] = mapped_column(String(8), default="outbound",
                                           server_default="outbound")
    # pending → dialing (claimed by a dialer) → then Twilio's CallStatus values.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The dialer's plan: not before `due_at`, inside the window `call_window` ("14:00-17:00").
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    call_window: Mapped[str | None] = mapped_column(String(11))
    # The creditor-local day the attempt was placed: reports count it on that day.
    day: Mapped[date | None] = mapped_column(Date)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    call_sid: Mapped[str | None] = mapped_column(String(64))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    duration: Mapped[int | None] = mapped_column(Integer)
    digits: Mapped[str] = mapped_column(String(200), default="")
    identified: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(32))
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    place_errors: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    position: Mapped[Position] = relationship(back_populates="attempts")


class BlockedNumber(Base):
    """A number the creditor must not call again: opted out, reached the wrong person, or failed
    to identify; `position_id` is the position whose outcome barred it."""

    __tablename__ = "blocked_numbers"
    __table_args__ = (UniqueConstraint("creditor_id", "phone", name="uq_blocked_creditor_phone"),
                      # An opt-out bars the number for every creditor: looked up by number.
                      Index("ix_blocked_numbers_phone", "phone"))

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    phone: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallbackRequest(Base):
    """A debtor pressed 3: a collector is to call them back."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), unique=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A promise to pay: when and how much the debtor said they would pay.
    promise_date: Mapped[date | None] = mapped_column(Date)
    promise_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))

    position: Mapped[Position] = relationship()


class OutgoingMail(Base):
    """The mail outbox: queued in the transaction that decided to send, sent later with retries."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due", "status", "next_try_at"),
                      # A PEC receipt names its message by the Message-ID.
                      Index("ix_outgoing_mail_message_id", "message_id"),
                      # The contact policy counts what was sent to an address or number.
                      Index("ix_outgoing_mail_to_address_sent", "to_address", "sent_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Makes queueing idempotent, e.g. one wrong-person notice per position and address.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # email, pec or sms; `to_address` is an address, or the E.164 number of an SMS.
    channel: Mapped[str] = mapped_column(String(8), default="email", server_default="email")
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The same message as HTML, sent beside the plain text (written messages only).
    html: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[str | None] = mapped_column(Text)
    # queued → sending → sent, or back to queued for a retry, or failed; `unknown` when a
    # flusher died after handing the message over: held for a person (`outbox settle`);
    # `withdrawn` when the position was paid or closed before it went (never sent).
    status: Mapped[str] = mapped_column(String(20), default="queued")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Committed with the claim, before any SMTP: the Message-ID the server will see, and until
    # when (on the wall clock) the claiming flusher owns the message.
    message_id: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Committed just before the DATA command: from then on the server may have the message.
    data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The provider's id of a sent SMS (Twilio's MessageSid).
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The latest delivery news (notify.receipts.DELIVERY) and when it said delivered.
    delivery: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxReceipt(Base):
    """What the provider said after a message was handed over: a PEC receipt read back from the
    mailbox, an SMS status callback. One of each kind per message."""

    __tablename__ = "outbox_receipts"
    __table_args__ = (UniqueConstraint("mail_id", "kind", name="uq_outbox_receipts_mail_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outgoing_mail.id"))
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Receipt(Base):
    """A proof of payment a debtor uploaded on their page (PDF, PNG or JPEG), kept in the
    database like recordings, by content address: any web process serves it to the console."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("position_id", "sha256",
                                       name="uq_receipts_position_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    original_name: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceMessage(Base):
    """A debtor's spoken message about a problem with the invoice (key 6): where Twilio keeps
    it, then — once the worker has fetched it with the account's credentials — its audio, kept
    in the database by content address like recordings and receipts."""

    __tablename__ = "voice_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    duration: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")   # pending, kept, failed
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    """Append-only log of what happened to a position, when, and from which request."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_position_at", "position_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A webhook delivered twice records its fact once: the second insert hits this key.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class CreditorEvent(Base):
    """Append-only log of what was done to a creditor's whole campaign (paused, resumed), by
    whom and why: the creditor's counterpart of a position's Event."""

    __tablename__ = "creditor_events"
    __table_args__ = (Index("ix_creditor_events_creditor_at", "creditor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PolicyDecision(Base):
    """Append-only: each decision of the contact policy, allowed or refused, with the rule
    that decided and the counts it used (policy.audit). `position_id` is None for a change of
    a creditor's policy that loosened its preset (`rule` names the setting)."""

    __tablename__ = "policy_decisions"
    __table_args__ = (Index("ix_policy_decisions_position_at", "position_id", "at"),
                      Index("ix_policy_decisions_creditor_at", "creditor_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    # call, sms, email, pec; `setting` for a creditor's policy change
    channel: Mapped[str] = mapped_column(String(8))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str | None] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_allowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was asked about: the attempt about to ring, or the message about to go.
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    mail_id: Mapped[int | None] = mapped_column(Integer)


class ReportRun(Base):
    """A daily report made for one creditor and day: the unique key makes it once-only."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("creditor_id", "day", name="uq_report_runs_creditor_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id"))
    rows: Mapped[int] = mapped_column(Integer, default=0)


class PacingSlot(Base):
    """The next free calling slot of a rate shared by every dialer (Twilio's calls per second
    are per account, however many dialers place them): seconds since the epoch, UTC."""

    __tablename__ = "pacing_slots"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


class Recording(Base):
    """A creditor's recorded voice for one prompt slot and language, ready for the phone
    (8 kHz mono WAV); played instead of that slot's synthesized text."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("creditor_id", "slot", "language",
                                       name="uq_recordings_creditor_slot_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    slot: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    # Content address: the URL Twilio plays it from, and the cache key of that URL.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    wav: Mapped[bytes] = mapped_column(LargeBinary)
    duration_ms: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PromptText(Base):
    """A creditor's own wording of one prompt slot in one language (instead of the template)."""

    __tablename__ = "prompt_texts"
    __table_args__ = (UniqueConstraint("creditor_id", "slot", "language",
                                       name="uq_prompt_texts_creditor_slot_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    slot: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


ROLES = ("admin", "collector", "creditor")


class User(Base):
    """A console account: an admin, a collector, or a creditor's user (bound to that creditor)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)   # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditors.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept in each session cookie; bumped at logout or a new password, which ends every session
    # made before (a cookie copied earlier stops working).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A password an admin set for them: the user chooses their own at the next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=sa_false())

    creditor: Mapped[Creditor | None] = relationship()


class LoginAttempt(Base):
    """Every login attempt (or debtor's page code), kept to slow down guessing across all web
    processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose counters the attempt is on: `console` (logins) or `page` (the debtor's page's
    # verification codes). Failures on one never lock out the other.
    scope: Mapped[str] = mapped_column(String(16), default="console", server_default="console")
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    # None while the password is being checked: the attempt is counted before it is tried.
    succeeded: Mapped[bool | None] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    """A creditor's key to the HTTP API: only its SHA-256 is kept (the key is shown once)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(100))
    # The key's first characters, shown in lists to tell keys apart; never enough to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    creditor: Mapped[Creditor] = relationship()


class ApiIdempotency(Base):
    """The answer given to a request that carried an Idempotency-Key, replayed for its retries;
    written in the transaction of the work it answers, so a retry sees both or neither."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("creditor_id", "key", name="uq_api_idempotency_creditor_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ApiRateWindow(Base):
    """Requests of one API key in one minute, counted by every web process alike."""

    __tablename__ = "api_rate_windows"

    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)   # Unix time // 60
    count: Mapped[int] = mapped_column(Integer, default=0)


class FeedQueue(Base):
    """Position events a creditor is told of, waiting to be numbered into its feed
    (api.feed.publish); written in the transaction of the event itself."""

    __tablename__ = "feed_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)


class FeedEvent(Base):
    """A creditor's event as the API and the webhooks tell it. `id` is the cursor: numbered by
    one publisher at a time, so a row never appears behind a cursor a client already passed."""

    __tablename__ = "feed_events"
    __table_args__ = (Index("ix_feed_events_creditor_id", "creditor_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One feed event to POST to its creditor's webhook URL: queued → sending (leased) → sent,
    or back to queued with a backoff; delivered at least once, never dropped."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_try_at"),
                      Index("ix_webhook_deliveries_creditor", "creditor_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_event_id: Mapped[int] = mapped_column(ForeignKey("feed_events.id"), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
