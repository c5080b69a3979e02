"""`flask creditor add|list|set` and `flask import`: messages and exit statuses."""
import pytest
from sqlalchemy import select

import contacts.cli
import contacts.importer
from db.models import Creditor, Position
from tests.contacts.workbooks import good_rows, in_sheet, plain_zip, rewrite, workbook_bytes
from tests.factories import make_creditor, make_position

HEADER = "Riferimento;Nominativo;Telefono;Importo;Scadenza\n"


def add(runner, *args):
    return runner.invoke(args=["creditor", "add", *args])


def test_creditor_add_stores_checked_settings(runner, session):
    result = add(runner, "Acme Energia", "--caller-id", "+390212345678", "--windows",
                 "9:00-12:00,14:00-18:00", "--max-attempts", "2", "--min-gap", "1h30m",
                 "--report-email", "ops@acme.example", "--timezone", "Europe/Rome",
                 "--language", "en", "--spoken-name", "Acme", "--country", "it")
    assert result.exit_code == 0, result.output
    creditor = session.scalar(select(Creditor))
    assert (creditor.name, creditor.caller_id, creditor.windows, creditor.max_attempts,
            creditor.min_gap_seconds, creditor.report_email, creditor.language,
            creditor.spoken_name, creditor.country) == (
        "Acme Energia", "+390212345678", "09:00-12:00,14:00-18:00", 2, 5400,
        "ops@acme.example", "en", "Acme", "IT")


def test_creditor_add_uses_the_defaults_of_the_spec(runner, session):
    assert add(runner, "Acme", "--caller-id", "+390212345678").exit_code == 0
    creditor = session.scalar(select(Creditor))
    assert (creditor.windows, creditor.max_attempts, creditor.min_gap_seconds, creditor.timezone,
            creditor.language) == ("08:30-12:00,14:00-17:00,18:00-21:00", 3, 7200, "Europe/Rome", "it")


@pytest.mark.parametrize("args, message", [
    (["--caller-id", "02 1234 5678"], "must be in E.164 form"),
    (["--caller-id", "+390212345678", "--windows", "08:00-12:00,11:00-13:00"], "overlaps"),
    (["--caller-id", "+390212345678", "--timezone", "Europe/Atlantis"], "timezone 'Europe/Atlantis' is unknown"),
    (["--caller-id", "+390212345678", "--language", "de"], "language 'de' is not one of: it, en"),
    (["--caller-id", "+390212345678", "--min-gap", "2"], "duration '2' is not like 2h"),
    (["--caller-id", "+390212345678", "--max-attempts", "0"], "between 1 and 10"),
    (["--windows", "08:00-12:00"], "Missing option '--caller-id'"),
])
def test_creditor_add_refuses_bad_settings_with_a_clear_message(runner, session, args, message):
    result = add(runner, "Acme", *args)
    assert result.exit_code != 0
    assert message.replace("overlaps", "starts before the previous one ends") in result.output
    assert session.scalar(select(Creditor)) is None


def test_creditor_add_refuses_a_duplicate_name_whatever_its_case(runner, session):
    make_creditor(session, name="Acme Energia")
    result = add(runner, "ACME energia", "--caller-id", "+390212345678")
    assert result.exit_code == 1
    assert "a creditor named 'Acme Energia' already exists" in result.output


def test_creditor_set_changes_only_the_given_settings(runner, session):
    creditor = make_creditor(session, name="Acme", report_email="old@acme.example")
    result = runner.invoke(args=["creditor", "set", "Acme", "--min-gap", "90m", "--report-email", ""])
    assert result.exit_code == 0, result.output
    session.expire_all()
    creditor = session.get(Creditor, creditor.id)
    assert (creditor.min_gap_seconds, creditor.report_email, creditor.caller_id) == (
        5400, None, "+390212345678")


def test_creditor_set_caps_and_uncaps_the_calls_ringing_at_once(runner, session):
    creditor = make_creditor(session, name="Acme")
    for value, expected in (("5", 5), ("0", None)):
        result = runner.invoke(args=["creditor", "set", "Acme", "--max-concurrent", value])
        assert result.exit_code == 0, result.output
        session.expire_all()
        assert session.get(Creditor, creditor.id).max_concurrent_calls == expected
    result = runner.invoke(args=["creditor", "set", "Acme", "--max-concurrent", "tanti"])
    assert result.exit_code == 1 and "not a whole number" in result.output


def test_creditor_set_of_an_unknown_creditor_lists_the_known_ones(runner, session):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["creditor", "set", "Acne", "--language", "en"])
    assert result.exit_code == 1
    assert "no creditor named 'Acne' (known: Acme)" in result.output


def test_creditor_set_with_a_bad_value_changes_nothing(runner, session):
    creditor = make_creditor(session, name="Acme")
    result = runner.invoke(args=["creditor", "set", "Acme", "--language", "en", "--timezone", "Nowhere"])
    assert result.exit_code == 1
    session.expire_all()
    assert session.get(Creditor, creditor.id).language == "it"


def test_creditor_list_shows_a_table_with_position_counts(runner, session, tmp_path):
    make_creditor(session, name="Acme", spoken_name="Acme Luce e Gas")
    make_creditor(session, name="Beta", caller_id=None)
    result = runner.invoke(args=["creditor", "list"])
    assert result.exit_code == 0
    header, rule, acme, beta = result.output.splitlines()
    assert header.split()[:3] == ["name", "caller", "id"]
    assert acme.startswith('Acme ("Acme Luce e Gas")') and "2h" in acme and acme.endswith("0")
    assert beta.startswith("Beta") and " - " in beta


def write(tmp_path, text, name="list.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def test_import_prints_counts_and_each_rejected_row_with_its_number(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, HEADER + "P1;Mario;333 123 4567;1.234,56;15/10/2026\n"
                                    "P2;Anna;12;10;2026-10-15\n"
                                    "P3;Luca;06 1234 5678;abc;2026-10-15\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 0, result.output
    assert "row 3: phone '12' is not a valid phone number" in result.output
    assert "row 4: amount 'abc' is not a number" in result.output
    assert "1 imported, 0 updated, 2 rejected" in result.output

    again = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert "0 imported, 1 updated, 2 rejected" in again.output
    assert len(session.scalars(select(Position)).all()) == 1


def test_import_exits_non_zero_when_nothing_could_be_imported(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["import", write(tmp_path, HEADER + "P1;Mario;12;10;2026-10-15\n"),
                                 "--creditor", "Acme"])
    assert result.exit_code == 1
    assert "row 2: phone '12'" in result.output
    assert "nothing could be imported" in result.output


def test_import_of_a_file_missing_a_column_names_it_and_changes_nothing(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, "Riferimento;Nominativo;Importo;Scadenza\nP1;Mario;10;2026-10-15\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 1
    assert "missing required column(s): phone (telefono)" in result.output
    assert "nothing was imported" in result.output


@pytest.mark.parametrize("args, message", [
    (["--creditor", "Nobody"], "no creditor named 'Nobody'"),
    ([], "Missing option '--creditor'"),
])
def test_import_needs_a_known_creditor(runner, session, tmp_path, args, message):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["import", write(tmp_path, HEADER), *args])
    assert result.exit_code != 0
    assert message in result.output


def test_import_of_a_missing_or_unreadable_file_fails(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    missing = runner.invoke(args=["import", str(tmp_path / "nope.csv"), "--creditor", "Acme"])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    broken = runner.invoke(args=["import", write(tmp_path, b"not a zip", "l.xlsx"), "--creditor", "Acme"])
    assert broken.exit_code == 1 and "not a valid XLSX workbook" in broken.output


def test_long_imports_show_progress_on_stderr_short_ones_do_not(app, session, tmp_path, monkeypatch):
    make_creditor(session, name="Acme")
    rows = "".join(f"P{i};Name;3331{i:06d};10;2026-10-15\n" for i in range(12))
    path = write(tmp_path, HEADER + rows)
    runner = app.test_cli_runner(mix_stderr=False)
    quiet = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert quiet.stderr == ""
    monkeypatch.setattr(contacts.importer, "BATCH_SIZE", 3)
    monkeypatch.setattr(contacts.cli, "PROGRESS_EVERY", 5)
    noisy = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert "reached row 7" in noisy.stderr and "reached row" not in noisy.stdout


def test_a_zip_named_csv_is_refused_with_a_clear_message(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, plain_zip(), "lista.csv")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    assert "the file is a ZIP archive, not an XLSX workbook; nothing was imported" in result.output
    assert session.scalars(select(Position)).all() == []


def test_a_workbook_named_csv_is_imported(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, workbook_bytes(good_rows(3)), "lista.csv")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert "3 imported, 0 updated, 0 rejected" in result.output, result.output


def test_a_workbook_with_a_stale_dimension_imports_every_row(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    stale = rewrite(workbook_bytes(good_rows(11)),
                    in_sheet(b'<dimension ref="A1:E12"', b'<dimension ref="A1:E2"'))
    result = runner.invoke(args=["import", write(tmp_path, stale, "l.xlsx"), "--creditor", "Acme"])
    assert "11 imported, 0 updated, 0 rejected" in result.output, result.output
    assert len(session.scalars(select(Position)).all()) == 11


def test_import_says_which_encoding_and_rejects_rows_with_stray_bytes(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    data = (HEADER + "P1;Niccolò Rossi;333 123 4567;10;2026-10-15\n").encode("utf-8") + \
        "P2;Società Bar;333 123 4568;10;2026-10-15\n".encode("cp1252")
    result = runner.invoke(args=["import", write(tmp_path, data), "--creditor", "Acme"])
    assert "Read as UTF-8 text." in result.output
    assert "row 3: byte 0xE0 is not UTF-8 text like the rest of the file" in result.output
    assert "1 imported, 0 updated, 1 rejected" in result.output
    assert session.scalar(select(Position.name)) == "Niccolò Rossi"


def test_import_of_a_windows_1252_file_says_so(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    data = (HEADER + "P1;Niccolò Società;333 123 4567;10;2026-10-15\n").encode("cp1252")
    result = runner.invoke(args=["import", write(tmp_path, data), "--creditor", "Acme"])
    assert "Read as Windows-1252 text." in result.output
    assert session.scalar(select(Position.name)) == "Niccolò Società"


def test_a_list_longer_than_import_max_rows_is_refused_whole(app, runner, session, tmp_path):
    make_creditor(session, name="Acme")
    app.config["IMPORT_MAX_ROWS"] = 3
    rows = "".join(f"P{i};Mario;333 123 456{i};10;2026-10-15\n" for i in range(3))
    result = runner.invoke(args=["import", write(tmp_path, HEADER + rows), "--creditor", "Acme"])
    assert result.exit_code == 1
    assert "the list has more than 3 rows (IMPORT_MAX_ROWS)" in result.output
    assert "nothing was imported" in result.output
    assert session.scalars(select(Position)).all() == []


def test_creditor_add_and_set_take_the_courtesy_phase_settings(runner, session):
    result = add(runner, "Acme", "--caller-id", "+390212345678", "--playbook", "cortesia-30",
                 "--late-fee", "40", "--late-interest-rate", "8", "--sms-sender", "Acme",
                 "--contact-email", "crediti@acme.example", "--contact-phone", "+390212345679",
                 "--promise-grace-days", "5", "--verify-days", "10")
    assert result.exit_code == 0, result.output
    creditor = session.scalar(select(Creditor))
    assert (creditor.playbook, creditor.late_fee, creditor.late_interest_rate, creditor.sms_sender,
            creditor.contact_email, creditor.contact_phone, creditor.promise_grace_days,
            creditor.verify_days) == ("cortesia-30", 40, 8, "Acme", "crediti@acme.example",
                                      "+390212345679", 5, 10)
    cleared = runner.invoke(args=["creditor", "set", "Acme", "--late-fee", "", "--sms-sender", ""])
    assert cleared.exit_code == 0, cleared.output
    session.expire_all()
    assert (creditor.late_fee, creditor.sms_sender, creditor.late_interest_rate) == (None, None, 8)


def test_a_playbook_file_becomes_the_creditors_own_and_prints_back(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, "# ours\n0 email verifica_contabile\n3 call\n8 sms\n10 end\n", "p.txt")
    result = runner.invoke(args=["creditor", "set", "Acme", "--playbook-file", path])
    assert result.exit_code == 0, result.output
    printed = runner.invoke(args=["creditor", "playbook", "Acme"])
    assert printed.output == "# ours\n0 email verifica_contabile\n3 call\n8 sms\n10 end\n"
    assert "custom" in runner.invoke(args=["creditor", "list"]).output


def test_a_bad_playbook_file_says_its_line_and_saves_nothing(runner, session, tmp_path):
    creditor = make_creditor(session, name="Acme", late_fee=None)
    path = write(tmp_path, "0 call\n5 email\n", "p.txt")
    result = runner.invoke(args=["creditor", "set", "Acme", "--playbook-file", path,
                                 "--late-fee", "30"])
    assert result.exit_code == 1
    assert "playbook file: line 2: a 'email' step needs a message" in result.output
    session.expire_all()
    assert (creditor.playbook, creditor.playbook_steps, creditor.late_fee) == (
        "primo-sollecito", None, None)


def test_a_built_in_playbook_prints_as_a_starting_file(runner, session, tmp_path):
    make_creditor(session, name="Acme", playbook="cortesia-30")
    printed = runner.invoke(args=["creditor", "playbook", "Acme"])
    assert printed.exit_code == 0
    assert printed.output.splitlines()[:3] == ["# cortesia-30", "0 email verifica_contabile",
                                               "2 call"]
    assert printed.output.endswith("25 call\n30 end\n")
    path = write(tmp_path, printed.output, "p.txt")
    make_creditor(session, name="Beta")
    assert runner.invoke(args=["creditor", "set", "Beta", "--playbook-file", path]).exit_code == 0


def test_a_new_playbook_is_followed_by_the_positions_not_started_yet(runner, session):
    creditor = make_creditor(session)
    position = make_position(session, creditor)
    result = runner.invoke(args=["creditor", "set", creditor.name, "--playbook", "cortesia-30"])
    assert result.exit_code == 0, result.output
    assert "1 positions not started yet follow the new playbook." in result.output
    session.refresh(position)
    assert (position.round, position.step) == (0, 0)


def test_creditor_add_and_set_take_a_payment_link_checked_like_the_other_settings(runner,
                                                                                   session):
    template = "https://paga.example.it/?rif={reference}&importo={amount}"
    result = add(runner, "Acme", "--caller-id", "+390212345678", "--payment-link", template)
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Creditor.payment_link)) == template
    refused = runner.invoke(args=["creditor", "set", "Acme", "--payment-link",
                                  "https://paga.example.it/?iban={iban}"])
    assert refused.exit_code != 0
    assert "may name only {reference} and {amount}" in refused.output
    refused = runner.invoke(args=["creditor", "set", "Acme", "--payment-link", "ftp://x/"])
    assert "must be a web address starting with https://" in refused.output
    session.expire_all()
    assert session.scalar(select(Creditor.payment_link)) == template
    cleared = runner.invoke(args=["creditor", "set", "Acme", "--payment-link", ""])
    assert cleared.exit_code == 0, cleared.output
    session.expire_all()
    assert session.scalar(select(Creditor.payment_link)) is None


def test_creditor_add_and_set_require_code_identification_or_not(runner, session):
    assert add(runner, "Acme", "--caller-id", "+390212345678").exit_code == 0
    assert session.scalar(select(Creditor.require_code)) is False
    result = runner.invoke(args=["creditor", "set", "Acme", "--require-code"])
    assert result.exit_code == 0 and "require_code" in result.output
    assert session.scalar(select(Creditor.require_code)) is True
    listed = runner.invoke(args=["creditor", "list"]).output
    assert "identify by" in listed and "code only" in listed
    assert runner.invoke(args=["creditor", "set", "Acme", "--no-require-code"]).exit_code == 0
    session.expire_all()
    assert session.scalar(select(Creditor.require_code)) is False
    assert add(runner, "Beta", "--caller-id", "+390212345679", "--require-code").exit_code == 0
    assert session.scalar(select(Creditor.require_code).where(Creditor.name == "Beta")) is True


def test_import_warns_of_each_row_without_a_code_when_the_creditor_requires_one(
        runner, session, tmp_path):
    make_creditor(session, name="Acme", require_code=True)
    path = write(tmp_path, "Riferimento;Nominativo;Telefono;Importo;Scadenza;Codice verifica\n"
                           "P1;Mario;333 123 4567;10;2026-10-15;4321\n"
                           "P2;Anna;333 765 4321;20;2026-10-15;\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 updated, 0 rejected" in result.output
    assert "row 3: warning: no verification code" in result.output
    assert "row 2: warning" not in result.output
    assert "rows without a verification code: 1. Creditor 'Acme' requires code " \
           "identification" in result.output


def test_import_warns_of_nothing_for_a_creditor_that_does_not_require_a_code(
        runner, session, tmp_path):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["import", write(tmp_path, HEADER + "P1;Mario;333 123 4567;10;"
                                                 "2026-10-15\n"), "--creditor", "Acme"])
    assert result.exit_code == 0 and "warning" not in result.output.lower()


def test_import_names_the_rows_with_unusual_values_and_imports_them(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    path = write(tmp_path, HEADER + "P1;Mario;333 123 4567;1.234,56;15/10/1999\n"
                                    "P2;Anna;+1 202 555 0123;10;2020-10-15\n"
                                    "P3;Luca;06 1234 5678;50,00;2020-10-15\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 0, result.output
    assert "row 2: warning: due date 15/10/1999 is before 2000" in result.output
    assert "row 3: warning: phone +12025550123 is a number of US, not of IT like the " \
           "creditor's" in result.output
    assert "row 4: warning" not in result.output
    assert "Warning: rows with unusual values: 2." in result.output
    assert len(session.scalars(select(Position)).all()) == 3
