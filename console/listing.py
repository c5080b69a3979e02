"""How a long list is cut, ordered and taken away: the page size chosen, the column sorted by
(both kept in the list's links: nothing personal, they may stay in the URL), and the list as
an Italian CSV or a typed XLSX (reports.tables, the daily report's own writer).
"""
from dataclasses import dataclass
from datetime import date

from flask import Response, flash
from sqlalchemy import func, select

from console.forms import shown
from console.searches import PAGE_SIZE
from db.models import Attempt
from reports.tables import italian_csv, workbook

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = PAGE_SIZE   # the lists without a choice (console.searches) show as many
# (what the page-size choice sends, rows): the usual size sends nothing, so URLs stay short.
SIZE_CHOICES = tuple(("" if size == DEFAULT_PAGE_SIZE else str(size), size)
                     for size in PAGE_SIZES)
# The URL's names of the page size and the order, kept by the filters' form and every link.
KEYS = ("righe", "ordina", "verso")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Order:
    """The column a list is sorted by (None: the list's own order) and which way."""

    key: str | None = None
    descending: bool = False

    def clauses(self, columns, *tiebreak):
        """ORDER BY clauses: the chosen column of `columns` ({key: column}), the empty ones
        last either way (SQLite and PostgreSQL disagree otherwise), then `tiebreak`."""
        if self.key is None:
            return list(tiebreak)
        column = columns[self.key]
        chosen = column.desc() if self.descending else column.asc()
        return [chosen.nulls_last(), *tiebreak]


def calls_made():
    """The subquery of each called position's `attempts` (placed calls) and `last_call`, for a
    list's columns (outer-joined: a position never called has neither)."""
    return select(Attempt.position_id, func.count().label("attempts"),
                  func.max(Attempt.placed_at).label("last_call")) \
        .where(Attempt.placed_at.is_not(None)).group_by(Attempt.position_id).subquery()


def day_filter(text):
    """The day a list's date filter names; a day that is no date is said, not ignored."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        flash(f"«{shown(text)[:20]}» non è una data: il filtro del giorno non è applicato.",
              "error")
        return None


def page_size(args):
    """The rows a page shows: one of PAGE_SIZES, DEFAULT_PAGE_SIZE for anything else."""
    size = args.get("righe", type=_digits)
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def sort_order(args, columns):
    """The Order `args` ask for among `columns`; the list's own order for an unknown key."""
    key = args.get("ordina")
    if key not in columns:
        return Order()
    return Order(key, args.get("verso") == "desc")


def export(headings, rows, sheet, name, extension):
    """The download of a list: `rows` (typed cells) under `headings`, as `name.extension`."""
    if extension == "csv":
        body = italian_csv(headings, rows).encode("utf-8")
    else:
        body = workbook([(sheet, headings, rows)])
    return Response(body, mimetype=FORMATS[extension], headers={
        "Content-Disposition": f'attachment; filename="{name}.{extension}"'})


def on_clock(moment, zone):
    """`moment` as a spreadsheet's date and time: on `zone`'s clock (the creditor's), naive."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _digits(text):
    if not (text.isascii() and text.isdigit() and len(text) < 6):
        raise ValueError(text)
    return int(text)
