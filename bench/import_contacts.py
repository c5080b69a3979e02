"""Benchmark of the contact-list import: 100k realistic Italian rows, then the same file again.

    .venv/bin/python bench/import_contacts.py [--rows 100000] [--database-url postgresql://...]

Without --database-url it uses a fresh SQLite file under bench/out/. With one, it adds a
creditor named after the current time to that database (use a scratch database).

Each import is also printed as a ratio to a floor measured in the same run, just before and
just after it (their mean): a bare loop of `phonenumbers.parse` and `format_number` over the
same phone cells (the E.164 work every row needs, done the plain way), so a noisy machine
shifts both alike. Peak RSS is the process's
(getrusage): the file is written and the floor measured streaming, so it is the import's.
"""
import argparse
import csv
import dataclasses
import os
import random
import resource
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import phonenumbers  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from contacts.importer import import_contacts  # noqa: E402
from contacts.sources import Limits  # noqa: E402
from db import make_engine  # noqa: E402
from db.models import Creditor  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402
from bench.dial_pass import scratch_sqlite_url  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
FIRST = ["Mario", "Giulia", "Luca", "Francesca", "Giuseppe", "Anna", "Marco", "Chiara", "Paolo",
         "Sara", "Niccolò", "Lucia", "Andrea", "Elena", "Davide", "Martina", "Stefano", "Silvia"]
LAST = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "D'Angelo"]
COMPANIES = ["Bar Sport S.n.c.", "Edilizia Moderna S.r.l.", "Trattoria Da Gino", "Ferramenta Bruno"]
HEADER = ["Riferimento", "Nominativo", "Telefono", "Email", "Importo", "Scadenza", "Fattura",
          "Codice verifica", "Lingua"]


def italian_phone(rnd):
    """A valid Italian number in one of the writings people use."""
    if rnd.random() < 0.75:
        prefix, rest = f"3{rnd.choice('234567')}{rnd.randint(0, 9)}", f"{rnd.randint(0, 9999999):07d}"
        writings = (f"{prefix} {rest[:3]} {rest[3:]}", f"+39 {prefix} {rest}", f"0039{prefix}{rest}",
                    f"{prefix}{rest}", f"{prefix}-{rest}")
    else:
        area, rest = rnd.choice([("06", 8), ("02", 8), ("011", 7), ("081", 7), ("055", 7)])
        digits = f"{rnd.randint(2 * 10 ** (rest - 1), 10 ** rest - 1)}"
        writings = (f"{area} {digits[:4]} {digits[4:]}", f"{area}/{digits}", f"({area}) {digits}",
                    f"+39 {area} {digits}", f"{area}{digits}")
    return rnd.choice(writings)


def italian_amount(rnd):
    cents = rnd.randint(1500, 2_500_000)
    euros, cent = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", ".")
    return rnd.choice((f"{grouped},{cent:02d}", f"{euros},{cent:02d}", f"{euros}.{cent:02d}",
                       f"€ {grouped},{cent:02d}"))


def contact_row(rnd, index):
    """One row; about one in two hundred is wrong on purpose."""
    name = rnd.choice(COMPANIES) if rnd.random() < 0.1 else f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
    due = date(2026, 1, 1) + timedelta(days=rnd.randint(0, 364))
    row = [f"PR-{index:07d}", name, italian_phone(rnd),
           f"{name.split()[0].lower()}.{index}@example.it" if rnd.random() < 0.6 else "",
           italian_amount(rnd), due.isoformat() if rnd.random() < 0.5 else f"{due:%d/%m/%Y}",
           f"FT-2026/{index}", f"{rnd.randint(0, 99999):05d}" if rnd.random() < 0.2 else "",
           "en" if rnd.random() < 0.05 else ""]
    bad = rnd.random()
    if bad < 0.002:
        row[2] = "12"
    elif bad < 0.004:
        row[4] = "circa mille"
    elif bad < 0.005:
        row[0] = f"PR-{index - 1:07d}"  # the same reference as the row above
    return row


def write_csv(path, rows, seed=20261123):
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        for index in range(1, rows + 1):
            writer.writerow(contact_row(rnd, index))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def phone_floor(path, region="IT"):
    """Seconds of a bare phonenumbers.parse + format_number loop over the file's phone cells."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        column = next(reader).index("Telefono")
        phones = (row[column] for row in reader)
        started = time.perf_counter()
        for phone in phones:
            try:
                number = phonenumbers.parse(phone, region)
            except phonenumbers.NumberParseException:
                continue
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return time.perf_counter() - started


def run_import(Session, creditor_id, path, label, floor_before, limits):
    marks = {}

    def progress(row, _rows):
        marks.setdefault(row // 10_000 * 10_000, peak_rss_mb())

    started = time.perf_counter()
    with Session() as session, session.begin():
        creditor = session.get(Creditor, creditor_id)
        result = import_contacts(session, creditor, path, progress=progress, limits=limits)
    seconds = time.perf_counter() - started
    rows = result.imported + result.updated + result.rejected
    print(f"{label}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
          f"{result.imported:,} imported, {result.updated:,} updated, {result.rejected:,} rejected")
    # The floor on either side of the import, averaged: the machine's load drifts meanwhile.
    floor_after = phone_floor(path)
    floor = (floor_before + floor_after) / 2
    print(f"  time / phonenumbers floor ({floor_before:.2f} s before, {floor_after:.2f} s after, "
          f"mean {floor:.2f} s): {seconds / floor:.2f}")
    for mark in (10_000, 100_000):
        if mark in marks:
            print(f"  peak RSS after {mark:,} rows: {marks[mark]:.1f} MB")
    print(f"  peak RSS at the end: {peak_rss_mb():.1f} MB")
    return floor_after


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in bench/out/")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"contacts-{args.rows}.csv")
    write_csv(path, args.rows)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB); peak RSS {peak_rss_mb():.1f} MB")
    url = args.database_url
    if url is None:
        url = scratch_sqlite_url("bench.db")
    engine = make_engine(url)
    upgrade_schema(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    with Session() as session, session.begin():
        creditor = Creditor(name=f"Bench {time.strftime('%Y-%m-%d %H:%M:%S')}",
                            caller_id="+390212345678")
        session.add(creditor)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    # The same limit as the application's, raised for a file bigger than it allows.
    limits = Limits()
    limits = dataclasses.replace(limits, max_rows=max(limits.max_rows, args.rows + 1))
    floor = phone_floor(path)
    print(f"phonenumbers floor: {args.rows:,} phones parsed and formatted in {floor:.2f} s = "
          f"{args.rows / floor:,.0f} phones/s; peak RSS {peak_rss_mb():.1f} MB")
    floor = run_import(Session, creditor.id, path, "first import", floor, limits)
    run_import(Session, creditor.id, path, "re-import", floor, limits)
    engine.dispose()


if __name__ == "__main__":
    main()
