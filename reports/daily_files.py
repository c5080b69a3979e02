"""The daily report as people open it: an Italian CSV (semicolons, comma decimals, Italian
headers and words) and an XLSX workbook with typed cells (dates, amounts, counts).

Both are the console's download; the command line's CSV keeps the SPEC's English columns
(reports.daily.render_csv). The words come through `say` (English wording → the surface's:
the console passes the catalogue's gettext), the stored codes through domain.vocabulary.
"""
from decimal import Decimal

from db.models import OUTCOMES
from domain import vocabulary
from domain.statuses import STATUSES
from domain.wording import N_
from policy.decide import RULES
from reports.activity import FATE_ORDER, MESSAGE_CHANNELS
from reports.daily import PENDING, slug
from reports.tables import Heading, comma, italian_csv, workbook
from reports.words import CHANNELS, MESSAGES

# (heading, the row's fact) of the positions' sheet, in the CSV's order.
HEADINGS = (N_("Reference"), N_("Name"), N_("Phone"), N_("Outcome"), N_("Attempts"),
            N_("Last call"), N_("Last call status"), N_("Emailed notice"), N_("Amount"),
            N_("Currency"), N_("Messages"), N_("Status changes"), N_("Payments"))


def position_rows(report, say):
    """One typed row per position: str, int, Decimal and naive local datetime cells."""
    rows = []
    for row in report.rows:
        typed = row["typed"]
        last = typed["last_call_at"]
        rows.append([
            row["reference"], row["name"], row["phone"],
            _word(vocabulary.OUTCOMES, None if row["outcome"] == PENDING else row["outcome"], say),
            row["attempts"], last.replace(tzinfo=None) if last else None,
            _word(vocabulary.CALL_STATUSES, row["last_status"], say),
            _word(vocabulary.MAIL_STATUSES, row["email_status"], say),
            Decimal(typed["amount"]), row["currency"], _messages(typed["day"], say),
            _changes(typed["day"], say), "; ".join(comma(a) for a in typed["day"].payments)])
    return rows


def summary_rows(report, say):
    """The totals under their Italian headings, as (title, [(label, numbers…)])."""
    activity = report.activity
    return [
        (say(N_("Outcome")), [(_word(vocabulary.OUTCOMES, o, say), report.totals.get(o, 0))
                              for o in (None, *OUTCOMES)]
         + [(say(N_("Total")), report.called)]),
        (say(N_("Messages")), [(f"{_channel(c)}: {_word(vocabulary.FATES, f, say)}",
                                activity.messages.get((c, f), 0))
                               for c in MESSAGE_CHANNELS for f in FATE_ORDER]),
        (say(N_("Status changes")), [(_word(vocabulary.STATUSES, s, say),
                                      activity.status_changes.get(s, 0)) for s in STATUSES]),
        (say(N_("Payments")), [(say(N_("Total")), activity.payments, activity.paid)]),
        (say(N_("Contacts held back by the contact rules")),
         [(_word(vocabulary.POLICY_RULES, r, say), report.refusals.get(r, 0)) for r in RULES]
         + [(say(N_("Total")), sum(report.refusals.values()))]),
    ]


def render_italian_csv(report, say):
    """CSV that Italian spreadsheets open as columns: `;`, comma decimals, dd/mm/yyyy, a BOM."""
    rows = position_rows(report, say)
    for title, section in summary_rows(report, say):
        rows += [[], [title], *section]
    return italian_csv([say(h) for h in HEADINGS], rows)


def render_xlsx(report, say):
    """The workbook's bytes: sheet `Posizioni` with typed cells, then `Totali`."""
    totals = []
    for title, section in summary_rows(report, say):
        totals += [[Heading(title)], *section, []]
    return workbook([(say(N_("Positions")), [say(h) for h in HEADINGS],
                      position_rows(report, say)),
                     (say(N_("Totals")), None, totals)])


def report_file_name(creditor, day, extension):
    """`rapporto-acme-energia-2026-11-24.xlsx`."""
    return f"rapporto-{slug(creditor.name)}-{day.isoformat()}.{extension}"


def _word(table, value, say):
    if value in (None, "") and None not in table:
        return ""
    words = table.get(value)
    return say(words) if words else str(value)


def _channel(channel):
    return CHANNELS["it"].get(channel, channel)


def _messages(day, say):
    """`email «sollecito»: inviato; SMS «contatto»: consegnato`, in the order they happened
    (the fate says what became of the message)."""
    return "; ".join(" ".join(filter(None, (
        _channel(channel), f"«{MESSAGES['it'].get(kind, kind)}»" if kind else "")))
        + f": {_word(vocabulary.FATES, fate, say)}"
        for channel, kind, fate in day.messages.values())


def _changes(day, say):
    return "; ".join(f"{_word(vocabulary.STATUSES, before, say) or '—'} → "
                     f"{_word(vocabulary.STATUSES, after, say)}"
                     for before, after in day.status_changes)
