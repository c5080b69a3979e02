from domain.phones import mask_phone


def test_phones_are_masked_in_listings():
    assert mask_phone("+393331234567") == "+39333****567"
    assert mask_phone("+3912345") == "*****345"


def test_a_mobile_number_can_receive_sms():
    from domain.phones import can_receive_sms

    assert can_receive_sms("+393331234567")       # Italian mobile
    assert can_receive_sms("+447911123456")       # UK mobile
    assert can_receive_sms("+12015550123")        # US: fixed line or mobile, cannot tell


def test_a_landline_voip_or_unreadable_number_cannot_receive_sms():
    from domain.phones import can_receive_sms

    assert not can_receive_sms("+390212345678")   # Milan landline
    assert not can_receive_sms("+442079460000")   # London landline
    assert not can_receive_sms("+445612345678")   # UK VoIP
    assert not can_receive_sms("+39800123456")    # toll-free
    for junk in ("", None, "3331234567", "+39 abc", "+3933"):
        assert not can_receive_sms(junk)
