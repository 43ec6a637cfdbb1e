"""Pinned sources (tests/golden/) of comprehensions and local functions: a generator summed
(a total added up in a loop), a list comprehension stacked (a list appended to in a loop),
a lambda closing over a differentiated value and a nested def, inlined where they are
called, and a module-level helper given a lambda, inlined with it; each with the derivative it must compute, worked out by hand here.

Hooked into tests/test_golden.py with the cases of tests/golden_more.py.
"""
import numpy as np

import tangent_ad as tad
from golden_more import Case


def sum_of_squares(x, n):
    return sum(x[i] ** 2 for i in range(n) if i != 1)


def stacked_sines(x):
    return np.sum(np.stack([np.sin(v) * v for v in x]))


def closure(x):
    y = np.sin(x)
    scaled = lambda t: t * y  # noqa: E731
    return np.sum(scaled(x))


def nested_def(x):
    def energy(v):
        s = v * 2.0
        return np.sum(s * v)
    return energy(x) + energy(x + 1.0)


def apply(fn, v):
    scaled = fn(v) * 2.0
    return scaled + v


def helper_given_a_lambda(x):
    sq = lambda t: t ** 2  # noqa: E731
    return np.sum(apply(sq, x)) + np.sum(apply(lambda t: np.sin(t) * x[0], x))


# ------------------------------------------------------------------ derivatives by hand
def sum_of_squares_gradient(x, n):
    g = np.zeros_like(x)
    for i in range(n):
        if i != 1:
            g[i] = 2.0 * x[i]
    return g


def stacked_sines_gradient(x):
    return np.cos(x) * x + np.sin(x)


def closure_gradient(x):
    return np.sin(x) + x * np.cos(x)


def nested_def_gradient(x):
    return 4.0 * x + 4.0 * (x + 1.0)


def helper_given_a_lambda_gradient(x):
    first = np.zeros_like(x)
    first[0] = 2.0 * np.sum(np.sin(x))
    return 4.0 * x + 1.0 + 2.0 * np.cos(x) * x[0] + 1.0 + first


X = np.array([0.5, -1.25, 2.0])
V = np.array([1.0, -2.0, 0.5])


def _close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


def _check_reverse(name, gradient, *rest):
    def check(ns):
        _close(ns[f"{name}_grad"](X.copy(), *rest), gradient(X, *rest))
    return check


def _check_forward(func, gradient, *rest):
    def check(ns):
        value, tangent = ns[f"{func.__name__}_jvp"](X.copy(), *rest, V) if not rest else \
            ns[f"{func.__name__}_jvp"](X.copy(), *rest, x_dot=V)
        assert value == func(X, *rest)
        _close(tangent, np.sum(gradient(X, *rest) * V))
    return check


def _source(func, mode):
    return lambda: tad.source(func, mode, "x")


CASES = [
    Case("comprehension_sum.reverse.x.py", _source(sum_of_squares, "reverse"),
         _check_reverse("sum_of_squares", sum_of_squares_gradient, 3)),
    Case("comprehension_sum.forward.x.py", _source(sum_of_squares, "forward"),
         _check_forward(sum_of_squares, sum_of_squares_gradient, 3)),
    Case("comprehension_stack.reverse.x.py", _source(stacked_sines, "reverse"),
         _check_reverse("stacked_sines", stacked_sines_gradient)),
    Case("comprehension_stack.forward.x.py", _source(stacked_sines, "forward"),
         _check_forward(stacked_sines, stacked_sines_gradient)),
    Case("inlined_lambda.reverse.x.py", _source(closure, "reverse"),
         _check_reverse("closure", closure_gradient)),
    Case("inlined_lambda.forward.x.py", _source(closure, "forward"),
         _check_forward(closure, closure_gradient)),
    Case("inlined_def.reverse.x.py", _source(nested_def, "reverse"),
         _check_reverse("nested_def", nested_def_gradient)),
    Case("helper_given_a_lambda.reverse.x.py", _source(helper_given_a_lambda, "reverse"),
         _check_reverse("helper_given_a_lambda", helper_given_a_lambda_gradient)),
]
