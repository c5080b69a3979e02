"""`flask report`: the daily report as CSV, to stdout, to files, or mailed (`--send`);
`flask handover`: a creditor's ended positions and their history, as files."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.lookup import find_creditor
from db import session_scope
from db.models import Creditor, OutgoingMail, utcnow
from notify.cli import mask_email
from notify.outbox import flush_outbox
from reports.daily import build_report, render_csv, report_filename
from reports.handover import (
    FORMATS, build_handover, handover_filename, history_csv, positions_csv, render_xlsx,
)
from reports.mail import NoReportAddress, manual_key, queue_report_mail


@click.command("report")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The creditor-local day of the attempts, YYYY-MM-DD.")
@click.option("--creditor", "creditor_name", metavar="NAME", help="Only this creditor.")
@click.option("--out", type=click.Path(path_type=Path),
              help="A file (one creditor) or a directory (any number); default stdout.")
@click.option("--send", is_flag=True,
              help="Mail each report to the creditor's report address now (no CSV on stdout).")
@with_appcontext
def report_command(day, creditor_name, out, send):
    """The daily report as CSV: one row per position called, written to, changed or paid that
    day, then the totals."""
    app = current_app._get_current_object()
    day = day.date()
    with session_scope(app) as session:
        creditors = _creditors(session, creditor_name)
        if send:  # before anything is written: all or nothing
            _check_addresses(creditors)
        reports = [(c, build_report(session, c, day)) for c in creditors]
        if out is not None:
            _write_files(reports, out)
        elif not send:
            if len(reports) > 1:
                raise click.UsageError("several creditors: give --creditor NAME or --out DIRECTORY")
            click.echo(render_csv(reports[0][1]), nl=False)
        mail_ids = [_queue(session, c, r) for c, r in reports] if send else []
    if send:
        _flush_and_tell(app, mail_ids)


def _creditors(session, name):
    query = select(Creditor).order_by(Creditor.name)
    if name:
        query = query.where(Creditor.name == name)
    creditors = session.scalars(query).all()
    if not creditors:
        raise click.UsageError(f"no creditor named {name!r}" if name else "no creditors yet")
    return creditors


def _check_addresses(creditors):
    missing = [c.name for c in creditors if not c.report_email]
    if missing:
        raise click.ClickException(
            "no report address for " + ", ".join(repr(m) for m in missing)
            + ": set it with `creditor set NAME --report-email ADDRESS`")


def _write_files(reports, out):
    """One creditor and a path that is not a directory: that file; otherwise files in `out`."""
    single_file = len(reports) == 1 and not out.is_dir() and not str(out).endswith(("/", "\\"))
    if not single_file:
        out.mkdir(parents=True, exist_ok=True)
    for creditor, report in reports:
        path = out if single_file else out / report_filename(creditor, report.day)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(render_csv(report))
        click.echo(f"wrote {path} ({creditor.name}: {len(report.rows)} positions)")


def _queue(session, creditor, report):
    """The id of the report's mail: queued now, or earlier under the same key."""
    key = manual_key(creditor.id, report.day)
    try:
        mail = queue_report_mail(session, creditor, report, utcnow(), key)
    except NoReportAddress as exc:
        raise click.ClickException(str(exc)) from exc
    if mail is None:
        click.echo(f"{creditor.name}: the report of {report.day} was already queued")
        return session.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key))
    return mail.id


def _flush_and_tell(app, mail_ids):
    """Flush the outbox now; say for each report whether it left; exit 1 if one did not."""
    click.echo(flush_outbox(app, utcnow()).summary())
    with session_scope(app) as session:
        mails = session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(mail_ids))).all()
        pending = [m for m in mails if m.status != "sent"]
        for mail in mails:
            where = mask_email(mail.to_address)
            if mail.status == "sent":
                click.echo(f"sent {mail.attachment_name} to {where}")
            else:
                click.echo(f"not sent yet {mail.attachment_name} to {where} ({mail.status}: "
                           f"{mail.last_error}); the outbox retries it")
    if pending:
        click.get_current_context().exit(1)


@click.command("handover")
@click.option("--creditor", "creditor_name", required=True, metavar="NAME",
              help="The creditor whose ended positions to hand over.")
@click.option("--out", type=click.Path(path_type=Path),
              help="A file, or a directory for the default names; default the current one.")
@click.option("--format", "form", type=click.Choice(FORMATS),
              help="xlsx (one workbook, two sheets) or csv (two files: positions and "
              "history); default from --out's suffix, else xlsx.")
@with_appcontext
def handover_command(creditor_name, out, form):
    """The ended positions of a creditor with their whole contact history, for the next phase."""
    form = form or ("csv" if out is not None and out.suffix.lower() == ".csv" else "xlsx")
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name)
        handover = build_handover(session, creditor, utcnow())
        files = _handover_files(creditor, handover, form, out)
    for path, content in files:
        path.write_bytes(content)
        click.echo(f"wrote {path}")
    click.echo(f"{creditor_name}: {len(handover.positions)} ended positions, "
               f"{len(handover.history)} events.")


def _handover_files(creditor, handover, form, out):
    """[(path, bytes)]: one workbook, or the positions' CSV and the history's beside it."""
    directory = out if out is None or out.is_dir() else None
    if form == "xlsx":
        name = handover_filename(creditor, handover.day, ".xlsx")
        return [(_in(directory, name) if out is None or directory else out,
                 render_xlsx(handover))]
    if directory is not None or out is None:
        first = _in(directory, handover_filename(creditor, handover.day, "-positions.csv"))
    else:
        first = out
    second = first.with_name(first.stem.removesuffix("-positions") + "-history.csv")
    return [(first, positions_csv(handover).encode("utf-8")),
            (second, history_csv(handover).encode("utf-8"))]


def _in(directory, name):
    return (directory or Path(".")) / name
