"""Personal values quoted inside texts — event details, errors, report copies, receipts — found
and replaced, for the erasure (contacts.privacy). Pure: no Flask, no database."""
import phonenumbers

ERASED = "[anonimizzato]"   # stands where a name or a quoted personal value was
SHORTEST_QUOTED = 3         # shorter values (initials) are not searched for inside texts


def phone_writings(phone):
    """The ways a stored E.164 number may be quoted in a text: +393331234567, 393331234567,
    3331234567 (longest first, so a longer one is replaced whole)."""
    writings = {phone, phone.lstrip("+")}
    try:
        writings.add(str(phonenumbers.parse(phone, None).national_number))
    except phonenumbers.NumberParseException:
        pass
    return sorted((w for w in writings if len(w) >= SHORTEST_QUOTED), key=len, reverse=True)


class Quoted:
    """The personal values to take out of texts, and the verification codes out of keys."""

    def __init__(self):
        self.values, self.codes = set(), set()
        self._needles = None

    def add(self, *values):
        for value in values:
            if value and len(value.strip()) >= SHORTEST_QUOTED:
                self.values.add(value.strip())
        self._needles = None

    def add_position(self, position):
        self.add(position.name, position.email, position.pec)
        if position.phone:
            self.add(*phone_writings(position.phone))
        if position.verification_code:
            self.codes.add(position.verification_code)

    def add_person(self, person):
        for phone in person.phones:
            self.add(*phone_writings(phone))
        self.add(*person.emails)

    def needles(self):
        """(value, folded value), longest first: a longer value is replaced before a part."""
        if self._needles is None:
            self._needles = [(v, v.casefold()) for v in sorted(self.values, key=len,
                                                                  reverse=True)]
        return self._needles

    def text(self, text):
        """`text` with every personal value replaced by ERASED (case-insensitively)."""
        if not text:
            return text
        folded = text.casefold()
        for value, needle in self.needles():
            if needle in folded:   # one fast search per value; a copy only when one is there
                text = _replace_folded(text, value, ERASED)
                folded = text.casefold()
        return text

    def keys(self, digits):
        """Keys pressed, with the verification codes masked."""
        for code in self.codes:
            digits = digits.replace(code, "*" * len(code)) if digits else digits
        return digits

    def detail(self, value, key=None):
        """A JSON detail with its quoted values taken out, keys pressed masked."""
        if isinstance(value, dict):
            return {k: self.detail(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.detail(v) for v in value]
        if isinstance(value, str):
            return self.keys(value) if key == "digits" else self.text(value)
        return value


def _replace_folded(text, value, replacement):
    folded, needle = text.casefold(), value.casefold()
    if needle not in folded or len(folded) != len(text):
        return text.replace(value, replacement) if value in text else text
    out, start = [], 0
    while (found := folded.find(needle, start)) != -1:
        out += [text[start:found], replacement]
        start = found + len(needle)
    return "".join(out + [text[start:]])
