"""The debtor's page in headless Chromium on a phone's screen (390 px), JavaScript off: nothing
of the debt before the code, wrong codes throttled, each choice recorded, no sideways scroll."""
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Event, Position, Receipt, utcnow
from domain.page_links import make_token, page_url
from tests.console.browser import CHROMIUM, CHROMIUM_ARGS, live, needs_chromium, shoot  # noqa: F401
from tests.factories import make_creditor, make_position

pytestmark = needs_chromium
DEBT = ("Mario Rossi", "1.234,56", "FT-2026/118", "15/10/2026", "PR-2026-0042")
PAY = "https://paga.example.test/?rif={reference}&importo={amount}"


@pytest.fixture
def phone():
    """A phone's browser: 390 × 844, Italian, with JavaScript switched off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844},
                                      java_script_enabled=False, is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


@pytest.fixture
def link(live, session):
    creditor = make_creditor(session, contact_phone="+390298765432", payment_link=PAY)
    position = make_position(session, creditor, reference="PR-2026-0042",
                             verification_code="4321", amount=Decimal("1234.56"))
    token = make_token(live.app.config["SECRET_KEY"], position.id, "sms",
                       utcnow().date() + timedelta(days=30))
    return position, page_url(live.url, token)


def fits_the_screen(phone):
    """Nothing wider than the phone's screen: no sideways scrolling."""
    return phone.evaluate("document.documentElement.scrollWidth") <= 390


def assert_nothing_of_the_debt(phone):
    shown, source = phone.inner_text("body"), phone.content()
    for fact in DEBT:
        assert fact not in shown and fact not in source, fact


def test_wrong_codes_are_throttled_and_nothing_of_the_debt_shows(live, phone, link):  # noqa: F811
    position, url = link
    phone.goto(url)
    assert "Acme Energia" in phone.inner_text("header")
    assert_nothing_of_the_debt(phone)
    assert fits_the_screen(phone)
    shoot(phone, "page-sms-link-390")
    for _ in range(5):
        phone.fill("input[name=code]", "0000")
        phone.click("button.primary")
        phone.wait_for_selector("text=Il codice non è corretto")
        assert_nothing_of_the_debt(phone)
    phone.fill("input[name=code]", "4321")
    phone.click("button.primary")
    phone.wait_for_selector("text=Troppi tentativi non riusciti")
    assert_nothing_of_the_debt(phone)
    assert phone.title() == "La sua pagina"
    shoot(phone, "page-throttled-390")


def identify(phone, url):
    phone.goto(url)
    phone.fill("input[name=code]", "4321")
    phone.click("button.primary")
    phone.wait_for_selector("text=Come desidera rispondere?")


def test_the_notice_and_its_choices_fit_a_phone(live, phone, link):  # noqa: F811
    _, url = link
    identify(phone, url)
    text = phone.inner_text("main")
    assert "FT-2026/118" in text and "1.234,56 EUR" in text and "15/10/2026" in text
    assert phone.get_attribute("text=Paga ora", "href") == \
        "https://paga.example.test/?rif=PR-2026-0042&importo=1234.56"
    for summary in phone.locator("details summary").all():
        summary.click()                      # <details> opens without any script
    assert phone.locator("details[open]").count() == 5
    assert fits_the_screen(phone)
    assert phone.title() == "La sua pagina"
    shoot(phone, "page-notice-390")


CHOICES = {
    "paid": ("Ho già pagato", "to_verify", "declared_paid"),
    "promise": ("Pagherò entro una data", "promised", "promised"),
    "dispute": ("C'è un problema con la fattura", "disputed", "disputed"),
    "callback": ("Richiamatemi", "open", "callback_requested"),
    "stop": ("Non contattatemi più", "ended", "opted_out"),
}


@pytest.mark.parametrize("choice", sorted(CHOICES))
def test_a_choice_is_recorded_as_the_keypads_answer(live, phone, link, session,  # noqa: F811
                                                    choice, tmp_path):
    position, url = link
    label, status, outcome = CHOICES[choice]
    identify(phone, url)
    phone.click(f"details#{choice} summary")
    assert label in phone.inner_text(f"details#{choice} summary")
    form = phone.locator(f"details#{choice} form")
    if choice == "paid":
        receipt = tmp_path / "bonifico.pdf"
        receipt.write_bytes(b"%PDF-1.4\n%%EOF\n")
        form.locator("input[name=receipt]").set_input_files(str(receipt))
    elif choice == "promise":
        day = utcnow().astimezone(ZoneInfo("Europe/Rome")).date() + timedelta(days=12)
        form.locator("input[name=date]").fill(day.isoformat())
    elif choice == "dispute":
        form.locator("textarea[name=note]").fill("La merce non è mai arrivata")
    elif choice == "callback":
        form.locator("select[name=window]").select_option("14:00-17:00")
    shoot(phone, f"page-choice-{choice}-390")
    form.locator("button").click()
    phone.wait_for_selector("p.flash.info")
    assert fits_the_screen(phone)
    session.expire_all()
    recorded = session.get(Position, position.id)
    assert (recorded.outcome, recorded.status) == (outcome, status)
    sources = {e.source for e in session.scalars(select(Event).where(
        Event.position_id == position.id, Event.kind.in_(("outcome", "status"))))}
    assert sources == {"debtor:page"}
    if choice == "paid":
        assert session.scalar(select(Receipt.original_name)) == "bonifico.pdf"
    shoot(phone, f"page-done-{choice}-390")
