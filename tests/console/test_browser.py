"""The console's core journeys in headless Chromium: an admin imports a list, a collector
works the oldest callback, a creditor user cannot open another creditor's position."""
import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from console.accounts import create_user
from db.models import CallbackRequest, utcnow
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
    assert "callback_claimed" in timeline and "callback_handled" in timeline
    assert "250.00" in timeline and "console:carlo" in timeline
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
    bars = page.locator("ol.bars li")
    track = bars.last.locator(".meter").bounding_box()["width"]
    busiest = bars.last.locator(".meter .share").bounding_box()["width"]
    quieter = bars.nth(bars.count() - 2).locator(".meter .share").bounding_box()["width"]
    assert abs(busiest - track) < 1 and abs(quieter - track / 2) < 1
