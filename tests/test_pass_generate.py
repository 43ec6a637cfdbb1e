"""Generate (pipeline/generate.py, modes/forward.py, modes/reverse/): the derivative's code.

The full text of ``tad.source`` for small functions, in forward and reverse mode, with
the clean-ups (``optimize=True``) and without; ``{def}`` stands for the line the function
is defined on and ``{+n}`` for the n-th line after it. Each text is then run, in an empty
namespace, and its numbers checked against the known derivative.
"""
import re

import numpy as np
import pytest

import pass_inputs as inputs
import tangent_ad as tad


def expected(func, text):
    first = func.__code__.co_firstlineno
    text = text.replace("{def}", str(first))
    return re.sub(r"\{\+(\d)\}", lambda m: str(first + int(m.group(1))), text)


def run_fresh(text, name, *args):
    namespace = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    return namespace[name](*args)


NESTED_FORWARD = '''\
import numpy as np


def nested_jvp(x, y, x_dot=1.0):
    """Forward mode (tangents) of nested (pass_inputs.py, line {def}) with respect to x.

    Given the tangent x_dot, returns (out, out_dot): the value of nested and its tangent.
    """
    # line {+1}: return np.sin(x * y) + np.exp(-x) / y
    t1 = x * y
    t1_dot = y * x_dot
    t2 = np.sin(t1)
    t2_dot = np.cos(t1) * t1_dot
    t3 = -x
    t3_dot = -x_dot
    t4 = np.exp(t3)
    t4_dot = t4 * t3_dot
    t5 = t4 / y
    t5_dot = 1 / y * t4_dot
    out = t2 + t5
    out_dot = t2_dot + t5_dot
    return out, out_dot
'''


NESTED_FORWARD_NOT_OPTIMIZED = '''\
import numpy as np
from tangent_ad.runtime import broadcast_like


def nested_jvp(x, y, x_dot=1.0):
    """Forward mode (tangents) of nested (pass_inputs.py, line {def}) with respect to x.

    Given the tangent x_dot, returns (out, out_dot): the value of nested and its tangent.
    """
    # line {+1}: return np.sin(x * y) + np.exp(-x) / y
    t1 = x * y
    t1_dot = y * broadcast_like(x_dot, x)
    t2 = np.sin(t1)
    t2_dot = np.cos(t1) * broadcast_like(t1_dot, t1)
    t3 = -x
    t3_dot = -1 * broadcast_like(x_dot, x)
    t4 = np.exp(t3)
    t4_dot = t4 * broadcast_like(t3_dot, t3)
    t5 = t4 / y
    t5_dot = 1 / y * broadcast_like(t4_dot, t4)
    out = t2 + t5
    out_dot = 1 * broadcast_like(t2_dot, t2) + 1 * broadcast_like(t5_dot, t5)
    return out, broadcast_like(out_dot, out)
'''


NESTED_REVERSE = '''\
import numpy as np
from tangent_ad.runtime import reusable, seed_adjoint, unbroadcast


def nested_grad(x, y, out_bar=1.0):
    """Reverse mode (adjoints) of nested (pass_inputs.py, line {def}) with respect to x, y.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns (x_bar, y_bar).
    """
    # forward sweep
    # line {+1}: return np.sin(x * y) + np.exp(-x) / y
    t1 = x * y
    t2 = np.sin(t1)
    t3 = -x
    t4 = np.exp(t3, out=reusable(t3))    # t3 is not read again: its array holds the result
    t5 = t4 / y
    out = t2 + t5
    # reverse sweep
    out_bar = seed_adjoint(out, out_bar)
    # out = t2 + t5
    t2_bar = out_bar
    t5_bar = out_bar
    # t5 = t4 / y
    t4_bar = unbroadcast(t5_bar / y, x)
    y_bar = unbroadcast(t5_bar * (-t4 / y ** 2), y)
    # t4 = np.exp(t3)
    t3_bar = t4_bar * t4
    # t3 = -x
    x_bar = -t3_bar
    # t2 = np.sin(t1)
    t1_bar = np.cos(t1, out=reusable(t1))    # t1 is not read again: its array holds the result
    t1_bar *= t2_bar
    # t1 = x * y
    x_bar = x_bar + unbroadcast(t1_bar * y, x)
    t1_bar *= x
    y_bar = y_bar + unbroadcast(t1_bar, y)
    return x_bar, y_bar
'''


NESTED_REVERSE_NOT_OPTIMIZED = '''\
import numpy as np
from tangent_ad.runtime import gradient_like, seed_adjoint, unbroadcast


def nested_grad(x, y, out_bar=1.0):
    """Reverse mode (adjoints) of nested (pass_inputs.py, line {def}) with respect to x, y.

    Given out_bar, the adjoint of the output out (1.0 for a scalar), returns (x_bar, y_bar).
    """
    tape = []
    # forward sweep
    # line {+1}: return np.sin(x * y) + np.exp(-x) / y
    t1 = x * y
    t2 = np.sin(t1)
    tape.append(t1)
    t3 = -x
    t4 = np.exp(t3)
    tape.append(t3)
    tape.append(t4)
    t5 = t4 / y
    tape.append(t4)
    out = t2 + t5
    tape.append(t2)
    tape.append(t5)
    # reverse sweep
    out_bar = seed_adjoint(out, out_bar)
    t1_bar = t2_bar = t3_bar = t4_bar = t5_bar = x_bar = y_bar = 0.0
    # out = t2 + t5
    t5 = tape.pop()
    t2 = tape.pop()
    t2_bar = t2_bar + unbroadcast(out_bar * 1, t2)
    t5_bar = t5_bar + unbroadcast(out_bar * 1, t5)
    out_bar = 0.0    # out is assigned here: its earlier value gets its own adjoint
    # t5 = t4 / y
    t4 = tape.pop()
    t4_bar = t4_bar + unbroadcast(t5_bar * (1 / y), t4)
    y_bar = y_bar + unbroadcast(t5_bar * (-t4 / y ** 2), y)
    t5_bar = 0.0    # t5 is assigned here: its earlier value gets its own adjoint
    # t4 = np.exp(t3)
    t4 = tape.pop()
    t3 = tape.pop()
    t3_bar = t3_bar + unbroadcast(t4_bar * t4, t3)
    t4_bar = 0.0    # t4 is assigned here: its earlier value gets its own adjoint
    # t3 = -x
    x_bar = x_bar + unbroadcast(t3_bar * -1, x)
    t3_bar = 0.0    # t3 is assigned here: its earlier value gets its own adjoint
    # t2 = np.sin(t1)
    t1 = tape.pop()
    t1_bar = t1_bar + unbroadcast(t2_bar * np.cos(t1), t1)
    t2_bar = 0.0    # t2 is assigned here: its earlier value gets its own adjoint
    # t1 = x * y
    x_bar = x_bar + unbroadcast(t1_bar * y, x)
    y_bar = y_bar + unbroadcast(t1_bar * x, y)
    t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x_bar, x), gradient_like(y_bar, y)
'''


EARLY_RETURN_FORWARD = '''\
from tangent_ad.runtime import broadcast_like


def early_return_jvp(x, x_dot=1.0):
    """Forward mode (tangents) of early_return (pass_inputs.py, line {def}) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of early_return and its tangent.
    """
    returned = False
    if x > 0:
        # line {+2}: return x * x
        y = x * x
        y_dot = x * x_dot + x * x_dot
        returned = True
    # line {+1}: if x > 0:
    if not returned:
        # line {+3}: return -x
        y = -x
        y_dot = -x_dot
    return y, broadcast_like(y_dot, y)
'''


EARLY_RETURN_REVERSE = '''\
from tangent_ad.runtime import gradient_like, seed_adjoint, zeros_like


def early_return_grad(x, y_bar=1.0):
    """Reverse mode (adjoints) of early_return (pass_inputs.py, line {def}) with respect to x.

    Given y_bar, the adjoint of the output y (1.0 for a scalar), returns x_bar.
    """
    # forward sweep
    returned = False
    # line {+1}: if x > 0:
    cond = x > 0
    if cond:
        # line {+2}: return x * x
        y = x * x
        returned = True
    # line {+1}: if x > 0:
    cond2 = not returned
    if cond2:
        # line {+3}: return -x
        y = -x
    # reverse sweep
    y_bar = seed_adjoint(y, y_bar)
    if cond2:
        # y = -x
        x_bar = -y_bar
        y_bar = 0.0
    else:
        x_bar = zeros_like(x)
    if cond:
        # y = x * x
        x_bar = x_bar + y_bar * x
        x_bar = x_bar + y_bar * x
        y_bar = 0.0
    return gradient_like(x_bar, x)
'''


SUM_OVER_RANGE_FORWARD = '''\
from tangent_ad.runtime import broadcast_like, zeros_like


def sum_over_range_jvp(x, n, x_dot=1.0):
    """Forward mode (tangents) of sum_over_range (pass_inputs.py, line {def}) with respect to x.

    Given the tangent x_dot, returns (s, s_dot): the value of sum_over_range and its tangent.
    """
    s = 0.0
    s_dot = zeros_like(s)
    for i in range(n):
        # line {+3}: s += x * i
        t1 = x * i
        t1_dot = i * x_dot
        s_dot = s_dot + t1_dot
        s = s + t1
    return s, broadcast_like(s_dot, s)
'''


SUM_OVER_RANGE_REVERSE = '''\
from tangent_ad.runtime import seed_adjoint, unbroadcast, zeros_like


def sum_over_range_grad(x, n, s_bar=1.0):
    """Reverse mode (adjoints) of sum_over_range (pass_inputs.py, line {def}) with respect to x.

    Given s_bar, the adjoint of the output s (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    s = 0.0
    for i in range(n):
        # line {+3}: s += x * i
        t1 = x * i
        tape.append(s)
        s = s + t1
        tape.append(t1)
    # reverse sweep
    s_bar = seed_adjoint(s, s_bar)
    x_bar = zeros_like(x)
    for i in reversed(range(n)):
        # s = s + t1
        t1 = tape.pop()
        s = tape.pop()
        t1_bar = unbroadcast(s_bar, t1)
        s_bar = unbroadcast(s_bar, s)
        # t1 = x * i
        x_bar += t1_bar * i
    return x_bar
'''


SUM_OVER_RANGE_REVERSE_NOT_OPTIMIZED = '''\
from tangent_ad.runtime import gradient_like, seed_adjoint, unbroadcast


def sum_over_range_grad(x, n, s_bar=1.0):
    """Reverse mode (adjoints) of sum_over_range (pass_inputs.py, line {def}) with respect to x.

    Given s_bar, the adjoint of the output s (1.0 for a scalar), returns x_bar.
    """
    tape = []
    # forward sweep
    s = 0.0
    for i in range(n):
        # line {+3}: s += x * i
        t1 = x * i
        tape.append(i)
        tape.append(s)
        s = s + t1
        tape.append(t1)
    # reverse sweep
    s_bar = seed_adjoint(s, s_bar)
    t1_bar = x_bar = 0.0
    for i in reversed(range(n)):
        # s = s + t1
        t1 = tape.pop()
        s = tape.pop()
        t1_bar = t1_bar + unbroadcast(s_bar * 1, t1)
        s_bar = unbroadcast(s_bar * 1, s)
        # t1 = x * i
        i = tape.pop()
        x_bar = x_bar + unbroadcast(t1_bar * i, x)
        t1_bar = 0.0    # t1 is assigned here: its earlier value gets its own adjoint
    return gradient_like(x_bar, x)
'''


@pytest.mark.parametrize("optimize,pinned", [(True, NESTED_FORWARD), (False, NESTED_FORWARD_NOT_OPTIMIZED)])
def test_forward_mode_of_nested_expressions(optimize, pinned):
    text = tad.source(inputs.nested, "forward", "x", optimize=optimize)
    assert text == expected(inputs.nested, pinned)
    x, y = 0.4, 1.5
    value, tangent = run_fresh(text, "nested_jvp", x, y)
    assert value == inputs.nested(x, y)
    assert tangent == pytest.approx(y * np.cos(x * y) - np.exp(-x) / y, rel=1e-15)
    # arrays: the tangent of each element, along a direction
    xs, v = np.array([0.1, 0.7]), np.array([1.0, -2.0])
    np.testing.assert_allclose(run_fresh(text, "nested_jvp", xs, y, v)[1],
                               (y * np.cos(xs * y) - np.exp(-xs) / y) * v, rtol=1e-15)


@pytest.mark.parametrize("optimize,pinned", [(True, NESTED_REVERSE), (False, NESTED_REVERSE_NOT_OPTIMIZED)])
def test_reverse_mode_of_nested_expressions(optimize, pinned):
    text = tad.source(inputs.nested, "reverse", ("x", "y"), optimize=optimize)
    assert text == expected(inputs.nested, pinned)
    x, y = 0.4, 1.5
    x_bar, y_bar = run_fresh(text, "nested_grad", x, y)
    assert x_bar == pytest.approx(y * np.cos(x * y) - np.exp(-x) / y, rel=1e-15)
    assert y_bar == pytest.approx(x * np.cos(x * y) - np.exp(-x) / y ** 2, rel=1e-15)
    # y a scalar, x an array: y's adjoint is summed over x's elements
    xs, u = np.array([0.1, 0.7]), np.array([2.0, -1.0])
    x_bar, y_bar = run_fresh(text, "nested_grad", xs, y, u)
    np.testing.assert_allclose(x_bar, u * (y * np.cos(xs * y) - np.exp(-xs) / y), rtol=1e-15)
    assert y_bar == pytest.approx(np.sum(u * (xs * np.cos(xs * y) - np.exp(-xs) / y ** 2)), rel=1e-14)


@pytest.mark.parametrize("mode,pinned", [("forward", EARLY_RETURN_FORWARD), ("reverse", EARLY_RETURN_REVERSE)])
def test_an_early_return(mode, pinned):
    text = tad.source(inputs.early_return, mode)
    assert text == expected(inputs.early_return, pinned)
    name = "early_return_jvp" if mode == "forward" else "early_return_grad"
    derivative = (lambda x: run_fresh(text, name, x)[1]) if mode == "forward" else (
        lambda x: run_fresh(text, name, x))
    assert derivative(3.0) == 6.0
    assert derivative(-3.0) == -1.0


def test_forward_mode_of_a_for_loop():
    text = tad.source(inputs.sum_over_range, "forward")
    assert text == expected(inputs.sum_over_range, SUM_OVER_RANGE_FORWARD)
    assert run_fresh(text, "sum_over_range_jvp", 2.0, 5) == (20.0, 10.0)
    assert run_fresh(text, "sum_over_range_jvp", 2.0, 0) == (0.0, 0.0)


@pytest.mark.parametrize("optimize,pinned", [(True, SUM_OVER_RANGE_REVERSE),
                                             (False, SUM_OVER_RANGE_REVERSE_NOT_OPTIMIZED)])
def test_reverse_mode_of_a_for_loop(optimize, pinned):
    text = tad.source(inputs.sum_over_range, "reverse", optimize=optimize)
    assert text == expected(inputs.sum_over_range, pinned)
    assert run_fresh(text, "sum_over_range_grad", 2.0, 5) == 10.0
    x, u = np.array([1.0, 3.0]), np.array([0.5, -1.0])
    np.testing.assert_array_equal(run_fresh(text, "sum_over_range_grad", x, 4, u), 6.0 * u)
