"""Which adjoints are live at a loop's head, worked out from the reverse nodes alone.

The reverse sweep writes a loop once: the adjoints assigned at its head come from a fixed
point over the body's nodes (``ControlFlow.live``), not from writing the body's code to
learn them. Gradients are checked against central differences, with and without the
clean-ups, and the generated names carry no numeric suffix that nothing else claimed
(``W_bar_terms``, not ``W_bar_terms2``).
"""
import re

import numpy as np
import pytest

import tangent_ad as tad

RNG = np.random.default_rng(2024)


def nested(W, h):
    for i in range(3):
        for j in range(2):
            h = np.tanh(W @ h)
    return np.sum(h)


def nested_two_inner(W, V, h):
    for i in range(2):
        for j in range(2):
            h = np.tanh(W @ h)
        for k in range(2):
            h = np.sin(V @ h)
    return np.sum(h)


def loop_with_if(x, y):
    for i in range(4):
        if np.sum(x) > 0.0:
            x = x * y
        else:
            x = np.sin(x) + y
    return np.sum(x)


def while_with_break(x, a):
    n = 0
    while n < 10:
        x = x * a
        if np.sum(x) > 5.0:
            break
        n = n + 1
    return np.sum(x)


def read_before_written(x, y):
    # b's update reads a, which only a later statement of the body (so an earlier
    # iteration) assigns from x and y: a_bar is live at the head from the second pass on
    a = x
    b = x * 0.0
    for i in range(3):
        b = b + a * y
        a = np.sin(x) * y
    return np.sum(b)


def read_before_written_scalar(x, y):
    a = 1.0
    s = 0.0
    for i in range(4):
        s = s + a * x
        a = y * x
    return s


def nested_while(x, a):
    i = 0
    while i < 3:
        j = 0
        while j < 2:
            x = np.sin(x * a)
            j = j + 1
        i = i + 1
    return np.sum(x)


def positive(shape):
    return RNG.uniform(0.5, 1.5, size=shape)


CASES = {
    "nested": (nested, lambda: (RNG.normal(size=(3, 3)) * 0.4, RNG.normal(size=3)), (0, 1)),
    "nested_two_inner": (nested_two_inner,
                         lambda: (RNG.normal(size=(3, 3)) * 0.4, RNG.normal(size=(3, 3)) * 0.4,
                                  RNG.normal(size=3)), (0, 1, 2)),
    # x stays positive: np.sum(x) > 0 holds far from the stencil on every iteration
    "loop_with_if": (loop_with_if, lambda: (positive(4), positive(4)), (0, 1)),
    # the sum (about 1.2 * 1.4 ** n) passes 5.0 at the fifth iteration: 4.6, then 6.5, far from the stencil
    "while_with_break": (while_with_break, lambda: (np.full(3, 0.4) + RNG.uniform(0, 0.01, 3), np.float64(1.4)),
                         (0, 1)),
    "read_before_written": (read_before_written, lambda: (RNG.normal(size=4), RNG.normal(size=4)), (0, 1)),
    "read_before_written_scalar": (read_before_written_scalar, lambda: (0.7, -1.3), (0, 1)),
    "nested_while": (nested_while, lambda: (RNG.normal(size=3), np.float64(0.8)), (0, 1)),
}


def central_difference(f, args, k, eps=1e-6):
    """The derivative of ``f`` in its ``k``-th argument, one element at a time."""
    x = np.asarray(args[k], dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        def at(step):
            moved = x.copy()
            moved[index] += step
            values = list(args)
            values[k] = moved if x.shape else float(moved)
            return f(*values)
        grad[index] = (at(eps) - at(-eps)) / (2 * eps)
    return grad


@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "plain"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name, optimize):
    f, make, wrt = CASES[name]
    args = make()
    grads = tad.derivative(f, wrt=wrt, optimize=optimize)(*args)
    assert len(grads) == len(wrt)
    for k, g in zip(wrt, grads):
        expected = central_difference(f, args, k)
        np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-6, atol=1e-8)


# a name the loop fixed point could have pushed on to a fresh one: an adjoint or its list
# of matmul terms with a numeric suffix
SUFFIXED = re.compile(r"\b\w+_bar(?:_terms)?_?\d+\b")


@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "plain"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_needless_numeric_suffix(name, optimize):
    f, _, wrt = CASES[name]
    text = tad.source(f, wrt=wrt, optimize=optimize)
    assert SUFFIXED.findall(text) == []


def test_nested_loop_terms_take_the_plain_name():
    text = tad.source(nested, wrt=(0, 1))
    assert "W_bar_terms = []" in text
    assert "W_bar_terms.append((t1_bar, h))" in text
    assert "W_bar += matmul_adjoint_left_sum(W_bar_terms, W)" in text
    assert text.count("W_bar_terms = []") == 1


def test_checkpointed_nested_loop():
    W, h = RNG.normal(size=(3, 3)) * 0.4, RNG.normal(size=3)
    text = tad.source(nested, wrt=(0, 1), checkpoint=True)
    assert SUFFIXED.findall(text) == []
    for k, g in zip((0, 1), tad.grad(nested, wrt=(0, 1), checkpoint=True)(W, h)):
        np.testing.assert_allclose(g, central_difference(nested, (W, h), k), rtol=1e-6, atol=1e-8)
