"""How a debtor proves on the phone who they are (SPEC §1.1): per creditor and position.

Pure: a creditor is read through its attributes only, so the contact policy (whose `strict`
preset requires code identification, SPEC §5) can call `requires_code` on any object that has
them.
"""

CODE = "code"          # keys in the position's verification code, then '#'
CONFIRM = "confirm"    # presses 1 at "if you are {name}"
# Nobody can identify: the creditor requires a code and the position has none. The call says
# who is calling and offers the callback and opt-out keys; the notice goes only in writing.
WITHHELD = "withheld"


# The contact policy's presets that require identification by code (SPEC §5: `strict`); the
# policy's rules (policy.rules) take it from here.
CODE_ONLY_PRESETS = ("strict",)


def requires_code(creditor):
    """Whether `creditor`'s debtors identify on the phone by verification code only: its own
    setting, or its contact policy's preset (`strict`)."""
    return bool(getattr(creditor, "require_code", False)) \
        or getattr(creditor, "policy", None) in CODE_ONLY_PRESETS


def identification(creditor, verification_code):
    """How the debtor of a position of `creditor` with `verification_code` identifies."""
    if verification_code:
        return CODE
    return WITHHELD if requires_code(creditor) else CONFIRM
