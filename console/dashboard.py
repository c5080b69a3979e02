"""A creditor's dashboard: today's progress, outcomes per day, answer rate per window, and its
daily reports to download (in Italian, CSV and XLSX: `flask report` keeps the SPEC's English), and the hand-over of its ended
positions (the same files as `flask handover`). A creditor user sees its own, an admin any;
a collector none."""
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, g, render_template, request
from flask_babel import gettext
from sqlalchemy import and_, case, exists, func, select

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

DAYS_SHOWN = 14


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
    zone = ZoneInfo(creditor.timezone)
    today = utcnow().astimezone(zone).date()
    return render_template(
        "console/dashboard.html", creditor=creditor, today=today,
        progress=_progress(session, creditor.id), outcomes=OUTCOMES,
        per_day=_outcomes_per_day(session, creditor.id, zone, today),
        windows=_answer_rate(session, creditor.id), report_days=_report_days(session, creditor.id),
        creditors=[] if g.user.role == "creditor" else
        session.scalars(select(Creditor).order_by(Creditor.name)).all())


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


def _progress(session, creditor_id):
    """Positions by state: not called yet, being called (no outcome yet), each outcome."""
    called = exists().where(Attempt.position_id == Position.id)
    rows = session.execute(select(Position.outcome, called, func.count())
                           .where(Position.creditor_id == creditor_id)
                           .group_by(Position.outcome, called)).all()
    counts = Counter()
    for outcome, was_called, count in rows:
        counts[outcome or ("in_progress" if was_called else "pending")] += count
    return counts


def _outcomes_per_day(session, creditor_id, zone, today):
    first = today - timedelta(days=DAYS_SHOWN - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    rows = session.execute(select(Position.outcome, Position.outcome_at).where(
        Position.creditor_id == creditor_id, Position.outcome_at >= since)).all()
    per_day = defaultdict(Counter)
    for outcome, at in rows:
        per_day[at.astimezone(zone).date()][outcome] += 1
    days = [first + timedelta(days=i) for i in range(DAYS_SHOWN)]
    peak = max([sum(per_day[d].values()) for d in days] + [1])
    return [(d, per_day[d], sum(per_day[d].values()) / peak) for d in days]


def _answer_rate(session, creditor_id):
    rows = session.execute(
        select(Attempt.call_window, func.count(),
               func.sum(case((Attempt.answered_by == "human", 1), else_=0)))
        .join(Attempt.position)
        .where(Position.creditor_id == creditor_id, Attempt.placed_at.is_not(None))
        .group_by(Attempt.call_window).order_by(Attempt.call_window)).all()
    return [(window or "—", calls, int(answered or 0), (answered or 0) / calls if calls else 0)
            for window, calls, answered in rows]


def _report_days(session, creditor_id):
    return session.scalars(select(Attempt.day).join(Attempt.position).where(
        and_(Position.creditor_id == creditor_id, Attempt.day.is_not(None)))
        .distinct().order_by(Attempt.day.desc()).limit(DAYS_SHOWN)).all()

