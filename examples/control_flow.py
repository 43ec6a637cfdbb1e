"""Control flow: derivatives through while loops, if/elif/else and for loops.

Run from the repository root after installing the package:

    python -m pip install . && python examples/control_flow.py

For each function it prints the reverse-mode code tangent_ad generates (look for
how the forward sweep records the branch taken in `cond` and counts loop
iterations in `iterations`, and how the reverse sweep replays them backwards),
then compares the derivative with central differences at several points. For
Newton's square root it also prints tad.explain's trace: each iteration, and the
reverse sweep replaying them in the opposite order.
"""
import math
import sys

import numpy as np

import tangent_ad as tad

from seed import loop


def newton_sqrt(a):
    """sqrt(a) by Newton's method: a while loop whose number of steps depends on a."""
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def piecewise(x):
    """A continuous function defined in three pieces, with if / elif / else."""
    if x > 1.0:
        y = x * x
    elif x > 0.0:
        y = 2.0 * x - 1.0
    else:
        y = np.sin(x) - 1.0
    return y


def horner(coeffs, x):
    """The polynomial coeffs[0] x^(n-1) + ... + coeffs[-1], by a for loop over an array."""
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


COEFFS = np.array([2.0, -3.0, 0.5, 1.0])       # 2 x^3 - 3 x^2 + 0.5 x + 1

# (name, function, extra arguments before x, extra arguments after x, points, exact derivative)
CASES = [
    ("loop(x, 50): a while loop around an if", loop, (), (50,), (0.7, -0.7, 2.0), None),
    ("newton_sqrt(a): a data-dependent while loop", newton_sqrt, (), (), (2.0, 9.0, 0.25),
     lambda a: 0.5 / math.sqrt(a)),
    ("piecewise(x): if / elif / else", piecewise, (), (), (1.5, 0.5, -0.5),
     lambda x: 2 * x if x > 1 else (2.0 if x > 0 else math.cos(x))),
    ("horner(coeffs, x): a for loop over an array", horner, (COEFFS,), (), (-1.0, 0.3, 2.0),
     lambda x: 6 * x ** 2 - 6 * x + 0.5),
]


def check_case(title, func, before, after, points, exact, show_source=True):
    """Compare reverse mode, forward mode and central differences; return the worst relative difference.

    Where the exact derivative is known, reverse mode must match it to rounding.
    """
    wrt = len(before)
    print()
    print("=" * 72)
    print(title)
    print("=" * 72)
    if show_source:
        print(tad.source(func, mode="reverse", wrt=wrt))
    worst = 0.0
    for x in points:
        args = before + (x,) + after
        reverse = tad.grad(func, wrt=wrt)(*args)
        tangents = tuple(1.0 if i == wrt else None for i in range(len(args)))
        _, forward = tad.jvp(func, args, tangents)
        central = tad.numerical_grad(func, *args, wrt=wrt)
        error = abs(reverse - central) / max(abs(central), 1e-12)
        worst = max(worst, error, abs(reverse - forward) / max(abs(reverse), 1e-12))
        line = (f"x = {x:5}: reverse {reverse: .12f}   forward {forward: .12f}   "
                f"central differences {central: .12f}   relative difference {error:.1e}")
        if exact is not None:
            line += f"   exact {exact(x): .12f}"
            if abs(reverse - exact(x)) > 1e-12 * max(1.0, abs(exact(x))):
                raise SystemExit(f"{func.__name__}: {reverse!r} differs from the exact {exact(x)!r}")
        print(line)
    return worst


def main():
    worst = {}
    for title, func, before, after, points, exact in CASES:
        worst[func.__name__] = check_case(title, func, before, after, points, exact)

    print()
    print("The trace of newton_sqrt'(2): each Newton step, then the reverse sweep replaying them.")
    trace = tad.explain(newton_sqrt, 2.0, mode="reverse")
    print(trace)
    steps = sum(1 for row in trace.rows if row.phase == "forward" and row.statement == "x = 0.5 * t1")
    print(f"{steps} Newton steps; d sqrt(a)/da at a = 2 is {trace.result:.15f}, "
          f"1 / (2 sqrt(2)) = {0.5 / math.sqrt(2.0):.15f}")

    print()
    print("Worst relative difference from central differences (and between the two modes):")
    for name, error in worst.items():
        print(f"  {name:12} {error:.1e}")
    if max(worst.values()) > 1e-6:
        raise SystemExit("a derivative disagrees with central differences")
    print("All derivatives agree with central differences.")
    return worst


if __name__ == "__main__":
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    main()
