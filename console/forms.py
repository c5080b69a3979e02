"""What the console's forms and addresses accept, checked alike everywhere: text without
control characters (PostgreSQL refuses a NUL, and none belongs in a name or a note) and ids
that fit the database's INTEGER columns (a bigger one is an error there, not a miss)."""
import unicodedata

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class FormError(ValueError):
    """Input a form cannot take, and why (in Italian: users read it)."""


def clean_text(value, label, multiline=False):
    """`value` without surrounding blanks; FormError naming `label` if it holds a control
    character (line breaks and tabs are fine where `multiline`)."""
    text = (value or "").strip()
    if has_control(text, allowed="\r\n\t" if multiline else ""):
        raise FormError(f"«{label}» contiene un carattere non ammesso (ad esempio un NUL): "
                        "lo tolga e riprovi")
    return text


def shown(value):
    """What the user typed, as a field can show it again: without its control characters."""
    return "".join(c for c in (value or "") if not _control(c) or c in "\r\n\t")


def record_id(text):
    """The id written in `text` (ASCII digits, 1 to MAX_ID); ValueError otherwise, so that
    `request.args.get(name, type=record_id)` gives None for anything else."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValueError(f"not an id: {text[:20]!r}")
    return int(text)


class RecordIdConverter(IntegerConverter):
    """`<id:name>` in a console route: an id that fits the database, else 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def has_control(text, allowed=""):
    """Whether `text` holds a control character (NUL, ESC, a line break…) not in `allowed`."""
    return any(_control(c) and c not in allowed for c in text)


def _control(character):
    return unicodedata.category(character) == "Cc"
