"""The console in Italian throughout: the catalogue covers every wording of the back end, and no
page of any role shows a code or an English sentence, refusals included."""
import html
import io
import re
from datetime import datetime, timedelta, timezone
from string import Formatter

import pytest
from babel.messages.pofile import read_po

from console.accounts import create_user
from db.events import record_event
from db.models import CallbackRequest, utcnow
from domain import wording
from tests.console.conftest import PASSWORD
from tools import catalogue

# Codes and English a console user must never read (whole words).
UNTRANSLATED = (
    "completed", "human", "machine_start", "machine_end_beep", "wrong_person", "no_answer",
    "no-answer", "in-progress", "callback_requested", "declared_paid", "identity_failed",
    "opted_out", "to_verify", "admin", "collector", "busy", "failed", "canceled",
    "is not", "must be", "not a valid", "is missing", "between", "already", "Not Found",
    "Forbidden", "Bad Request", "caller id", "phone number", "window", "the file",
)
_WORDS = re.compile(r"\b(" + "|".join(re.escape(w) for w in UNTRANSLATED) + r")\b")


def visible_text(page):
    """What a person reads on `page`: no markup, scripts, styles or attribute values."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def untranslated(page):
    return sorted(set(_WORDS.findall(visible_text(page))))


def po_messages():
    with catalogue.PO.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def fields(text):
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_the_catalogue_has_italian_for_every_wording_of_the_code():
    messages = po_messages()
    marked = catalogue.extracted()
    assert sorted(set(marked) - set(messages)) == [], "run python -m tools.catalogue"
    assert sorted(set(messages) - set(marked)) == [], "wordings no code uses any more"
    for msgid, message in messages.items():
        assert message.string and not message.fuzzy, f"no Italian for {msgid!r}"
        assert fields(message.string) <= fields(msgid), f"unknown field in {message.string!r}"


def test_every_registered_code_is_in_the_catalogue(app):
    # The app imports every part, so every module has registered its wordings by now.
    messages = po_messages()
    assert [code for code, text in wording.MESSAGES.items()
            if code != "several" and text not in messages] == []


def test_a_coded_error_is_english_for_the_command_line_and_italian_in_the_console(app):
    from console.i18n import say
    from contacts.creditors import SettingError, creditor_settings

    with pytest.raises(SettingError) as caught:
        creditor_settings(caller_id="abc", windows="9-12", max_attempts="x")
    error = caught.value
    assert str(error) == ("caller id 'abc' must be in E.164 form, like +390212345678; window "
                          "'9-12': '9' is not a time between 00:00 and 23:59; max attempts 'x' "
                          "is not a whole number")
    with app.test_request_context("/"):
        assert say(error) == (
            "il numero chiamante «abc» va scritto in formato internazionale (E.164), come "
            "+390212345678; fascia «9-12»: «9» non è un'ora tra 00:00 e 23:59; tentativi al "
            "massimo: «x» non è un numero intero")


def seeded(session):
    """A creditor with positions whose calls ended every way, a callback request, a user of
    each role, and a creditor on another continent's clock."""
    from tests.factories import make_attempt, make_creditor, make_position

    creditor = make_creditor(session)
    make_creditor(session, name="Acme USA", caller_id="+12025550143",
                  timezone="America/New_York", language="en")
    create_user(session, "anna", PASSWORD, "admin")
    create_user(session, "carlo", PASSWORD, "collector")
    create_user(session, "mara", PASSWORD, "creditor", creditor)
    now = utcnow()
    ways = (("completed", "human", "wrong_person"), ("no-answer", None, "no_answer"),
            ("completed", "machine_start", None), ("busy", None, "callback_requested"),
            ("failed", None, "declared_paid"), ("in-progress", "human", "opted_out"))
    positions = []
    for i, (status, answered_by, outcome) in enumerate(ways):
        position = make_position(session, creditor, reference=f"P-{i}", phone=f"+3933310000{i:02d}",
                                 outcome=outcome, outcome_at=now - timedelta(hours=i),
                                 status="to_verify" if outcome == "declared_paid" else "open")
        attempt = make_attempt(session, position, status=status, answered_by=answered_by,
                               call_window="08:30-12:00", placed_at=now - timedelta(hours=i))
        record_event(session, position.id, "status", "twilio",
                     {"status": status, "answered_by": answered_by, "duration": 12},
                     attempt_id=attempt.id, at=now - timedelta(hours=i))
        if outcome == "callback_requested":
            session.add(CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                                        requested_at=now))
        positions.append(position)
    session.commit()
    return creditor, positions


def pages_of(role, creditor, positions, users, requests):
    shared = ["/", "/posizioni", "/password", "/nessuna-pagina"] + \
        [f"/posizioni/{p.id}" for p in positions]
    if role == "anna":
        return shared + ["/mandanti", f"/mandanti/{creditor.id}", "/mandanti/nuovo", "/utenti",
                         *(f"/utenti/{u}" for u in users), "/liste", "/cruscotto",
                         "/richiamate", "/messaggi", f"/mandanti/{creditor.id}/messaggi",
                         *(f"/richiamate/{r}" for r in requests)]
    if role == "carlo":
        return shared + ["/richiamate", "/cruscotto", *(f"/richiamate/{r}" for r in requests)]
    return shared + ["/cruscotto", "/utenti"]


def test_no_page_of_any_role_shows_a_code_or_english(browser, session):
    from db.models import User
    from sqlalchemy import select

    creditor, positions = seeded(session)
    users = session.scalars(select(User.id)).all()
    requests = session.scalars(select(CallbackRequest.id)).all()
    for role in ("anna", "carlo", "mara"):
        browser.log_in(role)
        for path in pages_of(role, creditor, positions, users, requests):
            page = browser.get(path).get_data(as_text=True)
            assert untranslated(page) == [], (role, path)
        browser.post("/logout")


def test_the_creditor_forms_refusals_are_italian(browser, session):
    creditor, _ = seeded(session)
    browser.log_in("anna")
    page = browser.post("/mandanti/nuovo", {
        "name": "Nuovo", "caller_id": "12", "windows": "21:00-08:00", "timezone": "Marte/Base",
        "max_attempts": "0", "min_gap": "due ore", "payment_link": "ftp://x",
        "policy": "it", "playbook": "primo-sollecito"}).get_data(as_text=True)
    assert "Non salvato" in page and untranslated(page) == [], untranslated(page)
    assert "la fascia «21:00-08:00» finisce prima di cominciare" in page


def test_the_preview_of_a_list_says_each_rejected_row_in_italian(browser, session, app,
                                                                   tmp_path):
    app.instance_path = str(tmp_path / "instance")
    creditor, _ = seeded(session)
    browser.log_in("anna")
    rows = ("riferimento;nominativo;telefono;importo;scadenza;lingua\n"
            "A-1;Uno;12;-5;31/02/2026;fr\n"
            "A-2;Due;+393331112233;10,00;01/12/2026;\n"
            "A-2;Tre;+393331112234;10,00;01/12/2026;\n")
    page = browser.post("/liste", {"creditor": str(creditor.id),
                                   "file": (io.BytesIO(rows.encode()), "lista.csv")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "il telefono «12» non è un numero valido" in page
    assert "scadenza: «31/02/2026» non esiste nel calendario" in page
    assert "la pratica «A-2» compare già alla riga 3" in page
    assert untranslated(page) == []


def test_times_name_the_zone_where_it_could_be_doubted(browser, session):
    from tests.factories import make_attempt, make_position
    from db.models import Creditor
    from sqlalchemy import select

    _, positions = seeded(session)
    usa = session.scalar(select(Creditor).where(Creditor.name == "Acme USA"))
    far = make_position(session, usa, reference="US-1", phone="+12025550199")
    make_attempt(session, far, status="completed", answered_by="human",
                 placed_at=datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc))
    browser.log_in("anna")
    there = visible_text(browser.get(f"/posizioni/{far.id}").get_data(as_text=True))
    assert "24/11/2026 14:00 (ora di New York)" in there
    here = visible_text(browser.get(f"/posizioni/{positions[0].id}").get_data(as_text=True))
    assert "(ora di" not in here
