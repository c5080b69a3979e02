"""Opening a contact list (CSV or XLSX) and reading it into Contacts and Rejections."""
import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from contacts.parse import Contact, ContactListError, Rejection, normalise_header, open_contact_list

HEADER = "reference,name,phone,amount,due_date"


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def read_all(path, region="IT"):
    with open_contact_list(path, region) as contact_list:
        return list(contact_list)


def test_utf8_with_bom_reads_the_first_header(tmp_path):
    path = write(tmp_path, "l.csv", "\ufeffRiferimento;Nominativo;Telefono;Importo;Scadenza\n"
                                    "P1;Niccolò Rossi;333 123 4567;10,00;2026-10-15\n")
    [contact] = read_all(path)
    assert contact.reference == "P1"
    assert contact.name == "Niccolò Rossi"


def test_windows_1252_file_is_decoded(tmp_path):
    text = "riferimento;nominativo;telefono;importo;scadenza\nP1;Niccolò Società;3331234567;5;15/10/2026\n"
    path = write(tmp_path, "l.csv", text.encode("cp1252"))
    [contact] = read_all(path)
    assert contact.name == "Niccolò Società"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_comma_or_semicolon_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    rows = [HEADER.split(","), ["P1", "Mario Rossi", "333 123 4567", "1234.56", "2026-10-15"]]
    path = write(tmp_path, "l.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    [contact] = read_all(path)
    assert contact.amount == Decimal("1234.56")


def test_quoted_italian_amount_with_comma_in_a_comma_separated_file(tmp_path):
    path = write(tmp_path, "l.csv", f'{HEADER}\nP1,Mario,3331234567,"1.234,56",2026-10-15\n')
    assert read_all(path)[0].amount == Decimal("1234.56")


def test_italian_headers_in_any_case_and_with_underscores(tmp_path):
    path = write(tmp_path, "l.csv",
                 " PRATICA ;Ragione_Sociale;Cellulare;Importo;Data-Scadenza;Codice_Verifica;"
                 "Lingua;Valuta;Fattura;E-mail;PEC\n"
                 "P1;Bar Sport;+39 333 1234567;1.234,56;15/10/2026;04821;EN;eur;FT-1;"
                 "a@example.it;a@pec.example.it\n")
    assert read_all(path) == [Contact(
        row_number=2, reference="P1", name="Bar Sport", phone="+393331234567",
        amount=Decimal("1234.56"), due_date=date(2026, 10, 15), currency="EUR",
        email="a@example.it", pec="a@pec.example.it", invoice="FT-1", verification_code="04821",
        language="en")]


def test_header_normalisation():
    assert normalise_header("\ufeff Codice_Verifica ") == "codice verifica"
    assert normalise_header("Due  Date") == "due date"


def test_missing_required_columns_are_named(tmp_path):
    path = write(tmp_path, "l.csv", "reference;name;telefono\nP1;Mario;3331234567\n")
    with pytest.raises(ContactListError, match=r"amount \(importo\), due_date \(scadenza\)"):
        open_contact_list(path)


def test_two_columns_meaning_the_same_field_are_refused(tmp_path):
    path = write(tmp_path, "l.csv", "reference;nome;nominativo;phone;amount;due_date\n")
    with pytest.raises(ContactListError, match="both mean name"):
        open_contact_list(path)


def test_row_numbers_count_the_header_as_row_one_and_skip_empty_lines_silently(tmp_path):
    path = write(tmp_path, "l.csv", f"{HEADER}\nP1,Mario,3331234567,10,2026-10-15\n\n,,,,\n"
                                    "P2,Anna,12,10,2026-10-15\n")
    items = read_all(path)
    assert [type(i) for i in items] == [Contact, Rejection]
    assert items[1] == Rejection(5, "phone '12' is not a valid phone number")


def test_a_bad_row_lists_every_problem_in_plain_words(tmp_path):
    path = write(tmp_path, "l.csv", f"{HEADER},codice verifica\n,Mario,3331234567,abc,31/02/2026,12a\n")
    [rejection] = read_all(path)
    assert rejection.reason == (
        "reference is missing; amount 'abc' is not a number like 1234,56 or 1.234,56; "
        "due date '31/02/2026' does not exist in the calendar; "
        "verification code '12a' must contain digits only")


def test_creditor_country_is_the_default_region_of_phones(tmp_path):
    path = write(tmp_path, "l.csv", f"{HEADER}\nP1,Jean,01 42 68 53 00,10,2026-10-15\n")
    assert read_all(path, region="FR")[0].phone == "+33142685300"


def test_xlsx_first_sheet_with_numeric_and_date_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Riferimento", "Nominativo", "Telefono", "Importo", "Scadenza", "Codice verifica"])
    sheet.append([1001, "Mario Rossi", 3331234567, 1234.56, datetime(2026, 10, 15), 48213])
    sheet.append([])
    sheet.append(["P-2", "Anna Bianchi", "06 1234 5678", "1.234,56", "15/10/2026", None])
    sheet.append(["P-3", "Paolo Neri", 12, 10, "2026-10-15", None])
    book.create_sheet("Other").append(["ignored"])
    path = str(tmp_path / "l.xlsx")
    book.save(path)
    first, second, third = read_all(path)
    assert (first.reference, first.phone, first.amount, first.due_date, first.verification_code) == (
        "1001", "+393331234567", Decimal("1234.56"), date(2026, 10, 15), "48213")
    assert (second.row_number, second.phone) == (4, "+390612345678")
    assert third == Rejection(5, "phone '12' is not a valid phone number")


def test_binary_garbage_cannot_be_read(tmp_path):
    path = write(tmp_path, "l.csv", os.urandom(4096).replace(b"PK", b"pk") + b"\x00\x81")
    with pytest.raises(ContactListError):
        open_contact_list(path)


def test_an_xlsx_that_is_not_a_zip_cannot_be_read(tmp_path):
    path = write(tmp_path, "l.xlsx", b"this is not a workbook")
    with pytest.raises(ContactListError, match="not a valid XLSX"):
        open_contact_list(path)


def test_a_broken_zip_cannot_be_read(tmp_path):
    path = write(tmp_path, "l.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ContactListError, match="not a valid XLSX"):
        open_contact_list(path)


def test_an_empty_file_needs_a_header(tmp_path):
    with pytest.raises(ContactListError, match="header row is required"):
        open_contact_list(write(tmp_path, "l.csv", "\n\n"))


def test_missing_file_is_a_contact_list_error(tmp_path):
    with pytest.raises(ContactListError, match="cannot open"):
        open_contact_list(str(tmp_path / "nope.csv"))
