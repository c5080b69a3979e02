"""Synthesized clips rendered ahead of time and cached on disk, so no webhook ever waits on
the network: a clip that is not there yet is simply spoken with <Say> on that call.

A clip is named by the hash of (engine, language, text), so the same sentence is rendered
once and shared by every call and creditor that says it. Rendering backs off after a failure
(rate limit, no network, timeout) instead of hammering the engine.
"""
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta

from audio.tts import SynthesisError

log = logging.getLogger(__name__)

FIRST_BACKOFF = timedelta(minutes=1)
LONGEST_BACKOFF = timedelta(minutes=30)


def clip_key(text, language, engine):
    return hashlib.sha256(f"{engine}\0{language}\0{text}".encode("utf-8")).hexdigest()


class ClipCache:
    """Clips as files `<folder>/<key[:2]>/<key><suffix>`, written atomically."""

    def __init__(self, folder, suffix=".mp3"):
        self.folder = folder
        self.suffix = suffix

    def path(self, key):
        return os.path.join(self.folder, key[:2], key + self.suffix)

    def has(self, key):
        return os.path.exists(self.path(key))

    def read(self, key):
        with open(self.path(key), "rb") as clip:
            return clip.read()

    def write(self, key, data):
        target = self.path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".part")
        with os.fdopen(handle, "wb") as clip:
            clip.write(data)
        os.replace(temporary, target)   # readers see the whole clip or none


@dataclass
class RenderReport:
    rendered: int = 0
    cached: int = 0
    failed: int = 0
    postponed: int = 0                  # not tried: backing off after a failure
    errors: list = field(default_factory=list)

    def __str__(self):
        text = f"{self.rendered} clips rendered, {self.cached} already cached"
        if self.failed or self.postponed:
            text += f", {self.failed} failed, {self.postponed} postponed (engine backing off)"
        return text


class Renderer:
    """Renders missing clips with an engine, backing off after failures."""

    def __init__(self, engine, cache):
        self.engine = engine
        self.cache = cache
        self._resume_at = None
        self._backoff = FIRST_BACKOFF

    def ensure(self, sentences, now):
        """Render every (text, language) not cached yet; a RenderReport."""
        report = RenderReport()
        for text, language in dict.fromkeys(sentences):   # each sentence once, in order
            key = clip_key(text, language, self.engine.name)
            if self.cache.has(key):
                report.cached += 1
            elif self._resume_at is not None and now < self._resume_at:
                report.postponed += 1
            else:
                self._render(key, text, language, now, report)
        return report

    def _render(self, key, text, language, now, report):
        try:
            self.cache.write(key, self.engine.render(text, language))
        except SynthesisError as exc:
            report.failed += 1
            report.errors.append(str(exc))
            self._resume_at = now + self._backoff
            log.warning("speech synthesis failed, trying again after %s: %s", self._backoff, exc)
            self._backoff = min(self._backoff * 2, LONGEST_BACKOFF)
            return
        report.rendered += 1
        self._resume_at, self._backoff = None, FIRST_BACKOFF
