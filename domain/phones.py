"""Phone numbers as people may see them, and what a number can receive."""
import phonenumbers
from phonenumbers import PhoneNumberType

# Numbers an SMS can reach. FIXED_LINE_OR_MOBILE is where a country's plan cannot tell the two
# apart (the US, Canada): those numbers usually take texts, and Twilio reports an undelivered
# one. VOIP, pagers, toll-free, premium and shared-cost numbers, landlines and numbers of unknown
# type are not sent to: an SMS to them is most often lost, and lost silently.
SMS_CAPABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def mask_phone(phone):
    """Enough of a number to recognise it in a listing, not enough to dial it: +39333****567."""
    if len(phone) < 10:
        return "*" * max(0, len(phone) - 3) + phone[-3:]
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]


def can_receive_sms(e164):
    """True when `e164` is a valid mobile number (or one its country's plan cannot tell from a
    mobile); False for a landline, VoIP and other types, and for what is not a number."""
    try:
        number = phonenumbers.parse(e164 or "", None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and \
        phonenumbers.number_type(number) in SMS_CAPABLE
