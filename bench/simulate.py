"""Benchmark of `flask simulate`: a 1,000-position campaign over 3 working days, timed whole.

    .venv/bin/python bench/simulate.py [--positions 1000] [--days 3] [--seed 7]

Writes a realistic contact list (the import benchmark's generator) under bench/out/, runs the
real command line, `flask --app app simulate --contacts FILE --days N --seed S --quiet`, and
prints its wall time next to the campaign summary the command printed.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.import_contacts import write_csv  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
START = "2026-11-24"   # a Tuesday: three working days up to Thursday


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", default="7")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    contacts = os.path.join(OUT, f"simulate-{args.positions}.csv")
    write_csv(contacts, args.positions)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    command = [flask, "--app", "app", "simulate", "--contacts", contacts, "--days",
               str(args.days), "--seed", args.seed, "--start", START, "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"simulate failed ({done.returncode}):\n{done.stderr}")
    print(f"simulate: {args.positions} positions over {args.days} working days "
          f"(seed {args.seed}) in {seconds:.1f} s wall, process start included")
    print(done.stdout.strip())


if __name__ == "__main__":
    main()
