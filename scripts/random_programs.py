"""Differentiate thousands of random programs in one process and report every failure.

The programs come from the Hypothesis strategies of tests/program_strategies.py (the same ones
tests/test_hypothesis_programs.py runs in CI), each checked the same way: the reverse gradient
against central differences, the forward tangent against the reverse gradient, vjp, and the
value against calling the function. A failure does not stop the run: the program, its
instrumented copy, the inputs' seed and the error are saved to a folder of their own, and
``--replay FOLDER`` checks that program again.

    python scripts/random_programs.py                      # 10,000 programs, seed 0
    python scripts/random_programs.py --count 500 --seed 7
    python scripts/random_programs.py --replay random-program-failures/0001-matrix

docs/reliability.md records the latest long run.
"""
import argparse
import collections
import json
import linecache
import os
import platform
import re
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "tangent_ad-hypothesis"))

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, Phase, assume, given, seed, settings  # noqa: E402

import program_strategies as ps  # noqa: E402
import tangent_ad  # noqa: E402

KINDS = ps.KINDS


class Batch:
    def __init__(self, out, quiet):
        self.out = out
        self.quiet = quiet
        self.ran = collections.Counter()       # kind -> programs checked
        self.rejected = collections.Counter()  # kind -> programs without a smooth point
        self.failures = []                     # (folder, kind, one-line error)
        self.started = time.perf_counter()
        self.total = 0

    def check(self, program):
        with tempfile.TemporaryDirectory() as directory:
            try:
                ps.check_program(program, directory)
            except ps.Rejected:
                self.rejected[program.kind] += 1
                assume(False)                   # not a program run: Hypothesis draws another
            except Exception as exc:            # noqa: BLE001 - every failure is recorded, the run goes on
                self.record(program, exc)
            self.ran[program.kind] += 1
        done = sum(self.ran.values())
        if done % 100 == 0:
            linecache.clearcache()              # the generated sources of programs already checked
            if not self.quiet:
                elapsed = time.perf_counter() - self.started
                print(f"{done:>6} / {self.total} programs  {len(self.failures)} failures  "
                      f"{sum(self.rejected.values())} rejected  {elapsed:7.1f} s", flush=True)

    def record(self, program, exc):
        number = len(self.failures) + 1
        folder = os.path.join(self.out, f"{number:04d}-{program.kind}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "program.py"), "w", encoding="utf-8") as fh:
            fh.write(program.source)
        with open(os.path.join(folder, "instrumented.py"), "w", encoding="utf-8") as fh:
            fh.write(program.instrumented)
        with open(os.path.join(folder, "program.json"), "w", encoding="utf-8") as fh:
            json.dump({"kind": program.kind, "params": [[name, list(shape)] for name, shape in program.params],
                       "n": program.n, "value_seed": program.value_seed}, fh, indent=1)
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        first_line = re.sub(r"\S+\.py:\d+:\d+: ", "", first_line)       # the program's temporary file
        headline = f"{type(exc).__name__}: {first_line}"
        with open(os.path.join(folder, "error.txt"), "w", encoding="utf-8") as fh:
            fh.write(headline + "\n\n" + program.describe() + "\n\n" + "".join(traceback.format_exception(exc)))
        self.failures.append((folder, program.kind, headline[:160]))
        if not self.quiet:
            print(f"FAILURE {folder}: {headline[:160]}", flush=True)


def run(count, first_seed, out, quiet, kinds):
    batch = Batch(out, quiet)
    batch.total = count
    shares = [count // len(kinds) + (1 if k < count % len(kinds) else 0) for k in range(len(kinds))]
    for k, (kind, share) in enumerate(zip(kinds, shares)):
        if share == 0:
            continue

        @seed(first_seed * 1000 + k)
        @settings(max_examples=share, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(program=ps.programs(kind))
        def one(program):
            batch.check(program)

        one()
    return batch


def replay(folder):
    with open(os.path.join(folder, "program.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    with open(os.path.join(folder, "program.py"), encoding="utf-8") as fh:
        source = fh.read()
    with open(os.path.join(folder, "instrumented.py"), encoding="utf-8") as fh:
        instrumented = fh.read()
    program = ps.Program(source, instrumented, [(name, tuple(shape)) for name, shape in meta["params"]],
                         meta["n"], meta["value_seed"], meta["kind"])
    with tempfile.TemporaryDirectory() as directory:
        try:
            ps.check_program(program, directory)
        except ps.Rejected:
            print("rejected: no inputs away from every kink")
            return 0
        except Exception:                       # noqa: BLE001
            traceback.print_exc()
            return 1
    print("passes")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="programs to check (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument("--out", default="random-program-failures",
                        help="folder for the failures (default ./random-program-failures)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="program kinds, comma separated")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    parser.add_argument("--replay", metavar="FOLDER", help="check one saved failure again")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    kinds = tuple(args.kinds.split(","))
    started = time.perf_counter()
    batch = run(args.count, args.seed, args.out, args.quiet, kinds)
    wall = time.perf_counter() - started
    programs = sum(batch.ran.values())
    print()
    print(f"tangent_ad {getattr(tangent_ad, '__version__', '')} random programs, seed {args.seed}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"programs run:  {programs}  (" + ", ".join(f"{k} {batch.ran[k]}" for k in kinds) + ")")
    print(f"rejected:      {sum(batch.rejected.values())} (no inputs away from every kink; not counted)")
    print(f"failures:      {len(batch.failures)}" + (f", saved under {args.out}/" if batch.failures else ""))
    for headline, count in collections.Counter(h for _, _, h in batch.failures).most_common():
        print(f"  {count:>5} x {headline}")
    print(f"wall time:     {wall:.1f} s ({1000 * wall / max(programs, 1):.0f} ms per program)")
    if ps.KNOWN_ISSUES:
        print(f"steered clear of {len(ps.KNOWN_ISSUES)} known issues: {', '.join(ps.KNOWN_ISSUES)}")
    return 1 if batch.failures else 0


if __name__ == "__main__":
    sys.exit(main())
