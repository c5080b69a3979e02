"""The creditor's own wording and recordings of a call's prompts, kept per process.

Every turn of every call speaks with them, and they change a few times a year: a turn reads the
creditor's `wording_version` with its attempt (one joined row it loads anyway) and reads the
wording itself only when that count is new to this process. Whatever changes the wording bumps
the count in the same transaction (prompts.store.wording_changed), so the next turn to see the
new count reads it again. No Flask here: an app keeps one `WordingCache` (ivr.views).
"""
import threading

from audio.store import recorded_urls
from prompts.store import overrides_of

MOST_KEPT = 512   # (creditor, language) pairs; past that the cache starts again, empty


class WordingCache:
    """{(creditor id, language): (version, overrides, recordings)} of the latest version read."""

    def __init__(self):
        self._kept = {}
        self._lock = threading.Lock()

    def __call__(self, session, creditor_id, version, language, url_for_sha):
        """({slot: text}, {slot: URL}) of the creditor's wording in `language` at `version`."""
        kept = self._kept.get((creditor_id, language))
        if kept is not None and kept[0] == version:
            return kept[1], kept[2]
        overrides, recordings = read_wording(session, creditor_id, language, url_for_sha)
        with self._lock:
            if len(self._kept) >= MOST_KEPT:
                self._kept.clear()
            self._kept[creditor_id, language] = (version, overrides, recordings)
        return overrides, recordings


def read_wording(session, creditor_id, language, url_for_sha):
    """({slot: text}, {slot: URL}) of the creditor's wording in `language`, read now."""
    return (overrides_of(session, creditor_id, language),
            recorded_urls(session, creditor_id, language, url_for_sha))
