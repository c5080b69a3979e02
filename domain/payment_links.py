"""A creditor's payment link: a URL template naming `{reference}` and `{amount}`, pure.

The console, the command line, the debtor's page and the keypad's SMS (key 7) all check and fill
it through these two functions, so a link that is saved is a link that can be sent.
"""
from urllib.parse import quote, urlsplit

PLACEHOLDERS = ("{reference}", "{amount}")
MAX_LENGTH = 2000


class PaymentLinkError(ValueError):
    """A payment link template that cannot be used, and why (in plain English)."""


def check_payment_link(text):
    """The template as stored, or None for '' (no link); PaymentLinkError otherwise."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH:
        raise PaymentLinkError(f"payment link is longer than {MAX_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise PaymentLinkError(f"payment link '{value}' must not contain spaces or control "
                               "characters")
    bare = value
    for placeholder in PLACEHOLDERS:
        bare = bare.replace(placeholder, "")
    if "{" in bare or "}" in bare:
        raise PaymentLinkError(f"payment link '{value}' may name only {{reference}} and "
                               "{amount} between braces")
    parts = urlsplit(bare)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise PaymentLinkError(f"payment link '{value}' must be a web address starting with "
                               "https:// (or http://), like "
                               "https://pay.example.com/?ref={reference}&amount={amount}")
    if "{" in value.split("//", 1)[1].split("/", 1)[0]:
        raise PaymentLinkError(f"payment link '{value}' cannot put a placeholder in the host")
    return value


def payment_url(template, reference, amount):
    """The debtor's own payment address: `template` with the reference and the amount due
    (`1234.56`, a dot and two decimals) filled in, each percent-encoded."""
    return template.replace("{reference}", quote(str(reference), safe="")) \
        .replace("{amount}", quote(f"{amount:.2f}", safe=""))
