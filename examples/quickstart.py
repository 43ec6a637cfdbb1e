"""Quick start: the chapter's examples, their generated derivative code, and the values.

Run from the repository root after installing the package:

    python -m pip install . && python examples/quickstart.py

It differentiates the chapter's function y = (x1 + x2) * (x1 - x2), written the
way the chapter writes it (u1 = x1 + x2, u2 = x1 - x2, y = u1 * u2), prints the
forward- and reverse-mode code tangent_ad generates and the table of values
tad.explain records while that code runs; then the chain-rule examples sin(x^2)
and (x + y)^2, and the libraries' example sum(x^2). Every value is checked; the
script stops with an error if one differs from the chapter.
"""
import math
import sys

import numpy as np

import tangent_ad as tad

from seed import sin_square, square_sum, z


def f(x1, x2):
    """The chapter's forward- and reverse-mode example, with the chapter's names."""
    u1 = x1 + x2
    u2 = x1 - x2
    y = u1 * u2
    return y


def banner(text):
    print()
    print("=" * 72)
    print(text)
    print("=" * 72)


def check(what, got, want, tol=1e-12):
    print(f"{what} = {got}")
    if not np.allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol):
        raise AssertionError(f"{what}: got {got!r}, expected {want!r}")


def main():
    values = {}

    banner("Forward mode: y = (x1 + x2) * (x1 - x2) at x1 = 3, x2 = 2, seeding x1_dot = 1")
    print(tad.source(f, mode="forward", wrt="x1"))
    forward = tad.explain(f, 3.0, 2.0, mode="forward", wrt="x1")
    print(forward)
    chapter = [("u1", 5.0), ("u1_dot", 1.0), ("u2", 1.0), ("u2_dot", 1.0), ("y", 5.0), ("y_dot", 6.0)]
    got = [(row.name, row.value) for row in forward.rows]
    if got != chapter:
        raise AssertionError(f"forward mode: got {got}, the chapter has {chapter}")
    print("the forward-mode rows are the chapter's table: " + ", ".join(f"{n} = {v:g}" for n, v in got))
    values["y_dot"] = forward.result[1]

    banner("Reverse mode: the same function, both adjoints from one forward and one reverse sweep")
    print(tad.source(f, mode="reverse", wrt=("x1", "x2")))
    reverse = tad.explain(f, 3.0, 2.0, mode="reverse", wrt=("x1", "x2"))
    print(reverse)
    adjoints = reverse.values("reverse")
    chapter = {"y_bar": 1.0, "u1_bar": 1.0, "u2_bar": 5.0, "x1_bar": 6.0, "x2_bar": -4.0}
    if adjoints != chapter or list(adjoints) != list(chapter):
        raise AssertionError(f"reverse mode: got {adjoints}, the chapter has {chapter}")
    print("the adjoints, in the order they are completed, are the chapter's: "
          + ", ".join(f"{n} = {v:g}" for n, v in adjoints.items()))
    values["grad_f"] = tad.grad(f, wrt=("x1", "x2"))(3.0, 2.0)
    check("tad.grad(f, wrt=('x1', 'x2'))(3.0, 2.0)", values["grad_f"], (6.0, -4.0))

    banner("The chain rule: y = sin(x^2), dy/dx = 2 x cos(x^2)")
    print(tad.source(sin_square, mode="reverse"))
    values["sin_square"] = tad.grad(sin_square)(1.0)
    check("d/dx sin(x^2) at x = 1", values["sin_square"], 2 * math.cos(1.0))
    print(f"  ~ {values['sin_square']:.4f}, the chapter's 2 cos(1) ~ 1.0806")

    banner("Two variables: z = (x + y)^2, dz/dx = dz/dy = 2 (x + y)")
    values["z"] = tad.grad(z, wrt=("x", "y"))(1.0, 2.0)
    check("(dz/dx, dz/dy) at (1, 2)", values["z"], (6.0, 6.0))

    banner("The libraries' example: sum(x^2) at x = [2, 3]")
    print(tad.source(square_sum, mode="reverse"))
    values["square_sum"] = tad.grad(square_sum)(np.array([2.0, 3.0]))
    check("gradient of sum(x^2) at [2, 3]", values["square_sum"], [4.0, 6.0])
    print("(PyTorch, TensorFlow and JAX print the same [4. 6.])")

    print()
    print("All values agree with the chapter.")
    return values


if __name__ == "__main__":
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    main()
