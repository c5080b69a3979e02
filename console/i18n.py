"""Each surface in its own words: Flask-Babel with the message catalogue in translations/.

The console speaks Italian; the debtor's page the debtor's language; the command line and the
logs English (they never ask the catalogue: str() of a domain.wording.Coded is English). The
catalogue's msgids are the English wordings, so a sentence missing from it reads English on
the page, which tests/console/test_i18n.py looks for.

The .po files are the source kept in git; the .mo files gettext reads are compiled from them at
app start into the instance folder, whenever a .po is newer (a fresh clone needs no step).
"""
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import Babel, gettext

from domain.wording import Coded

SOURCE = Path(__file__).resolve().parent.parent / "translations"
CONSOLE_LOCALE = "it"
DOMAIN = "messages"


def select_locale():
    """The debtor's page: the language it chose for the debtor (g.page_language); every other
    page of the server is the console's, in Italian."""
    if request and request.blueprint == "page":
        return g.get("page_language") or "it"
    return CONSOLE_LOCALE


def compile_catalogues(source, target):
    """Every `source/LANG/LC_MESSAGES/*.po` compiled to the same place under `target` when the
    .mo is missing or older; written whole or not at all (several processes start at once)."""
    for po in sorted(Path(source).glob("*/LC_MESSAGES/*.po")):
        mo = Path(target) / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalogue = read_po(f, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=mo.parent, suffix=".part")
        with os.fdopen(handle, "wb") as f:
            write_mo(f, catalogue)
        os.replace(partial, mo)


def say(error):
    """A domain.wording.Coded in the request's language (Italian in the console); any other
    error (a FormError, already in Italian) as it is."""
    return error.say(gettext) if isinstance(error, Coded) else str(error)


def init_app(app):
    compiled = os.path.join(app.instance_path, "translations")
    compile_catalogues(SOURCE, compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", CONSOLE_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE") or "Europe/Rome")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = compiled
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["say"] = say
