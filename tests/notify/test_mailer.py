"""The mailer: message building, the SMTP implementation against a loopback server, the fake."""
import ssl
from email import message_from_bytes, policy

import pytest

from notify.mailer import (
    FolderMailer, MailError, MailFateUnknown, MemoryMailer, Outgoing, SMTPMailer, build_message,
    get_mailer, mailer_from_config, message_id, pec_mailer_from_config, received, set_mailer,
)
from tests.smtp import MAIL_FROM, LoopbackSMTP, free_port
from tests.tls import certificate  # noqa: F401 - fixture


def outgoing(**fields):
    values = dict(id=1, key="notice:7:mario.rossi@example.test", kind="notice_wrong_person",
                  position_id=7, to_address="mario.rossi@example.test",
                  subject="Promemoria di pagamento da Acme Città", body="Gentile Niccolò,\nè così.\n")
    values.update(fields)
    return Outgoing(**values)


def test_a_message_carries_utf8_text_and_a_message_id_from_the_outbox_key():
    message = received(build_message(outgoing(), MAIL_FROM))
    assert message["To"] == "mario.rossi@example.test"
    assert message["Subject"] == "Promemoria di pagamento da Acme Città"
    assert message.get_content() == "Gentile Niccolò,\nè così.\n"
    assert message.get_content_charset() == "utf-8"
    assert message["Message-ID"] == message_id("notice:7:mario.rossi@example.test", MAIL_FROM)
    assert message["Message-ID"].endswith("@example.test>")
    assert not message.is_multipart()


def test_the_message_id_is_the_same_for_a_key_and_differs_between_keys():
    assert message_id("report:1:2026-11-02", MAIL_FROM) == message_id("report:1:2026-11-02", MAIL_FROM)
    assert message_id("report:1:2026-11-02", MAIL_FROM) != message_id("report:2:2026-11-02", MAIL_FROM)


def test_an_attachment_becomes_a_named_text_csv_part():
    message = received(build_message(outgoing(attachment_name="cortesia-acme-2026-11-02.csv",
                                              attachment="\ufeffreference,name\r\nP-1,Niccolò\r\n"),
                                     MAIL_FROM))
    parts = list(message.iter_attachments())
    assert len(parts) == 1
    assert parts[0].get_content_type() == "text/csv"
    assert parts[0].get_filename() == "cortesia-acme-2026-11-02.csv"
    assert parts[0].get_payload(decode=True).decode("utf-8") == "\ufeffreference,name\r\nP-1,Niccolò\r\n"


def test_without_mail_from_building_fails_with_a_clear_error():
    with pytest.raises(MailError, match="MAIL_FROM"):
        build_message(outgoing(), None)


def test_the_smtp_mailer_delivers_to_the_server(smtp_server):
    SMTPMailer(smtp_server.host, smtp_server.port).send(build_message(outgoing(), MAIL_FROM))
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["mario.rossi@example.test"]
    assert smtp_server.messages[0]["Subject"] == "Promemoria di pagamento da Acme Città"


def test_a_closed_port_is_a_mail_error():
    mailer = SMTPMailer("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(MailError, match="ConnectionRefused"):
        mailer.send(build_message(outgoing(), MAIL_FROM))


def test_a_refused_recipient_is_a_mail_error_with_the_server_reply(smtp_server):
    smtp_server.handler.refuse.add("mario.rossi@example.test")
    with pytest.raises(MailError, match="550"):
        SMTPMailer(smtp_server.host, smtp_server.port).send(build_message(outgoing(), MAIL_FROM))


def test_a_message_accepted_by_the_server_is_delivered_even_if_quit_is_refused(smtp_server):
    smtp_server.handler.quit_reply = "421 4.3.0 shutting down"
    SMTPMailer(smtp_server.host, smtp_server.port).send(build_message(outgoing(), MAIL_FROM))
    assert len(smtp_server.envelopes) == 1


def test_no_answer_to_data_is_an_unknown_fate_not_a_plain_failure(smtp_server):
    smtp_server.handler.hold = "DATA"
    try:
        with pytest.raises(MailFateUnknown):
            SMTPMailer(smtp_server.host, smtp_server.port, timeout=0.5).send(
                build_message(outgoing(), MAIL_FROM))
    finally:
        smtp_server.handler.release()


def test_before_data_runs_once_just_before_the_message_is_handed_over(smtp_server):
    seen = []
    mailer = SMTPMailer(smtp_server.host, smtp_server.port)
    mailer.send(build_message(outgoing(), MAIL_FROM),
                before_data=lambda: seen.append(len(smtp_server.envelopes)))
    assert seen == [0] and len(smtp_server.envelopes) == 1


def test_no_before_data_when_the_recipient_is_refused(smtp_server):
    smtp_server.handler.refuse.add("mario.rossi@example.test")
    seen = []
    with pytest.raises(MailError):
        SMTPMailer(smtp_server.host, smtp_server.port).send(
            build_message(outgoing(), MAIL_FROM), before_data=lambda: seen.append(1))
    assert seen == []


def test_get_mailer_builds_the_smtp_mailer_once_from_the_configuration(app):
    app.config.update(SMTP_HOST="mail.example.test", SMTP_PORT=2525, SMTP_STARTTLS=True)
    mailer = get_mailer(app)
    assert isinstance(mailer, SMTPMailer)
    assert (mailer.host, mailer.port, mailer.starttls) == ("mail.example.test", 2525, True)
    assert mailer.timeout > 0
    assert get_mailer(app) is mailer


def test_a_test_can_put_the_memory_mailer_in_place(app):
    fake = MemoryMailer()
    set_mailer(app, fake)
    get_mailer(app).send(build_message(outgoing(), MAIL_FROM))
    assert [m["To"] for m in fake.sent] == ["mario.rossi@example.test"]
    fake.fail_with = "down"
    with pytest.raises(MailError, match="down"):
        get_mailer(app).send(build_message(outgoing(), MAIL_FROM))


def test_the_smtp_security_is_ssl_starttls_or_none():
    assert SMTPMailer("h", 25).security == "none"
    assert SMTPMailer("h", 25, starttls=True).starttls
    mailer = pec_mailer_from_config({"PEC_SMTP_HOST": "smtps.pec.example.test",
                                     "PEC_SMTP_PORT": 465, "PEC_USERNAME": "u",
                                     "PEC_PASSWORD": "p", "PEC_SMTP_SECURITY": "ssl"})
    assert (mailer.host, mailer.port, mailer.security, mailer.starttls) == (
        "smtps.pec.example.test", 465, "ssl", False)
    with pytest.raises(ValueError, match="ssl, starttls, none"):
        SMTPMailer("h", 25, security="tls")


@pytest.fixture
def smtps_server(certificate):
    """An SMTP server speaking TLS from the first byte (SMTPS, port 465 at a PEC provider)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = LoopbackSMTP(tls_context=context)
    server.start()
    yield server
    server.stop()


def test_implicit_tls_delivers_to_a_server_whose_certificate_is_trusted(smtps_server, certificate,
                                                                        monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    SMTPMailer(smtps_server.host, smtps_server.port, security="ssl").send(
        build_message(outgoing(), MAIL_FROM))
    assert [m["Subject"] for m in smtps_server.messages] == ["Promemoria di pagamento da Acme Città"]


def test_implicit_tls_refuses_a_certificate_it_cannot_verify(smtps_server):
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        SMTPMailer(smtps_server.host, smtps_server.port, security="ssl").send(
        build_message(outgoing(), MAIL_FROM))
    assert smtps_server.messages == []


def test_an_html_alternative_travels_beside_the_plain_text():
    message = received(build_message(outgoing(html="<p>Gentile Niccol&ograve;</p>"), MAIL_FROM))
    assert message.get_body(("plain",)).get_content() == "Gentile Niccolò,\nè così.\n"
    assert message.get_body(("html",)).get_content().strip() == "<p>Gentile Niccol&ograve;</p>"


def test_the_folder_mailer_keeps_each_message_as_a_private_eml_file(tmp_path):
    folder = tmp_path / "mail"
    mailer = mailer_from_config({"MAIL_FOLDER": str(folder)})
    assert isinstance(mailer, FolderMailer)
    handed = []
    mailer.send(build_message(outgoing(), MAIL_FROM), before_data=lambda: handed.append(True))
    [kept] = list(folder.iterdir())
    assert kept.suffix == ".eml" and handed == [True]
    assert kept.stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700
    message = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Promemoria di pagamento da Acme Città"
    assert message.get_content() == "Gentile Niccolò,\nè così.\n"


@pytest.mark.parametrize("to_address", ["Niccolò Rossi <niccolo@example.test>",
                                        "niccolò@example.test"])
def test_a_name_or_address_beyond_ascii_travels_and_reads_back(to_address):
    message = received(build_message(outgoing(to_address=to_address,
                                              html="<p>Gentile Niccolò</p>"), MAIL_FROM))
    assert message["To"] == to_address
    assert message.get_body(("plain",)).get_content() == "Gentile Niccolò,\nè così.\n"


def test_a_long_line_travels_encoded_and_reads_back_whole():
    html = "<p>" + "Gentile Niccolò, " * 200 + "</p>"
    sent = build_message(outgoing(html=html), MAIL_FROM)
    assert max(len(line) for line in sent.as_bytes().splitlines()) <= 998
    assert received(sent).get_body(("html",)).get_content().strip() == html
