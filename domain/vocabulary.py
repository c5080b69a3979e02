"""The stored codes people read — roles, statuses, outcomes, a call's facts — as English
words for the message catalogue: the console shows them in Italian (console.filters), the
command line and the reports keep the codes of the SPEC."""
from domain.wording import N_

ROLES = {"admin": N_("administrator"), "collector": N_("collector"),
         "creditor": N_("creditor user")}
STATUSES = {"open": N_("open"), "promised": N_("promised"), "to_verify": N_("to verify"),
            "disputed": N_("disputed"), "paid": N_("paid"), "closed": N_("closed"),
            "ended": N_("ended")}
OUTCOMES = {None: N_("in progress"), "pending": N_("in progress"),
            "confirmed": N_("confirmed"), "wrong_person": N_("wrong person"),
            "identity_failed": N_("identity not verified"),
            "callback_requested": N_("callback requested"), "declared_paid": N_("declared paid"),
            "promised": N_("promise to pay"), "disputed": N_("dispute"),
            "opted_out": N_("opted out"), "no_answer": N_("no answer")}
# Attempt.status: ours before the call rings, then Twilio's CallStatus (domain.calls).
CALL_STATUSES = {"pending": N_("planned"), "dialing": N_("dialing"), "queued": N_("queued"),
                 "initiated": N_("started"), "ringing": N_("ringing"),
                 "in-progress": N_("in progress"), "completed": N_("completed"),
                 "busy": N_("busy"), "no-answer": N_("no answer"), "failed": N_("failed"),
                 "canceled": N_("canceled")}
# Twilio's AnsweredBy.
ANSWERED_BY = {"human": N_("a person"), "machine_start": N_("answering machine"),
               "machine_end_beep": N_("answering machine"),
               "machine_end_silence": N_("answering machine"),
               "machine_end_other": N_("answering machine"), "fax": N_("fax"),
               "unknown": N_("not recognised")}
# The names of a call's facts in the timeline's details.
CALL_FACTS = {"status": N_("status"), "call_status": N_("status"),
              "answered_by": N_("answered by"), "duration": N_("duration"),
              "digits": N_("keys"), "outcome": N_("outcome"), "attempt": N_("attempt"),
              "reason": N_("reason"), "error": N_("error")}
# A message's fate in the daily report (reports.activity) and the emailed notice's state.
FATES = {"sent": N_("sent"), "delivered": N_("delivered"), "undelivered": N_("not delivered"),
         "failed": N_("not sent")}
MAIL_STATUSES = {"sent": N_("sent"), "sending": N_("sending"), "queued": N_("queued"),
                 "failed": N_("not sent")}
# The contact policy's rules (policy.decide.RULES), as the report counts their refusals.
POLICY_RULES = {
    "dispute": N_("disputed debt"), "opt_out": N_("opted out"), "holiday": N_("holiday"),
    "sunday": N_("Sunday"), "saturday_hours": N_("Saturday hours"),
    "call_hours": N_("calling hours"), "sms_hours": N_("SMS hours"),
    "conversations_per_day": N_("conversations per day"),
    "conversations_per_week": N_("conversations per week"),
    "attempts_per_day": N_("attempts per day"), "attempts_per_7_days": N_("attempts in 7 days"),
    "after_conversation": N_("days after a conversation"),
    "written_per_month": N_("written requests per month")}
