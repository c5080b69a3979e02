"""The debtor's page over HTTP: the link, identification, the keypad's choices, privacy."""
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import (
    BlockedNumber, CallbackRequest, Event, LoginAttempt, Position, Receipt, utcnow,
)
from console.accounts import create_user
from domain.page_links import make_token
from ivr.outcomes import close_position
from tests.console.conftest import PASSWORD, Browser
from tests.factories import make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")
# What the debt is, as the page would write it: none of it may show before the code.
DEBT = ("Mario Rossi", "1.234,56", "1234.56", "FT-2026/118", "15/10/2026", "PR-2026-0042")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def text(response):
    return response.get_data(as_text=True)


def fresh(session, position):
    session.expire_all()
    return session.get(Position, position.id)


def kinds(session, position):
    return [(e.kind, e.source) for e in session.scalars(
        select(Event).where(Event.position_id == position.id).order_by(Event.id))]


def today():
    return utcnow().astimezone(ROME).date()


# -- the link --------------------------------------------------------------------------------

@pytest.mark.parametrize("language, words", [("it-IT,it;q=0.9", "Pagina non trovata"),
                                             ("en-GB,en;q=0.9", "Page not found")])
def test_a_wrong_token_is_a_neutral_not_found_in_the_users_language(debtor, position, app,
                                                                   language, words):
    good = debtor.link(position)[len("/p/"):]
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    unknown = make_token(app.config["SECRET_KEY"], position.id + 99, "sms",
                         today() + timedelta(days=9))
    expired = make_token(app.config["SECRET_KEY"], position.id, "sms",
                         today() - timedelta(days=1))
    foreign = make_token("another-secret", position.id, "sms", today() + timedelta(days=9))
    for token in (tampered, unknown, expired, foreign, "nonsense", "x" * 32):
        response = debtor.get(f"/p/{token}", headers={"Accept-Language": language})
        assert response.status_code == 404, token
        assert words in text(response) and "Acme" not in text(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_a_link_works_through_its_last_day(debtor, position):
    assert debtor.get(debtor.link(position, days=0)).status_code == 200


# -- before identification -------------------------------------------------------------------

def test_an_sms_link_shows_nothing_of_the_debt_before_the_code(debtor, position):
    page = text(debtor.get(debtor.link(position, "sms")))
    assert "Acme Energia" in page and 'name="code"' in page
    assert "+390298765432" in page                  # the SMS gives the creditor's phone too
    for fact in DEBT:
        assert fact not in page, fact
    assert "Paga ora" not in page and "paga.example.test" not in page
    assert "<title>La sua pagina</title>" in page


def test_an_email_link_names_the_debtor_but_not_the_debt_before_the_code(debtor, position):
    page = text(debtor.get(debtor.link(position, "email")))
    assert "Gentile Mario Rossi" in page
    for fact in DEBT[1:]:
        assert fact not in page, fact


def test_the_page_speaks_the_positions_language_and_switches(debtor, session, creditor):
    english = make_position(session, creditor, reference="E-1", language="en",
                            verification_code="4321")
    link = debtor.link(english)
    assert "To see the notice and answer" in text(debtor.get(link))
    assert "Per vedere l" in text(debtor.get(f"{link}?lang=it"))
    assert "Per vedere l" in text(debtor.get(link))          # the choice is kept


def test_a_position_without_a_code_cannot_be_opened_online(debtor, session, creditor,
                                                           position):
    bare = make_position(session, creditor, reference="N-1", verification_code=None)
    link = debtor.link(bare)
    page = text(debtor.get(link))
    assert "non è possibile identificarsi online" in page and 'name="code"' not in page
    assert "+390298765432" in page and "crediti@acme.example.test" in page
    # The page's forms share one token per browser: borrowed from a page that has a form.
    token = debtor.csrf_token(debtor.link(position))
    assert debtor.post(f"{link}/codice", {"code": "", "csrf_token": token}).status_code == 303
    assert "Gentile Mario Rossi,<br>" not in text(debtor.get(link))


# -- identification ----------------------------------------------------------------------------

def test_the_right_code_shows_the_notice_and_the_choices(debtor, position, session):
    link = debtor.link(position)
    wrong = debtor.identify(link, "1111")
    assert wrong.status_code == 401 and "non è corretto" in text(wrong)
    for fact in DEBT[:4]:
        assert fact not in text(wrong)
    assert debtor.identify(link, " 43 21 ").status_code == 303
    page = text(debtor.get(link))
    assert "Gentile Mario Rossi" in page and "FT-2026/118" in page and "1.234,56" in page
    assert "15/10/2026" in page
    for choice in ("Ho già pagato", "Pagherò entro una data", "C&#39;è un problema con la fattura",
                   "Richiamatemi", "Non contattatemi più"):
        assert choice in page
    assert 'href="https://paga.example.test/?rif=PR-2026-0042&amp;importo=1234.56"' in page
    assert "<title>La sua pagina</title>" in page
    assert ("page_identified", "debtor:page") in kinds(session, position)


def test_wrong_codes_are_throttled_like_logins(debtor, position, session):
    link = debtor.link(position)
    for _ in range(5):
        assert debtor.identify(link, "0000").status_code == 401
    refused = debtor.identify(link, "4321")
    assert refused.status_code == 429 and "Troppi tentativi" in text(refused)
    assert "FT-2026/118" not in text(debtor.get(link))
    # The login throttle's code counted them, under the position's own name and the page's
    # own counters (scope), apart from the console's logins.
    assert set(session.execute(select(LoginAttempt.username, LoginAttempt.scope))) == \
        {(f"page:{position.id}", "page")}


def test_wrong_codes_on_the_page_do_not_lock_the_console_login_from_that_address(
        debtor, session, creditor, app):
    create_user(session, "carlo", PASSWORD, "collector")
    session.commit()
    # 20 wrong codes from one address (an office behind one NAT, say), five per position:
    # the page's own limit per address is spent.
    positions = [make_position(session, creditor, reference=f"W-{i}", verification_code="4321")
                 for i in range(4)]
    for position in positions:
        for _ in range(5):
            assert debtor.identify(debtor.link(position), "0000").status_code == 401
    fifth = make_position(session, creditor, reference="W-5", verification_code="4321")
    assert debtor.identify(debtor.link(fifth), "4321").status_code == 429
    # The console counts its own failures only: a collector at that address logs in.
    assert Browser(app.test_client()).log_in("carlo").status_code == 302


def test_failed_console_logins_do_not_lock_the_debtors_page_from_that_address(
        debtor, position, session, app):
    console = Browser(app.test_client())
    for i in range(20):
        assert console.log_in(f"nessuno{i}", "tentativo-sbagliato").status_code == 401
    assert console.log_in("nessuno-altro", "tentativo-sbagliato").status_code == 429
    # The debtor at that address identifies with the right code, counted on the page's own.
    identified = debtor.identify(debtor.link(position))
    assert identified.status_code == 303
    assert "FT-2026/118" in text(debtor.get(debtor.link(position)))


def test_the_identification_is_in_the_pages_own_cookie_for_that_position_only(
        debtor, position, session, creditor, client):
    debtor.identify(debtor.link(position))
    cookie = client.get_cookie("cortesia_page", domain="cortesia.example.test", path="/p/")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.expires
    assert client.get_cookie("session", domain="cortesia.example.test") is None
    other = make_position(session, creditor, reference="O-1", verification_code="9999")
    assert "FT-2026/118" not in text(debtor.get(debtor.link(other)))
    assert 'name="code"' in text(debtor.get(debtor.link(other)))


def test_leaving_forgets_the_identification(debtor, position):
    link = debtor.link(position)
    debtor.identify(link)
    assert debtor.post(f"{link}/esci").status_code == 303
    assert "FT-2026/118" not in text(debtor.get(link))


# -- the choices -------------------------------------------------------------------------------

def promise_day():
    return today() + timedelta(days=10)


CHOICES = {
    "paid": ("declared_paid", "to_verify", {}),
    "promise": ("promised", "promised", {"date": None}),
    "dispute": ("disputed", "disputed", {"note": "Mai ricevuta la merce"}),
    "callback": ("callback_requested", "open", {"window": "14:00-17:00"}),
    "stop": ("opted_out", "ended", {}),     # a first reminder's round is over
}


def form_of(choice):
    data = dict(CHOICES[choice][2])
    if "date" in data:
        data["date"] = promise_day().isoformat()
    return data


@pytest.mark.parametrize("choice", sorted(CHOICES))
def test_each_choice_records_the_keypads_outcome_status_and_events(debtor, session, creditor,
                                                                   position, choice):
    outcome, status, _ = CHOICES[choice]
    keyed = make_position(session, creditor, reference="K-1", phone="+393339999999")
    close_position(session, keyed, outcome, "debtor:keypad", utcnow(),
                   promise_date=promise_day() if choice == "promise" else None)
    session.commit()
    link = debtor.link(position)
    debtor.identify(link)
    done = debtor.choose(link, choice, form_of(choice))
    assert done.status_code == 303
    assert 'class="flash info"' in text(debtor.get(link))
    position, keyed = fresh(session, position), fresh(session, keyed)
    assert (position.outcome, position.status) == (keyed.outcome, keyed.status) \
        == (outcome, status)
    assert position.status_until == keyed.status_until
    page_events = [kind for kind, source in kinds(session, position)
                   if source == "debtor:page" and kind != "page_identified"]
    assert page_events == [kind for kind, _ in kinds(session, keyed)]
    for event in session.scalars(select(Event).where(Event.position_id == position.id,
                                                     Event.kind.in_(("outcome", "status")))):
        assert event.source == "debtor:page"
        assert event.detail.get("outcome", outcome) == outcome


@pytest.mark.parametrize("choice", sorted(CHOICES))
def test_a_choice_sent_twice_is_recorded_once(debtor, session, position, choice):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, choice, form_of(choice))
    before = kinds(session, position)
    again = debtor.choose(link, choice, form_of(choice), follow_redirects=True)
    assert again.status_code == 200 and "già stata registrata" in text(again)
    assert kinds(session, position) == before
    assert session.scalar(select(CallbackRequest.id).where(
        CallbackRequest.position_id == position.id).limit(2).offset(1)) is None
    assert len(session.scalars(select(BlockedNumber)).all()) <= 1


def test_details_of_a_choice_are_kept_for_the_creditor(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "dispute", {"note": "La merce non è mai arrivata"})
    outcome = session.scalar(select(Event).where(Event.position_id == position.id,
                                                 Event.kind == "outcome"))
    assert outcome.detail == {"outcome": "disputed", "note": "La merce non è mai arrivata"}


def test_a_callback_request_keeps_the_preferred_window(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "callback", {"window": "18:00-21:00"})
    assert session.scalar(select(CallbackRequest.status)) == "open"
    outcome = session.scalar(select(Event).where(Event.kind == "outcome"))
    assert outcome.detail["preferred_window"] == "18:00-21:00"


def test_after_a_call_rounds_outcome_a_choice_is_an_answer_with_the_same_status(
        debtor, session, position):
    position.outcome = "confirmed"
    session.commit()
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "paid")
    position = fresh(session, position)
    assert (position.outcome, position.status) == ("confirmed", "to_verify")
    answer = session.scalar(select(Event).where(Event.kind == "answer"))
    assert (answer.source, answer.detail) == ("debtor:page", {"answer": "declared_paid"})


def test_a_promise_may_change_its_date(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "promise", {"date": promise_day().isoformat()})
    later = promise_day() + timedelta(days=5)
    debtor.choose(link, "promise", {"date": later.strftime("%d/%m/%Y")})
    position = fresh(session, position)
    assert position.status_until.astimezone(ROME).date() == later + timedelta(days=4)
    assert "entro il " + later.strftime("%d/%m/%Y") in text(debtor.get(link))


@pytest.mark.parametrize("day, words", [(-1, "già passata"), (61, "oltre 60 giorni"),
                                        (None, "Indichi la data")])
def test_a_promise_date_in_the_past_or_too_far_is_refused_politely(debtor, session, position,
                                                                   day, words):
    link = debtor.link(position)
    debtor.identify(link)
    date = "" if day is None else (today() + timedelta(days=day)).isoformat()
    refused = debtor.choose(link, "promise", {"date": date})
    assert refused.status_code == 400 and words in text(refused)
    assert fresh(session, position).status == "open"
    assert ("outcome", "debtor:page") not in kinds(session, position)


def test_a_promise_of_the_sixtieth_day_is_taken(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "promise", {"date": (today() + timedelta(days=60)).isoformat()})
    assert fresh(session, position).status == "promised"


def test_a_choice_needs_the_forms_token(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    refused = debtor.choose(link, "stop", {"csrf_token": "forged"})
    assert refused.status_code == 400 and "Il modulo è scaduto" in text(refused)
    assert debtor.choose(link, "stop", csrf=False).status_code == 400
    assert fresh(session, position).outcome is None


def test_the_code_form_needs_the_forms_token_too(debtor, position):
    assert debtor.post(f"{debtor.link(position)}/codice", {"code": "4321"},
                       csrf=False).status_code == 400


def test_a_choice_needs_the_debtor_identified(debtor, session, position):
    link = debtor.link(position)
    refused = debtor.choose(link, "stop")
    assert refused.status_code == 303
    assert fresh(session, position).outcome is None
    assert "inserisca di nuovo il suo codice" in text(debtor.get(link))


def test_an_unknown_choice_is_not_found(debtor, position):
    link = debtor.link(position)
    debtor.identify(link)
    assert debtor.choose(link, "forgive").status_code == 404


def test_a_stopped_position_offers_no_choices(debtor, session, position):
    position.status = "paid"
    session.commit()
    link = debtor.link(position)
    debtor.identify(link)
    page = text(debtor.get(link))
    assert "Il pagamento risulta ricevuto" in page and "Ho già pagato" not in page
    assert "Paga ora" not in page
    refused = debtor.choose(link, "paid")
    assert refused.status_code == 400 and "non può più essere registrata" in text(refused)


# -- receipts ----------------------------------------------------------------------------------

def upload(name, data):
    return {"receipt": (io.BytesIO(data), name)}


@pytest.mark.parametrize("name, data", [("ricevuta.pdf", PDF), ("bonifico.png", PNG),
                                        ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100)])
def test_a_receipt_goes_with_i_have_paid(debtor, session, position, name, data):
    link = debtor.link(position)
    debtor.identify(link)
    done = debtor.choose(link, "paid", upload(name, data), follow_redirects=True)
    assert "Ricevuta allegata" in text(done)
    receipt = session.scalar(select(Receipt))
    assert (receipt.data, receipt.original_name, receipt.source) == (data, name, "debtor:page")
    assert fresh(session, position).status == "to_verify"


@pytest.mark.parametrize("name, data, words", [
    ("ricevuta.pdf", b"MZ\x90\0 not a pdf at all", "deve essere un PDF"),
    ("ricevuta.pdf", b"<html><script>alert(1)</script>", "deve essere un PDF"),
    ("grande.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "supera 5 MB"),
    ("vuota.pdf", b"", "è vuoto"),
])
def test_a_receipt_is_checked_by_its_first_bytes_and_size(debtor, session, position, name,
                                                          data, words):
    link = debtor.link(position)
    debtor.identify(link)
    refused = debtor.choose(link, "paid", upload(name, data))
    assert refused.status_code == 400 and words in text(refused)
    assert session.scalar(select(Receipt.id)) is None
    assert fresh(session, position).status == "open"


def test_a_receipt_sent_after_declaring_paid_is_kept_once(debtor, session, position):
    link = debtor.link(position)
    debtor.identify(link)
    debtor.choose(link, "paid")
    debtor.choose(link, "paid", upload("r.pdf", PDF))
    debtor.choose(link, "paid", upload("r.pdf", PDF))
    assert len(session.scalars(select(Receipt)).all()) == 1
    assert [k for k, _ in kinds(session, position)].count("outcome") == 1


def test_no_debt_in_the_pages_addresses(debtor, position):
    link = debtor.link(position)
    for fact in DEBT:
        assert fact not in link
    debtor.identify(link)
    page = text(debtor.get(link))
    for action in re.findall(r'action="([^"]+)"', page):
        assert not any(fact in action for fact in DEBT)
    assert re.fullmatch(r"/p/[A-Za-z0-9_-]{32}", link)


def test_another_creditors_token_cannot_open_a_position(debtor, session, position, app):
    other = make_position(session, make_creditor(session, name="Beta"), reference="B-1",
                          verification_code="4321")
    token = debtor.link(other)
    debtor.identify(token)
    assert "Beta" in text(debtor.get(token)) and "Acme" not in text(debtor.get(token))
