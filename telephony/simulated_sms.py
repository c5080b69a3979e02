"""The simulator's SMS: kept as sent, their fate reported to their status callback, signed as
Twilio signs it, through the app's own webhook (see telephony.simulator)."""
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from telephony import E164, SendSmsError, SmsRequest

API_VERSION = "2010-04-01"


@dataclass
class SimulatedSms:
    """One SMS "sent": the request, and the delivery statuses reported back for it."""

    sid: str
    request: SmsRequest
    statuses: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def to(self):
        return self.request.to


# What happens to an SMS, as Twilio reports it: the statuses posted to its status callback.
SMS_FATES = {"delivered": ("sent", "delivered"), "undelivered": ("sent", "undelivered"),
             "failed": ("failed",), "silent": ()}


class SmsSimulation:
    """The SMS half of the Simulator: needs its `base_url`, `account_sid`, `_validator`,
    `_client`, `messages` and `sms_fates`."""

    def send_sms(self, request: SmsRequest) -> str:
        """Keep the SMS, report its fate to its status callback as Twilio would; its sid."""
        if not E164.fullmatch(request.to or ""):
            raise SendSmsError("the simulator refused the SMS, as Twilio would: error 21211, "
                               "the 'To' number is not a valid phone number")
        sms = SimulatedSms(sid="SM" + uuid.uuid4().hex, request=request)
        self.messages.append(sms)
        for status in SMS_FATES[self.sms_fates.get(request.to, "delivered")]:
            self.report_sms_status(sms, status)
        return sms.sid

    def report_sms_status(self, sms, status, **extra):
        """Post one status callback of `sms` (a SimulatedSms) as Twilio would; the response, or
        None when the app did not take it (noted in `sms.errors`)."""
        sms.statuses.append(status)
        params = {"MessageSid": sms.sid, "SmsSid": sms.sid, "AccountSid": self.account_sid,
                  "From": sms.request.from_, "To": sms.request.to, "MessageStatus": status,
                  "SmsStatus": status, "ApiVersion": API_VERSION, **extra}
        url = sms.request.status_callback
        if not url.startswith(self.base_url + "/"):
            sms.errors.append(f"{url} is not under PUBLIC_BASE_URL {self.base_url}")
            return None
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, params)}
        response = self._client.post(url[len(self.base_url):], headers=headers, data=urlencode(params),
                                     content_type="application/x-www-form-urlencoded")
        if response.status_code >= 400:
            sms.errors.append(f"POST {url} answered HTTP {response.status_code}")
            return None
        return response
