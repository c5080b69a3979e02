"""The E.164 form of the plain writings of a phone number, without phonenumbers.parse.

Nearly every phone cell of a contact list is digits with spaces, dashes, dots, slashes or
parentheses, maybe after `+` and the country code or `00` and the country code. For those,
`phonenumbers.parse` does a lot of work (extension and second-number searches, alphabetic
numbers, RFC 3966) to reach the digits a glance finds, and then the validation tries each type
of number in turn. Here the digits are taken directly, and validity is one regular expression
per length, composed from the same metadata as `phonenumbers.is_valid_number_for_region`.

`plain_e164` answers only when the full reading (contacts.fields) would give the same number
and call it valid for the region; otherwise it returns None and the full reading decides (a
number of another country, a writing with letters or an extension, an invalid number: its
rejection and its message stay the full reading's). Pure: no Flask, no database.
"""
import re
from functools import lru_cache

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

# Separators phonenumbers.parse skips in any position (all in its VALID_PUNCTUATION).
_SEPARATORS = str.maketrans("", "", " ()./-")
# What phonenumbers.parse tries, in its order, before fixed line and mobile
# (phonenumberutil._number_type_helper): any one of them matching makes a number valid.
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line")
_MAX_INPUT = 250  # phonenumbers' _MAX_INPUT_STRING_LENGTH


def plain_e164(text, region):
    """The E.164 number `text` is, when it is a plain writing of a valid number of `region`'s
    own country code; None when the full reading must decide."""
    plan = _plan(region)
    if plan is None or not text or len(text) > _MAX_INPUT:
        return None
    code, by_length = plan
    plus = text[0] == "+"
    digits = (text[1:] if plus else text).translate(_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()):
        return None
    if plus:
        national = digits[len(code):] if digits.startswith(code) else None
    elif digits.startswith("00"):  # the international prefix (_plan checks it is "00")
        national = digits[2 + len(code):] if digits.startswith(code, 2) else None
    elif digits.startswith(code):
        # parse may take these digits for the country code written without `+`.
        national = None
    else:
        national = digits
    if national is None:
        return None
    valid = by_length.get(len(national))
    if valid is None or valid.fullmatch(national) is None:
        return None
    return f"+{code}{national}"


@lru_cache(maxsize=64)
def _plan(region):
    """(country code, {length: validity pattern}) for `region`, or None when its numbers are
    not read here: a region that shares its code as a dependent one (VA under +39), has a
    national prefix to strip (0 in France) or another international prefix than 00."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.national_prefix_for_parsing \
            or metadata.international_prefix != "00":
        return None
    code = metadata.country_code
    if phonenumbers.region_code_for_country_code(code) != region:
        return None
    code = str(code)
    # parse takes the shortest country code a number starts with.
    if any(int(code[:end]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
           for end in range(1, len(code))):
        return None
    general = metadata.general_desc
    if not _usable(general) or not general.possible_length:
        return None
    kinds = [getattr(metadata, kind) for kind in _TYPES]
    if not metadata.same_mobile_and_fixed_line_pattern:
        # When the two patterns are the same, a mobile number counts only as a fixed line.
        kinds.append(metadata.mobile)
    by_length = {}
    for length in general.possible_length:
        patterns = [kind.national_number_pattern for kind in kinds if _usable(kind)
                    and (not kind.possible_length or length in kind.possible_length)]
        if patterns:
            alternatives = "|".join(f"(?:{pattern})" for pattern in patterns)
            by_length[length] = re.compile(
                f"(?=(?:{general.national_number_pattern})\\Z)(?:{alternatives})")
    return code, by_length


def _usable(description):
    return description is not None and bool(description.national_number_pattern)
