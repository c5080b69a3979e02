"""The plain-writing reading of phones gives what phonenumbers.parse gives, or leaves it to it."""
import random

import phonenumbers
import pytest
from phonenumbers.phonemetadata import PhoneMetadata

from contacts.e164 import plain_e164
from contacts.fields import parsed_e164

SEPARATORS = " ()./-"
# Characters the plain reading must leave to phonenumbers: letters, extensions, other digits.
ODD = ["x", "#", "+", ",", ";", "\u00a0", "\u0663", "A", "ext", "~", "*", ":"]
TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
         "voip", "pager", "uan", "voicemail")


# The reading of contacts.fields without the plain path: parse, validate, format.
full_reading = parsed_e164


def example_numbers(region):
    metadata = PhoneMetadata.metadata_for_region(region)
    return [description.example_number for description in
            (getattr(metadata, kind) for kind in TYPES)
            if description is not None and description.example_number]


def written(rnd, digits, odd=False):
    """`digits` with separators here and there, sometimes an odd character."""
    out = []
    for digit in digits:
        if rnd.random() < 0.2:
            out.append(rnd.choice(SEPARATORS))
        out.append(digit)
    if odd and rnd.random() < 0.5:
        out.insert(rnd.randrange(len(out) + 1), rnd.choice(ODD))
    return "".join(out).strip()


def writings(rnd, region, count):
    code = str(phonenumbers.country_code_for_region(region))
    examples = example_numbers(region)
    prefixes = ["", "", "+" + code, "00" + code, code, "0", "00", "+", "+0" + code, "+00" + code,
                "0" + code, "+" + code + "0", "+1", "+44", "0044", "3", "39"]
    for _ in range(count):
        if rnd.random() < 0.5 and examples:
            body = rnd.choice(examples)
            # Mutate a digit or the length now and then: near-valid numbers are the edge.
            if rnd.random() < 0.4:
                at = rnd.randrange(len(body))
                body = body[:at] + rnd.choice("0123456789") + body[at + 1:]
            if rnd.random() < 0.2:
                body = body[:-1] if rnd.random() < 0.5 else body + rnd.choice("0123456789")
        else:
            body = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 14)))
        yield rnd.choice(prefixes) + rnd.choice(["", " "]) + written(rnd, body, odd=True)


@pytest.mark.parametrize("region", ["IT", "ES", "PT", "PL", "DK", "NO", "VA", "FR", "DE", "GB",
                                    "US", "CH"])
def test_the_plain_reading_gives_the_full_readings_number_or_leaves_it_to_it(region):
    rnd = random.Random(f"e164-{region}")
    answered = valid = 0
    for text in writings(rnd, region, 6000):
        plain, full = plain_e164(text, region), full_reading(text, region)
        valid += full is not None
        if plain is not None:
            answered += 1
            assert plain == full, text
    # The regions whose writings it reads must see it answer: the test proves nothing otherwise.
    if region in ("IT", "ES", "PT", "PL", "DK", "NO"):
        assert answered > valid / 3 > 150
    else:
        assert answered == 0


def test_every_valid_length_and_type_of_italian_number_agrees_with_phonenumbers():
    rnd = random.Random(39)
    prefixes = ["0", "01", "02", "06", "08", "0878", "1", "144", "178", "199", "3", "31", "32",
                "33", "38", "39", "43", "55", "70", "80", "800", "803", "84", "89", "892", "895"]
    for prefix in prefixes:
        for length in range(5, 14):
            for _ in range(60):
                national = prefix + "".join(rnd.choice("0123456789")
                                            for _ in range(max(0, length - len(prefix))))
                for text in (f"+39 {national}", f"0039{national}", national):
                    plain = plain_e164(text, "IT")
                    assert plain is None or plain == full_reading(text, "IT"), text


@pytest.mark.parametrize("writing", ["333 123 4567", "+39 333 1234567", "00393331234567",
                                     "3331234567", "333-1234567", "333.123.4567"])
def test_the_plain_writings_of_a_mobile_are_read_without_parse(writing):
    assert plain_e164(writing, "IT") == "+393331234567"


@pytest.mark.parametrize("writing", ["06 1234 5678", "06/12345678", "(06) 12345678",
                                     "+39 06 12345678", "0612345678"])
def test_the_plain_writings_of_a_landline_keep_its_zero(writing):
    assert plain_e164(writing, "IT") == "+390612345678"


@pytest.mark.parametrize("writing", [
    "+44 20 7946 0958",      # another country: parse decides
    "393 123 4567",          # starts like the country code without +: parse decides
    "+39 000 0000000",       # invalid: parse rejects it, with its own message
    "12", "333", "", "+39", "0039",
    "333 1234567 x12",       # an extension
    "tel: 333 1234567",      # a label
    "\u0663\u0663\u0663 1234567",  # other digits
])
def test_what_is_not_a_plain_valid_number_of_the_region_is_left_to_parse(writing):
    assert plain_e164(writing, "IT") is None
