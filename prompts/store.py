"""Creditors' own wording of prompt slots, kept in the database."""
from sqlalchemy import bindparam, delete, select, update

from db.models import Creditor, PromptText, utcnow
from prompts.templates import check_override


# Built once, on the table: every answered call's turn reads it (a fifth of the ORM's cost).
_PROMPT_TEXTS = PromptText.__table__
OVERRIDES = select(_PROMPT_TEXTS.c.slot, _PROMPT_TEXTS.c.text).where(
    _PROMPT_TEXTS.c.creditor_id == bindparam("creditor_id"),
    _PROMPT_TEXTS.c.language == bindparam("language"))


def overrides_of(session, creditor_id, language):
    """{slot: text} of the creditor's own wording in `language`."""
    return dict(session.execute(OVERRIDES, {"creditor_id": creditor_id,
                                            "language": language}).all())


# Where `overrides_in` keeps what it read, in the session's own `info`.
CACHE = "cortesia.prompt_overrides"


def overrides_in(session, creditor_id, language):
    """`overrides_of`, read once per session: a pass queueing thousands of messages for a
    creditor asks for each. A change made through this module in the session is seen."""
    cache = session.info.setdefault(CACHE, {})
    if (creditor_id, language) not in cache:
        cache[creditor_id, language] = overrides_of(session, creditor_id, language)
    return cache[creditor_id, language]


def wording_changed(session, creditor_id):
    """Note that the creditor's own wording or recordings changed: the calls' turns, which keep
    what they read per `Creditor.wording_version` (ivr.wording), read them again."""
    session.execute(update(Creditor).where(Creditor.id == creditor_id)
                    .values(wording_version=Creditor.wording_version + 1)
                    .execution_options(synchronize_session=False))


def set_override(session, creditor_id, slot, language, text):
    """Store the creditor's wording of `slot` (checked: OverrideError); the text stored."""
    text = check_override(slot, language, text)
    session.info.pop(CACHE, None)
    wording_changed(session, creditor_id)
    row = session.scalar(select(PromptText).where(
        PromptText.creditor_id == creditor_id, PromptText.slot == slot,
        PromptText.language == language))
    if row is None:
        row = PromptText(creditor_id=creditor_id, slot=slot, language=language)
        session.add(row)
    row.text, row.updated_at = text, utcnow()
    return text


def reset_override(session, creditor_id, slot, language):
    """Back to the template's wording; False if the creditor had none of its own."""
    session.info.pop(CACHE, None)
    return remove_own(session, PromptText, creditor_id, slot, language)


def remove_own(session, model, creditor_id, slot, language):
    """Delete the creditor's own `model` row (wording or recording) of `slot` in `language`;
    False if it had none."""
    removed = bool(session.execute(delete(model).where(
        model.creditor_id == creditor_id, model.slot == slot,
        model.language == language)).rowcount)
    if removed:
        wording_changed(session, creditor_id)
    return removed
