"""Receipts a debtor uploads on their page with "I have paid": PDF, PNG or JPEG, recognised by
their first bytes (never by the name or the browser's word), size-capped, and kept in the
database by content address like recordings, so any web process serves them to the console."""
import hashlib

from sqlalchemy import select

from db.events import record_event
from db.models import Receipt

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# (first bytes, content type, file suffix)
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"\xff\xd8\xff", "image/jpeg", "jpg"))
SUFFIXES = {content_type: suffix for _, content_type, suffix in SIGNATURES}


class ReceiptError(ValueError):
    """A file that cannot be kept as a receipt: `code` is `empty`, `too_big` or `not_allowed`."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def receipt_type(data, max_bytes=MAX_RECEIPT_BYTES):
    """The content type of `data` as a receipt; ReceiptError when it is empty, bigger than
    `max_bytes`, or not a PDF, PNG or JPEG by its first bytes."""
    if not data:
        raise ReceiptError("empty")
    if len(data) > max_bytes:
        raise ReceiptError("too_big")
    for magic, content_type, _ in SIGNATURES:
        if data.startswith(magic):
            return content_type
    raise ReceiptError("not_allowed")


def save_receipt(session, position, data, original_name, source, now):
    """Keep `data` as a receipt of `position` (checked: ReceiptError); the Receipt. The same
    file sent again is the one kept already."""
    content_type = receipt_type(data)
    sha256 = hashlib.sha256(data).hexdigest()
    kept = session.scalar(select(Receipt).where(Receipt.position_id == position.id,
                                                Receipt.sha256 == sha256))
    if kept is not None:
        return kept
    name = "".join(c for c in (original_name or "") if c.isprintable())[-200:] or None
    receipt = Receipt(position_id=position.id, sha256=sha256, content_type=content_type,
                      size=len(data), data=data, original_name=name, source=source,
                      created_at=now)
    session.add(receipt)
    session.flush()
    record_event(session, position.id, "receipt_uploaded", source,
                 {"receipt": receipt.id, "type": content_type, "bytes": len(data)}, at=now)
    return receipt


def receipts_of(session, position_id):
    """The position's receipts, oldest first, without their bytes."""
    return session.execute(select(Receipt.id, Receipt.content_type, Receipt.size,
                                  Receipt.original_name, Receipt.created_at, Receipt.source)
                           .where(Receipt.position_id == position_id)
                           .order_by(Receipt.created_at, Receipt.id)).all()
