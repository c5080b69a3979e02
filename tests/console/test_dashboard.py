"""A creditor's dashboard and its daily reports (Italian CSV and XLSX), its own only."""
import html
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

import pytest

from console.dashboard import BOOK_SECONDS
from db.models import OutgoingMail, utcnow
from reports.daily import report_csv
from tests.factories import make_attempt, make_creditor, make_position


@pytest.fixture
def campaign(session, users):
    acme = users["creditor"].creditor
    today = utcnow()
    called = make_position(session, acme, reference="A-1", outcome="confirmed", outcome_at=today)
    make_attempt(session, called, status="completed", answered_by="human", call_window="08:30-12:00",
                 placed_at=today, day=date(2026, 11, 24))
    ringing = make_position(session, acme, reference="A-2", phone="+393330000002")
    make_attempt(session, ringing, status="no-answer", call_window="08:30-12:00", placed_at=today,
                 day=date(2026, 11, 24))
    make_position(session, acme, reference="A-3", phone="+393330000003")
    beta = make_creditor(session, name="Beta Telecom")
    make_position(session, beta, reference="B-1", phone="+393330000004")
    session.commit()
    return {"acme": acme, "beta": beta}


def test_the_dashboard_shows_todays_progress_and_answer_rate(browser, campaign):
    browser.log_in("mara")
    page = browser.get("/cruscotto").get_data(as_text=True)
    tiles = {label: number for number, label in re.findall(
        r"<strong>(\d+)</strong><span>([^<]+)</span>", page)}
    assert (tiles["da chiamare"], tiles["in corso"], tiles["confermate"]) == ("1", "1", "1")
    assert "08:30-12:00" in page and "50%" in page
    assert "24/11/2026: " in page and "Excel (XLSX)" in page


def test_the_report_download_is_italian_csv_and_typed_xlsx(browser, campaign, session):
    browser.log_in("mara")
    response = browser.get("/rapporti/2026-11-24.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="rapporto-acme-energia-2026-11-24.csv"' in \
        response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    header, first = text.lstrip("\ufeff").splitlines()[:2]
    assert header.startswith("Pratica;Nominativo;Telefono;Esito;Tentativi;Ultima chiamata;")
    assert first.startswith("A-1;Mario Rossi;'+393331234567;confermata;1;")
    assert ";conclusa;" in first and ";1234,56;EUR;" in first
    assert text != report_csv(session, campaign["acme"], date(2026, 11, 24))   # English there
    book = browser.get("/rapporti/2026-11-24.xlsx")
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(book.data))["Posizioni"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Pratica", "Nominativo", "Telefono", "Esito")
    assert rows[1][0] == "A-1" and rows[1][3] == "confermata" and rows[1][4] == 1
    assert isinstance(rows[1][5], datetime) and rows[1][8] == 1234.56
    assert sheet.cell(2, 9).number_format == "#,##0.00"
    assert browser.get("/rapporti/2026-11-24.pdf").status_code == 404


def test_a_creditor_user_gets_404_for_another_creditor(browser, campaign):
    browser.log_in("mara")
    other = campaign["beta"].id
    assert browser.get(f"/cruscotto?creditore={other}").status_code == 404
    assert browser.get(f"/rapporti/2026-11-24.csv?creditore={other}").status_code == 404


def test_staff_choose_the_creditor(browser, campaign):
    browser.log_in("anna")
    page = browser.get(f"/cruscotto?creditore={campaign['beta'].id}").get_data(as_text=True)
    assert "Beta Telecom" in page and "Nessuna chiamata ancora" in page
    assert browser.get("/rapporti/not-a-day.csv").status_code == 404


def test_a_creditor_user_downloads_its_own_handover_and_not_another_creditors(browser, campaign,
                                                                               session):
    from reports.handover import build_handover, positions_csv

    mine = make_position(session, campaign["acme"], reference="A-9", status="ended")
    theirs = make_position(session, campaign["beta"], reference="B-9", status="ended")
    session.commit()
    browser.log_in("mara")
    assert "Posizioni e storia (XLSX)" in browser.get("/cruscotto").get_data(as_text=True)
    response = browser.get("/consegna/posizioni.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="handover-acme-energia-' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert mine.reference in text and theirs.reference not in text
    assert text == positions_csv(build_handover(session, campaign["acme"], utcnow()))
    workbook = browser.get("/consegna/consegna.xlsx")
    assert workbook.status_code == 200 and workbook.data.startswith(b"PK")
    other = campaign["beta"].id
    for part in ("posizioni.csv", "storia.csv", "consegna.xlsx"):
        assert browser.get(f"/consegna/{part}?creditore={other}").status_code == 404
    assert browser.get("/consegna/altro.csv").status_code == 404


def test_an_admin_downloads_any_creditors_handover_a_collector_none(browser, campaign, session):
    make_position(session, campaign["beta"], reference="B-9", status="ended")
    session.commit()
    browser.log_in("anna")
    history = browser.get(f"/consegna/storia.csv?creditore={campaign['beta'].id}")
    assert history.status_code == 200 and "reference,at,event" in history.get_data(as_text=True)
    browser.post("/logout")
    browser.log_in("carlo")
    assert browser.get("/consegna/posizioni.csv").status_code == 403


def test_a_collector_opens_no_creditors_dashboard_nor_its_reports(browser, campaign):
    browser.log_in("carlo")
    for creditor in ("", f"?creditore={campaign['beta'].id}"):
        assert browser.get(f"/cruscotto{creditor}").status_code == 403
        assert browser.get(f"/rapporti/2026-11-24.csv{creditor}").status_code == 403
    assert "/cruscotto" not in browser.get("/").get_data(as_text=True)


# The live part, on a fixed clock: Tuesday 24 November 2026, 10:00 in Rome (09:00 UTC).
ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)
SVG = "{http://www.w3.org/2000/svg}"


def mail(session, position, channel, sent_at, status="sent"):
    session.add(OutgoingMail(key=f"{channel}-{position.id}-{sent_at}", channel=channel,
                             position_id=position.id, kind="notice", to_address="x@example.test",
                             subject="Avviso", body="…", status=status, sent_at=sent_at))


@pytest.fixture
def running(app, session, users):
    """Acme in the middle of a morning pass, Beta's calls beside it (never counted for Acme)."""
    app.extensions["cortesia.clock"] = lambda: NOW
    acme = users["creditor"].creditor
    beta = make_creditor(session, name="Beta Telecom")

    def call(position, minutes_ago, window="08:30-12:00", **fields):
        placed = NOW - timedelta(minutes=minutes_ago)
        return make_attempt(session, position, call_window=window, placed_at=placed,
                            day=placed.date(), **fields)

    # Just after midnight in Rome is still the day before in UTC: counted on the 24th.
    confirmed = make_position(session, acme, reference="A-1", outcome="confirmed",
                              outcome_at=datetime(2026, 11, 24, 0, 30, tzinfo=ROME))
    call(confirmed, 3, status="completed", answered_by="human")
    promised = make_position(session, acme, reference="A-2", phone="+393330000002",
                             outcome="promised", outcome_at=NOW - timedelta(minutes=5),
                             status="promised", amount=Decimal("1000"),
                             amount_paid=Decimal("200"))
    call(promised, 10, status="completed", answered_by="human")
    ringing = make_position(session, acme, reference="A-3", phone="+393330000003")
    call(ringing, 1, status="ringing")
    declared = make_position(session, acme, reference="A-4", phone="+393330000004",
                             outcome="declared_paid", outcome_at=NOW - timedelta(days=1),
                             status="to_verify", amount=Decimal("500"))
    call(declared, 24 * 60, window="14:00-17:00", status="completed", answered_by="human")
    make_position(session, acme, reference="A-5", phone="+393330000005", outcome="confirmed",
                  outcome_at=NOW - timedelta(days=2), status="paid", amount=Decimal("300"),
                  amount_paid=Decimal("300"))
    make_position(session, acme, reference="A-6", phone="+393330000006")
    unanswered = make_position(session, acme, reference="A-7", phone="+393330000007")
    call(unanswered, 20, status="no-answer")
    mail(session, promised, "email", NOW - timedelta(minutes=30))
    mail(session, promised, "sms", NOW - timedelta(hours=2))
    mail(session, promised, "pec", NOW - timedelta(days=1))           # yesterday's
    mail(session, declared, "email", None, status="queued")            # not sent yet
    theirs = make_position(session, beta, reference="B-1", phone="+393330000009")
    call(theirs, 2, status="ringing")
    mail(session, theirs, "email", NOW - timedelta(minutes=3))
    session.commit()
    return {"acme": acme, "beta": beta}


def figures(page):
    """The live part's tiles: {data-figure: the number or amount shown}."""
    return dict(re.findall(r'data-figure="([^"]+)"><strong>([^<]+)</strong>', page))


def test_the_live_part_counts_the_calls_ringing_the_pace_and_todays_contacts(browser, running):
    browser.log_in("mara")
    response = browser.get("/cruscotto/dal-vivo")
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    shown = figures(response.get_data(as_text=True))
    assert (shown["calls-now"], shown["pace-5"], shown["pace-15"]) == ("1", "2", "3")
    assert (shown["calls-today"], shown["email-today"], shown["pec-today"],
            shown["sms-today"]) == ("4", "1", "0", "1")
    assert (shown["pending"], shown["in_progress"], shown["confirmed"], shown["promised"],
            shown["declared_paid"], shown["no_answer"]) == ("1", "2", "2", "1", "1", "0")
    assert "Aggiornato alle <time" in response.get_data(as_text=True) and "10:00:00" in \
        response.get_data(as_text=True)


def test_the_euro_are_italian_with_the_share_recovered(browser, running):
    browser.log_in("mara")
    page = browser.get("/cruscotto/dal-vivo").get_data(as_text=True)
    shown = figures(page)
    assert (shown["euro-recovered"], shown["euro-promised"], shown["euro-to-verify"]) == \
        ("500,00\xa0€", "800,00\xa0€", "500,00\xa0€")
    assert "6.738,24\xa0€ affidati" in page               # 4 × 1.234,56 + 1.000 + 500 + 300
    assert "recuperati · 7%" in page                      # 500 of 6.738,24
    assert "7 in tutto · con esito: 57%" in page          # 4 of 7 positions


def test_each_window_answers_today_and_over_the_campaign(browser, running):
    browser.log_in("mara")
    page = browser.get("/cruscotto/dal-vivo").get_data(as_text=True)
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in
            re.findall(r'(?s)<tr><td class="window">(.*?)</tr>', page)]
    assert [" ".join(row) for row in rows] == [
        "08:30-12:00 2 su 4 · 50% 2 su 4 · 50%",
        "14:00-17:00 0 su 0 · — 1 su 1 · 100%",
        "18:00-21:00 0 su 0 · — 0 su 0 · —"]


def test_every_tile_opens_the_positions_it_counts(browser, running):
    browser.log_in("mara")
    page = browser.get("/cruscotto").get_data(as_text=True)
    links = dict((figure, html.unescape(href)) for href, figure in re.findall(
        r'<a class="tile" href="([^"]+)" data-figure="([^"]+)"', page))
    acme = running["acme"].id
    assert links["confirmed"] == f"/posizioni?creditore={acme}&esito=confirmed"
    assert links["calls-today"] == f"/posizioni?creditore={acme}&giorno=2026-11-24"

    def references(figure):
        listed = browser.get(links[figure]).get_data(as_text=True)
        return sorted(set(re.findall(r"\b[AB]-\d\b", listed)))

    assert references("confirmed") == ["A-1", "A-5"]
    assert references("euro-promised") == ["A-2"]
    assert references("euro-to-verify") == ["A-4"]
    assert references("euro-recovered") == ["A-5"]
    assert references("calls-today") == references("calls-now") == ["A-1", "A-2", "A-3", "A-7"]
    assert references("pending") == ["A-3", "A-6", "A-7"]     # no outcome yet


def test_the_outcomes_chart_has_a_rect_per_outcome_per_day_and_a_legend(browser, running):
    browser.log_in("mara")
    page = browser.get("/cruscotto/dal-vivo").get_data(as_text=True)
    svg = ElementTree.fromstring(re.search(r'(?s)<svg class="chart".*?</svg>', page).group(0))
    rects = sorted((rect.get("data-day"), rect.get("data-outcome"), rect.findtext(f"{SVG}title"))
                   for rect in svg.iter(f"{SVG}rect"))
    assert rects == [("2026-11-22", "confirmed", "22/11 · confermata: 1"),
                     ("2026-11-23", "declared_paid", "23/11 · dichiara pagato: 1"),
                     ("2026-11-24", "confirmed", "24/11 · confermata: 1"),
                     ("2026-11-24", "promised", "24/11 · promessa di pagamento: 1")]
    days = [text.text for text in svg.iter(f"{SVG}text")
            if text.get("class") == "when"]
    assert len(days) == 14 and days[-1] == "mar 24/11"
    legend = re.sub(r"<[^>]+>|\s+", " ", re.search(r'(?s)<ul class="legend">.*?</ul>',
                                                   page).group(0)).split()
    assert " ".join(legend) == ("confermata: 2 dichiara pagato: 1 "
                                "promessa di pagamento: 1")
    assert "<summary>I numeri per giorno</summary>" in page


def test_the_live_part_keeps_the_dashboards_permissions(browser, running):
    anonymous = browser.get("/cruscotto/dal-vivo")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    browser.log_in("carlo")
    assert browser.get("/cruscotto/dal-vivo").status_code == 403
    browser.post("/logout")
    browser.log_in("mara")
    assert browser.get(f"/cruscotto/dal-vivo?creditore={running['beta'].id}").status_code == 404
    browser.post("/logout")
    browser.log_in("anna")
    theirs = figures(browser.get(f"/cruscotto/dal-vivo?creditore={running['beta'].id}")
                     .get_data(as_text=True))
    assert (theirs["calls-now"], theirs["email-today"]) == ("1", "1")


def test_the_page_asks_for_its_live_part_every_few_seconds(app, browser, running):
    app.config["DASHBOARD_REFRESH_SECONDS"] = 7
    browser.log_in("anna")
    page = browser.get(f"/cruscotto?creditore={running['acme'].id}").get_data(as_text=True)
    assert (f'data-live="/cruscotto/dal-vivo?creditore={running["acme"].id}" '
            'data-every="7"') in page
    assert '<script src="/console/static/dashboard.js" defer></script>' in page
    assert figures(page)["calls-now"] == "1"            # whole without the script


def test_todays_calls_move_at_every_ask_the_whole_book_every_half_minute(app, browser, session,
                                                                         running):
    browser.log_in("mara")
    assert figures(browser.get("/cruscotto/dal-vivo").get_data(as_text=True))["in_progress"] \
        == "2"
    late = make_position(session, running["acme"], reference="A-8", phone="+393330000008")
    make_attempt(session, late, status="ringing", placed_at=NOW, day=NOW.date())
    shown = figures(browser.get("/cruscotto/dal-vivo").get_data(as_text=True))
    assert (shown["calls-now"], shown["pace-5"], shown["in_progress"]) == ("2", "3", "2")
    assert figures(browser.get("/cruscotto").get_data(as_text=True))["in_progress"] == "3"
    make_position(session, running["acme"], reference="A-9", phone="+393330000010")
    assert figures(browser.get("/cruscotto/dal-vivo").get_data(as_text=True))["pending"] == "1"
    app.extensions["cortesia.clock"] = lambda: NOW + timedelta(seconds=BOOK_SECONDS)
    assert figures(browser.get("/cruscotto/dal-vivo").get_data(as_text=True))["pending"] == "2"


def test_days_and_times_are_the_creditors_own(app, browser, session, users):
    """A New York creditor at 10:00 in Rome: it is 04:00 of the same day there, and an outcome
    at 02:00 in Rome was the evening before, on the 23rd's bar."""
    app.extensions["cortesia.clock"] = lambda: NOW
    york = make_creditor(session, name="York Power", timezone="America/New_York")
    make_position(session, york, reference="Y-1", outcome="confirmed",
                  outcome_at=datetime(2026, 11, 24, 2, 0, tzinfo=ROME))
    browser.log_in("anna")
    page = browser.get(f"/cruscotto/dal-vivo?creditore={york.id}").get_data(as_text=True)
    assert "04:00:00 (ora di New York)" in page
    svg = ElementTree.fromstring(re.search(r'(?s)<svg class="chart".*?</svg>', page).group(0))
    assert [rect.get("data-day") for rect in svg.iter(f"{SVG}rect")] == ["2026-11-23"]
