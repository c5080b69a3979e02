"""The `Telephony` contract, held against both implementations: Twilio REST (against the local
stand-in, bench/twilio_standin.py) and the simulator (against a canned app). What one does,
the other must: the simulator may not succeed where Twilio would refuse."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from bench.twilio_standin import TwilioStandIn
from telephony import (CallRequest, FetchRecordingError, PlaceCallError, SendSmsError,
                       SmsRequest)
from telephony.simulator import DebtorScript, Simulator
from telephony.twilio_rest import TwilioTelephony
from tests.telephony.canned import ANSWER_URL, STATUS_URL, canned_app

CALL_SID = re.compile(r"CA[0-9a-f]{32}")


def request(to="+393331234567", url=ANSWER_URL):
    return CallRequest(to=to, from_="+390212345678", url=url, status_callback=STATUS_URL,
                       timeout=30)


@pytest.fixture(params=["twilio", "simulator"])
def telephony(request):
    if request.param == "twilio":
        with TwilioStandIn() as standin:
            yield TwilioTelephony("AC" + "3" * 32, "secret-token", standin.url, timeout=5)
        return
    simulator = Simulator(canned_app({}))
    simulator.script("+393331234567", DebtorScript("no-answer"))
    yield simulator


@pytest.fixture
def before():
    return datetime.now(timezone.utc) - timedelta(seconds=1)


def test_a_placed_call_returns_a_new_call_sid_each_time(telephony):
    first, second = telephony.place_call(request()), telephony.place_call(request())
    assert CALL_SID.fullmatch(first) and CALL_SID.fullmatch(second)
    assert first != second          # not idempotent: placing twice rings twice


@pytest.mark.parametrize("number", ["3331234567", "+39 333 1234567", "", "+0123456789"])
def test_a_number_that_is_not_e164_is_refused_and_no_call_exists(telephony, before, number):
    with pytest.raises(PlaceCallError, match="21211") as raised:
        telephony.place_call(request(to=number))
    assert not raised.value.maybe_placed
    assert telephony.find_call(request(to=number), before) is None


def test_the_oldest_call_between_the_numbers_is_found_unless_known(telephony, before):
    first = telephony.place_call(request(url=ANSWER_URL))
    second = telephony.place_call(request(url=ANSWER_URL.replace("/tok/", "/other/")))
    assert telephony.find_call(request(), before) == first
    assert telephony.find_call(request(), before, known={first}) == second
    assert telephony.find_call(request(), before, known={first, second}) is None


def test_a_call_placed_before_since_is_not_found(telephony):
    telephony.place_call(request())
    assert telephony.find_call(request(), datetime.now(timezone.utc) + timedelta(minutes=5)) is None


def test_a_call_to_another_number_is_not_found(telephony, before):
    telephony.place_call(request())
    assert telephony.find_call(request(to="+393339999999"), before) is None


# SMS, on both: a new MessageSid each time; a number that is not E.164 refused, nothing sent.
SMS_SID = re.compile(r"SM[0-9a-f]{32}")


def sms(to="+393331234567"):
    return SmsRequest(to=to, from_="+390212345678", body="Acme la cerca: +390212345678",
                      status_callback=STATUS_URL.replace("/ivr/tok/", "/ivr/sms/tok/"))


def test_a_sent_sms_returns_a_new_message_sid_each_time(telephony):
    first, second = telephony.send_sms(sms()), telephony.send_sms(sms())
    assert SMS_SID.fullmatch(first) and SMS_SID.fullmatch(second) and first != second


@pytest.mark.parametrize("number", ["3331234567", "+39 333 1234567", ""])
def test_an_sms_to_a_number_that_is_not_e164_is_refused(telephony, number):
    with pytest.raises(SendSmsError, match="21211") as raised:
        telephony.send_sms(sms(to=number))
    assert not raised.value.maybe_sent


# A debtor's recorded message, on both: the WAV kept at the RecordingUrl; a recording that does
# not exist is a permanent error (Twilio's 404), on the simulator too.
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16)


@pytest.fixture(params=["twilio", "simulator"])
def recorded(request):
    """(telephony, the RecordingUrl of a message holding WAV, another that was never made)."""
    if request.param == "twilio":
        account = "AC" + "3" * 32
        with TwilioStandIn() as standin:
            url = standin.keep_recording(account, WAV)
            yield (TwilioTelephony(account, "secret-token", standin.url, timeout=5), url,
                   url[:-34] + "RE" + "0" * 32)
        return
    simulator = Simulator(canned_app({}))
    url = simulator._record(None, 2)["RecordingUrl"]
    simulator.recordings[url] = WAV
    yield simulator, url, url[:-34] + "RE" + "0" * 32


def test_a_recording_is_fetched_as_it_was_kept(recorded):
    telephony, url, _ = recorded
    assert telephony.fetch_recording(url) == WAV
    assert telephony.fetch_recording(url + ".wav") == WAV


def test_a_recording_that_was_never_made_is_a_permanent_error(recorded):
    telephony, _, missing = recorded
    with pytest.raises(FetchRecordingError, match="404") as raised:
        telephony.fetch_recording(missing)
    assert raised.value.permanent


# A call's state (its final status callback lost), on both: found by its CallSid, in Twilio's
# words; a CallSid nobody made, or what is no CallSid, is no call.
TWILIO_CALL_STATUSES = {"queued", "ringing", "in-progress", "completed", "busy", "no-answer",
                        "failed", "canceled"}


def test_a_placed_call_is_fetched_by_its_call_sid(telephony):
    state = telephony.fetch_call(telephony.place_call(request()))
    assert state is not None and state.status in TWILIO_CALL_STATUSES


@pytest.mark.parametrize("sid", ["CA" + "0" * 32, "CA123", ""])
def test_a_call_never_made_is_none(telephony, sid):
    telephony.place_call(request())
    assert telephony.fetch_call(sid) is None
