"""TwilioTelephony against a mocked REST API: the call it asks for, and every way it can fail."""
import base64
import json
from urllib.parse import parse_qs

import pytest
import requests
import responses

from telephony import (CallRequest, CallState, FetchCallError, FetchRecordingError,
                       PlaceCallError, SendSmsError, SmsRequest)
from telephony.twilio_rest import TwilioTelephony

ACCOUNT_SID = "AC" + "1" * 32
CALL_SID = "CA" + "2" * 32
TWILIO = "https://api.twilio.com"
STAND_IN = "http://127.0.0.1:8089/twilio"
REQUEST = CallRequest(
    to="+393331234567", from_="+390212345678",
    url="https://cortesia.example.test/ivr/tok/answer",
    status_callback="https://cortesia.example.test/ivr/tok/status", timeout=25)


def calls_url(base=TWILIO):
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def telephony(base=TWILIO):
    return TwilioTelephony(ACCOUNT_SID, "secret-token", base)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def sent_form(api):
    return parse_qs(api.calls[0].request.body)


def test_place_call_returns_the_call_sid(api):
    api.post(calls_url(), json={"sid": CALL_SID, "status": "queued"}, status=201)
    assert telephony().place_call(REQUEST) == CALL_SID


def test_the_call_carries_webhooks_machine_detection_and_ring_timeout(api):
    api.post(calls_url(), json={"sid": CALL_SID}, status=201)
    telephony().place_call(REQUEST)
    form = sent_form(api)
    assert form["To"] == ["+393331234567"] and form["From"] == ["+390212345678"]
    assert form["Url"] == [REQUEST.url] and form["Method"] == ["POST"]
    assert form["StatusCallback"] == [REQUEST.status_callback]
    assert form["StatusCallbackMethod"] == ["POST"]
    assert form["StatusCallbackEvent"] == ["ringing", "completed"]
    assert form["MachineDetection"] == ["Enable"]
    assert form["Timeout"] == ["25"]


def test_the_request_is_authenticated_with_the_account_credentials(api):
    api.post(calls_url(), json={"sid": CALL_SID}, status=201)
    telephony().place_call(REQUEST)
    assert api.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_a_custom_api_base_url_is_used(api):
    api.post(calls_url(STAND_IN), json={"sid": CALL_SID}, status=201)
    assert telephony(STAND_IN + "/").place_call(REQUEST) == CALL_SID
    assert api.calls[0].request.url == calls_url(STAND_IN)


def refusal(api, status, code, message):
    api.post(calls_url(), status=status,
             json={"code": code, "message": message, "more_info": "", "status": status})
    with pytest.raises(PlaceCallError) as raised:
        telephony().place_call(REQUEST)
    return str(raised.value)


def test_bad_credentials_become_a_place_call_error(api):
    error = refusal(api, 401, 20003, "Authenticate")
    assert "HTTP 401" in error and "error 20003" in error and "Authenticate" in error


def test_rate_limiting_becomes_a_place_call_error(api):
    error = refusal(api, 429, 20429, "Too Many Requests")
    assert "HTTP 429" in error and "error 20429" in error


def test_a_server_error_becomes_a_place_call_error(api):
    error = refusal(api, 500, 20500, "Internal Server Error")
    assert "HTTP 500" in error and "error 20500" in error


def test_a_server_error_without_json_becomes_a_place_call_error(api):
    api.post(calls_url(), status=503, body="<html>Service Unavailable</html>")
    with pytest.raises(PlaceCallError, match="HTTP 503"):
        telephony().place_call(REQUEST)


def test_an_invalid_number_reports_twilios_code(api):
    error = refusal(api, 400, 21211, "Invalid 'To' Phone Number")
    assert "HTTP 400" in error and "error 21211" in error


def test_a_refusal_that_quotes_the_number_masks_it(api):
    error = refusal(api, 400, 21211, "The 'To' number +393331234567 is not a valid phone number.")
    assert "+39333****567 is not a valid" in error and "+393331234567" not in error


def test_a_failed_listing_does_not_quote_the_numbers_it_asked_about(api):
    api.get(calls_url(), body=requests.ConnectionError(
        f"Max retries exceeded with url: {calls_url()}?To=%2B393331234567&From=%2B390212345678"))
    with pytest.raises(PlaceCallError) as failure:
        telephony().find_call(REQUEST, since=None)
    assert "393331234567" not in str(failure.value) and "To=+39333****567" in str(failure.value)


def test_a_connection_error_becomes_a_place_call_error(api):
    api.post(calls_url(), body=requests.ConnectionError("connection refused"))
    with pytest.raises(PlaceCallError, match="cannot reach https://api.twilio.com"):
        telephony().place_call(REQUEST)


def test_a_read_timeout_may_have_placed_the_call(api):
    api.post(calls_url(), body=requests.ReadTimeout("read timed out"))
    with pytest.raises(PlaceCallError, match="within the timeout") as raised:
        telephony().place_call(REQUEST)
    assert raised.value.maybe_placed


def test_a_connect_timeout_certainly_did_not(api):
    api.post(calls_url(), body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(PlaceCallError, match="cannot reach") as raised:
        telephony().place_call(REQUEST)
    assert not raised.value.maybe_placed


def test_an_unreadable_success_becomes_a_place_call_error(api):
    api.post(calls_url(), status=201, body="not json")
    with pytest.raises(PlaceCallError, match="unreadable"):
        telephony().place_call(REQUEST)


def test_a_success_without_a_sid_becomes_a_place_call_error(api):
    api.post(calls_url(), status=201, body=json.dumps({"status": "queued"}))
    with pytest.raises(PlaceCallError, match="no CallSid"):
        telephony().place_call(REQUEST)


def test_the_http_request_has_a_timeout(api):
    api.post(calls_url(), json={"sid": CALL_SID}, status=201)
    telephony().place_call(REQUEST)
    assert api.calls[0].request.req_kwargs["timeout"] == 15


def test_missing_credentials_are_refused_at_construction():
    with pytest.raises(RuntimeError, match="TWILIO_ACCOUNT_SID"):
        TwilioTelephony(None, "secret", TWILIO)


# SMS: the Messages resource, on the same pooled connection.
SMS_SID = "SM" + "4" * 32
SMS = SmsRequest(to="+393331234567", from_="Acme", body="Acme desidera parlare con lei: +39 02.",
                 status_callback="https://cortesia.example.test/ivr/sms/tok/status")


def messages_url(base=TWILIO):
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_send_sms_posts_to_the_messages_resource_and_returns_the_message_sid(api):
    api.post(messages_url(), json={"sid": SMS_SID, "status": "queued"}, status=201)
    assert telephony().send_sms(SMS) == SMS_SID
    form = sent_form(api)
    assert form == {"To": ["+393331234567"], "From": ["Acme"], "Body": [SMS.body],
                    "StatusCallback": [SMS.status_callback]}


def test_an_sms_to_a_landline_is_refused_with_twilios_code_and_the_number_masked(api):
    api.post(messages_url(), status=400, json={
        "code": 21614, "message": "'To' number +393331234567 is not a valid mobile number"})
    with pytest.raises(SendSmsError) as raised:
        telephony().send_sms(SMS)
    assert not raised.value.maybe_sent
    assert "Twilio refused the SMS, HTTP 400, error 21614" in str(raised.value)
    assert "+393331234567" not in str(raised.value)


def test_an_sms_whose_answer_timed_out_may_have_been_sent(api):
    api.post(messages_url(), body=requests.ReadTimeout("read timed out"))
    with pytest.raises(SendSmsError) as raised:
        telephony().send_sms(SMS)
    assert raised.value.maybe_sent


def test_an_sms_that_could_not_connect_surely_was_not_sent(api):
    api.post(messages_url(), body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(SendSmsError) as raised:
        telephony().send_sms(SMS)
    assert not raised.value.maybe_sent


def test_an_sms_accepted_without_a_sid_is_an_error(api):
    api.post(messages_url(), json={"status": "queued"}, status=201)
    with pytest.raises(SendSmsError, match="no MessageSid"):
        telephony().send_sms(SMS)


# Fetching a debtor's recorded message: GET RecordingUrl.wav with the account's credentials.
RECORDING_SID = "RE" + "4" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "


def recording_url(base=TWILIO):
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"


def test_fetch_recording_gets_the_wav_with_the_accounts_credentials(api):
    api.get(recording_url() + ".wav", body=WAV, content_type="audio/x-wav")
    assert telephony().fetch_recording(recording_url()) == WAV
    [call] = api.calls
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:secret-token".encode()).decode()
    assert call.request.headers["Authorization"] == expected


def test_fetch_recording_goes_to_the_configured_api_base_url(api):
    api.get(recording_url(STAND_IN) + ".wav", body=WAV)
    assert telephony(STAND_IN).fetch_recording(recording_url()) == WAV


def test_fetch_recording_never_sends_the_credentials_to_another_host(api):
    with pytest.raises(FetchRecordingError, match="not a recording of") as raised:
        telephony().fetch_recording("https://evil.example.com/2010-04-01/Accounts/x/Recordings/y")
    assert raised.value.permanent and len(api.calls) == 0


def test_a_recording_twilio_does_not_have_is_a_permanent_error(api):
    api.get(recording_url() + ".wav", status=404,
            json={"code": 20404, "message": "The requested resource was not found"})
    with pytest.raises(FetchRecordingError, match="HTTP 404") as raised:
        telephony().fetch_recording(recording_url())
    assert raised.value.permanent


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_is_worth_another_try(api, status):
    api.get(recording_url() + ".wav", status=status, body="busy")
    with pytest.raises(FetchRecordingError, match=f"HTTP {status}") as raised:
        telephony().fetch_recording(recording_url())
    assert not raised.value.permanent


def test_refused_credentials_say_which_settings_to_check(api):
    api.get(recording_url() + ".wav", status=401, json={"code": 20003, "message": "Authenticate"})
    with pytest.raises(FetchRecordingError, match="TWILIO_AUTH_TOKEN") as raised:
        telephony().fetch_recording(recording_url())
    assert not raised.value.permanent


@pytest.mark.parametrize("error", [requests.ConnectTimeout("slow"), requests.ReadTimeout("slow"),
                                   requests.ConnectionError("refused")])
def test_a_network_failure_while_fetching_is_worth_another_try(api, error):
    api.get(recording_url() + ".wav", body=error)
    with pytest.raises(FetchRecordingError, match="cannot fetch the recording") as raised:
        telephony().fetch_recording(recording_url())
    assert not raised.value.permanent


# A call's state, asked when its final status callback was lost: GET Calls/{Sid}.json.
def call_url(sid=CALL_SID, base=TWILIO):
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"


def test_a_calls_state_is_fetched_with_the_account_credentials(api):
    api.get(call_url(), json={"sid": CALL_SID, "status": "completed", "duration": "42",
                              "answered_by": "machine_start", "to": "+393331234567"})
    assert telephony().fetch_call(CALL_SID) == CallState("completed", 42, "machine_start")
    assert api.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert api.calls[0].request.req_kwargs["timeout"] == 15


def test_a_call_still_ringing_has_no_duration_yet(api):
    api.get(call_url(base=STAND_IN), json={"status": "ringing", "duration": None,
                                           "answered_by": None})
    assert telephony(STAND_IN).fetch_call(CALL_SID) == CallState("ringing", None, None)


def test_a_call_twilio_does_not_know_is_none(api):
    api.get(call_url(), status=404, json={"code": 20404, "message": "not found", "status": 404})
    assert telephony().fetch_call(CALL_SID) is None


@pytest.mark.parametrize("sid", ["", None, "CA123", "CA" + "2" * 31 + "/", "../Calls"])
def test_what_is_no_call_sid_is_never_asked_about(api, sid):
    assert telephony().fetch_call(sid) is None and not api.calls


@pytest.mark.parametrize("answer, message", [
    (dict(status=401, json={"code": 20003, "message": "Authenticate"}), "HTTP 401"),
    (dict(status=503, body="<html>down</html>"), "HTTP 503"),
    (dict(status=200, body="not json"), "unreadable"),
    (dict(status=200, json={"sid": CALL_SID}), "without the call's status"),
    (dict(body=requests.ConnectionError("connection refused")), "cannot fetch the call"),
    (dict(body=requests.ReadTimeout("read timed out")), "cannot fetch the call"),
])
def test_a_provider_that_cannot_say_is_a_fetch_call_error(api, answer, message):
    api.get(call_url(), **answer)
    with pytest.raises(FetchCallError, match=message):
        telephony().fetch_call(CALL_SID)
