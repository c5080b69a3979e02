"""The debtor's page (SPEC §1.6): thin views over page.answers, the token and the throttle.

`/p/<token>` names the position by a signed token (domain.page_links) and nothing else. Before
the debtor identifies with the position's verification code the page says no more than the
message that carried the link: from an SMS only the creditor; from an email or PEC the debtor's
name too. Wrong codes are throttled by the login throttle's code (console.throttle) on the page's
own counters (scope `page`, apart from the console's logins), under the name `page:<position>`.
An identification lasts LIFETIME in the page's own cookie.
"""
import hmac
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
    url_for,
)
from sqlalchemy import update

from console.security import check_csrf
from console.throttle import PAGE, Throttled, reserve
from db import get_session
from db.events import record_event
from db.models import Position, utcnow
from domain.page_links import LinkError, read_token
from domain.payment_links import payment_url
from domain.promises import latest_promise_date
from domain.statuses import FINAL, Status
from notify.formats import format_amount
from page import answers
from page.cookies import LIFETIME, PREFIX
from page.words import LANGUAGES, words

bp = Blueprint("page", __name__, template_folder="templates", static_folder="static",
               static_url_path=f"{PREFIX}/static")


@bp.before_request
def _guards():
    check_csrf()   # the console's: a POST must carry the session's token (400 otherwise)


@bp.after_request
def _never_stored(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(404)
def _not_found(_error):
    w = words(_language())
    return render_template("page/message.html", w=w, lang=_language(),
                           heading=w["not_found_title"], text=w["not_found"]), 404


@bp.errorhandler(400)
def _refused(_error):
    w = words(_language())
    return render_template("page/message.html", w=w, lang=_language(),
                           heading=w["title"], text=w["form_expired"]), 400


@bp.get(f"{PREFIX}/<token>")
def show(token):
    link, position = _opened(token)
    return _page(link, position)


@bp.post(f"{PREFIX}/<token>/codice")
def identify(token):
    link, position = _opened(token)
    w = words(_language(position))
    if not position.verification_code:
        return redirect(url_for("page.show", token=token), code=303)
    db, now = get_session(), utcnow()
    code = "".join((request.form.get("code") or "").split())[:64]
    try:
        attempt = reserve(db, f"page:{position.id}", (request.remote_addr or "-")[:64], now,
                          scope=PAGE)
    except Throttled as exc:
        db.commit()
        return _page(link, position, error=w["throttled"].format(minutes=exc.minutes),
                     status=429)
    ok = hmac.compare_digest(code.encode(), position.verification_code.strip().encode())
    attempt.succeeded = ok
    if ok:
        record_event(db, position.id, "page_identified", answers.SOURCE,
                     {"channel": link.channel}, at=now)
    db.commit()
    if not ok:
        return _page(link, position, error=w["code_wrong"], status=401)
    _remember(position)
    return redirect(url_for("page.show", token=token), code=303)


@bp.post(f"{PREFIX}/<token>/risposta/<choice>")
def answer(token, choice):
    link, position = _opened(token)
    if choice not in answers.CHOICES:
        abort(404)
    w = words(_language(position))
    if not _identified(position):
        flash(w["identify_again"], "error")
        return redirect(url_for("page.show", token=token), code=303)
    db, now = get_session(), utcnow()
    position = _hold(db, position.id, now)
    try:
        taken = answers.take(db, position, choice, request.form, request.files, now,
                             _today(position))
    except answers.AnswerProblem as problem:
        db.rollback()
        text = w[problem.code].format(creditor=position.creditor.name,
                                      last=_day(latest_promise_date(_today(position))))
        return _page(link, position, error=text, typed={"choice": choice, **request.form},
                     status=400)
    db.commit()
    _remember(position)
    flash(_done(w, position, taken), "info")
    return redirect(url_for("page.show", token=token), code=303)


@bp.post(f"{PREFIX}/<token>/esci")
def leave(token):
    session.pop("who", None)
    return redirect(url_for("page.show", token=token), code=303)


def _opened(token):
    """(PageLink, Position) of a good, unexpired token; 404 — the same for every failure."""
    try:
        link = read_token(current_app.config["SECRET_KEY"], token)
    except LinkError:
        abort(404)
    position = get_session().get(Position, link.position_id)
    if position is None or link.expired(_today(position)):
        abort(404)
    return link, position


def _hold(db, position_id, now):
    """The position, its row held until the commit: two submissions at once take turns, and
    the second sees what the first recorded (a write takes SQLite's lock, PostgreSQL's row)."""
    db.rollback()
    db.execute(update(Position).where(Position.id == position_id).values(updated_at=now)
               .execution_options(synchronize_session=False))
    return db.get(Position, position_id, populate_existing=True)


def _identified(position):
    who = session.get("who") or {}
    return who.get("position") == position.id and who.get("until", 0) > time.time()


def _remember(position):
    """The debtor identified (or answered): this position's page is theirs for LIFETIME."""
    session["who"] = {"position": position.id,
                      "until": int(time.time() + LIFETIME.total_seconds())}
    session.permanent = True


def _language(position=None):
    """?lang= (kept in the page's cookie), else the one chosen before, else the position's,
    else the browser's."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    if session.get("lang") in LANGUAGES:
        language = session["lang"]
    elif position is not None and position.spoken_language in LANGUAGES:
        language = position.spoken_language
    else:
        language = request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    g.page_language = language   # the catalogue's locale too (console.i18n)
    return language


def _today(position):
    return utcnow().astimezone(ZoneInfo(position.creditor.timezone)).date()


def _day(day):
    return day.strftime("%d/%m/%Y")


def _done(w, position, taken):
    """What the page says after a choice."""
    creditor = position.creditor.name
    if not taken.recorded:
        return w["receipt_kept"] if taken.receipt else w["already"]
    text = w[f"done_{taken.answer}"].format(
        creditor=creditor, date=_day(taken.promise_date) if taken.promise_date else "")
    return f"{text} {w['receipt_kept']}" if taken.receipt else text


def _page(link, position, error=None, typed=None, status=200):
    lang = _language(position)
    w = words(lang)
    creditor = position.creditor
    identified = _identified(position)
    context = dict(w=w, lang=lang, token=request.view_args["token"], creditor=creditor,
                   error=error, typed=typed or {}, identified=identified,
                   has_code=bool(position.verification_code),
                   named=link.channel in ("email", "pec"), name=position.name)
    if identified:
        context.update(_notice(w, position, lang))
    return render_template("page/show.html", **context), status


def _notice(w, position, lang):
    """What the page shows once the debtor is identified: the notice and the choices."""
    creditor, today = position.creditor, _today(position)
    facts = dict(invoice=position.invoice, amount=format_amount(position.amount_due, lang),
                 currency=position.currency, due_date=_day(position.due_date),
                 creditor=creditor.name)
    notice = w["notice" if position.invoice else "notice_no_invoice"].format(**facts)
    status_line = None
    if position.status != Status.OPEN.value:
        promised = _day(_promised_day(position)) \
            if position.status == Status.PROMISED.value and position.status_until else ""
        status_line = w[f"status_{position.status}"].format(creditor=creditor.name,
                                                             date=promised)
    pay = payment_url(creditor.payment_link, position.reference, position.amount_due) \
        if creditor.payment_link and position.status not in FINAL else None
    last = latest_promise_date(today)
    return dict(notice=notice, status_line=status_line, pay_url=pay,
                answering=position.status in answers.ANSWERING,
                windows=answers.callback_windows(creditor), today=today.isoformat(),
                last=last.isoformat(), last_shown=_day(last))


def _promised_day(position):
    """The day the debtor promised: the pause runs to the end of it + the creditor's grace
    (contacts.status.pause_until)."""
    creditor = position.creditor
    pause_end = position.status_until.astimezone(ZoneInfo(creditor.timezone)).date()
    return pause_end - timedelta(days=creditor.promise_grace_days + 1)
