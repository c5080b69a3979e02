"""How a debtor identifies on the phone, per creditor and position: plain objects, no database."""
from types import SimpleNamespace

import pytest

from domain.identification import CODE, CONFIRM, WITHHELD, identification, requires_code

REQUIRING = SimpleNamespace(require_code=True)
TRUSTING = SimpleNamespace(require_code=False)


def test_a_creditor_requires_code_identification_only_when_set():
    assert requires_code(REQUIRING) and not requires_code(TRUSTING)


def test_an_object_without_the_setting_does_not_require_a_code():
    assert not requires_code(SimpleNamespace())


@pytest.mark.parametrize("policy, required", [("strict", True), ("it", False),
                                              ("us-regf", False), (None, False)])
def test_the_strict_contact_policy_requires_a_code_whatever_the_setting(policy, required):
    assert requires_code(SimpleNamespace(require_code=False, policy=policy)) is required


@pytest.mark.parametrize("creditor, code, expected", [
    (TRUSTING, "4321", CODE), (TRUSTING, None, CONFIRM), (TRUSTING, "", CONFIRM),
    (REQUIRING, "4321", CODE), (REQUIRING, None, WITHHELD), (REQUIRING, "", WITHHELD)])
def test_a_position_identifies_by_its_code_by_pressing_1_or_not_at_all(creditor, code, expected):
    assert identification(creditor, code) == expected
