"""How the console writes ages, money and times, the Italian way."""
from babel.numbers import format_currency


def age(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{hours // 24} giorni"


def money(amount, currency="EUR"):
    return format_currency(amount, currency or "EUR", locale="it_IT")


def local(moment, zone, pattern="%d/%m/%Y %H:%M"):
    return moment.astimezone(zone).strftime(pattern) if moment else "—"


FILTERS = {"age": age, "money": money, "local": local}
