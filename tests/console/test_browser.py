"""The console's core journeys in headless Chromium: an admin imports a list, a collector
works the oldest callback, a creditor user cannot open another creditor's position."""
import os
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from console.accounts import create_user
from db.models import OUTCOMES, CallbackRequest, utcnow
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.console.browser import live, log_in, needs_chromium, page, shoot  # noqa: F401
from tests.factories import make_attempt, make_creditor, make_position

pytestmark = needs_chromium
PASSWORD = "una-password-lunga"
SAMPLE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "samples",
                                      "contacts.csv"))


def preview_sample(page, live):
    """As an admin: upload the sample list for Acme Energia and wait for its preview."""
    page.goto(f"{live.url}/liste")
    page.select_option("select[name=creditor]", label="Acme Energia")
    page.set_input_files("input[name=file]", SAMPLE)
    page.click("text=Anteprima")
    page.wait_for_selector("text=Conferma importazione")
    # The sample's December due dates are in the future before December 2026 (the live
    # server reads them on the wall clock): their warnings are accepted like an admin would.
    accept = page.locator("input[name=accetto_avvisi]")
    if accept.count():
        accept.check()


def test_an_admin_uploads_a_list_and_confirms_it(live, page, session):  # noqa: F811
    make_creditor(session, name="Acme Energia")
    create_user(session, "anna", PASSWORD, "admin")
    session.commit()
    log_in(page, live, "anna", PASSWORD)
    shoot(page, "home-admin")
    preview_sample(page, live)
    assert "11 nuove posizioni" in page.inner_text("main")
    assert "non è un numero valido" in page.inner_text("main")
    shoot(page, "list-preview")
    page.click("text=Conferma importazione")
    page.wait_for_selector("text=Importazione completata")
    shoot(page, "list-imported")
    page.goto(f"{live.url}/posizioni")
    assert page.locator("table.list tbody tr").count() == 11
    shoot(page, "positions")


def test_a_collector_claims_the_oldest_callback_and_records_a_promise(live, page,  # noqa: F811
                                                                     session):
    creditor = make_creditor(session, name="Acme Energia")
    create_user(session, "carlo", PASSWORD, "collector")
    for reference, name, phone, minutes in (("P-1", "Mario Rossi", "+393331111111", 15),
                                            ("P-2", "Lucia Bianchi", "+393332222222", 95)):
        position = make_position(session, creditor, reference=reference, name=name, phone=phone)
        attempt = make_attempt(session, position, status="completed", digits="1,3",
                               placed_at=utcnow() - timedelta(minutes=minutes + 1))
        session.add(CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                                    requested_at=utcnow() - timedelta(minutes=minutes)))
    session.commit()
    log_in(page, live, "carlo", PASSWORD)
    page.goto(f"{live.url}/richiamate")
    first = page.locator("table.list tbody tr").first
    assert "Lucia Bianchi" in first.inner_text()           # the oldest request comes first
    shoot(page, "callback-queue")
    first.locator("a:not(.tel)").click()
    page.click("text=Prendi in carico")
    page.wait_for_selector("text=Registra esito e chiudi")
    page.check("input[value=promise]")
    page.fill("input[name=promise_date]", (utcnow() + timedelta(days=7)).date().isoformat())
    page.fill("input[name=promise_amount]", "250,00")
    page.fill("textarea[name=note]", "Pagherà con bonifico")
    shoot(page, "callback-result")
    page.click("text=Registra esito e chiudi")
    page.wait_for_selector("text=Esito registrato")
    assert "Lucia Bianchi" not in page.inner_text("main")
    page.goto(f"{live.url}/posizioni")
    page.fill("input[name=cerca]", "P-2")      # a POSTed search: the text stays out of the URL
    page.click("button:has-text('Cerca')")
    page.wait_for_url("**/posizioni?ricerca=*")
    assert "P-2" not in page.url
    page.click("text=P-2")
    timeline = page.inner_text("ol.timeline")
    assert "Richiamata di un operatore — pagherà entro il" in timeline
    assert "(250,00\xa0€)" in timeline and "carlo" in timeline and "callback_" not in timeline
    shoot(page, "position-timeline")


def test_a_creditor_user_cannot_reach_another_creditors_position(live, page,  # noqa: F811
                                                                session):
    acme = make_creditor(session, name="Acme Energia")
    beta = make_creditor(session, name="Beta Telecom")
    create_user(session, "mara", PASSWORD, "creditor", acme)
    own = make_position(session, acme, reference="A-1")
    other = make_position(session, beta, reference="B-1", phone="+393339999999")
    session.commit()
    log_in(page, live, "mara", PASSWORD)
    page.goto(f"{live.url}/cruscotto")
    shoot(page, "creditor-dashboard")
    assert page.goto(f"{live.url}/posizioni/{own.id}").status == 200
    assert page.goto(f"{live.url}/posizioni/{other.id}").status == 404
    assert "Beta" not in page.content()


def test_a_newcomers_first_campaign_from_the_console(live, page, session):  # noqa: F811
    """The README's walk: set up a creditor and a collector, import the sample list, let the
    simulator call, see the dashboard change, work the callback the calls produced."""
    create_user(session, "admin", PASSWORD, "admin")
    session.commit()
    page.goto(f"{live.url}/login")
    shoot(page, "login")
    log_in(page, live, "admin", PASSWORD)
    page.goto(f"{live.url}/mandanti/nuovo")
    shoot(page, "creditor-form")
    page.fill("input[name=name]", "Acme Energia")
    page.fill("input[name=caller_id]", "+390212345678")
    page.click("button:has-text('Salva')")   # "text=Salva" finds El Salvador first
    page.wait_for_selector("text=Mandante «Acme Energia» salvato")
    page.goto(f"{live.url}/utenti")
    page.fill("input[name=username]", "carla")
    page.select_option("select[name=role]", "collector")
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Crea")
    page.wait_for_selector("text=Utente «carla» creato")
    shoot(page, "users")
    preview_sample(page, live)
    page.click("text=Conferma importazione")
    page.wait_for_selector("text=Importazione completata")

    simulator = get_telephony(live.app)
    simulator.script("+393331234567", DebtorScript("human", (IDENTIFY, "3")))   # Mario Rossi
    report = dial_pass(live.app, datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Rome")))
    assert len(report.placed) == 11 and simulator.errors == []
    page.goto(f"{live.url}/mandanti")
    page.click("text=Acme Energia")
    page.click("text=Messaggi registrati")
    shoot(page, "recorded-prompts")
    page.goto(f"{live.url}/cruscotto")
    tiles = dict((label, int(number)) for number, label in re.findall(
        r"<strong>(\d+)</strong><span>([^<]+)</span>", page.content()))
    assert tiles["richiamata richiesta"] >= 1 and tiles["da chiamare"] == 0
    assert "24/11/2026: " in page.content() and "Excel (XLSX)" in page.content()
    shoot(page, "dashboard-after-calls")
    page.click("text=Esci")

    log_in(page, live, "carla", PASSWORD)
    page.goto(f"{live.url}/richiamate")
    page.click("text=Mario Rossi")
    page.click("text=Prendi in carico")
    page.check("input[value=paid]")
    page.click("text=Registra esito e chiudi")
    page.wait_for_selector("text=Esito registrato")
    assert "Mario Rossi" not in page.inner_text("main")


def test_every_page_keeps_to_the_content_security_policy(live, page, session):  # noqa: F811
    """No inline script or style is refused by the CSP, and the dashboard's bars still show
    their share: the busiest day's bar is as wide as its track, a quieter day's is half."""
    creditor = make_creditor(session, name="Acme Energia")
    create_user(session, "anna", PASSWORD, "admin")
    today = utcnow()
    for i, (outcome, days_ago) in enumerate((("confirmed", 0), ("opted_out", 0),
                                            ("confirmed", 1))):
        position = make_position(session, creditor, reference=f"P-{i}", phone=f"+39333000000{i}",
                                 outcome=outcome, outcome_at=today - timedelta(days=days_ago))
        attempt = make_attempt(session, position, status="completed", call_window="08:30-12:00",
                               answered_by="human" if i else "machine_start",
                               placed_at=today - timedelta(days=days_ago))
        if i == 0:
            request = CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                                      requested_at=today)
            session.add(request)
    session.commit()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, live, "anna", PASSWORD)
    for path in ("/", "/richiamate", f"/richiamate/{request.id}", "/posizioni", f"/posizioni/{position.id}",
                 "/liste", "/mandanti", f"/mandanti/{creditor.id}",
                 f"/mandanti/{creditor.id}/messaggi", "/utenti", "/cruscotto"):
        assert page.goto(f"{live.url}{path}").status == 200, path
    shoot(page, "dashboard-bars")
    assert refused == []
    chart = page.locator("svg.chart")
    span = chart.bounding_box()["width"] * (360 - 68 - 36) / 360    # charts.WIDTH, LABEL, TOTAL

    def bar(day):
        return sum(rect.bounding_box()["width"]
                   for rect in chart.locator(f'rect[data-day="{day.isoformat()}"]').all())

    local = today.astimezone(ZoneInfo("Europe/Rome")).date()
    busiest, quieter = bar(local), bar(local - timedelta(days=1))
    assert abs(busiest - span) < 1 and abs(quieter - span / 2) < 1


@pytest.mark.parametrize("width", [390, 1366])
def test_the_dashboard_follows_a_pass_by_itself(live, page, session, width):  # noqa: F811
    """On a phone and a laptop the dashboard fits the screen, runs its script without an error,
    and moves by itself: a call starts ringing and, without a reload, the tile counts it."""
    live.app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    creditor = make_creditor(session, name="Acme Energia Servizi Integrati S.p.A.")
    create_user(session, "mara", PASSWORD, "creditor", creditor)
    now, rome = utcnow(), ZoneInfo("Europe/Rome")
    for i, outcome in enumerate(OUTCOMES * 3):     # every colour of the chart, big amounts
        position = make_position(session, creditor, reference=f"P-{i}", phone=f"+3933300000{i:02d}",
                                 outcome=outcome, outcome_at=now - timedelta(days=i % 4),
                                 status="promised" if i % 2 else "to_verify",
                                 amount=Decimal("1234567.89"), amount_paid=Decimal("1000.5"))
        placed = now - timedelta(days=i % 4, hours=1)
        make_attempt(session, position, status="completed", answered_by="human",
                     call_window="08:30-12:00", placed_at=placed,
                     day=placed.astimezone(rome).date())
    waiting = make_position(session, creditor, reference="P-X", phone="+393339999999")
    session.commit()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live, "mara", PASSWORD)
    page.goto(f"{live.url}/cruscotto")
    ringing = '[data-figure="calls-now"] strong'
    assert page.inner_text(ringing) == "0"
    make_attempt(session, waiting, status="ringing", placed_at=utcnow(),
                 day=utcnow().astimezone(rome).date())
    from playwright.sync_api import expect

    expect(page.locator(ringing)).to_have_text("1", timeout=15000)   # no reload: the poll
    assert page.inner_text('[data-figure="pace-5"] strong') == "1"
    # A keyboard user on a tile keeps their place: the part waits until they move on.
    page.locator('[data-figure="calls-now"]').focus()
    page.keyboard.press("Tab")
    make_attempt(session, waiting, number=2, status="ringing", placed_at=utcnow(),
                 day=utcnow().astimezone(rome).date())
    page.wait_for_timeout(2500)
    assert page.evaluate("document.activeElement.dataset.figure") == "pace-5"
    assert page.inner_text(ringing) == "1"
    page.click("h1")
    expect(page.locator(ringing)).to_have_text("2", timeout=15000)
    page.click("text=I numeri per giorno")     # the chart's table too, kept open by the poll
    page.wait_for_timeout(2500)
    assert page.locator("details#numeri-per-giorno[open] table").is_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    shoot(page, f"dashboard-live-{width}")
    assert overflow <= 0, f"the dashboard is {overflow}px wider than {width}px"
    assert errors == []


def test_a_creditors_user_pauses_its_campaign_and_stops_a_position_on_a_phone(
        live, page, session):  # noqa: F811
    creditor = make_creditor(session, name="Acme Energia")
    create_user(session, "mara", PASSWORD, "creditor", creditor)
    position = make_position(session, creditor)
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, live, "mara", PASSWORD)
    page.goto(f"{live.url}/cruscotto")
    page.fill("#campagna input[name=motivo]", "contestazioni in corso")
    page.check("#campagna input[name=conferma]")
    page.click("#campagna button")
    page.wait_for_selector("text=Riprendi la campagna")
    shoot(page, "campaign-paused-390")
    assert "In pausa" in page.inner_text("#campagna")
    page.goto(f"{live.url}/posizioni/{position.id}")
    assert "La campagna di Acme Energia è in pausa" in page.inner_text("#controlli")
    page.fill("#controlli input[name=motivo] >> nth=0", "il cliente ha chiamato")
    page.click("#controlli button:has-text('Ferma')")
    page.wait_for_selector("text=Riprendi i contatti")
    page.fill("#controlli textarea[name=nota]", "Pagherà a fine mese")
    page.click("#controlli button:has-text('Aggiungi nota')")
    page.wait_for_selector("text=Nota aggiunta.")
    shoot(page, "position-controls-390")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
