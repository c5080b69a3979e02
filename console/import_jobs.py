"""Previews and imports of contact lists run in a thread of the web process, so a big list
never holds a web worker for minutes: the page shows their progress until they end.

A job's state is a small JSON file next to the upload, so any web process on the machine can
show it. A job whose state stops moving (its process died) is reported as interrupted.
"""
import json
import logging
import os
from datetime import datetime
import threading
import time

from flask_babel import force_locale

from console import uploads
from console.i18n import CONSOLE_LOCALE, say
from contacts.importer import import_file
from contacts.privacy import privacy_secret
from contacts.sources import Limits
from db import get_sessionmaker

log = logging.getLogger(__name__)

SHOWN_REJECTIONS = 200
STALE_SECONDS = 120        # a batch of rows takes well under a second; this is a dead job
_PROGRESS_EVERY = 0.5      # seconds between writes of the state while rows are read


def start(app, token, path, creditor_id, filename, commit, now, close_missing=False):
    """Begin a preview (`commit` False) or an import of the list at `path` at `now`; returns
    the thread. `close_missing`: the list is the creditor's complete one (contacts.closing)."""
    state = {"kind": "import" if commit else "preview", "status": "running", "row": 0,
             "rows": None, "creditor_id": creditor_id, "filename": filename, "suffix":
             os.path.splitext(path)[1], "close_missing": bool(close_missing),
             "now": now.isoformat()}
    _write(token, state)
    thread = threading.Thread(target=_run, args=(app, token, path, state), daemon=True,
                              name=f"list-{state['kind']}")
    thread.start()
    return thread


def read(token):
    """The state of `token`'s job, or None; a running job that stopped moving is `interrupted`."""
    try:
        with open(uploads.path_of(token, ".json")) as f:
            state = json.load(f)
    except (FileNotFoundError, ValueError):
        return None
    if state["status"] == "running" and time.time() - state["at"] > STALE_SECONDS:
        state["status"] = "interrupted"
    return state


def _run(app, token, path, state):
    with app.app_context():
        last = [0.0]

        def progress(row, rows):
            if time.monotonic() - last[0] >= _PROGRESS_EVERY:
                last[0] = time.monotonic()
                _write(token, dict(state, row=row, rows=rows))

        try:
            outcome = import_file(get_sessionmaker(app), state["creditor_id"], path,
                                  filename=state["filename"], commit=state["kind"] == "import",
                                  limits=Limits.from_config(app.config), progress=progress,
                                  close_missing=state["close_missing"],
                                  bar_secret=privacy_secret(app),
                                  now=datetime.fromisoformat(state["now"]))
        except Exception:  # noqa: BLE001 - the page must learn the job ended, whatever happened
            log.exception("contact list %s failed", state["kind"])
            _finish(token, path, dict(state, status="failed"), keep_list=False)
            return
        if outcome.refusal is not None:
            _finish(token, path, dict(state, status="refused",
                                      message=outcome.refusal.message("it")), keep_list=False)
            return
        result = outcome.result
        summary = {"imported": result.imported, "updated": result.updated,
                   "rejected": result.rejected, "encoding": result.encoding,
                   "closed": result.closed,
                   "rejections": [[r.row_number, _italian(r)]
                                  for r in result.rejections[:SHOWN_REJECTIONS]],
                   "without_code": len(result.without_code),
                   "without_code_rows": result.without_code[:SHOWN_REJECTIONS],
                   **_review(result.review)}
        # Only a preview with something to import waits for its confirmation.
        keep = state["kind"] == "preview" and result.imported + result.updated > 0
        _finish(token, path, dict(state, status="done", result=summary), keep_list=keep)


def _review(review):
    """The sample of accepted rows (as they will be stored) and the warnings, in Italian."""
    with force_locale(CONSOLE_LOCALE):
        warnings = [[row, "; ".join(say(w) for w in found)]
                    for row, found in review.warnings[:SHOWN_REJECTIONS]]
    return {"sample": [{"row": c.row_number, "reference": c.reference, "name": c.name,
                        "phone": c.phone, "amount": str(c.amount), "currency": c.currency,
                        "due_date": c.due_date.isoformat(), "new": new}
                       for c, new in review.sample],
            "warned": review.warned, "warnings": warnings}


def _italian(rejection):
    """A rejected row's reason as the console's users read it (the command line's is English)."""
    if rejection.why is None:
        return rejection.reason
    with force_locale(CONSOLE_LOCALE):
        return say(rejection.why)


def _finish(token, path, state, keep_list):
    if not keep_list:
        uploads.remove(path)
    _write(token, state)


def _write(token, state):
    """Replace the state file at once (readers never see half of it), mode 0600."""
    target = uploads.path_of(token, ".json")
    partial = target + ".part"
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as f:
        json.dump(dict(state, at=time.time()), f)
    os.replace(partial, target)
