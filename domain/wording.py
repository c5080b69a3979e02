"""Errors as codes with parameters, worded by each surface in its own language.

The back end raises a `Coded` error: a `code`, known in MESSAGES with its English wording, and
the facts the wording names. str() is the English (the command line and the logs); the console
says it in Italian through the message catalogue (console/i18n.py, translations/), where the
English wording is the msgid. No Flask here: the pure code raises these.

    SettingError("caller_id_form", value="abc")   # str(): "caller id 'abc' must be in E.164 …"
"""
from string import Formatter

# code → English wording with {named} fields; filled by `register` in each module at import.
MESSAGES = {}


def N_(text):
    """Marks `text` for the catalogue (babel's extraction looks for N_), returns it as is."""
    return text


class Term(str):
    """A word given as a field that the console translates too (a field's label, a role)."""


def register(messages):
    """Add a module's {code: English wording}; a code means one thing across the project."""
    for code, text in messages.items():
        if MESSAGES.get(code, text) != text:
            raise ValueError(f"message code {code!r} is registered twice with other words")
        MESSAGES[code] = text
    return messages


def fields_of(text):
    return {name for _, name, _, _ in Formatter().parse(text) if name}


class Coded(ValueError):
    """A refusal as `code` and `params`; str() is its English sentence.

    Several refusals at once (a form's fields) are one Coded of code "several", its `parts`
    the single ones, each said on its own and joined with "; "."""

    def __init__(self, code, **params):
        if code not in MESSAGES:
            raise KeyError(f"no message {code!r}: register it in its module")
        self.code, self.params = code, params
        super().__init__(self.say(lambda text: text))

    @property
    def parts(self):
        return self.params.get("parts", ())

    def say(self, translate):
        """The sentence with `translate` (English wording → the surface's) applied to the
        wording and to the `Term` fields."""
        if self.code == "several":
            return "; ".join(part.say(translate) for part in self.parts)
        values = {key: _said(value, translate) for key, value in self.params.items()}
        return translate(MESSAGES[self.code]).format(**values)

    @classmethod
    def like(cls, other):
        """`other` (any Coded) as this class: the same code and facts."""
        return cls(other.code, **other.params)

    @classmethod
    def several(cls, errors):
        """One error for `errors` (Coded), or the single one as this class."""
        errors = list(errors)
        return cls.like(errors[0]) if len(errors) == 1 else cls("several", parts=tuple(errors))


def _said(value, translate):
    if isinstance(value, Term):
        return translate(value)
    return value.say(translate) if isinstance(value, Coded) else value


register({"several": "{parts}"})
