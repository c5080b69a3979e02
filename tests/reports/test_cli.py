"""`flask report`: to stdout, to files, and mailed with --send through the loopback server."""
from sqlalchemy import select

from db.models import OutgoingMail
from reports.daily import BOM
from tests.factories import make_creditor


def test_one_creditor_prints_its_report_on_stdout(runner, campaign):
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Acme Energia"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(BOM + "reference,name,phone,outcome,attempts,last_call_at")
    assert "A-1" in result.output and "B-1" not in result.output


def test_several_creditors_need_an_output_directory(runner, campaign):
    result = runner.invoke(args=["report", "--date", "2026-11-02"])
    assert result.exit_code != 0
    assert "--out DIRECTORY" in result.output


def test_several_creditors_get_one_file_each_in_the_directory(runner, campaign, tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["cortesia-acme-energia-2026-11-02.csv", "cortesia-beta-servizi-2026-11-02.csv"]
    text = (out / files[0]).read_bytes().decode("utf-8")
    assert text.startswith(BOM) and "Niccolò Bianchi" in text and "\r\n" in text
    assert f"wrote {out / files[0]}" in result.output


def test_one_creditor_with_a_file_path_writes_that_file(runner, campaign, tmp_path):
    path = tmp_path / "acme.csv"
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Acme Energia",
                                 "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "A-3" in path.read_text(encoding="utf-8-sig")


def test_an_unknown_creditor_is_a_usage_error(runner, campaign):
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Nessuno"])
    assert result.exit_code == 2 and "no creditor named 'Nessuno'" in result.output


def test_send_mails_the_csv_as_an_attachment_now(smtp_app, smtp_server, runner, campaign):
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Acme Energia",
                                 "--send"])
    assert result.exit_code == 0, result.output
    assert "sent cortesia-acme-energia-2026-11-02.csv to re***@acme.example.test" in result.output
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["report@acme.example.test"]
    [message] = smtp_server.messages
    assert "2026-11-02" in message["Subject"]
    [attachment] = message.iter_attachments()
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "cortesia-acme-energia-2026-11-02.csv"
    csv_text = attachment.get_payload(decode=True).decode("utf-8")
    assert csv_text.startswith(BOM) and "Niccolò Bianchi" in csv_text


def test_send_twice_queues_and_mails_the_report_once(smtp_app, smtp_server, runner, session,
                                                    campaign):
    for _ in range(2):
        result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Beta Servizi",
                                     "--send"])
        assert result.exit_code == 0, result.output
    assert "already queued" in result.output
    assert len(smtp_server.messages) == 1
    keys = session.scalars(select(OutgoingMail.key)).all()
    assert keys == [f"report:{campaign['beta'].id}:2026-11-02"]


def test_send_without_a_report_address_is_a_clear_error_and_queues_nothing(smtp_app, runner,
                                                                          session, campaign):
    make_creditor(session, name="Senza Indirizzo")
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--send"])
    assert result.exit_code == 1
    assert "no report address for 'Senza Indirizzo'" in result.output
    assert session.scalars(select(OutgoingMail)).all() == []


def test_send_while_the_server_is_down_says_so_and_keeps_the_mail(smtp_app, smtp_server, runner,
                                                                 session, campaign):
    smtp_server.stop()
    result = runner.invoke(args=["report", "--date", "2026-11-02", "--creditor", "Acme Energia",
                                 "--send"])
    assert result.exit_code == 1
    assert "not sent yet" in result.output and "the outbox retries it" in result.output
    [mail] = session.scalars(select(OutgoingMail)).all()
    assert (mail.status, mail.tries) == ("queued", 1)


def test_handover_writes_a_workbook_or_two_csv_files(runner, session, tmp_path):
    from openpyxl import load_workbook

    from tests.factories import make_position

    acme = make_creditor(session, name="Acme Energia")
    make_position(session, acme, reference="A-1", status="ended")
    make_position(session, acme, reference="A-2")
    book = tmp_path / "consegna.xlsx"
    result = runner.invoke(args=["handover", "--creditor", "Acme Energia", "--out", str(book)])
    assert result.exit_code == 0, result.output
    assert "1 ended positions" in result.output
    assert [row[0] for row in load_workbook(book)["positions"].values] == ["reference", "A-1"]
    result = runner.invoke(args=["handover", "--creditor", "Acme Energia", "--format", "csv",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("handover-*"))
    assert len(written) == 2 and written[0].endswith("-history.csv") \
        and written[1].endswith("-positions.csv")
    text = (tmp_path / written[1]).read_bytes().decode("utf-8")
    assert text.startswith(BOM) and "A-1" in text and "A-2" not in text


def test_handover_of_an_unknown_creditor_names_the_known_ones(runner, session):
    make_creditor(session, name="Acme Energia")
    result = runner.invoke(args=["handover", "--creditor", "Nessuno"])
    assert result.exit_code == 1 and "known: Acme Energia" in result.output
