"""The daily report as the console hands it to people: Italian CSV and typed XLSX."""
import csv
import io
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from reports.activity import Activity, PositionDay
from reports.daily import DailyReport
from reports.daily_files import render_italian_csv, render_xlsx

WORDS = {"confirmed": "confermata", "completed": "conclusa", "sent": "inviato",
         "delivered": "consegnato", "open": "aperta", "paid": "pagata", "Reference": "Pratica",
         "Amount": "Importo", "Outcome": "Esito", "Total": "Totale", "Positions": "Posizioni"}


def say(text):
    """A stand-in catalogue: the Italian of a few words, the rest as they are."""
    return WORDS.get(text, text)


def report():
    day = PositionDay(messages={1: ("email", "sollecito", "sent"), 2: ("sms", "contatto",
                                                                      "delivered")},
                      status_changes=[("open", "paid")], payments=[Decimal("1234.56")])
    activity = Activity(messages=Counter({("email", "sent"): 1}),
                        status_changes=Counter({"paid": 1}), payments=1, paid=Decimal("1234.56"))
    last = datetime(2026, 11, 24, 10, 5, tzinfo=ZoneInfo("Europe/Rome"))
    row = {"reference": "=1+1", "name": "Mario Rossi", "phone": "+393331234567",
           "outcome": "confirmed", "attempts": 2, "last_status": "completed",
           "email_status": "sent", "currency": "EUR",
           "typed": {"last_call_at": last, "amount": Decimal("1234.56"), "day": day}}
    return DailyReport(creditor="Acme", day=date(2026, 11, 24), rows=[row],
                       totals=Counter({"confirmed": 1}), called=1, activity=activity)


def test_the_italian_csv_opens_as_columns_with_comma_decimals():
    text = render_italian_csv(report(), say)
    assert text.startswith("\ufeffPratica;")
    row = next(csv.reader(text.splitlines()[1:2], delimiter=";"))
    assert row[0].startswith("'=") and row[2] == "'+393331234567"   # never a formula
    assert row[3:9] == ["confermata", "2", "24/11/2026 10:05", "conclusa", "inviato", "1234,56"]
    assert row[10] == "email «sollecito»: inviato; SMS «contatto»: consegnato"
    assert row[11] == "aperta → pagata" and row[12] == "1234,56"
    assert "Esito\r\n" in text and "confermata;1\r\n" in text and "Totale;1\r\n" in text


def test_the_workbook_has_typed_cells():
    book = load_workbook(io.BytesIO(render_xlsx(report(), say)))
    sheet = book["Posizioni"]
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Pratica" and header[8] == "Importo"
    assert row[0] == "=1+1" and sheet.cell(2, 1).data_type == "s"
    assert row[4] == 2 and row[5] == datetime(2026, 11, 24, 10, 5)
    assert sheet.cell(2, 6).number_format == "DD/MM/YYYY HH:MM"
    assert row[8] == 1234.56 and sheet.cell(2, 9).number_format == "#,##0.00"
    totals = list(book.worksheets[1].iter_rows(values_only=True))
    assert ("confermata", 1) in [r[:2] for r in totals]
