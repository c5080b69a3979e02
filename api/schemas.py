"""What the API accepts and answers, as pydantic models: the endpoints validate requests with
them and the OpenAPI document (api.openapi) is generated from them, so the two cannot drift.

Requests are checked for their shape here (types, required keys, no unknown keys: a 422 for
the whole request, a pointer per field); what the values of a position mean (a valid phone, an
amount, a date) is the contact list's own validation (contacts.parse), item by item.
"""
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.statuses import STATUSES

MAX_BATCH = 1000
MAX_PAGE = 1000

Text = Annotated[str, Field(max_length=1000)]
Amount = Annotated[float | Annotated[str, Field(max_length=40)],
                   Field(description="A number, or text like `1234.56`, `1.234,56`, `1234,56`.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PositionItem(Strict):
    """A position as a contact list row describes it (SPEC §6 "Contact list"). Every field is
    written: an optional one left out is emptied on an existing position."""

    reference: Text = Field(description="The creditor's id of the position; unique per creditor.")
    name: Text = Field(description="The debtor's name or company name.")
    phone: Text = Field(description="Any common writing; stored as E.164, the default region "
                        "being the creditor's country.")
    amount: Amount
    due_date: Text = Field(description="`YYYY-MM-DD` or `DD/MM/YYYY`.")
    currency: Text | None = Field(None, description="Three letters; default EUR.")
    email: Text | None = None
    pec: Text | None = Field(None, description="Certified email (PEC) address.")
    invoice: Text | None = None
    verification_code: Text | None = Field(None, description="Digits the debtor keys in to "
                                           "identify (up to 16).")
    language: Text | None = Field(None, description="`it` or `en`; default the creditor's.")


class PutPositions(Strict):
    positions: list[PositionItem] = Field(min_length=1, max_length=MAX_BATCH)


class ItemProblem(BaseModel):
    field: str = Field(description="The item's field the problem is about.")
    code: str = Field(description="missing, invalid, too_long, too_large, not_positive, "
                      "ambiguous, not_in_calendar, repeated, erased…")
    detail: str


class ItemResult(BaseModel):
    index: int = Field(description="The item's place in `positions`, from 0; a `row N` in a "
                       "detail is the item at index N.")
    reference: str | None
    result: Literal["imported", "updated", "rejected"]
    problems: list[ItemProblem] = Field(default_factory=list)


class PutResult(BaseModel):
    batch_id: int
    imported: int
    updated: int
    rejected: int
    items: list[ItemResult]


class Attempt(BaseModel):
    round: int
    number: int
    direction: Literal["outbound", "inbound"]
    status: str
    outcome: str | None
    placed_at: datetime | None
    ended_at: datetime | None
    duration: int | None = Field(description="Seconds.")


class Message(BaseModel):
    channel: Literal["email", "pec", "sms"]
    kind: str
    status: str = Field(description="queued, sending, sent, failed, unknown, withdrawn.")
    created_at: datetime
    sent_at: datetime | None
    delivery: str | None = Field(description="The latest delivery news (PEC receipts, SMS).")


class Event(BaseModel):
    id: str | None = Field(description="The event's cursor in the feed (GET /events); None "
                           "for one not numbered yet.")
    type: str = Field(description="outcome, status_changed, payment_recorded, promise_broken, "
                      "verify_lapsed, message_sent, message_delivered, message_failed.")
    reference: str
    occurred_at: datetime
    data: dict = Field(description="What happened: `outcome`; `from`, `to`, `reason`, "
                       "`until`, `promise_date`; `amount_paid`, `paid_on`, `amount_due`; "
                       "`channel`, `kind`.")


class PositionSummary(BaseModel):
    reference: str
    status: Literal[tuple(STATUSES)]
    status_until: datetime | None
    outcome: str | None
    amount: str = Field(description="Decimal as text, two places.")
    amount_paid: str
    amount_due: str
    currency: str
    due_date: date
    invoice: str | None
    updated_at: datetime
    held_at: datetime | None = Field(description="When a person stopped every contact with "
                                     "the position (POST …/hold); null: not stopped.")


class Position(PositionSummary):
    name: str
    phone: str
    email: str | None
    pec: str | None
    language: str | None
    attempts: list[Attempt]
    messages: list[Message]
    events: list[Event]


class PositionPage(BaseModel):
    items: list[PositionSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; None "
                                    "on the last.")


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: str = Field(description="Pass as `after` to read on: the last event's id, or "
                             "the `after` given when nothing new was there.")


class PaymentRequest(Strict):
    amount_paid: Amount
    paid_on: date


class CloseRequest(Strict):
    reason: Annotated[str, Field(max_length=200)] | None = None


class ControlRequest(Strict):
    """Why a control is made: required to stop a position or pause the campaign."""

    reason: Annotated[str, Field(max_length=300)] | None = None


class Campaign(BaseModel):
    paused: bool
    paused_at: datetime | None = Field(description="When the campaign was paused; null: "
                                       "running.")


class ProblemError(BaseModel):
    pointer: str = Field(description="JSON Pointer to the field in the request body, or the "
                         "query parameter's name.")
    code: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[ProblemError] | None = None
