"""A creditor's payment link: a URL template naming `{reference}` and `{amount}`, pure.

The console, the command line, the debtor's page and the keypad's SMS (key 7) all check and fill
it through these two functions, so a link that is saved is a link that can be sent.
"""
from urllib.parse import quote, urlsplit

from domain.wording import N_, Coded, register

PLACEHOLDERS = ("{reference}", "{amount}")
MAX_LENGTH = 2000


class PaymentLinkError(Coded):
    """A payment link template that cannot be used: a code of MESSAGES and its facts."""


MESSAGES = register({
    "link_too_long": N_("payment link is longer than {length} characters"),
    "link_blanks": N_("payment link '{value}' must not contain spaces or control characters"),
    "link_placeholders": N_("payment link '{value}' may name only {{reference}} and {{amount}} "
                            "between braces"),
    "link_not_web": N_("payment link '{value}' must be a web address starting with https:// "
                       "(or http://), like "
                       "https://pay.example.com/?ref={{reference}}&amount={{amount}}"),
    "link_host_placeholder": N_("payment link '{value}' cannot put a placeholder in the host"),
})


def check_payment_link(text):
    """The template as stored, or None for '' (no link); PaymentLinkError otherwise."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH:
        raise PaymentLinkError("link_too_long", length=MAX_LENGTH)
    if any(c.isspace() or not c.isprintable() for c in value):
        raise PaymentLinkError("link_blanks", value=value)
    bare = value
    for placeholder in PLACEHOLDERS:
        bare = bare.replace(placeholder, "")
    if "{" in bare or "}" in bare:
        raise PaymentLinkError("link_placeholders", value=value)
    parts = urlsplit(bare)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise PaymentLinkError("link_not_web", value=value)
    if "{" in value.split("//", 1)[1].split("/", 1)[0]:
        raise PaymentLinkError("link_host_placeholder", value=value)
    return value


def payment_url(template, reference, amount):
    """The debtor's own payment address: `template` with the reference and the amount due
    (`1234.56`, a dot and two decimals) filled in, each percent-encoded."""
    return template.replace("{reference}", quote(str(reference), safe="")) \
        .replace("{amount}", quote(f"{amount:.2f}", safe=""))
