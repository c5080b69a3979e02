"""TwiML builders: pure functions from a flow `Reply` to the XML Twilio runs.

The XML is written as text (`Verbs`), byte for byte what the official library's
VoiceResponse writes for the same verbs (attributes sorted, ElementTree's escaping): building
ElementTree nodes and serialising them was a sixth of a webhook's CPU.
"""
from dataclasses import dataclass, field, replace

from prompts import DISCLOSING_SLOTS, SAY_LANGUAGE, render
from prompts.speech import speak_date
from prompts.templates import (
    DEFAULT_LANGUAGE, INBOUND_GOODBYE, INBOUND_NEUTRAL, INBOUND_TRANSFER, UNAVAILABLE, segments,
)

GATHER_TIMEOUT = 6        # seconds of silence before Twilio moves past <Gather>
CODE_MAX_DIGITS = 12
RECORD_MAX_SECONDS = 60   # a debtor's spoken message about a problem with the invoice
RECORD_SILENCE_SECONDS = 5


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# ElementTree's escaping: of text, and of an attribute's value.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                    "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})


class Verbs:
    """A <Response> (or a <Gather>'s content) written as XML text, verb by verb; `str()` is the
    whole document. Attributes are given in TwiML's own camelCase; None leaves one out."""

    def __init__(self, name="Response", **attributes):
        self._name, self._attributes, self._parts = name, attributes, []

    def say(self, text, language=None, voice=None):
        self._parts.append(_element("Say", {"language": language, "voice": voice}, _text(text)))

    def play(self, url):
        self._parts.append(_element("Play", {}, _text(url)))

    def redirect(self, url, method="POST"):
        self._parts.append(_element("Redirect", {"method": method}, _text(url)))

    def hangup(self):
        self._parts.append("<Hangup />")

    def dial(self, number):
        self._parts.append(_element("Dial", {}, _text(number)))

    def record(self, action, method, max_length, timeout, finish_on_key, play_beep):
        self._parts.append(_element("Record", {
            "action": action, "method": method, "maxLength": max_length, "timeout": timeout,
            "finishOnKey": finish_on_key, "playBeep": play_beep}))

    def gather(self, action, method, timeout, num_digits, finish_on_key=None):
        """A <Gather> whose content is the returned Verbs' (say into it)."""
        nested = Verbs("Gather", action=action, method=method, timeout=timeout,
                       numDigits=num_digits, finishOnKey=finish_on_key)
        self._parts.append(nested)
        return nested

    def xml(self):
        return _element(self._name, self._attributes, "".join(
            part if isinstance(part, str) else part.xml() for part in self._parts))

    def __str__(self):
        return XML_DECLARATION + self.xml()


def _element(name, attributes, content=""):
    """<name a="…">content</name> (content already XML), attributes sorted by name and those
    that are None left out; <name … /> when empty."""
    written = "".join(f' {key}="{_attribute(value)}"' for key, value in sorted(attributes.items())
                      if value is not None)
    return f"<{name}{written}>{content}</{name}>" if content else f"<{name}{written} />"


def _text(value):
    return str(value).translate(_TEXT_ESCAPES)


def _attribute(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).translate(_ATTRIBUTE_ESCAPES)


class DisclosureError(RuntimeError):
    """A reply tried to speak about the debt before the debtor was identified."""


@dataclass(frozen=True)
class Voice:
    """How and what to say on one call: language, <Say> voice, the fields of the templates."""

    language: str
    voice: str | None
    fields: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    recordings: dict = field(default_factory=dict)   # slot → URL of the creditor's recording
    clips: dict = field(default_factory=dict)        # fixed sentence → URL of its rendering


def reply_twiml(reply, voice, action_url, next_url=None):
    """Render `reply`; `action_url(state)` is the webhook URL of the step `state` awaits,
    `next_url` where a call-back goes on to the caller's next position (`reply.go_on`)."""
    response = Verbs()
    if reply.promise_date is not None:
        voice = replace(voice, fields={
            **voice.fields, "promise_date": speak_date(reply.promise_date, voice.language)})
    if reply.gather is None:
        _say_all(response, reply.prompts, voice, reply.identified)
        if reply.go_on and next_url:
            response.redirect(next_url, method="POST")
        else:
            response.hangup()
        return str(response)
    url = action_url(reply.gather.state)
    if reply.record:
        # The message goes to the action URL; with nothing said Twilio falls through to the
        # next verb, which posts there too, without a recording: one way on either way (the
        # goodbye, or a call-back's next position).
        _say_all(response, reply.prompts, voice, reply.identified)
        response.record(action=url, method="POST", max_length=RECORD_MAX_SECONDS,
                        timeout=RECORD_SILENCE_SECONDS, finish_on_key="#", play_beep=True)
        response.redirect(url, method="POST")
        return str(response)
    if reply.gather.finish_on_key:
        gather = response.gather(action=url, method="POST", timeout=GATHER_TIMEOUT,
                                 finish_on_key="#", num_digits=CODE_MAX_DIGITS)
    else:
        gather = response.gather(action=url, method="POST", timeout=GATHER_TIMEOUT,
                                 num_digits=reply.gather.digits)
    _say_all(gather, reply.prompts, voice, reply.identified)
    # Twilio falls through past <Gather> on silence: come back to the same step with no digits.
    response.redirect(url, method="POST")
    return str(response)


def hangup_twiml():
    """For a call Cortesia knows nothing about: end it without a word."""
    response = Verbs()
    response.hangup()
    return str(response)


def unavailable_twiml(voices):
    """For a call whose facts cannot be read or kept right now: a polite goodbye in the
    default language, with not a word about the debt."""
    response = Verbs()
    response.say(UNAVAILABLE[DEFAULT_LANGUAGE], language=SAY_LANGUAGE[DEFAULT_LANGUAGE],
                 voice=voices.get(DEFAULT_LANGUAGE))
    response.hangup()
    return str(response)


def _say_all(node, slots, voice, identified):
    for slot in slots:
        if slot in DISCLOSING_SLOTS and not identified:
            raise DisclosureError(f"prompt {slot!r} before identification")
        if not voice.recordings and not voice.clips:
            node.say(render(slot, voice.language, voice.fields, voice.overrides),
                     language=SAY_LANGUAGE[voice.language], voice=voice.voice)
            continue
        _speak_segments(node, segments(slot, voice.language, voice.fields, voice.overrides), voice)


def _speak_segments(node, pieces, voice):
    """Recorded or rendered pieces as <Play>; everything between them (the debtor's own
    values, pieces with neither) as one <Say> each run, so it keeps its sentence melody."""
    pending = ""
    for piece in pieces:
        url = voice.clips.get(piece.text.strip())   # a debtor's value only when opted in
        if piece.key:
            url = voice.recordings.get(piece.key) or url
        if url is None:
            pending += piece.text
            continue
        if pending.strip():
            node.say(pending.strip(), language=SAY_LANGUAGE[voice.language], voice=voice.voice)
        pending = ""
        node.play(url)
    if pending.strip():
        node.say(pending.strip(), language=SAY_LANGUAGE[voice.language], voice=voice.voice)


def goodbye_twiml(voices, language=DEFAULT_LANGUAGE):
    """Goodbye in `language`, with not a word about anything else."""
    response = Verbs()
    response.say(INBOUND_GOODBYE[language], language=SAY_LANGUAGE[language],
                 voice=voices.get(language))
    response.hangup()
    return str(response)


def neutral_twiml(voices, operator=None):
    """For a caller who may hear nothing of a debt: a neutral message in the default language,
    then the creditor's operator at `operator` (E.164) when there is one, else goodbye."""
    language = DEFAULT_LANGUAGE
    say = dict(language=SAY_LANGUAGE[language], voice=voices.get(language))
    response = Verbs()
    response.say(INBOUND_NEUTRAL[language], **say)
    if operator:
        response.say(INBOUND_TRANSFER[language], **say)
        response.dial(operator)
    else:
        response.say(INBOUND_GOODBYE[language], **say)
    response.hangup()
    return str(response)
