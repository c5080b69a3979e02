"""The one table writer: CSV for Italian spreadsheets and XLSX with typed cells."""
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from reports.tables import Heading, italian_csv, workbook

ROW = ["=1+1", Decimal("1234.5"), date(2026, 10, 15), datetime(2026, 11, 24, 9, 5), 3, None]


def test_the_csv_has_a_bom_semicolons_comma_decimals_and_italian_dates():
    text = italian_csv(["Testo", "Importo"], [ROW, [], [Heading("Totali")]])
    assert text.startswith("\ufeff")
    assert text[1:].split("\r\n") == ["Testo;Importo",
                                      "'=1+1;1234,50;15/10/2026;24/11/2026 09:05;3;", "",
                                      "Totali", ""]


def test_the_workbook_types_its_cells_and_never_stores_a_formula():
    book = load_workbook(io.BytesIO(workbook([("Foglio", ["Testo"], [ROW, [Heading("T")]])])))
    sheet = book["Foglio"]
    assert sheet["A1"].font.bold
    text, amount, day, moment, count = sheet[2][:5]
    assert text.value == "=1+1" and text.data_type == "s"
    assert amount.value == 1234.5 and amount.number_format == "#,##0.00"
    assert day.is_date and day.number_format == "DD/MM/YYYY"
    assert moment.value == datetime(2026, 11, 24, 9, 5) and moment.number_format == \
        "DD/MM/YYYY HH:MM"
    assert count.value == 3 and sheet.cell(2, 6).value is None
    assert sheet["A3"].value == "T" and sheet["A3"].font.bold
