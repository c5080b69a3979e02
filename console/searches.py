"""Searched text kept out of URLs, and the page numbers of a long list.

A name or a phone number typed in a search box never travels in a URL, where access logs,
proxies and the browser's history would keep it: the form is POSTed, the text kept in the
user's session under an opaque id for an hour, and the results page (and its paging) carries
the id. Lists are cut into pages of PAGE_SIZE with numbered links (`page_links`).
"""
import secrets
import time

from flask import flash, session
from sqlalchemy import func, or_

from console.forms import clean_text

PAGE_SIZE = 50
SEARCH_SECONDS = 3600
SEARCHES_KEPT = 5   # the session travels in a cookie: keep it small


def keep_search(text):
    """An opaque id for `text`, valid for SEARCH_SECONDS in this session."""
    now = int(time.time())
    kept = {key: value for key, value in session.get("ricerche", {}).items()
            if value["until"] > now}
    search_id = secrets.token_urlsafe(9)
    kept[search_id] = {"text": text, "until": now + SEARCH_SECONDS}
    session["ricerche"] = dict(sorted(kept.items(), key=lambda item: item[1]["until"])
                               [-SEARCHES_KEPT:])
    return search_id


def posted_search(form, names):
    """The filters `names` of a posted search form, with its text kept under an opaque id
    (`ricerca`); FormError when the text cannot be searched for."""
    filters = {name: form[name] for name in names if form.get(name)}
    text = clean_text(form.get("cerca"), "Cerca")[:200]
    if text:
        filters["ricerca"] = keep_search(text)
    return filters


def searched_text(search_id):
    """The text kept under `search_id`; "" (and a message) when it is unknown or expired."""
    if not search_id:
        return ""
    kept = session.get("ricerche", {}).get(search_id)
    if kept is None or kept["until"] <= time.time():
        flash("La ricerca è scaduta: la ripeta.", "error")
        return ""
    return kept["text"]


def matching(text, reference, name, phone):
    """The condition that a position's reference or name contains `text` (as typed: % and _
    are letters, not wildcards), or its phone the digits of it (four at least)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    conditions = [func.lower(reference).like(like, escape="\\"),
                  func.lower(name).like(like, escape="\\")]
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 4:
        conditions.append(phone.like(f"%{digits}%"))
    return or_(*conditions)


def page_count(total, size=PAGE_SIZE):
    return max(1, -(-total // size))


def page_links(page, pages, around=2):
    """The page numbers to link around `page` of `pages`, None where a run is left out:
    1 … 4 5 [6] 7 8 … 20."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    links, previous = [], 0
    for number in shown:
        if number - previous > 1:
            links.append(None)
        links.append(number)
        previous = number
    return links
