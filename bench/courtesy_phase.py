"""Benchmark of a simulated courtesy phase: `simulate` of a 30-day cortesia-30 month at three sizes.

    .venv/bin/python bench/courtesy_phase.py [--sizes 1000,3000,10000] [--days 30] [--every 10]
                                             [--baseline GIT_REF [--repeat N]]

Each size runs the simulator's campaign in-process, exactly as `flask --app app simulate
--playbook cortesia-30 --days 30 --quiet` does (its own throw-away SQLite file, the simulated
debtors, every tick of every working day), on a realistic contact list (the import
benchmark's generator). Prints each time, the time per position, the growth ratio (time per
position at the largest size over the smallest: linear is 1.0) and the largest size's time
against the target of 5 minutes for 10,000 positions. The CPU time of the process and of its
worker processes (`--processes`, default one per core: the simulated calls run there, as
`simulate` runs them) is printed next to each wall time: on a shared machine it is the steadier
figure of the work done.

`--baseline GIT_REF` first runs the smallest size with the code of that commit (checked out in a
throw-away worktree, same interpreter, same list, same processes), so the speed-up is a ratio
measured in the same run, whatever the machine's speed that day; `--repeat N` alternates N runs
of each and compares their medians.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app import create_app  # noqa: E402
from bench.import_contacts import write_csv  # noqa: E402
from telephony import get_telephony  # noqa: E402
from tools.simulate import (build_campaign_app, close_campaign_app, default_processes,  # noqa: E402
                            run_campaign)

OUT = os.path.join(ROOT, "bench", "out")
START = date(2026, 11, 24)
TARGET_SECONDS = 300          # 10,000 positions over 30 working days (issue 11)


def run(size, days, every, seed, processes):
    """Wall seconds of one size's month (its CPU seconds kept in CPU_SECONDS)."""
    contacts = os.path.join(OUT, f"phase-{size}.csv")
    write_csv(contacts, size)
    with tempfile.TemporaryDirectory(prefix="cortesia-bench-phase-") as scratch:
        app = build_campaign_app(create_app, f"sqlite:///{scratch}/campaign.db", seed,
                                 scratch=True, processes=processes)
        started, cpu = time.perf_counter(), cpu_seconds()
        summary = run_campaign(app, contacts, days, START, every, playbook="cortesia-30",
                               seed=seed)
        get_telephony(app).settle()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        close_campaign_app(app)
    calls = sum(figures.contacts for figures in summary.phase.steps if figures.is_call)
    sent = sum(figures.contacts for figures in summary.phase.steps if not figures.is_call)
    statuses = ", ".join(f"{n} {s}" for s, n in summary.phase.statuses.most_common())
    print(f"{size:>7,} positions: {seconds:8.1f} s ({cpu:.1f} s CPU)  "
          f"{seconds / size * 1000:6.2f} ms/position  {calls:,} calls, {sent:,} emails; "
          f"{statuses}", flush=True)
    CPU_SECONDS[size] = cpu
    return seconds


CPU_SECONDS = {}


def cpu_seconds():
    """CPU seconds of this process and of its worker processes (those already ended, and the
    running ones: read from /proc where it is there)."""
    own = time.process_time()
    children = os.times()
    total = own + children.children_user + children.children_system
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in _children():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total


def _children():
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as listing:
            return [int(pid) for pid in listing.read().split()]
    except OSError:
        return []


def run_baseline(ref, size, days, every, seed, processes):
    """(wall, CPU) seconds of the smallest size with the code of commit `ref`."""
    with tempfile.TemporaryDirectory(prefix="cortesia-bench-baseline-") as tree:
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-f", tree, ref],
                       check=True, capture_output=True)
        try:
            output = subprocess.run(
                [sys.executable, os.path.join(tree, "bench", "courtesy_phase.py"),
                 "--sizes", str(size), "--days", str(days), "--every", str(every),
                 "--seed", seed, "--processes", str(processes)],
                check=True, capture_output=True, text=True).stdout
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree],
                           capture_output=True)
    match = re.search(r"positions:\s+([\d.]+) s \(([\d.]+) s CPU\)", output)
    print(f"baseline {ref}: {size:>7,} {match.group(0)}", flush=True)
    return float(match.group(1)), float(match.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--every", type=int, default=10, help="minutes between ticks")
    parser.add_argument("--seed", default="7")
    parser.add_argument("--baseline", help="a commit to measure first at the smallest size")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --baseline: runs of each, alternated (medians)")
    parser.add_argument("--processes", type=int, default=default_processes(),
                        help="worker processes for the simulated calls (1: all in this one)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"simulate: cortesia-30 over {args.days} working days after day 0, a tick every "
          f"{args.every} minutes in the windows, SQLite (seed {args.seed}), the calls in "
          f"{args.processes} worker process{'es' if args.processes > 1 else ''}")
    small, large = min(sizes), max(sizes)
    baseline, times = None, {}
    if args.baseline:
        # Alternated, so that a change of the machine's load falls on both alike: medians.
        theirs, ours, our_cpu = [], [], []
        for _ in range(args.repeat):
            theirs.append(run_baseline(args.baseline, small, args.days, args.every, args.seed,
                                       args.processes))
            ours.append(run(small, args.days, args.every, args.seed, args.processes))
            our_cpu.append(CPU_SECONDS[small])
        baseline = (statistics.median(w for w, _ in theirs),
                    statistics.median(c for _, c in theirs))
        times[small], CPU_SECONDS[small] = statistics.median(ours), statistics.median(our_cpu)
    for size in sizes:
        if size not in times:
            times[size] = run(size, args.days, args.every, args.seed, args.processes)
    growth = (times[large] / large) / (times[small] / small)
    print(f"growth: time per position at {large:,} / at {small:,} = {growth:.2f} (linear = 1.00)")
    projected = times[large] / large * 10_000
    print(f"{large:,} positions in {times[large]:.1f} s; 10,000 at this rate {projected:.0f} s "
          f"= {projected / TARGET_SECONDS:.2f} of the 5-minute target (under 1.00 meets it)")
    if baseline:
        wall, cpu = baseline
        print(f"speed-up at {small:,} over {args.baseline}: {wall / times[small]:.2f}× wall, "
              f"{cpu / CPU_SECONDS[small]:.2f}× CPU (same run, medians of {args.repeat} "
              f"alternated)")


if __name__ == "__main__":
    main()
