"""`flask creditor add|list|set` and `flask import`: thin edges over creditors.py and importer.py."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from audio.speech import render_prompts
from cli.lookup import find_creditor, format_table
from contacts.creditors import (
    DEFAULT_WINDOWS, PLAYBOOKS, POLICY_OPTIONS, SettingError, check_name, creditor_settings,
    describe_policy, format_duration, playbook_text, policy_values,
)
from contacts.importer import import_file
from contacts.privacy import privacy_secret
from contacts.sources import Limits
from contacts.status import follow_new_playbook
from db import get_sessionmaker, session_scope
from db.models import Creditor, Position, utcnow
from domain.identification import requires_code
from domain.webhook_urls import WebhookUrlError, webhook_settings
from policy.audit import record_looser
from policy.rules import PRESETS

PROGRESS_EVERY = 10_000
SHOWN_WITHOUT_CODE = 100   # rows named one by one; the rest are counted


def setting_options(command):
    """The options `creditor add` and `creditor set` share (None = not given)."""
    options = [
        click.option("--caller-id", help="Caller ID shown to debtors, E.164 (+390212345678)."),
        click.option("--windows", help="Call windows, e.g. 08:30-12:00,14:00-17:00."),
        click.option("--max-attempts", type=int, help="Calls per position at most (1-10)."),
        click.option("--max-concurrent", help="Calls ringing at once for this creditor (0: no cap)."),
        click.option("--min-gap", help="Least time between attempts: 2h, 90m, 1h30m, 7200s."),
        click.option("--report-email", help="Where the daily report goes ('' clears it)."),
        click.option("--timezone", help="IANA timezone of the windows, e.g. Europe/Rome."),
        click.option("--language", help="Language of the calls: it or en."),
        click.option("--country", help="Country of the phone numbers and holidays, e.g. IT."),
        click.option("--spoken-name", help="How the greeting names the creditor ('' clears it)."),
        click.option("--synthesize-personal", help="yes: debtors' names, amounts… rendered by "
                      "gTTS too (default no: Twilio <Say>)."),
        click.option("--playbook", help="The courtesy phase's steps: " + ", ".join(PLAYBOOKS)
                     + " (default primo-sollecito)."),
        click.option("--playbook-file", "playbook_text", type=click.File(encoding="utf-8-sig"),
                     help="The creditor's own steps, one `DAY CHANNEL [MESSAGE]` a line "
                     "(see `creditor playbook`); makes the playbook custom."),
        click.option("--late-fee", help="Fixed late-payment charge per invoice, EUR ('' clears)."),
        click.option("--late-interest-rate", help="Annual late-payment interest, percent "
                     "('' clears)."),
        click.option("--sms-sender", help="SMS sender: E.164 or up to 11 letters/digits "
                     "('' clears: SMS_SENDER)."),
        click.option("--contact-email", help="Address debtors write to, in emails and SMS."),
        click.option("--contact-phone", help="Number debtors call, in emails and SMS (E.164)."),
        click.option("--promise-grace-days", help="Days after a promised date before contact "
                     "resumes (default 3)."),
        click.option("--verify-days", help="Days a declared payment pauses contact while the "
                     "creditor checks it (default 7)."),
        click.option("--payment-link", help="Where debtors pay online: an https URL that may "
                     "name {reference} and {amount} ('' clears it)."),
        click.option("--require-code/--no-require-code", default=None,
                     help="Debtors identify on the phone by verification code only: a position "
                     "without one hears no notice by phone, only who is calling and the "
                     "callback and opt-out keys (default: no)."),
        click.option("--retention-months", help="Months a paid, closed or ended position "
                     "keeps its personal data before it is anonymised (default 12)."),
        click.option("--policy", help="The contact policy's preset: " + ", ".join(PRESETS)
                     + " (default it)."),
        *(click.option("--" + name.replace("_", "-"), name,
                       help=POLICY_HELP[name] + " ('' back to the preset's).")
          for name in POLICY_OPTIONS),
        click.option("--allow-looser", is_flag=True, default=None,
                     help="Take policy numbers looser than the preset's (recorded)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


POLICY_HELP = {
    "max_conversations_per_day": "Conversations a day with a debtor, every creditor together",
    "max_conversations_per_week": "Conversations a week with a debtor",
    "max_attempts_per_day": "Call attempts a day to a debtor's number",
    "max_attempts_per_7_days": "Call attempts in any 7 days to a debtor's number",
    "quiet_days_after_conversation": "Days without calls after a conversation",
    "max_written_per_month": "Written contact requests (SMS, email) a month to a debtor",
}


def _policy(options, current_preset="it", current_settings=None):
    """Take the policy's options out of `options`: (creditor attributes, looser names)."""
    numbers = {name: options.pop(name) for name in POLICY_OPTIONS}
    preset, allow = options.pop("policy"), bool(options.pop("allow_looser"))
    try:
        return policy_values(current_preset, current_settings, preset, numbers, allow)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from None


def _settings(options):
    if options.get("playbook_text") is not None:
        options = dict(options, playbook_text=options["playbook_text"].read())
    try:
        return creditor_settings(**options)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("creditor", cls=AppGroup)
def creditor_cli():
    """Add, list and change creditors."""


@creditor_cli.command("add")
@click.argument("name")
@setting_options
def add_creditor(name, **options):
    """Add a creditor."""
    if options["caller_id"] is None:
        raise click.UsageError("Missing option '--caller-id'.")
    defaults = {"windows": DEFAULT_WINDOWS, "max_attempts": 3, "min_gap": "2h", "language": "it",
                "timezone": current_app.config["TIMEZONE"], "country": "IT"}
    policy, looser = _policy(options)
    values = _settings({k: v if v is not None else defaults.get(k) for k, v in options.items()})
    name = _settings_name(name)
    with session_scope() as session:
        clash = session.scalar(select(Creditor).where(func.lower(Creditor.name) == name.lower()))
        if clash is not None:
            raise click.ClickException(f"a creditor named '{clash.name}' already exists; "
                                       "change it with `creditor set`")
        creditor = Creditor(name=name, **values, **policy)
        session.add(creditor)
        session.flush()
        record_looser(session, creditor.id, policy, looser, utcnow(), "command line")
    click.echo(f"Added creditor '{name}'.")


def _settings_name(name):
    try:
        return check_name(name)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from None


@creditor_cli.command("set")
@click.argument("name")
@setting_options
@click.option("--webhook-url", help="Where the creditor's events are POSTed, signed (https; "
              "'' clears it). Setting it resumes paused deliveries; the first one prints the "
              "signing secret.")
def set_creditor(name, webhook_url=None, **options):
    """Change some settings of a creditor."""
    policy_options = {k: options.pop(k) for k in (*POLICY_OPTIONS, "policy", "allow_looser")}
    values = _settings(options)
    if not values and all(v is None for v in policy_options.values()) and webhook_url is None:
        raise click.UsageError("Nothing to change: give at least one option.")
    with session_scope() as session:
        creditor = find_creditor(session, name)
        if webhook_url is not None:
            had_secret = creditor.webhook_secret
            values.update(_webhook(creditor, webhook_url))
        policy, looser = _policy(policy_options, creditor.policy, creditor.policy_settings)
        values.update(policy)
        for attribute, value in values.items():
            setattr(creditor, attribute, value)
        record_looser(session, creditor.id, policy, looser, utcnow(), "command line")
        moved = follow_new_playbook(session, creditor) if "playbook" in values else 0
    changed = sorted(v for v in values if v not in WEBHOOK_HIDDEN)
    click.echo(f"Updated creditor '{name}': {', '.join(changed)}.")
    if webhook_url and not had_secret:
        click.echo(f"Webhook signing secret (keep it for the receiver): {values['webhook_secret']}")
    if moved:
        click.echo(f"{moved} positions not started yet follow the new playbook.")


WEBHOOK_HIDDEN = ("webhook_secret", "webhook_paused_at")


def _webhook(creditor, url):
    config = current_app.config
    try:
        return webhook_settings(creditor.webhook_secret, url, config["WEBHOOK_ALLOW_HTTP"],
                                config["WEBHOOK_ALLOW_PRIVATE"])
    except WebhookUrlError as exc:
        raise click.ClickException(str(exc)) from None


@creditor_cli.command("list")
def list_creditors():
    """List creditors with their settings."""
    with session_scope() as session:
        counts = dict(session.execute(
            select(Position.creditor_id, func.count()).group_by(Position.creditor_id)).all())
        creditors = session.scalars(select(Creditor).order_by(Creditor.name)).all()
        rows = [_creditor_row(c, counts.get(c.id, 0)) for c in creditors]
    if not rows:
        click.echo("No creditors yet: add one with `flask --app app creditor add`.")
        return
    headers = ("name", "caller id", "windows", "attempts", "at once", "min gap", "timezone", "lang",
               "country", "report email", "playbook", "identify by", "policy", "positions")
    click.echo(format_table(headers, rows))


def _creditor_row(creditor, positions):
    name = creditor.name
    if creditor.spoken_name:
        name += f' ("{creditor.spoken_name}")'
    if creditor.paused_at is not None:
        name += " [paused]"
    return (name, creditor.caller_id or "-", creditor.windows, str(creditor.max_attempts),
            str(creditor.max_concurrent_calls or "-"),
            format_duration(creditor.min_gap_seconds), creditor.timezone, creditor.language,
            creditor.country, creditor.report_email or "-", creditor.playbook,
            "code only" if requires_code(creditor) else "code or 1",
            describe_policy(creditor.policy, creditor.policy_settings), str(positions))


@creditor_cli.command("playbook")
@click.argument("name")
def show_playbook(name):
    """Print a creditor's playbook, in the form `--playbook-file` takes."""
    with session_scope() as session:
        creditor = find_creditor(session, name)
        try:
            text = playbook_text(creditor)
        except SettingError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(text, nl=False)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--creditor", "creditor_name", required=True, help="Name of the creditor.")
@click.option("--close-missing", is_flag=True, help="The file is the creditor's complete open "
              "list: its positions absent from it are marked paid.")
@with_appcontext
def import_command(file, creditor_name, close_missing):
    """Import a contact list (CSV or XLSX) for a creditor."""
    with session_scope() as session:
        creditor_id = find_creditor(session, creditor_name).id
    outcome = import_file(get_sessionmaker(), creditor_id, file, progress=_progress_printer(),
                          limits=Limits.from_config(current_app.config),
                          close_missing=close_missing,
                          bar_secret=privacy_secret(current_app))
    if outcome.refusal is not None:
        closing = " and no position was closed" if close_missing else ""
        raise click.ClickException(f"{file}: {outcome.refusal}; nothing was imported{closing}")
    result = outcome.result
    echo_reading(result)
    click.echo(f"{result.imported} imported, {result.updated} updated, "
               f"{result.rejected} rejected (import batch {result.batch_id}).")
    if result.closed is not None:
        click.echo(f"{result.closed} absent from the complete list, marked paid.")
    echo_without_code(result, creditor_name)
    echo_warnings(result.review)
    if result.imported + result.updated == 0:
        raise click.ClickException("nothing could be imported")
    _render_speech()


def _render_speech():
    """Synthesize the fixed sentences the new positions will hear, before any call needs them."""
    report = render_prompts(current_app, utcnow())
    if report is not None:
        click.echo(f"Speech: {report}.")
        if report.failed:
            click.echo("Calls will use Twilio's <Say> until synthesis works; the worker retries.")


def _progress_printer():
    """A progress callback that writes to stderr once per PROGRESS_EVERY rows."""
    state = {"next": PROGRESS_EVERY}

    def progress(row_number, _rows):
        if row_number >= state["next"]:
            click.echo(f"... reached row {row_number:,}", err=True)
            state["next"] = (row_number // PROGRESS_EVERY + 1) * PROGRESS_EVERY
    return progress


def init_app(app):
    app.cli.add_command(creditor_cli)
    app.cli.add_command(import_command)


def echo_without_code(result, creditor_name):
    """Warn of the rows imported without a verification code for a creditor that requires
    code identification: they are kept, but their calls will not tell the notice."""
    rows = result.without_code
    if not rows:
        return
    for row_number in rows[:SHOWN_WITHOUT_CODE]:
        click.echo(f"row {row_number}: warning: no verification code")
    if len(rows) > SHOWN_WITHOUT_CODE:
        click.echo(f"... and {len(rows) - SHOWN_WITHOUT_CODE} more rows without a code")
    click.echo(f"Warning: rows without a verification code: {len(rows)}. Creditor "
               f"'{creditor_name}' requires code identification, so their calls will not tell "
               "the notice; only the written steps will.")


def echo_warnings(review):
    """The implausible values imported (contacts.plausibility), each row with its warnings: the
    console asks to accept them before importing; here they are said after."""
    for row_number, found in review.warnings[:SHOWN_WITHOUT_CODE]:
        click.echo(f"row {row_number}: warning: " + "; ".join(str(w) for w in found))
    if review.warned > SHOWN_WITHOUT_CODE:
        click.echo(f"... and {review.warned - SHOWN_WITHOUT_CODE} more rows with warnings")
    if review.warned:
        click.echo(f"Warning: rows with unusual values: {review.warned}. Check them.")


def echo_reading(result):
    """How a list or payments file was read: its encoding, then each rejected row and why."""
    if result.encoding:
        click.echo(f"Read as {result.encoding} text.")
    for rejection in result.rejections:
        click.echo(f"row {rejection.row_number}: {rejection.reason}")
