"""Phone numbers as people may see them: masked wherever they are shown or logged."""


def mask_phone(phone):
    """Enough of a number to recognise it in a listing, not enough to dial it: +39333****567."""
    if len(phone) < 10:
        return "*" * max(0, len(phone) - 3) + phone[-3:]
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]
