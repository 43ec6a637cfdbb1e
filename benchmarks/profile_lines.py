"""Where a workload's gradient spends its time, line by line.

    python benchmarks/profile_lines.py rnn_while             # generated reverse code, timed per line
    python benchmarks/profile_lines.py rnn_while --hand      # the hand-written gradient, the same way
    python benchmarks/profile_lines.py mlp --cprofile        # plus cProfile of the runtime helpers
    python benchmarks/profile_lines.py mlp --size 8

Prints the generated reverse-mode source of the workload (tad.source), each simple
statement prefixed with its share of the time, its time per gradient call and how
many times it ran per call. Timing is done by rewriting the source: each simple
statement is wrapped in two perf_counter() reads (the wrapper's own cost, measured
on an empty statement, is subtracted), so lines inside tight Python loops are the
least exact, but their ranking holds. BLAS is pinned to one thread, as in run.py.
"""
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import ast  # noqa: E402
import cProfile  # noqa: E402
import inspect  # noqa: E402
import pstats  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import tangent_ad as tad  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)


class _Instrument(ast.NodeTransformer):
    """Wrap every simple statement in a timer keyed by its line number."""

    def _block(self, body):
        new = []
        for stmt in body:
            self.visit(stmt)
            if isinstance(stmt, SIMPLE) and not (isinstance(stmt, ast.Expr) and
                                                  isinstance(stmt.value, ast.Constant)):
                line = stmt.lineno
                start = ast.parse("_pl_t0 = _pl_clock()").body[0]
                stop = ast.parse(f"_pl_acc[{line}] += _pl_clock() - _pl_t0; _pl_cnt[{line}] += 1").body
                if isinstance(stmt, ast.Return) and stmt.value is not None:
                    keep = ast.Assign(targets=[ast.Name("_pl_ret", ast.Store())], value=stmt.value)
                    new += [start, keep, *stop, ast.Return(ast.Name("_pl_ret", ast.Load()))]
                else:
                    new += [start, stmt, *stop]
            else:
                new.append(stmt)
        return new

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, self._block(block))
        return node


def instrumented(source, name, namespace):
    """The function ``name`` of ``source``, timed per line, and its (acc, cnt) dicts."""
    tree = _Instrument().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    acc, cnt = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
                node.value.id in ("_pl_acc", "_pl_cnt") and isinstance(node.slice, ast.Constant):
            acc.setdefault(node.slice.value, 0.0)
            cnt.setdefault(node.slice.value, 0)
    ns = dict(namespace)
    ns.update(_pl_clock=time.perf_counter, _pl_acc=acc, _pl_cnt=cnt)
    exec(compile(tree, f"<profiled {name}>", "exec"), ns)
    return ns[name], acc, cnt


def timer_overhead():
    src = "def f(n):\n    i = 0\n    while i < n:\n        pass\n        i = i + 1\n"
    plain = {}
    exec(src, plain)
    f, acc, cnt = instrumented(src, "f", {})
    start = time.perf_counter()
    plain["f"](200_000)
    base = time.perf_counter() - start
    start = time.perf_counter()
    f(200_000)
    timed = time.perf_counter() - start
    # per timed statement: the extra wall time, and what the timer attributes to the statement itself
    return (timed - base) / 200_000, acc[5] / 200_000


def profile(source, name, namespace, args, seconds, out=sys.stdout):
    func, acc, cnt = instrumented(source, name, namespace)
    func(*args)
    for key in acc:
        acc[key], cnt[key] = 0.0, 0
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        func(*args)
        calls += 1
    _, inside = timer_overhead()
    per_line = {k: max(acc[k] - cnt[k] * inside, 0.0) / calls for k in acc}
    total = sum(per_line.values()) or 1e-12
    print(f"# {calls} calls; {total * 1e3:.3f} ms per call in timed statements "
          f"(timer cost {inside * 1e9:.0f} ns per statement subtracted)", file=out)
    print(f"# {'share':>6} {'ms/call':>9} {'runs':>6} | source", file=out)
    for number, text in enumerate(source.splitlines(), start=1):
        if number in per_line:
            runs = cnt[number] / calls
            print(f"  {per_line[number] / total * 100:5.1f}% {per_line[number] * 1e3:9.4f} {runs:6.0f} | {text}",
                  file=out)
        else:
            print(f"  {'':6} {'':9} {'':6} | {text}", file=out)
    return per_line


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=list(WORKLOADS))
    p.add_argument("--size", type=int, help="size parameter (default: the benchmark's)")
    p.add_argument("--hand", action="store_true", help="time the hand-written gradient instead")
    p.add_argument("--cprofile", action="store_true", help="also print cProfile's top functions")
    p.add_argument("--seconds", type=float, default=2.0, help="how long to sample (default 2)")
    args = p.parse_args(argv)
    w = WORKLOADS[args.workload]
    inputs = w.inputs(args.size or w.default_size)
    if args.hand:
        func = w.gradient
        source = textwrap.dedent(inspect.getsource(func))
        namespace = func.__globals__
    else:
        func = tad.derivative(w.function, "reverse", w.wrt_arg)
        source, namespace = func.source, func.__globals__
    print(f"# {w.name}, {w.size_label} = {args.size or w.default_size}: "
          f"{'hand-written gradient' if args.hand else 'tangent_ad reverse mode'}")
    profile(source, func.__name__, namespace, inputs, args.seconds)
    if args.cprofile:
        profiler = cProfile.Profile()
        start = time.perf_counter()
        calls = 0
        profiler.enable()
        while calls < 3 or time.perf_counter() - start < args.seconds:
            func(*inputs)
            calls += 1
        profiler.disable()
        print(f"\n# cProfile over {calls} calls (times include the profiler's own overhead)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
