from domain.phones import mask_phone


def test_phones_are_masked_in_listings():
    assert mask_phone("+393331234567") == "+39333****567"
    assert mask_phone("+3912345") == "*****345"
