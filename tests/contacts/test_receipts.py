"""Receipts (contacts/receipts.py): a PDF, PNG or JPEG by its first bytes, and size-capped."""
import pytest

from contacts.receipts import MAX_RECEIPT_BYTES, ReceiptError, receipt_type


@pytest.mark.parametrize("data, content_type", [
    (b"%PDF-1.7\n...", "application/pdf"), (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xdb....", "image/jpeg"),
])
def test_a_receipt_is_known_by_its_first_bytes(data, content_type):
    assert receipt_type(data) == content_type


@pytest.mark.parametrize("data, code", [
    (b"", "empty"), (b"GIF89a....", "not_allowed"), (b"<svg onload=alert(1)>", "not_allowed"),
    (b"PK\x03\x04 a zip named .pdf", "not_allowed"), (b" %PDF-1.4", "not_allowed"),
    (b"%PDF-" + b"0" * MAX_RECEIPT_BYTES, "too_big"),
])
def test_anything_else_is_refused(data, code):
    with pytest.raises(ReceiptError) as refused:
        receipt_type(data)
    assert refused.value.code == code
