"""How a debtor proves on the phone who they are (SPEC §1.1): per creditor and position.

Pure: a creditor is read through its attributes only, so the contact policy (whose `strict`
preset requires code identification, SPEC §5) can call `requires_code` on any object that has
them.
"""
from policy.rules import PRESETS

CODE = "code"          # keys in the position's verification code, then '#'
CONFIRM = "confirm"    # presses 1 at "if you are {name}"
# Nobody can identify: the creditor requires a code and the position has none. The call says
# who is calling and offers the callback and opt-out keys; the notice goes only in writing.
WITHHELD = "withheld"


def requires_code(creditor):
    """Whether `creditor`'s debtors identify on the phone by verification code only: its own
    setting, or its contact policy's preset (`strict`)."""
    if getattr(creditor, "require_code", False):
        return True
    preset = PRESETS.get(getattr(creditor, "policy", None))
    return bool(preset and preset.require_code)


def identification(creditor, verification_code):
    """How the debtor of a position of `creditor` with `verification_code` identifies."""
    if verification_code:
        return CODE
    return WITHHELD if requires_code(creditor) else CONFIRM
