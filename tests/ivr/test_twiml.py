"""TwiML builders, checked on the parsed XML."""
import xml.etree.ElementTree as ET

import pytest

from ivr import flow
from ivr.flow import Caller, Reply, State
from ivr.twiml import DisclosureError, Voice, hangup_twiml, reply_twiml

FIELDS = {"creditor": "Acme Energia", "name": "Mario Rossi",
          "amount": "milleduecentotrentaquattro euro e cinquantasei centesimi",
          "due_date": "15 ottobre 2026", "invoice": "F T 1 1 8"}
ITALIAN = Voice("it", "Polly.Bianca", FIELDS)


def url(state):
    return f"https://x.test/ivr/t/{state.step}?turn={state.turn}"


def parse(xml):
    return ET.fromstring(xml)


def test_identification_gathers_one_key_and_redirects_on_silence():
    root = parse(reply_twiml(flow.answer(Caller("confirm")), ITALIAN, url))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and gather.get("numDigits") == "1"
    assert gather.get("action") == "https://x.test/ivr/t/identify?turn=1"
    assert gather.get("method") == "POST"
    assert redirect.tag == "Redirect" and redirect.text == gather.get("action")


def test_every_italian_say_carries_language_and_voice():
    root = parse(reply_twiml(flow.identify(Caller("confirm"), State(), "1"), ITALIAN, url))
    says = root.findall(".//Say")
    assert len(says) == 2
    assert all(s.get("language") == "it-IT" and s.get("voice") == "Polly.Bianca" for s in says)
    assert "milleduecentotrentaquattro euro" in says[0].text


def test_english_debtors_hear_english():
    voice = Voice("en", "Polly.Amy", FIELDS)
    root = parse(reply_twiml(flow.answer(Caller("confirm")), voice, url))
    say = root.find(".//Say")
    assert say.get("language") == "en-GB" and say.text.startswith("Hello, this is a message from Acme")


def test_the_code_prompt_waits_for_hash():
    gather = parse(reply_twiml(flow.answer(Caller("code", "123")), ITALIAN, url)).find("Gather")
    assert gather.get("finishOnKey") == "#"


def test_the_greeting_says_nothing_about_the_debt():
    xml = reply_twiml(flow.answer(Caller("confirm")), ITALIAN, url)
    for detail in ("euro", "ottobre", "F T 1 1 8", "fattura", "pagare", "debito"):
        assert detail not in xml


def test_a_goodbye_hangs_up():
    root = parse(reply_twiml(flow.menu(Caller("confirm"), State("menu", 2), "1"), ITALIAN, url))
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_the_notice_cannot_be_rendered_for_an_unidentified_caller():
    with pytest.raises(DisclosureError):
        reply_twiml(Reply(prompts=("notice",)), ITALIAN, url)


def test_an_unknown_call_is_hung_up_silently():
    assert [c.tag for c in parse(hangup_twiml())] == ["Hangup"]


ODD_TEXTS = ["Buongiorno, è lei?", 'a "quoted" <b>&amp;</b>', "tab\there\r\nnewline", "",
             "https://x.test/ivr/t/identify?turn=1&wrong=0", "Ünïcödé ✓"]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_verbs_write_what_the_official_library_writes(text):
    from twilio.twiml.voice_response import VoiceResponse
    from ivr.twiml import Verbs
    ours, official = Verbs(), VoiceResponse()
    for response in (ours, official):
        gather = response.gather(action=text, method="POST", timeout=6, num_digits=1)
        gather.say(text, language="it-IT", voice="Polly.Bianca")
        gather.say(text, language="en-GB", voice=None)
        gather.play(text or "x")
        response.gather(action=text, method="POST", timeout=6, num_digits=12, finish_on_key="#")
        response.record(action=text, method="POST", max_length=60, timeout=5, finish_on_key="#",
                        play_beep=True)
        response.redirect(text or "x", method="POST")
        response.dial(text or "+39")
        response.hangup()
    assert str(ours) == str(official)
