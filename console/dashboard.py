"""A creditor's dashboard: the campaign as it runs (calls ringing now, the pace, today's
contacts by channel), its positions and euro, outcomes per day, answer rate per window — the
live part fetched again every few seconds by console/static/dashboard.js while the page is
open — and its daily reports to download (in Italian, CSV and XLSX: `flask report` keeps the
SPEC's English), and the hand-over of its ended positions (the same files as `flask
handover`). A creditor user sees its own, an admin any; a collector none."""
from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, render_template, request
from flask_babel import gettext
from sqlalchemy import and_, select

from console import figures
from console.charts import stacked
from console.filters import zone_name
from console.forms import record_id
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import OUTCOMES, Attempt, Creditor, Position, utcnow
from reports.daily import build_report
from reports.daily_files import render_italian_csv, render_xlsx as render_report_xlsx, \
    report_file_name
from reports.handover import (
    build_handover, handover_filename, history_csv, positions_csv, render_xlsx,
)

DAYS_SHOWN = figures.DAYS_SHOWN


def _creditor(session):
    """The creditor the page is about: the user's own, or the one asked for (staff)."""
    if g.user.role == "creditor":
        wanted = request.args.get("creditore", type=record_id)
        if wanted is not None and wanted != g.user.creditor_id:
            abort(404)
        return g.user.creditor
    wanted = request.args.get("creditore", type=record_id)
    creditor = session.get(Creditor, wanted) if wanted else \
        session.scalar(select(Creditor).order_by(Creditor.name).limit(1))
    return creditor or abort(404)


# A creditor's figures and reports are for its users and the admins who run its campaigns, not
# for collectors, who work the callback queue.
@bp.get("/cruscotto")
@login_required("admin", "creditor")
def dashboard():
    session = get_session()
    creditor = _creditor(session)
    return render_template(
        "console/dashboard.html", **_live_figures(session, creditor, fresh=True),
        report_days=_report_days(session, creditor.id),
        creditors=[] if g.user.role == "creditor" else
        session.scalars(select(Creditor).order_by(Creditor.name)).all())


@bp.get("/cruscotto/dal-vivo")
@login_required("admin", "creditor")
def dashboard_live():
    """The dashboard's live part alone, for the page's script to put in place of its own."""
    session = get_session()
    return render_template("console/_dashboard_live.html",
                           **_live_figures(session, _creditor(session)))


# An open dashboard asks every few seconds; counting a 100,000-position book takes a few
# hundred milliseconds. So the book's figures are counted again at most every BOOK_SECONDS
# per process (and on every load of the page), today's calls on every ask.
BOOK_SECONDS = 30
BOOKS = "cortesia.dashboard_books"


def _live_figures(session, creditor, fresh=False):
    """What the live part shows of `creditor`, now on the app's clock (the webhooks')."""
    zone = ZoneInfo(creditor.timezone)
    now = current_app.extensions.get("cortesia.clock", utcnow)()
    today = now.astimezone(zone).date()
    progress, amounts, per_day, campaign, sent = _book(session, creditor, zone, today, now, fresh)
    live = figures.live(session, creditor.id, today, now)
    live.contacts.update(sent)
    unresolved = progress["pending"] + progress["in_progress"]
    return dict(creditor=creditor, zone=zone, zone_text=zone_name(zone), now=now, today=today,
                outcomes=OUTCOMES, progress=progress, amounts=amounts,
                resolved=figures.share(amounts.positions - unresolved, amounts.positions),
                live=live, paces=figures.PACES, chart=stacked(per_day, OUTCOMES),
                windows=figures.window_rates(
                    creditor, figures.calls_per_window(session, creditor.id,
                                                       Attempt.day == today), campaign))


def _book(session, creditor, zone, today, now, fresh):
    """(positions by state, amounts, outcomes per day, calls per window over the campaign,
    messages sent today) of `creditor`: kept for BOOK_SECONDS unless `fresh` is wanted."""
    books = current_app.extensions.setdefault(BOOKS, {})
    counted_at, kept = books.get((creditor.id, today), (None, None))
    if fresh or counted_at is None or not 0 <= (now - counted_at).total_seconds() < BOOK_SECONDS:
        kept = (*figures.book(session, creditor.id),
                figures.outcomes_per_day(session, creditor.id, zone, today),
                figures.calls_per_window(session, creditor.id),
                figures.messages_sent(session, creditor.id, figures.day_start(today, zone)))
        for key in [key for key, (at, _kept) in list(books.items())
                    if not 0 <= (now - at).total_seconds() < BOOK_SECONDS]:
            books.pop(key, None)   # no day's or creditor's figures kept beyond their time
        books[(creditor.id, today)] = (now, kept)
    return kept


# The report's download → (content type, renderer): in Italian, for people (the command line's
# CSV keeps the SPEC's English columns, for machines).
REPORT_FORMATS = {
    "csv": ("text/csv", lambda report: render_italian_csv(report, gettext).encode("utf-8")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda report: render_report_xlsx(report, gettext)),
}


@bp.get("/rapporti/<day>.<extension>")
@login_required("admin", "creditor")
def report(day, extension):
    session = get_session()
    creditor = _creditor(session)
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if extension not in REPORT_FORMATS:
        abort(404)
    mimetype, render = REPORT_FORMATS[extension]
    name = report_file_name(creditor, wanted, extension)
    return Response(render(build_report(session, creditor, wanted)), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# Part of the hand-over → (file name ending, content type, renderer).
HANDOVER_PARTS = {
    "posizioni.csv": ("-positions.csv", "text/csv", positions_csv),
    "storia.csv": ("-history.csv", "text/csv", history_csv),
    "consegna.xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      render_xlsx),
}


@bp.get("/consegna/<part>")
@login_required("admin", "creditor")
def handover(part):
    """The ended positions (and their history) of the page's creditor, to hand over: for the
    creditor's users and admins (it is the creditor's to pass on, not the collectors')."""
    if part not in HANDOVER_PARTS:
        abort(404)
    session = get_session()
    creditor = _creditor(session)
    ending, mimetype, render = HANDOVER_PARTS[part]
    made = build_handover(session, creditor, utcnow())
    return Response(render(made), mimetype=mimetype, headers={
        "Content-Disposition":
            f'attachment; filename="{handover_filename(creditor, made.day, ending)}"'})


def _report_days(session, creditor_id):
    return session.scalars(select(Attempt.day).join(Attempt.position).where(
        and_(Position.creditor_id == creditor_id, Attempt.day.is_not(None)))
        .distinct().order_by(Attempt.day.desc()).limit(DAYS_SHOWN)).all()

