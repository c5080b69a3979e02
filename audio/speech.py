"""Which sentences are synthesized ahead of time, and the clips a call can play.

By default only fixed sentences are sent to the synthesis engine: the pieces of each template
around the debtor's own values, with the creditor's name in them. The debtor's name, amount,
due date and invoice are spoken by Twilio's <Say>, which already carries the call, so no
personal data goes to the unofficial endpoint behind gTTS — unless the creditor opted in
(`creditor set --synthesize-personal yes`).
"""
from sqlalchemy import select

from audio.clips import clip_key
from audio.tts import has_words
from db import session_scope
from db.models import Creditor, Position
from prompts import personal_fields
from prompts.greetings import SALUTATIONS
from prompts.store import overrides_of
from prompts.templates import PERSONAL_FIELDS, TEMPLATES, segments

PLACEHOLDERS = {name: "" for name in PERSONAL_FIELDS}


def fixed_sentences(creditor_name, language, overrides=None):
    """The fixed pieces of every template in `language`, as the calls will say them at any
    hour (each greeting of the day); a piece without words (", " between two fields of a
    creditor's wording) is left to <Say>."""
    sentences = {}
    for salutation in SALUTATIONS[language]:
        fields = dict(PLACEHOLDERS, creditor=creditor_name, salutation=salutation)
        sentences.update((piece.text.strip(), None) for slot in TEMPLATES[language]
                         for piece in segments(slot, language, fields, overrides)
                         if piece.key and has_words(piece.text))
    return list(sentences)


def campaign_sentences(session):
    """(text, language) of every creditor's fixed sentences, in each language it calls in; and
    for a creditor that opted in, each open position's own values too."""
    sentences = []
    for creditor in session.scalars(select(Creditor).order_by(Creditor.id)):
        if creditor.synthesize_personal:
            sentences += _personal_sentences(session, creditor)
        spoken = set(session.scalars(select(Position.language).distinct().where(
            Position.creditor_id == creditor.id, Position.language.is_not(None))))
        for language in sorted(({creditor.language} | spoken) & set(TEMPLATES)):
            overrides = overrides_of(session, creditor.id, language)
            sentences += [(text, language) for text in
                          fixed_sentences(creditor.greeting_name, language, overrides)]
    return sentences


def _personal_sentences(session, creditor):
    rows = session.execute(select(Position.name, Position.amount_due, Position.currency,
                                  Position.due_date, Position.invoice, Position.language)
                           .where(Position.creditor_id == creditor.id, Position.status == "open")
                           .order_by(Position.id)).all()
    sentences = []
    for name, amount, currency, due_date, invoice, language in rows:
        language = language or creditor.language
        values = personal_fields(name, amount, currency, due_date, invoice, language)
        sentences += [(text.strip(), language) for text in values.values() if text.strip()]
    return sentences


def render_prompts(app, now):
    """Render what is missing of every creditor's fixed sentences; a RenderReport or None
    when synthesis is off (TTS_ENGINE=say)."""
    renderer = app.extensions.get("cortesia.renderer")
    if renderer is None:
        return None
    with session_scope(app) as session:
        sentences = campaign_sentences(session)
    return renderer.ensure(sentences, now)


def available_clips(app, creditor_name, language, url_for_key, overrides=None, personal=()):
    """{sentence: URL} of the creditor's fixed sentences already rendered for one call, and of
    the `personal` values given (only for a creditor that opted in)."""
    renderer = app.extensions.get("cortesia.renderer")
    if renderer is None:
        return {}
    clips = {}
    wanted = fixed_sentences(creditor_name, language, overrides)
    wanted += [value.strip() for value in personal if value and value.strip()]
    for text in wanted:
        key = clip_key(text, language, renderer.engine.name)
        if renderer.cache.has(key):
            clips[text] = url_for_key(key)
    return clips
