"""Differentiate thousands of random programs and report every failure.

The programs come from the Hypothesis strategies of tests/program_strategies.py (the same ones
tests/test_hypothesis_programs.py runs in CI), each checked the same way: the reverse gradient
and the forward tangent against central differences, the two modes against each other, vjp, and
the value against calling the function. By default half of the programs also hold constructs at
the edge of the subset (lists filled in loops, np.r_, closures, stores through views, default
arguments, functools.wraps decorators, names that clash with generated ones; see
program_strategies.CONSTRUCTS): for those, a TransformError that points at such a construct is
an accepted outcome too, and is counted per construct.

A failure does not stop the run: the program, its instrumented copy, the inputs' seed and the
error are saved to a folder of their own, and ``--replay FOLDER`` checks that program again. At
the end the failures are grouped into classes (the kind of error and the constructs the program
holds); the shortest program of each class is shrunk (statements removed while it still fails
the same way) and printed.

    python scripts/random_programs.py                      # 10,000 programs, seed 0, 2 workers
    python scripts/random_programs.py --count 500 --seed 7 --constructs 1
    python scripts/random_programs.py --replay random-program-failures/w0-0001-matrix

docs/reliability.md records the latest long run.
"""
import argparse
import ast
import collections
import json
import linecache
import multiprocessing
import os
import platform
import re
import signal
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


# ----------------------------------------------------------------------------- failure classes
def failure_class(exc):
    """The kind of a failure, without the numbers and names of one program: the first clause of
    an AssertionError of the check, or the type and first line of any other error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = re.sub(r"\S+\.py:\d+:\d+: ", "", text)
    if isinstance(exc, AssertionError):
        if text.startswith("refused an ordinary line: "):      # with what tangent_ad said
            text = re.sub(r"\b([A-Za-z_]+)\d+\b", r"\1N", text.split(" [")[0])
            return re.sub(r"/\S+/", "", text)[:120]
        return re.sub(r"\s*\(x\d+\)", "", text.split(":")[0])
    text = re.sub(r"\b([A-Za-z_]+)\d+\b", r"\1N", text)          # generated names: v3, ys12, helper2
    text = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", text)
    return f"{type(exc).__name__}: {text}"[:120]


def program_dict(program):
    return {"kind": program.kind, "params": [[name, list(shape)] for name, shape in program.params],
            "n": program.n, "value_seed": program.value_seed, "constructs": program.constructs,
            "markers": program.markers, "source": program.source, "instrumented": program.instrumented}


def program_of(data):
    params = [(name, tuple(shape)) for name, shape in data["params"]]
    return ps.Program(data["source"], data["instrumented"], params, data["n"], data["value_seed"], data["kind"],
                      data.get("constructs", {}), data.get("markers", {}))


def run_check(program):
    """(outcome or None, the failure's class or None, the exception or None); Rejected propagates."""
    with tempfile.TemporaryDirectory() as directory:
        try:
            return ps.check_program(program, directory), None, None
        except ps.Rejected:
            raise
        except Exception as exc:            # noqa: BLE001 - every failure is recorded, the run goes on
            return None, failure_class(exc), exc


# ----------------------------------------------------------------------------- one worker's share
class Tally:
    """Counts of one run (or of several, merged)."""

    def __init__(self):
        self.ran = collections.Counter()            # kind -> programs checked or refused
        self.rejected = collections.Counter()       # kind -> programs without a smooth point
        self.checked = 0                            # programs checked in both modes
        self.partly = 0                             # programs refused in one mode, checked in the other
        self.refused = 0                            # programs refused in both modes
        self.plain = collections.Counter()          # programs without constructs: ran, checked
        self.construct = collections.defaultdict(collections.Counter)   # construct -> counts
        self.variant = collections.defaultdict(collections.Counter)     # (construct, variant) -> counts
        self.messages = collections.defaultdict(collections.Counter)    # construct -> refusal messages
        self.failures = []                          # [(folder, class, constructs present, program dict)]

    def merge(self, other):
        self.ran.update(other.ran)
        self.rejected.update(other.rejected)
        self.checked += other.checked
        self.partly += other.partly
        self.refused += other.refused
        self.plain.update(other.plain)
        for table, more in ((self.construct, other.construct), (self.variant, other.variant),
                            (self.messages, other.messages)):
            for key, counts in more.items():
                table[key].update(counts)
        self.failures += other.failures

    def count(self, program, outcome, failed):
        self.ran[program.kind] += 1
        if not program.constructs:
            self.plain["programs"] += 1
            self.plain["failed" if failed else "checked"] += 1
        if outcome is not None:
            if len(outcome.checked) == 2:
                self.checked += 1
            elif outcome.checked:
                self.partly += 1
            else:
                self.refused += 1
        for construct, variants in program.constructs.items():
            counts = self.construct[construct]
            counts["programs"] += 1
            here = [] if outcome is None else [m for m, r in outcome.refused.items() if construct in r.constructs]
            if failed:
                counts["failed"] += 1
            elif here:
                counts["refused here"] += 1
                for mode in here:
                    counts[f"refused here ({mode})"] += 1
                    message = re.sub(r"\b([A-Za-z_]+)\d+\b", r"\1N", outcome.refused[mode].message)
                    self.messages[construct][message[:110]] += 1
            elif outcome.refused:
                counts["refused elsewhere"] += 1
            if not failed and outcome is not None and len(outcome.checked) == 2:
                counts["checked"] += 1
            for variant in variants:
                v = self.variant[(construct, variant)]
                v["programs"] += 1
                v["failed" if failed else "refused here" if here else
                  "checked" if outcome is not None and len(outcome.checked) == 2 else "other"] += 1


class Batch:
    def __init__(self, out, quiet, worker, total):
        self.out = out
        self.quiet = quiet
        self.worker = worker
        self.total = total
        self.tally = Tally()
        self.started = time.perf_counter()

    def check(self, program):
        try:
            outcome, kind, exc = run_check(program)
        except ps.Rejected:
            self.tally.rejected[program.kind] += 1
            assume(False)                       # not a program run: Hypothesis draws another
        if exc is not None:
            self.record(program, kind, exc)
        self.tally.count(program, outcome, exc is not None)
        done = sum(self.tally.ran.values())
        if done % 100 == 0:
            linecache.clearcache()              # the generated sources of programs already checked
            if not self.quiet:
                elapsed = time.perf_counter() - self.started
                print(f"[worker {self.worker}] {done:>6} / {self.total} programs  "
                      f"{len(self.tally.failures)} failures  {sum(self.tally.rejected.values())} rejected  "
                      f"{elapsed:7.1f} s", flush=True)

    def record(self, program, kind, exc):
        number = len(self.tally.failures) + 1
        folder = os.path.join(self.out, f"w{self.worker}-{number:04d}-{program.kind}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "program.py"), "w", encoding="utf-8") as fh:
            fh.write(program.source)
        with open(os.path.join(folder, "instrumented.py"), "w", encoding="utf-8") as fh:
            fh.write(program.instrumented)
        data = program_dict(program)
        with open(os.path.join(folder, "program.json"), "w", encoding="utf-8") as fh:
            json.dump({k: v for k, v in data.items() if k not in ("source", "instrumented")}, fh, indent=1)
        with open(os.path.join(folder, "error.txt"), "w", encoding="utf-8") as fh:
            fh.write(kind + "\n\n" + program.describe() + "\n\n" + "".join(traceback.format_exception(exc)))
        self.tally.failures.append((folder, kind, program.present(), data))
        if not self.quiet:
            print(f"FAILURE {folder}: {kind}", flush=True)


def share(job):
    """One worker's programs: (worker, {kind: count}, seed, out, quiet, constructs) -> Tally."""
    worker, counts, first_seed, out, quiet, constructs, only = job
    batch = Batch(out, quiet, worker, sum(counts.values()))
    for k, kind in enumerate(KINDS):
        if not counts.get(kind):
            continue

        @seed(first_seed * 1000 + 100 * worker + k)
        @settings(max_examples=counts[kind], database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(program=ps.programs(kind, constructs=constructs, only=only))
        def one(program):
            batch.check(program)

        one()
    return batch.tally


def run(count, first_seed, out, quiet, kinds, constructs=0.5, workers=2, only=None):
    per_kind = {kind: count // len(kinds) + (1 if k < count % len(kinds) else 0) for k, kind in enumerate(kinds)}
    jobs = []
    for w in range(workers):
        counts = {kind: c // workers + (1 if w < c % workers else 0) for kind, c in per_kind.items()}
        jobs.append((w, counts, first_seed, out, quiet, constructs, only))
    tally = Tally()
    if workers == 1:
        tally.merge(share(jobs[0]))
    else:
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=1) as pool:
            for part in pool.imap_unordered(share, jobs):
                tally.merge(part)
    return tally


# ----------------------------------------------------------------------------- shrinking
def _bodies(tree):
    """[(node, field)] of every statement list in ``tree``."""
    out = []
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                out.append((node, name))
    return out


def _edits(plain_tree):
    """The edits to try, in order: remove a run of statements (halves of a block first, then
    quarters, ..., then one), replace a block by its body, drop a decorator, drop a parameter
    with a default, return the first term of a sum."""
    edits = []
    for b, (node, name) in enumerate(_bodies(plain_tree)):
        body = getattr(node, name)
        first = next((i for i, stmt in enumerate(body) if not isinstance(stmt, (ast.Import, ast.ImportFrom))),
                     len(body))
        size = len(body) - first
        while size >= 1:
            for i in range(first, len(body) - size + 1, size):
                edits.append(("remove", b, name, i, i + size))
            size //= 2
        for i, stmt in enumerate(body):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                edits.append(("unwrap", b, name, i, i + 1))
            if isinstance(stmt, ast.FunctionDef) and stmt.decorator_list:
                edits.append(("undecorate", b, name, i, i + 1))
            if isinstance(stmt, ast.FunctionDef) and stmt.args.defaults:
                edits.append(("no default", b, name, i, i + 1))
            value = getattr(stmt, "value", None) if isinstance(stmt, ast.Return) else None
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                edits.append(("first term", b, name, i, i + 1))
    return edits


def _apply(tree, edit):
    kind, b, name, i, j = edit
    node, field = _bodies(tree)[b]
    if field != name:
        raise ValueError("the two copies differ")
    body = getattr(node, field)
    stmt = body[i]
    if kind == "remove":
        del body[i:j]
    elif kind == "unwrap":
        body[i:i + 1] = stmt.body
    elif kind == "undecorate":
        stmt.decorator_list = []
    elif kind == "no default":          # the last parameter, which has a default
        del stmt.args.args[-1]
        del stmt.args.defaults[-1]
    else:                               # a + b returned: a
        stmt.value = stmt.value.left
    if not body:
        body.append(ast.Pass())
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


class TooLong(BaseException):
    """A shrunk program that runs too long (a while loop whose counter was removed); a
    BaseException, so that no handler of the program or of tangent_ad takes it."""


def _too_long(signum, frame):
    raise TooLong


def _runs(program):
    """Whether ``f`` of ``program`` runs, on inputs from its seed: a shrunk program must stay a
    program (a refusal comes before anything runs, so a helper removed from it could go unseen)."""
    with tempfile.TemporaryDirectory() as directory:
        try:
            module = ps.load(program.source, directory, "candidate")
            args = ps.draw_inputs(program, np.random.default_rng(program.value_seed))
            with np.errstate(all="ignore"):
                module.f(*args, program.n)
        except Exception:               # noqa: BLE001 - any error: not a program
            return False
    return True


def shrink(data, kind, budget):
    """The program of ``data`` with statements removed while it still fails with ``kind``."""
    signal.signal(signal.SIGALRM, _too_long)
    deadline = time.perf_counter() + budget
    current = program_of(data)
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        position = 0                        # the edits before it were tried on this program already
        while time.perf_counter() < deadline:
            edits = _edits(ast.parse(current.source))
            if position >= len(edits):
                break
            edit = edits[position]
            position += 1
            try:
                plain = _apply(ast.parse(current.source), edit)
                instr = _apply(ast.parse(current.instrumented), edit)
            except (IndexError, ValueError):
                continue
            candidate = ps.Program(plain, instr, current.params, current.n, current.value_seed, current.kind,
                                   current.constructs, current.markers)
            signal.setitimer(signal.ITIMER_REAL, max(1.0, min(10.0, deadline - time.perf_counter())))
            try:
                _, got, _ = run_check(candidate) if _runs(candidate) else (None, None, None)
            except (ps.Rejected, TooLong):
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if got == kind:
                current, changed = candidate, True
                position -= 1               # the edit at this place now is another one
    return current


def shrink_job(job):
    key, data, budget = job
    kind = key[0]
    small = shrink(data, kind, budget)
    return key, small.source, small.present(), small.describe().splitlines()[0]


# ----------------------------------------------------------------------------- the report
def report(tally, args, wall):
    programs = sum(tally.ran.values())
    print()
    print(f"tangent_ad {getattr(tangent_ad, '__version__', '')} random programs, seed {args.seed}, "
          f"constructs in {args.constructs:.0%} of the programs, {args.workers} workers")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    kinds = ", ".join(f"{k} {tally.ran[k]}" for k in KINDS if tally.ran[k])
    print(f"programs:        {programs}  ({kinds})")
    print(f"checked-correct: {tally.checked} in both modes; {tally.partly} refused in one mode and correct "
          f"in the other; {tally.refused} refused in both")
    print(f"  without constructs: {tally.plain['programs']} programs, {tally.plain['failed']} failed")
    print(f"rejected:        {sum(tally.rejected.values())} (no inputs away from every kink; not counted)")
    print(f"failures:        {len(tally.failures)}" + (f", saved under {args.out}/" if tally.failures else ""))
    print(f"wall time:       {wall:.1f} s ({1000 * wall / max(programs, 1):.0f} ms per program, "
          f"{args.workers} workers)")
    print()
    print("per construct: programs holding it; refused at it (reverse / forward); refused at another")
    print("construct; checked-correct in both modes; failed")
    print(f"  {'construct':<10} {'programs':>8} {'refused':>8} {'(rev/fwd)':>11} {'elsewhere':>9} {'checked':>8} "
          f"{'failed':>7}  refused share")
    for construct in sorted(tally.construct):
        c = tally.construct[construct]
        decided = c["refused here"] + c["checked"]
        share_text = f"{c['refused here'] / decided:.0%}" if decided else "-"
        print(f"  {construct:<10} {c['programs']:>8} {c['refused here']:>8} "
              f"{c['refused here (reverse)']:>5}/{c['refused here (forward)']:<5} {c['refused elsewhere']:>9} "
              f"{c['checked']:>8} {c['failed']:>7}  {share_text}")
    print()
    print("per variant: programs; refused at the construct; checked-correct; failed")
    for (construct, variant), v in sorted(tally.variant.items()):
        print(f"  {construct:<8} {variant[:58]:<58} {v['programs']:>6} {v['refused here']:>6} {v['checked']:>6} "
              f"{v['failed']:>6}")
    if any(tally.messages.values()):
        print()
        print("refusals, by message (the most common per construct):")
        for construct in sorted(tally.messages):
            for message, count in tally.messages[construct].most_common(4):
                print(f"  {construct:<8} {count:>6} x {message}")


def failure_classes(tally, budget, workers):
    """Group the failures, shrink the shortest program of each group, group again; print them."""
    groups = collections.defaultdict(list)
    for folder, kind, present, data in tally.failures:
        groups[(kind, present)].append((len(data["source"].splitlines()), folder, data))
    if not groups:
        return
    jobs = [(key, min(items, key=lambda t: t[0])[2], budget) for key, items in groups.items()]
    if budget > 0 and workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            shrunk = pool.map(shrink_job, jobs)
    elif budget > 0:
        shrunk = [shrink_job(job) for job in jobs]
    else:
        shrunk = [(key, data["source"], key[1], program_of(data).describe().splitlines()[0])
                  for key, data, _ in jobs]
    classes = collections.defaultdict(lambda: [0, None, []])
    for (key, source, present, call) in shrunk:
        entry = classes[(key[0], present)]
        entry[0] += len(groups[key])
        entry[2] += [folder for _, folder, _ in groups[key]][:3]
        if entry[1] is None or len(source) < len(entry[1][0]):
            entry[1] = (source, call)
    print()
    print(f"failure classes: {len(classes)} (the error, the constructs of the shrunk program)")
    for (kind, present), (count, (source, call), folders) in sorted(classes.items(), key=lambda t: -t[1][0]):
        print()
        print(f"== {count} x {kind}  [{', '.join(present) or 'no constructs'}]  e.g. {folders[0]}")
        print(f"   {call}")
        for line in source.rstrip().splitlines():
            if line.strip():
                print("   | " + line)


def replay(folder):
    with open(os.path.join(folder, "program.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    with open(os.path.join(folder, "program.py"), encoding="utf-8") as fh:
        meta["source"] = fh.read()
    with open(os.path.join(folder, "instrumented.py"), encoding="utf-8") as fh:
        meta["instrumented"] = fh.read()
    program = program_of(meta)
    with tempfile.TemporaryDirectory() as directory:
        try:
            outcome = ps.check_program(program, directory)
        except ps.Rejected:
            print("rejected: no inputs away from every kink")
            return 0
        except Exception:                       # noqa: BLE001
            traceback.print_exc()
            return 1
    for mode, refusal in outcome.refused.items():
        print(f"{mode} mode refused at line {refusal.lineno} ({', '.join(refusal.constructs)}): {refusal.message}")
    print(f"passes ({', '.join(outcome.checked) or 'no mode'} checked)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="programs to check (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument("--out", default="random-program-failures",
                        help="folder for the failures (default ./random-program-failures)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="program kinds, comma separated")
    parser.add_argument("--constructs", type=float, default=0.5,
                        help="share of the programs that hold constructs at the edge of the subset (default 0.5)")
    parser.add_argument("--only", help="constructs to draw from, comma separated (default: all of "
                        + ", ".join(sorted(ps.CONSTRUCTS)) + ")")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--shrink", type=float, default=30.0,
                        help="seconds to shrink the program of each failure class (default 30; 0: do not)")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    parser.add_argument("--replay", metavar="FOLDER", help="check one saved failure again")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    kinds = tuple(args.kinds.split(","))
    started = time.perf_counter()
    only = tuple(args.only.split(",")) if args.only else None
    if only and not set(only) <= set(ps.CONSTRUCTS):
        parser.error(f"--only: unknown constructs {', '.join(sorted(set(only) - set(ps.CONSTRUCTS)))}")
    tally = run(args.count, args.seed, args.out, args.quiet, kinds, args.constructs, args.workers, only)
    wall = time.perf_counter() - started
    report(tally, args, wall)
    failure_classes(tally, args.shrink, args.workers)
    if ps.KNOWN_ISSUES:
        print(f"steered clear of {len(ps.KNOWN_ISSUES)} known issues: {', '.join(ps.KNOWN_ISSUES)}")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
