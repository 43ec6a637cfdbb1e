"""Operator overloading (a tape, built at run time) against source transformation.

Run from the repository root after installing the package:

    python -m pip install . && python examples/tape_vs_source.py

The chapter's "object-oriented implementation" of AD wraps every number in an
object whose operators record what they did: the program runs as written, and
the record (a tape, the dynamic graph) is walked backwards for the adjoints.
tangent_ad instead reads the program's source once and writes the derivative as
new source (the static graph, as code). This script

1. computes the chapter's tables for y = (x1 + x2) * (x1 - x2) at (3, 2) with a
   minimal tape written here (classes Tape and Var, about 80 lines: forward tangents as it
   records, a backward pass over the tape), and prints them beside the code
   tangent_ad generates for the same function;
2. shows what each approach sees: for a function with an ``if``, the tape holds
   the one branch the call took, the generated code holds both;
3. measures the time per gradient of a small loop function: the tape, tad.grad
   and a hand-written derivative, in the same run (best of repeats).

``--quick`` uses fewer repeats (the tests use it); ``--write-docs`` writes the
measured numbers into docs/three-methods.md between its marker lines.
"""
import argparse
import math
import pathlib
import sys
import time

import numpy as np

import tangent_ad as tad

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "three-methods.md"
BEGIN, END = "<!-- tape-vs-source:begin -->", "<!-- tape-vs-source:end -->"


# ---------------------------------------------------------------- the tape
class Tape:
    """The record of one run: one entry per operation, in the order they ran."""

    def __init__(self):
        self.entries = []                       # (result, [(input, local partial), ...], text)
        self.count = 0

    def variable(self, value, name=None, dot=0.0):
        if name is None:
            self.count += 1
            name = f"u{self.count}"
        return Var(value, self, name, dot)

    def backward(self, output):
        """Adjoints of every variable, from the output back to the inputs (reverse mode)."""
        bar = {output.name: 1.0}
        rows = [(f"{output.name}_bar", 1.0)]
        for result, parents, _ in reversed(self.entries):
            result_bar = bar.get(result.name, 0.0)
            for parent, partial in parents:
                bar[parent.name] = bar.get(parent.name, 0.0) + result_bar * partial
            rows += [(f"{parent.name}_bar", bar[parent.name]) for parent, _ in parents]
        return bar, rows


class Var:
    """A number that records each operation on it, with its forward tangent ``dot``."""

    def __init__(self, value, tape, name, dot=0.0):
        self.value, self.tape, self.name, self.dot = value, tape, name, dot

    def _record(self, value, parents, text):
        dot = sum(partial * parent.dot for parent, partial in parents)
        out = self.tape.variable(value, dot=dot)
        self.tape.entries.append((out, parents, f"{out.name} = {text}"))
        return out

    def _lift(self, other):
        return other if isinstance(other, Var) else Var(other, self.tape, repr(other))

    def __add__(self, other):
        other = self._lift(other)
        return self._record(self.value + other.value, [(self, 1.0), (other, 1.0)], f"{self.name} + {other.name}")

    def __sub__(self, other):
        other = self._lift(other)
        return self._record(self.value - other.value, [(self, 1.0), (other, -1.0)], f"{self.name} - {other.name}")

    def __mul__(self, other):
        other = self._lift(other)
        return self._record(self.value * other.value, [(self, other.value), (other, self.value)],
                            f"{self.name} * {other.name}")

    def __truediv__(self, other):
        other = self._lift(other)
        return self._record(self.value / other.value,
                            [(self, 1.0 / other.value), (other, -self.value / other.value ** 2)],
                            f"{self.name} / {other.name}")

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __gt__(self, other):                    # a comparison reads the value: the tape keeps no trace of it
        return self.value > (other.value if isinstance(other, Var) else other)

    def sin(self):                              # np.sin(var) calls this
        return self._record(math.sin(self.value), [(self, math.cos(self.value))], f"sin({self.name})")

    def cos(self):
        return self._record(math.cos(self.value), [(self, -math.sin(self.value))], f"cos({self.name})")

    def exp(self):
        return self._record(math.exp(self.value), [(self, math.exp(self.value))], f"exp({self.name})")


def tape_grad(f, *values):
    """Run ``f`` on Vars, then the backward pass: (value, gradient, tape)."""
    tape = Tape()
    inputs = [tape.variable(v, f"x{i + 1}") for i, v in enumerate(values)]
    y = f(*inputs)
    bar, _ = tape.backward(y)
    return y.value, tuple(bar.get(x.name, 0.0) for x in inputs), tape


# ---------------------------------------------------------------- the functions
def f(x1, x2):
    return (x1 + x2) * (x1 - x2)


def branch(x):
    if x > 0:
        y = x * x
    else:
        y = np.sin(x)
    return y


def loop(x, y):
    s = 0.0
    for i in range(20):
        s = s + np.sin(x * s + y) * 0.5
    return s


def loop_by_hand(x, y):
    """The gradient of ``loop``, written by hand: a forward sweep that keeps s, then the adjoints."""
    history = []
    s = 0.0
    for i in range(20):
        history.append(s)
        s = s + np.sin(x * s + y) * 0.5
    s_bar, x_bar, y_bar = 1.0, 0.0, 0.0
    for s_old in reversed(history):
        c = np.cos(x * s_old + y) * 0.5 * s_bar
        x_bar += c * s_old
        y_bar += c
        s_bar = s_bar + c * x
    return x_bar, y_bar


# ---------------------------------------------------------------- the run
def chapter_tables():
    """The chapter's forward table (tangents seeded x1_dot = 1) and reverse table, from the tape."""
    tape = Tape()
    x1, x2 = tape.variable(3.0, "x1", dot=1.0), tape.variable(2.0, "x2", dot=0.0)
    y = f(x1, x2)
    result, parents, text = tape.entries[-1]          # call the output y, as the chapter does
    result.name = "y"
    tape.entries[-1] = (result, parents, "y =" + text.split("=", 1)[1])
    forward = [("x1", 3.0), ("x1_dot", 1.0), ("x2", 2.0), ("x2_dot", 0.0)]
    for out, _, _ in tape.entries:
        forward += [(out.name, out.value), (f"{out.name}_dot", out.dot)]
    _, reverse = tape.backward(y)
    return tape, y, forward, reverse


def best_time(call, repeats, number):
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (for the tests)")
    parser.add_argument("--write-docs", action="store_true", help="write the timings into docs/three-methods.md")
    args = parser.parse_args(argv)

    print("== 1. The chapter's example, y = (x1 + x2) * (x1 - x2) at (3, 2) ==\n")
    tape, y, forward, reverse = chapter_tables()
    print("the tape, recorded while f ran on Var objects:")
    for _, _, text in tape.entries:
        print(f"  {text}")
    print("\nforward mode (tangents, seeded x1_dot = 1, x2_dot = 0), computed as the tape was recorded:")
    print("  " + ", ".join(f"{name} = {value:g}" for name, value in forward))
    print("reverse mode (adjoints), the backward pass over the tape:")
    print("  " + ", ".join(f"{name} = {value:g}" for name, value in reverse))
    print(f"tape: y = {y.value:g}, dy/dx1 = {dict(reverse)['x1_bar']:g}, dy/dx2 = {dict(reverse)['x2_bar']:g}")
    print(f"tangent_ad: y = {f(3.0, 2.0):g}, (dy/dx1, dy/dx2) = {tad.grad(f, wrt=(0, 1))(3.0, 2.0)}")
    print("\ntangent_ad's generated code for the same function, written once, before any call:\n")
    print(tad.source(f, "forward", wrt=0))
    print(tad.source(f, "reverse", wrt=(0, 1)))

    print("== 2. What each approach sees: a function with an if ==\n")
    for x in (2.0, -2.0):
        value, grad, tape = tape_grad(branch, x)
        print(f"tape at x = {x:g}: " + "; ".join(text for _, _, text in tape.entries)
              + f"   -> dy/dx = {grad[0]:.6g} (tangent_ad: {tad.grad(branch)(x):.6g})")
    print("\nthe generated code holds both branches and the test:\n")
    print(tad.source(branch, "reverse"))

    print("== 3. Time per gradient of a 20-step loop (scalars), best of repeats ==\n")
    repeats, number = (3, 200) if args.quick else (7, 2000)
    point = (0.3, 0.7)
    grad_loop = tad.grad(loop, wrt=(0, 1))
    results = {"tape": tape_grad(loop, *point)[1], "tangent_ad": grad_loop(*point),
               "by hand": loop_by_hand(*point)}
    agree = all(np.allclose(results["by hand"], g, rtol=1e-13, atol=0) for g in results.values())
    times = {"function": best_time(lambda: loop(*point), repeats, number),
             "tape": best_time(lambda: tape_grad(loop, *point), repeats, number),
             "tangent_ad": best_time(lambda: grad_loop(*point), repeats, number),
             "by hand": best_time(lambda: loop_by_hand(*point), repeats, number)}
    _, _, tape = tape_grad(loop, *point)
    lines = [f"gradient at (x, y) = {point}: tape {results['tape'][0]:.15g}, {results['tape'][1]:.15g}; "
             f"tangent_ad {results['tangent_ad'][0]:.15g}, {results['tangent_ad'][1]:.15g}; "
             f"by hand {results['by hand'][0]:.15g}, {results['by hand'][1]:.15g}",
             f"the tape records {len(tape.entries)} entries per call (and builds {tape.count} Var objects); "
             f"tangent_ad's code is {len(tad.source(loop, 'reverse', wrt=(0, 1)).splitlines())} lines, written once",
             "",
             "| method | time per gradient | vs the function | vs by hand |",
             "|---|---:|---:|---:|"]
    for name, seconds in times.items():
        lines.append(f"| {name} | {seconds * 1e6:.1f} us | {seconds / times['function']:.1f}x | "
                     f"{seconds / times['by hand']:.2f}x |")
    lines.append("")
    lines.append(f"the tape is {times['tape'] / times['tangent_ad']:.1f}x slower than tangent_ad's generated code")
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        page = DOCS.read_text()
        start, stop = page.index(BEGIN) + len(BEGIN), page.index(END)
        block = ("\n\nMeasured by `python examples/tape_vs_source.py --write-docs`:\n\n"
                 f"```text\n{text}\n```\n\n")
        DOCS.write_text(page[:start] + block + page[stop:])
        print(f"\nwrote the timings into {DOCS.relative_to(ROOT)}")
    ok = (y.value == 5.0 and dict(reverse)["x1_bar"] == 6.0 and dict(reverse)["x2_bar"] == -4.0 and agree)
    print("\nThe tape, tangent_ad and the hand-written gradient agree." if ok else "\nDISAGREEMENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
