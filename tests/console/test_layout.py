"""Every role's pages in headless Chromium, on a phone (390 px) and a laptop (1,366 px): the
menu of the role, nothing wider than the screen, no script error; each page screenshotted."""
from datetime import timedelta

import pytest

from console.accounts import create_user
from db.events import record_event
from db.models import CallbackRequest, OutgoingMail, utcnow
from tests.console.browser import live, log_in, needs_chromium, page, shoot  # noqa: F401
from tests.factories import make_attempt, make_creditor, make_position

pytestmark = needs_chromium
PASSWORD = "una-password-lunga"
MENUS = {"anna": ["Mandanti", "Utenti", "Liste", "Messaggi", "Cruscotto", "Richiamate",
                  "Posizioni", "API"],
         "carlo": ["Richiamate", "Posizioni"],
         "mara": ["Cruscotto", "Posizioni", "API"]}


def seeded(session):
    creditor = make_creditor(session, name="Acme Energia Servizi Integrati S.p.A.")
    create_user(session, "anna", PASSWORD, "admin")
    create_user(session, "carlo", PASSWORD, "collector")
    create_user(session, "mara", PASSWORD, "creditor", creditor)
    today = utcnow()
    for i in range(12):
        position = make_position(
            session, creditor, reference=f"PRATICA-2026-{i:06d}", phone=f"+3933300000{i:02d}",
            name="Maria Antonietta Bevilacqua Castellamonte", email=f"maria.{i}@example.com",
            outcome="callback_requested" if i % 3 == 0 else None,
            outcome_at=today - timedelta(hours=i))
        attempt = make_attempt(session, position, status="completed", call_window="08:30-12:00",
                               answered_by="human", placed_at=today - timedelta(hours=i))
        if i % 3 == 0:
            session.add(CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                                        requested_at=today - timedelta(hours=i)))
    with_history(session, position, attempt, today)
    session.commit()
    return creditor, position


def with_history(session, position, attempt, now):
    """A call keyed to a promise, a collector's callback with a note, a message the server
    refused with a long answer: the history's lines and folded details that could widen a page."""
    sid = "CA" + "0123456789abcdef" * 2
    attempt.call_sid, attempt.identified, attempt.outcome = sid, True, "promised"
    source = f"twilio:menu {sid}"
    for kind, detail in (("attempt_claimed", {"number": 1}), ("call_placed", {"call_sid": sid}),
                         ("status", {"status": "ringing", "sequence": "0"}),
                         ("answered", {"answered_by": "human"}),
                         ("keys", {"step": "identify", "digits": "1"}), ("identified", {}),
                         ("keys", {"step": "menu", "digits": "5"}),
                         ("keys", {"step": "promise", "digits": "1512"}),
                         ("outcome", {"outcome": "promised", "promise_date": "2026-12-15"}),
                         ("status", {"status": "completed", "duration": 71, "sequence": "1"})):
        record_event(session, position.id, kind, source, detail, attempt_id=attempt.id, at=now)
    record_event(session, position.id, "callback_handled", "console:carlo",
                 {"result": "other", "note": "Richiamare dopo le 18: " + "lavora su turni " * 6},
                 at=now)
    session.add(OutgoingMail(
        key=f"layout:{position.id}", channel="email", position_id=position.id, kind="sollecito",
        to_address=position.email, subject="Sollecito", body="...", status="failed", tries=8,
        last_error="550-5.1.1 The email account that you tried to reach does not exist."
                   "PleasetryDoubleCheckingTheRecipientsEmailAddressForTyposOrUnnecessarySpaces",
        created_at=now))


def pages_of(user, creditor, position):
    shared = ["/", f"/posizioni/{position.id}", "/posizioni", "/password"]
    if user == "anna":
        return shared + ["/mandanti", f"/mandanti/{creditor.id}", "/utenti", "/liste",
                         "/cruscotto", "/richiamate", "/messaggi", "/messaggi?stato=queued",
                         f"/mandanti/{creditor.id}/api", "/documentazione-api",
                         "/richiamate?stato=tutte&ordina=importo&righe=25",
                         "/posizioni?ordina=ultima&verso=desc&righe=100"]
    if user == "carlo":
        return shared + ["/richiamate"]
    return shared + ["/cruscotto", "/documentazione-api"]


@pytest.mark.parametrize("width", [390, 1366])
def test_each_roles_pages_fit_the_screen_with_the_roles_menu(live, page, session, width):  # noqa: F811
    creditor, position = seeded(session)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 800})
    for user, menu in MENUS.items():
        log_in(page, live, user, PASSWORD)
        assert [link.strip() for link in page.locator("nav.menu a").all_inner_texts()] == menu
        for path in pages_of(user, creditor, position):
            assert page.goto(f"{live.url}{path}").status == 200, (user, path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            shoot(page, f"layout-{width}-{user}-{path.strip('/').replace('/', '-') or 'home'}")
            assert overflow <= 0, f"{user} {path} is {overflow}px wider than {width}px"
        page.click("text=Esci")
    assert errors == []


@pytest.mark.parametrize("width", [390, 1366])
def test_a_positions_history_opens_its_details_within_the_screen(live, page, session,  # noqa: F811
                                                               width):
    from tests.console.test_i18n import untranslated

    _creditor, position = seeded(session)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 800})
    for user in ("anna", "mara"):
        log_in(page, live, user, PASSWORD)
        page.wait_for_selector("nav.menu")
        page.goto(f"{live.url}/posizioni/{position.id}")
        line = page.locator("ol.timeline > li", has_text="Chiamata 1 di 3")
        assert "ha premuto 5: pagherà entro il 15/12" in line.inner_text()
        for summary in page.locator("ol.timeline summary").all():
            summary.click()
        assert line.locator("details").get_attribute("open") is not None
        assert "Data della promessa" in line.inner_text()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        shoot(page, f"history-{width}-{user}")
        assert overflow <= 0, f"{user}: the history is {overflow}px wider than {width}px"
        assert untranslated(page.content()) == []
        page.click("text=Esci")
    assert errors == []


def test_the_skip_link_leads_to_the_content(live, page, session):  # noqa: F811
    seeded(session)
    log_in(page, live, "carlo", PASSWORD)
    page.wait_for_selector("nav.menu")          # the home page after the login, loaded
    page.goto(f"{live.url}/richiamate")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Vai al contenuto"
    page.keyboard.press("Enter")
    assert page.url.endswith("#contenuto")


def test_phone_numbers_are_links_that_dial_them(live, page, session):  # noqa: F811
    _creditor, position = seeded(session)
    log_in(page, live, "carlo", PASSWORD)
    page.goto(f"{live.url}/richiamate")    # the oldest request: position 9's
    assert page.locator('a[href="tel:+393330000009"]').count() == 1
    page.goto(f"{live.url}/posizioni/{position.id}")
    assert page.locator(f'a[href="tel:{position.phone}"]').count() == 1
