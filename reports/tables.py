"""Tables as Italian spreadsheets open them: CSV with `;`, comma decimals and a BOM, and XLSX
with typed cells (dates, amounts, counts). The one writer of the daily report's files and of
the console's exports of a list.

Rows are lists of typed cells: str, int, Decimal, date, and naive local datetime (the caller
puts a moment on its clock first). Text that a spreadsheet would evaluate (`= + - @`) is
neutralised in the CSV and stored as text in the workbook.
"""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from reports.daily import BOM, neutralise

DATE_TIME = "DD/MM/YYYY HH:MM"
DATE = "DD/MM/YYYY"
AMOUNT = "#,##0.00"


class Heading(str):
    """A title cell: bold in the workbook, plain text in the CSV."""


def italian_csv(headings, rows):
    """CSV text that Italian spreadsheets open as columns: `;`, comma decimals, dd/mm/yyyy,
    a BOM; `rows` may hold blank rows and section titles (the daily report's totals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    if headings:
        writer.writerow(headings)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return BOM + buffer.getvalue()


def workbook(sheets):
    """The bytes of a workbook of `sheets`: (title, headings or None, rows) each, in order."""
    book = Workbook(write_only=True)
    for title, headings, rows in sheets:
        sheet = book.create_sheet(title)
        if headings:
            sheet.append([bold(sheet, str(heading)) for heading in headings])
        for row in rows:
            sheet.append([xlsx_cell(sheet, cell) for cell in row])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def comma(amount):
    """1234.5 → `1234,50`: the decimals Italian spreadsheets read as a number."""
    return f"{amount:.2f}".replace(".", ",")


def csv_cell(value):
    if isinstance(value, Decimal):
        return neutralise(comma(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return neutralise(value)


def xlsx_cell(sheet, value):
    """A typed cell; text stays text (a typed cell is never a formula, but openpyxl would
    store one that starts with = as such)."""
    if isinstance(value, Heading):
        return bold(sheet, str(value))
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = DATE_TIME
    elif isinstance(value, date):
        cell.number_format = DATE
    elif isinstance(value, Decimal):
        cell.number_format = AMOUNT
    return cell


def bold(sheet, text):
    cell = WriteOnlyCell(sheet, text)
    cell.font = Font(bold=True)
    return cell
