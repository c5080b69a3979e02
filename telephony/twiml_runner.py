"""Runs the TwiML of one answered call the way Twilio does, for the simulator.

Verbs run in document order. <Say>/<Play> are heard, <Pause> waits, <Gather> hears its nested
prompts and then takes the debtor's next key: digits go to its action, whose TwiML replaces the
current document; silence falls through to the next verb (or posts an empty result when
actionOnEmptyResult is true). <Record> takes the debtor's next key as what they do at the beep:
silence falls through, anything else is a spoken message (its keys end it) posted to the action
with the recording's facts. <Redirect> fetches a new document, <Hangup>/<Reject> and the end of
the document end the call.
"""
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

HANGUP = "hangup"            # a scripted key: the debtor hangs up at this <Gather>
WORDS_PER_SECOND = 2.5
PLAY_SECONDS = 5             # the length of a recording is unknown here; a short sentence
KEY_SECONDS = 1
GATHER_TIMEOUT = 5           # Twilio's default seconds of silence before <Gather> gives up
MESSAGE_SECONDS = 12         # a debtor's spoken message at a <Record>
NEXT = object()              # a verb is done: go on with the next one in the document


@dataclass
class Heard:
    """One thing said on the call, and which webhook response (index in `requests`) said it."""

    response_index: int
    verb: str
    text: str
    attrs: dict = field(default_factory=dict)


@dataclass
class Document:
    """A TwiML document, the URL it came from and the index of the request that fetched it."""

    url: str
    response_index: int
    root: ET.Element


class Debtor:
    """Who picked up: their scripted keys (then silence), and when they hang up mid-speech.

    `resolve(key, action_url)`, when given, makes a scripted key concrete at the <Gather> whose
    action is `action_url` (what "it's me" means depends on whom the greeting named)."""

    def __init__(self, keys=(), hangup_after=None, resolve=None):
        self._keys = list(keys)
        self._hangup_after = hangup_after
        self._resolve = resolve
        self._heard = 0

    def next_key(self, action_url=None):
        key = self._keys.pop(0) if self._keys else ""
        return self._resolve(key, action_url) if self._resolve else key

    def still_listening(self):
        """Called after each segment heard; False once the debtor has had enough."""
        self._heard += 1
        return self._hangup_after is None or self._heard < self._hangup_after


def collect_digits(key, finish_on_key="#", num_digits=None):
    """The Digits Twilio submits for `key`: up to finishOnKey (excluded), at most numDigits."""
    digits = ""
    for char in key:
        if finish_on_key and char == finish_on_key:
            break
        digits += char
        if num_digits and len(digits) >= num_digits:
            break
    return digits


def parse_twiml(text):
    """The <Response> root of `text`; ValueError when Twilio could not run it either."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    if root.tag != "Response":
        raise ValueError(f"the root element is <{root.tag}>, not <Response>")
    return root


class TwimlRunner:
    """Walks one call's documents; `fetch(url, method, params)` returns a Document or None."""

    def __init__(self, fetch, debtor, transcript, errors, recorder=None):
        self._fetch = fetch
        # recorder(seconds) → the form fields of a recording just made (RecordingSid, …)
        self._recorder = recorder
        self._debtor = debtor
        self.transcript = transcript
        self.errors = errors
        self.seconds = 0.0

    def run(self, answer_url):
        document = self._fetch(answer_url, "POST", {})
        while document is not None:
            document = self._run_document(document)

    def _run_document(self, document):
        for verb in document.root:
            result = self._run_verb(document, verb)
            if result is not NEXT:
                return result
        return None

    def _run_verb(self, document, verb):
        handlers = {"Say": self._speak, "Play": self._speak, "Pause": self._pause,
                    "Gather": self._gather, "Record": self._record, "Redirect": self._redirect,
                    "Hangup": self._end, "Reject": self._end, "Dial": self._dial}
        handler = handlers.get(verb.tag)
        if handler is None:
            self.errors.append(f"unsupported verb <{verb.tag}> in {document.url}: skipped")
            return NEXT
        return handler(document, verb)

    def _speak(self, document, verb):
        text = (verb.text or "").strip()
        if verb.tag == "Say":
            self.seconds += len(text.split()) / WORDS_PER_SECOND
        else:
            self.seconds += PLAY_SECONDS
        self.transcript.append(Heard(document.response_index, verb.tag, text, dict(verb.attrib)))
        return NEXT if self._debtor.still_listening() else None

    def _pause(self, document, verb):
        self.seconds += _int(verb.get("length"), 1)
        return NEXT

    def _dial(self, document, verb):
        # Put through to another phone: heard as the number dialled; the call goes on after it.
        self.transcript.append(Heard(document.response_index, "Dial", (verb.text or "").strip(),
                                     dict(verb.attrib)))
        return NEXT

    def _end(self, document, verb):
        return None

    def _redirect(self, document, verb):
        url = urljoin(document.url, (verb.text or "").strip())
        return self._fetch(url, verb.get("method", "POST").upper(), {})

    def _gather(self, document, gather):
        for child in gather:
            if child.tag in ("Say", "Play", "Pause") and self._run_verb(document, child) is None:
                return None
        action = urljoin(document.url, gather.get("action") or document.url)
        key = self._debtor.next_key(action)
        if key == HANGUP:
            return None
        digits = collect_digits(key, gather.get("finishOnKey", "#"), _int(gather.get("numDigits"), None))
        if not digits:
            self.seconds += _int(gather.get("timeout"), GATHER_TIMEOUT)
            if gather.get("actionOnEmptyResult", "false").lower() != "true":
                return NEXT
        self.seconds += KEY_SECONDS * len(key)
        return self._fetch(action, gather.get("method", "POST").upper(), {"Digits": digits})


    def _record(self, document, record):
        key = self._debtor.next_key()
        if not key or self._recorder is None:
            self.seconds += _int(record.get("timeout"), GATHER_TIMEOUT)
            return NEXT   # nothing said: Twilio goes on with the next verb
        seconds = min(MESSAGE_SECONDS, _int(record.get("maxLength"), 3600))
        self.seconds += seconds
        fields = dict(self._recorder(seconds))
        if key != HANGUP:
            finish = record.get("finishOnKey", "1234567890*#")
            fields["Digits"] = next((char for char in key if char in finish), "hangup")
        action = urljoin(document.url, record.get("action") or document.url)
        following = self._fetch(action, record.get("method", "POST").upper(), fields)
        return None if key == HANGUP else following


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
