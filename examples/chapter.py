"""Walk through the chapter's worked examples with tangent_ad.

Run from the repository root after installing the package:

    python -m pip install . && python examples/chapter.py

Each section follows a section of the chapter (its Chinese title in parentheses),
prints the values tangent_ad computes and, for the forward- and reverse-mode
examples, the derivative source it generates. Every value is compared with the
chapter's exact value; the script stops with a non-zero exit status and a message
naming the example if any of them disagrees, so it doubles as a check.

It also draws the chapter's computational graph of y = (x1 + x2)(x1 - x2) at (3, 2),
forward (tangents) and reverse (adjoints), into docs/images/chapter_graph_forward.svg
and docs/images/chapter_graph_reverse.svg (or into the folder given as its argument:
``python examples/chapter.py /tmp/pictures``).
"""
import math
import os
import sys

import numpy as np

import tangent_ad as tad

from seed import f, loop, sin_square, square_sum, z

if hasattr(sys.stdout, "reconfigure"):  # keep the Chinese titles printable on any terminal
    sys.stdout.reconfigure(errors="backslashreplace")


def section(number, title, chinese):
    print()
    print(f"== {number}. {title} ({chinese}) ==")


def show_source(label, text):
    print(f"--- {label} ---")
    print(text.rstrip())
    print("---")


def expect(what, got, want, tol=1e-12, reference="chapter"):
    """Print `what = got` and stop the script unless got matches want within tol."""
    got_arr = np.asarray(got, dtype=float)
    want_arr = np.asarray(want, dtype=float)
    ok = got_arr.shape == want_arr.shape and np.allclose(got_arr, want_arr, rtol=tol, atol=tol)
    print(f"{what} = {got}   ({reference}: {want})")
    if not ok:
        raise AssertionError(f"{what}: got {got!r}, but the {reference} says {want!r} (tolerance {tol:g})")


def square(x):
    return x ** 2


def chapter_f(x1, x2):
    """The chapter's forward- and reverse-mode example, with the chapter's names."""
    u1 = x1 + x2
    u2 = x1 - x2
    y = u1 * u2
    return y


def write_graphs(folder):
    """Draw the chapter's graph, forward and reverse, at (3, 2) as SVG files in folder."""
    os.makedirs(folder, exist_ok=True)
    for mode, wrt in (("forward", "x1"), ("reverse", ("x1", "x2"))):
        path = os.path.normpath(os.path.join(folder, f"chapter_graph_{mode}.svg"))
        tad.graph(chapter_f, 3.0, 2.0, mode=mode, wrt=wrt).save(path)
        print(f"the chapter's computational graph, {mode} mode, written to {path}")


# --------------------------------------------------------------------------
section(1, "Numerical differentiation", "数值微分")
# f(x) = x^2 at x = 2; the exact derivative is 4.
h = 0.01
forward_difference = (square(2.0 + h) - square(2.0)) / h
expect("forward difference of x^2 at 2, h = 0.01", forward_difference, 4.01, tol=1e-9)
h = 1e-8
central_difference = (square(2.0 + h) - square(2.0 - h)) / (2 * h)
expect("central difference of x^2 at 2, h = 1e-8", central_difference, 4.0, tol=1e-6)
expect("tad.numerical_grad(x^2) at 2 (central, h = 1e-5)", tad.numerical_grad(square, 2.0), 4.0, tol=1e-8)
expect("tad.grad(x^2) at 2 (reverse mode, exact)", tad.grad(square)(2.0), 4.0)

# Gradient checking: the relative error of central differences against automatic
# differentiation should be below 1e-7.
x = np.random.default_rng(0).standard_normal(10)
rel_error = tad.check_grad(square_sum, x, rtol=1e-7)
print(f"gradient check of sum(x^2) on 10 random numbers: relative error {rel_error:.1e} (< 1e-7)")

# --------------------------------------------------------------------------
section(2, "The chain rule", "链式法则")
# y = sin(x^2): dy/dx = cos(x^2) * 2x, so 2 cos(1) ~ 1.0806 at x = 1.
dy_dx = tad.grad(sin_square)(1.0)
expect("d/dx sin(x^2) at x = 1", dy_dx, 2 * math.cos(1.0))
expect("  rounded to four places", round(dy_dx, 4), 1.0806)

# --------------------------------------------------------------------------
section(3, "Multivariate chain rule: z = (x + y)^2", "多元函数例子")
# dz/dx = dz/dy = 2(x + y).
x, y = 1.0, 2.0
dz_dx, dz_dy = tad.grad(z, wrt=("x", "y"))(x, y)
expect("(dz/dx, dz/dy) at (1, 2)", (dz_dx, dz_dy), (2 * (x + y), 2 * (x + y)))

# --------------------------------------------------------------------------
section(4, "Forward mode", "前向模式")
# y = (x1 + x2)(x1 - x2) at (3, 2), seeding x1_dot = 1 and x2_dot = 0.
show_source("forward-mode code for f, with respect to x1", tad.source(f, mode="forward"))
y_value, y_tangent = tad.jvp(f, (3.0, 2.0), (1.0, 0.0))
expect("y at (3, 2)", y_value, 5.0)
expect("y_dot = dy/dx1 at (3, 2)", y_tangent, 6.0)

# --------------------------------------------------------------------------
section(5, "Reverse mode", "反向模式")
# The same function, both adjoints from one forward and one reverse sweep.
df = tad.differentiate(wrt=("x1", "x2"))(f)
show_source("reverse-mode code for f, with respect to x1 and x2", df.source("reverse"))
# A call of Python floats runs the code built for numbers, whose shapes are known: no
# unbroadcast and no seed check, the chapter's table of adjoints line for line.
for_floats = tad.source(f, wrt=("x1", "x2"), args=(3.0, 2.0))
show_source("the same, built for the floats of the call f(3.0, 2.0)", for_floats)
if "unbroadcast" in for_floats or "seed_adjoint" in for_floats:
    raise AssertionError("the reverse-mode code built for floats should read like the chapter's table")
expect("f(3, 2)", df(3.0, 2.0), 5.0)
expect("(x1_bar, x2_bar) at (3, 2)", df.grad(3.0, 2.0), (6.0, -4.0))

# --------------------------------------------------------------------------
section(6, "Autodiff libraries: sum(x ** 2)", "常见的自动微分库")
# PyTorch, TensorFlow and JAX all print [4. 6.] for the gradient of sum(x^2) at [2, 3].
show_source("reverse-mode code for square_sum", tad.source(square_sum, mode="reverse"))
grad_x = tad.grad(square_sum)(np.array([2.0, 3.0]))
expect("gradient of sum(x^2) at [2, 3]", grad_x, [4.0, 6.0])

# --------------------------------------------------------------------------
section(7, "Control flow: a while loop around an if", "支持控制流（if/while）")
# The reverse sweep replays the branches the forward sweep took; compare with
# central differences from both sides of zero, so both branches run.
show_source("reverse-mode code for loop, with respect to x", tad.source(loop, mode="reverse"))
for x0 in (0.7, -0.7):
    expect(
        f"d loop(x, 50)/dx at x = {x0}",
        tad.grad(loop)(x0, 50),
        tad.numerical_grad(loop, x0, 50),
        tol=1e-6,
        reference="central differences",
    )

# --------------------------------------------------------------------------
section(8, "The computational graph", "计算图")
# Inputs on the left, the output on the right; each node shows its value and its tangent
# (forward mode, seeding x1_dot = 1, x2_dot = 0) or its adjoint (reverse mode, y_bar = 1).
graph = tad.graph(chapter_f, 3.0, 2.0, mode="reverse", wrt=("x1", "x2"))
expect("adjoints on the graph's inputs (x1_bar, x2_bar)",
       [float(node.derivative.split(" = ")[1]) for node in graph.nodes if node.kind == "input"],
       (6.0, -4.0))
write_graphs(sys.argv[1] if len(sys.argv) > 1 else
             os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "images"))

print()
print("All of the chapter's worked examples agree.")
