"""The simulator plays Twilio: signed webhooks, status callbacks, TwiML followed verb by verb."""
import pytest

from telephony.simulator import DebtorScript, Simulator
from tests.telephony.canned import call_request, canned_app

GREETING = """<Response>
  <Gather action="/ivr/tok/identify?turn=1&amp;silent=0" numDigits="1" timeout="6">
    <Say language="it-IT" voice="Polly.Bianca">Buongiorno, premere 1.</Say>
  </Gather>
  <Redirect method="POST">/ivr/tok/identify?turn=1&amp;silent=1</Redirect>
</Response>"""
GOODBYE = "<Response><Say>Arrivederci.</Say><Hangup/><Say>Never heard.</Say></Response>"


def run(documents, script, **config):
    app = canned_app(documents, **config)
    simulator = Simulator(app)
    simulator.script("+393331234567", script)
    call_sid = simulator.place_call(call_request())
    return app, simulator.calls[-1], call_sid


def paths(app):
    return [r.path + (f"?{r.query}" if r.query else "") for r in app.received]


def statuses(app):
    return [r.form["CallStatus"] for r in app.received if r.path.endswith("/status")]


def test_every_webhook_is_signed_like_twilio_signs_it():
    app, call, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                       DebtorScript("human", ("1",)))
    assert len(app.received) >= 3 and all(r.signed for r in app.received)


def test_an_answered_call_reports_ringing_then_completes():
    app, call, sid = run({"/ivr/tok/answer": GOODBYE}, DebtorScript("human", ()))
    assert statuses(app) == ["ringing", "completed"]
    assert paths(app)[1] == "/ivr/tok/answer"
    status_forms = [r.form for r in app.received if r.path.endswith("/status")]
    assert [f["SequenceNumber"] for f in status_forms] == ["0", "1"]
    assert all(f["CallbackSource"] == "call-progress-events" for f in status_forms)
    assert int(status_forms[-1]["CallDuration"]) >= 1
    assert sid.startswith("CA") and len(sid) == 34 and call.status == "completed"


def test_requests_carry_twilios_call_parameters():
    app, _, sid = run({"/ivr/tok/answer": GOODBYE}, DebtorScript("human", ()))
    answer = app.received[1].form
    assert answer["CallSid"] == sid and answer["AccountSid"].startswith("AC")
    assert answer["To"] == "+393331234567" and answer["From"] == "+390212345678"
    assert answer["Direction"] == "outbound-api" and answer["ApiVersion"] == "2010-04-01"
    assert answer["CallStatus"] == "in-progress" and answer["AnsweredBy"] == "human"


@pytest.mark.parametrize("answer, expected", [
    ("busy", ["ringing", "busy"]),
    ("no-answer", ["ringing", "no-answer"]),
    ("failed", ["failed"]),
])
def test_an_unanswered_call_only_reports_its_status(answer, expected):
    app, call, _ = run({"/ivr/tok/answer": GOODBYE}, DebtorScript(answer))
    assert statuses(app) == expected
    assert not any(r.path.endswith("/answer") for r in app.received)
    assert app.received[-1].form["CallDuration"] == "0" and call.transcript == []


def test_a_machine_answers_with_answered_by_machine_start_and_presses_nothing():
    app, call, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                       DebtorScript("machine", ("1",)))
    assert app.received[1].form["AnsweredBy"] == "machine_start"
    assert "Digits" not in app.received[2].form  # the fall-through <Redirect>, not a key
    assert statuses(app) == ["ringing", "completed"]


def test_digits_go_to_the_gather_action_and_its_twiml_replaces_the_document():
    app, call, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                       DebtorScript("human", ("1",)))
    assert paths(app)[2] == "/ivr/tok/identify?turn=1&silent=0"
    assert app.received[2].form["Digits"] == "1"
    assert [h.text for h in call.transcript] == ["Buongiorno, premere 1.", "Arrivederci."]


def test_silence_falls_through_to_the_verb_after_gather():
    app, call, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                       DebtorScript("human", ("",)))
    assert paths(app)[2] == "/ivr/tok/identify?turn=1&silent=1"
    assert "Digits" not in app.received[2].form


def test_silence_posts_an_empty_result_when_asked_to():
    document = GREETING.replace('timeout="6"', 'timeout="6" actionOnEmptyResult="true"')
    app, _, _ = run({"/ivr/tok/answer": document, "/ivr/tok/identify": GOODBYE},
                    DebtorScript("human", ("",)))
    assert paths(app)[2] == "/ivr/tok/identify?turn=1&silent=0"
    assert app.received[2].form["Digits"] == ""


def test_num_digits_keeps_only_the_first_keys():
    app, _, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                    DebtorScript("human", ("12345#",)))
    assert app.received[2].form["Digits"] == "1"


def test_finish_on_key_ends_the_digits_and_is_not_sent():
    code = ('<Response><Gather action="code" finishOnKey="#" numDigits="12">'
            '<Say>Codice?</Say></Gather></Response>')
    app, _, _ = run({"/ivr/tok/answer": code, "/ivr/tok/code": GOODBYE},
                    DebtorScript("human", ("12345#9",)))
    assert paths(app)[2] == "/ivr/tok/code"   # relative action, resolved like Twilio does
    assert app.received[2].form["Digits"] == "12345"


def test_hangup_ends_the_call_and_later_verbs_are_not_heard():
    _, call, _ = run({"/ivr/tok/answer": GOODBYE}, DebtorScript("human", ()))
    assert [h.text for h in call.transcript] == ["Arrivederci."]


def test_a_debtor_who_hangs_up_at_a_gather_ends_the_call():
    app, call, _ = run({"/ivr/tok/answer": GREETING}, DebtorScript("human", ("hangup",)))
    assert statuses(app) == ["ringing", "completed"]
    assert len(app.received) == 3


def test_hangup_after_cuts_the_call_mid_speech():
    document = "<Response><Say>One.</Say><Say>Two.</Say><Say>Three.</Say></Response>"
    _, call, _ = run({"/ivr/tok/answer": document}, DebtorScript("human", (), hangup_after=2))
    assert [h.text for h in call.transcript] == ["One.", "Two."]


def test_redirect_fetches_and_runs_the_new_document():
    documents = {"/ivr/tok/answer": "<Response><Redirect>/ivr/tok/next</Redirect></Response>",
                 "/ivr/tok/next": GOODBYE}
    app, call, _ = run(documents, DebtorScript("human", ()))
    assert "/ivr/tok/next" in paths(app) and call.heard_text() == "Arrivederci."


def test_a_get_redirect_signs_the_url_with_its_query():
    documents = {"/ivr/tok/answer": '<Response><Redirect method="GET">/ivr/tok/next?a=1</Redirect></Response>',
                 "/ivr/tok/next": GOODBYE}
    app, call, _ = run(documents, DebtorScript("human", ()))
    redirected = app.received[2]
    assert redirected.signed and "CallSid=" in redirected.query and not call.errors


def test_end_of_document_ends_the_call():
    app, call, _ = run({"/ivr/tok/answer": "<Response><Say>Solo questo.</Say></Response>"},
                       DebtorScript("human", ("1",)))
    assert statuses(app)[-1] == "completed" and len(app.received) == 3


def test_an_endless_loop_is_cut():
    loop = "<Response><Redirect>/ivr/tok/answer</Redirect></Response>"
    app, call, _ = run({"/ivr/tok/answer": loop}, DebtorScript("human", ()))
    assert len(app.received) < 70 and statuses(app)[-1] == "completed"
    assert any("requests" in error for error in call.errors)


def test_the_transcript_names_the_response_that_said_each_segment():
    _, call, _ = run({"/ivr/tok/answer": GREETING, "/ivr/tok/identify": GOODBYE},
                     DebtorScript("human", ("1",)))
    greeting, goodbye = call.transcript
    assert call.requests[greeting.response_index].path == "/ivr/tok/answer"
    assert call.requests[goodbye.response_index].path == "/ivr/tok/identify"
    assert greeting.attrs == {"language": "it-IT", "voice": "Polly.Bianca"}


def test_play_records_the_url_heard():
    document = "<Response><Play>https://cdn.example.test/a.mp3</Play></Response>"
    _, call, _ = run({"/ivr/tok/answer": document}, DebtorScript("human", ()))
    assert call.transcript[0].verb == "Play" and call.transcript[0].text.endswith("a.mp3")


def test_bad_twiml_ends_the_call_with_an_error():
    app, call, _ = run({"/ivr/tok/answer": "oops"}, DebtorScript("human", ()))
    assert statuses(app)[-1] == "completed" and "bad TwiML" in call.errors[0]


def test_unscripted_phones_draw_from_the_seeded_mix():
    def answers(seed):
        simulator = Simulator(canned_app({}), seed=seed)
        for n in range(30):
            simulator.place_call(call_request(to=f"+3933300000{n:02d}"))
        return [call.script.answer for call in simulator.calls]

    assert answers(7) == answers(7)
    assert {"human", "no-answer"} <= set(answers(7))


def test_the_seed_comes_from_the_configuration():
    first = Simulator(canned_app({}, SIMULATOR_SEED=3))._draw()
    assert Simulator(canned_app({}, SIMULATOR_SEED=3))._draw() == first


def test_a_failing_webhook_is_recorded_not_raised():
    simulator = Simulator(canned_app({"/ivr/tok/answer": GOODBYE}, TESTING=True))
    simulator.app.before_request(lambda: 1 / 0)
    simulator.place_call(call_request())
    assert simulator.errors and "ZeroDivisionError" in simulator.errors[0]


def sms_request(to="+393331234567"):
    from telephony import SmsRequest
    from tests.telephony.canned import STATUS_URL

    return SmsRequest(to=to, from_="Acme", body="Acme la cerca",
                      status_callback=STATUS_URL.replace("/ivr/tok/", "/ivr/sms/tok/"))


def test_an_sms_is_kept_and_its_delivery_reported_signed_to_its_status_callback():
    app = canned_app({})
    simulator = Simulator(app)
    sid = simulator.send_sms(sms_request())
    [sms] = simulator.messages
    assert (sms.sid, sms.request.body, sms.statuses) == (sid, "Acme la cerca", ["sent", "delivered"])
    assert [(r.path, r.form["MessageStatus"], r.form["MessageSid"], r.signed)
            for r in app.received] == [("/ivr/sms/tok/status", "sent", sid, True),
                                       ("/ivr/sms/tok/status", "delivered", sid, True)]


def test_an_sms_fate_can_be_scripted_per_number_and_reported_later():
    app = canned_app({})
    simulator = Simulator(app)
    simulator.sms_fates["+393339999999"] = "silent"
    simulator.send_sms(sms_request("+393339999999"))
    assert app.received == []
    simulator.report_sms_status(simulator.messages[0], "undelivered", ErrorCode="30003")
    [report] = app.received
    assert (report.form["MessageStatus"], report.form["ErrorCode"]) == ("undelivered", "30003")
