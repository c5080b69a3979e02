"""A creditor's payment link (domain/payment_links.py): checked once, filled for each debtor."""
from decimal import Decimal

import pytest

from domain.payment_links import PaymentLinkError, check_payment_link, payment_url


@pytest.mark.parametrize("template", [
    "https://pay.example.com/?ref={reference}&amount={amount}",
    "https://pay.example.com/{reference}/{amount}",
    "http://intranet.example/pay",
    "https://pay.example.com/acme",
])
def test_a_web_address_with_the_two_placeholders_is_taken(template):
    assert check_payment_link(f"  {template} ") == template


def test_an_empty_link_clears_it():
    assert check_payment_link("") is None and check_payment_link("   ") is None


@pytest.mark.parametrize("template, words", [
    ("ftp://pay.example.com/{reference}", "https://"),
    ("javascript:alert(1)//{reference}", "https://"),
    ("pay.example.com/?r={reference}", "https://"),
    ("https://pay.example.com/?r={iban}", "only {reference} and {amount}"),
    ("https://pay.example.com/?r={reference", "only {reference} and {amount}"),
    ("https://pay.example.com/?r={{reference}}", "only {reference} and {amount}"),
    ("https://pay.example.com/?r={0}", "only {reference} and {amount}"),
    ("https://pay.example.com/?r= {reference}", "spaces"),
    ("https://{reference}.example.com/", "host"),
    ("https:///{reference}", "https://"),
    ("https://pay.example.com/" + "a" * 2000, "longer than"),
])
def test_anything_else_is_refused_with_the_reason(template, words):
    with pytest.raises(PaymentLinkError, match=words.replace("{", r"\{").replace("}", r"\}")):
        check_payment_link(template)


def test_the_link_is_filled_with_the_reference_and_the_amount_due_encoded():
    template = "https://pay.example.com/?ref={reference}&amount={amount}"
    assert payment_url(template, "PR-2026/0001 A&B", Decimal("1234.5")) == \
        "https://pay.example.com/?ref=PR-2026%2F0001%20A%26B&amount=1234.50"
    assert payment_url("https://pay.example.com/acme", "X", Decimal(1)) == \
        "https://pay.example.com/acme"
