"""`privacy export`: everything kept about a person (GDPR art. 15), as one JSON file and the
audio of their spoken messages beside it, in a folder of its own.

Every table that holds a debtor's data is read here: positions with their attempts, events
(payments among them), outgoing mail, PEC and SMS with their receipts, callback requests,
spoken messages, uploaded payment receipts; and the bars on their numbers.
"""
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import LargeBinary, func, inspect, select

from contacts.privacy import positions_of
from db.models import (
    Attempt, BlockedNumber, CallbackRequest, Creditor, Event, OutboxReceipt, OutgoingMail,
    Receipt, VoiceMessage,
)

# Never written out: secrets of the installation, not facts about the person.
HIDDEN = {"token", "claimed_by", "lease_until", "key"}
AUDIO_EXTENSIONS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3"}
FILE_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass
class Export:
    """What an export wrote: the JSON file, the files beside it, and counts."""

    folder: str
    json_path: str = ""
    files: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def lines(self):
        summary = ", ".join(f"{n} {label}" for label, n in self.counts.items())
        return [f"wrote {self.json_path}: {summary}", *(f"wrote {path}" for path in self.files)]


def row(obj):
    """A row's columns as JSON values, without binary content or the installation's secrets."""
    values = {}
    for column in inspect(obj).mapper.column_attrs:
        name = column.key
        if name in HIDDEN or isinstance(column.columns[0].type, LargeBinary):
            continue
        values[name] = _json_value(getattr(obj, name))
    return values


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def gather(session, person):
    """The export's content (a dict ready for JSON) and the binary files to write beside it
    as {file name: bytes}."""
    positions = positions_of(session, person)
    ids = [p.id for p in positions]
    creditors = {c.id: c.name for c in session.scalars(select(Creditor))}
    files, entries = {}, []
    for position in positions:
        entry = row(position)
        entry["creditor"] = creditors[position.creditor_id]
        entry.update(_of_position(session, position.id, files))
        entries.append(entry)
    addresses = set(person.phones) | set(person.emails)
    loose = session.scalars(select(OutgoingMail).where(
        func.lower(OutgoingMail.to_address).in_(addresses),
        OutgoingMail.position_id.is_(None) | OutgoingMail.position_id.not_in(ids or [0]))).all()
    phones = set(person.phones) | {p.phone for p in positions}
    bars = session.scalars(select(BlockedNumber).where(BlockedNumber.phone.in_(phones))
                           .order_by(BlockedNumber.id)).all()
    content = {
        "person": {"phones": sorted(person.phones), "emails": sorted(person.emails)},
        "positions": entries,
        "other_messages": [_message(session, m) for m in loose],
        "blocked_numbers": [dict(row(b), creditor=creditors[b.creditor_id]) for b in bars],
    }
    return content, files


def _of_position(session, position_id, files):
    def rows(model, order):
        return session.scalars(select(model).where(model.position_id == position_id)
                               .order_by(order)).all()

    events = rows(Event, Event.at)
    def with_files(records, prefix, extensions):
        """`records` as rows, each stored file written beside the JSON and named in its row."""
        entries = []
        for record in records:
            entry = row(record)
            if record.data:
                name = f"{prefix}-{record.id}.{extensions.get(record.content_type, 'bin')}"
                files[name] = record.data
                entry["file"] = name
            entries.append(entry)
        return entries

    voices = with_files(rows(VoiceMessage, VoiceMessage.id), "voice-message", AUDIO_EXTENSIONS)
    receipts = with_files(rows(Receipt, Receipt.id), "payment-receipt", FILE_EXTENSIONS)
    return {
        "attempts": [row(a) for a in rows(Attempt, Attempt.id)],
        "events": [row(e) for e in events],
        "payments": [row(e) for e in events if e.kind == "payment"],
        "messages": [_message(session, m) for m in rows(OutgoingMail, OutgoingMail.id)],
        "callback_requests": [row(c) for c in rows(CallbackRequest, CallbackRequest.id)],
        "voice_messages": voices,
        "payment_receipts": receipts,
    }


def _message(session, mail):
    entry = row(mail)
    entry["receipts"] = [row(r) for r in session.scalars(
        select(OutboxReceipt).where(OutboxReceipt.mail_id == mail.id).order_by(OutboxReceipt.id))]
    return entry


def write_export(session, person, folder, now):
    """Write the export of `person` into `folder` (made, readable by its owner only): an
    Export saying what was written."""
    content, files = gather(session, person)
    content = {"exported_at": now.isoformat(), **content}
    os.makedirs(folder, mode=0o700, exist_ok=True)
    export = Export(folder=folder, json_path=os.path.join(folder, "export.json"))
    with open(_private(export.json_path), "w", encoding="utf-8") as out:
        json.dump(content, out, ensure_ascii=False, indent=2)
        out.write("\n")
    for name, data in files.items():
        path = os.path.join(folder, name)
        with open(_private(path), "wb") as out:
            out.write(data)
        export.files.append(path)
    positions = content["positions"]
    export.counts = {
        "positions": len(positions),
        "creditors": len({p["creditor"] for p in positions}),
        "attempts": sum(len(p["attempts"]) for p in positions),
        "events": sum(len(p["events"]) for p in positions),
        "messages": sum(len(p["messages"]) for p in positions) + len(content["other_messages"]),
        "callback requests": sum(len(p["callback_requests"]) for p in positions),
        "voice messages": sum(len(p["voice_messages"]) for p in positions),
        "payments": sum(len(p["payments"]) for p in positions),
        "payment receipts": sum(len(p["payment_receipts"]) for p in positions),
        "blocked numbers": len(content["blocked_numbers"]),
    }
    return export


def _private(path):
    """`path` created empty, readable and writable by its owner only, before anything is in it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    return path
