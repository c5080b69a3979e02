"""The message catalogue kept in step with the code: `python -m tools.catalogue` extracts every
wording marked N_ (babel.cfg) and rewrites translations/it/LC_MESSAGES/messages.po with the
Italian already there, new wordings left empty (tests/console/test_i18n.py then fails until a
translator fills them), wordings no longer in the code dropped."""
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po"
SKIPPED = (".venv", "tests", "bench", "instance", ".git")
KEYWORDS = {"N_": None}
FIXED = datetime(2026, 12, 2, tzinfo=timezone.utc)   # dates in the header would churn the diff


def extracted(root=ROOT):
    """Every msgid marked in the project's Python code, in first-seen order."""
    method_map = [("**.py", "python")]

    def wanted(dirname, _filepath=None):
        return not any(part in SKIPPED for part in Path(dirname).parts)

    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            root, method_map, keywords=KEYWORDS, directory_filter=wanted):
        if message:
            found.setdefault(message, None)
    return list(found)


def current(path=PO):
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def write(messages, path=PO):
    catalogue = Catalog(locale="it", project="Cortesia", version="", charset="utf-8",
                        fuzzy=False, header_comment="# Cortesia's console in Italian: the "
                        "msgids are the back end's English wordings (tools/catalogue.py).",
                        msgid_bugs_address="", last_translator="", language_team="",
                        creation_date=FIXED, revision_date=FIXED)
    for msgid, text in messages.items():
        catalogue.add(msgid, text or "", flags=("python-brace-format",) if "{" in msgid else ())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalogue, width=100, omit_header=False, no_location=True)


def main():
    known = current()
    messages = {msgid: known.get(msgid, "") for msgid in extracted()}
    write(messages)
    missing = [m for m, t in messages.items() if not t]
    print(f"{len(messages)} messages, {len(missing)} without Italian", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
