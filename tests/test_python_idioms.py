"""The Python people write without thinking: builtins, tuple unpacking, enumerate and zip.

Each idiom is differentiated in both modes by `GradChecker.check` (conftest.py: central
differences, the closed form, vjp, jvp and the dot-product identity, on every array
library), and once more with optimize=False against the closed form. What cannot be
differentiated is refused with a message that says what to write instead.
"""
import numpy as np
import pytest

import tangent_ad as tad

X = np.array([0.5, -1.2, 2.0])
Y = np.array([1.5, 0.3, -0.7])
M = np.array([[0.3, -0.8, 1.1, 0.4], [1.7, 0.2, -0.5, -1.3], [-0.6, 0.9, 0.1, 2.2]])


# ------------------------------------------------------------------ builtins
def sum_of_vector(x):
    return sum(x) * 2.0


def sum_of_matrix(x):                 # sum(x) of a 2-D array adds its rows
    return np.sum(sum(x) ** 2)


def sum_with_start(x, s):
    return sum(x, s) * s


def sum_of_listed(x, y):
    return np.sum(sum([x, 2.0 * y, x * y]))


def abs_of_float(x):
    return abs(x) * 3.0


def abs_of_array(x):
    return np.sum(abs(x) * x)


def max_of_two(x, y):
    return max(x, y) * 2.0 + min(x, y * y)


def max_of_three(x, y):
    return max(x, y, x * y) + min([x, y])


def max_of_vector(x):
    return max(x) * 2.0 - min(x) ** 2


def mean_by_len(x):
    return np.sum(x) / len(x)


def float_of_value(x):
    return float(np.sum(x * x)) * 2.0


def loop_over_range_of_len(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] ** 2 * i
    return s


def scaled_if_int(x, k):
    if isinstance(k, int):
        y = x * k
    else:
        y = x
    return np.sum(y * y)


BUILTINS = [
    (sum_of_vector, (X,), 0, lambda u, x: (u * 2.0 * np.ones_like(x),)),
    (sum_of_matrix, (M,), 0, lambda u, x: (u * 2.0 * np.broadcast_to(x.sum(axis=0), x.shape),)),
    (sum_with_start, (X, 0.7), (0, 1), lambda u, x, s: (u * s * np.ones_like(x), u * (np.sum(x) + 2 * s))),
    (sum_of_listed, (X, Y), (0, 1), lambda u, x, y: (u * (1.0 + y), u * (2.0 + x))),
    (abs_of_float, (-1.3,), 0, lambda u, x: (u * -3.0,)),
    (abs_of_array, (X,), 0, lambda u, x: (u * 2.0 * np.abs(x),)),
    (max_of_two, (1.2, 0.7), (0, 1), lambda u, x, y: (u * 2.0, u * 2.0 * y)),      # min is y * y
    (max_of_two, (0.4, 0.9), (0, 1), lambda u, x, y: (u * 1.0, u * 2.0)),          # max is y, min is x
    (max_of_three, (1.5, -2.0), (0, 1), lambda u, x, y: (u * 1.0, u * 1.0)),       # max x, min y
    (max_of_three, (-0.5, -3.0), (0, 1), lambda u, x, y: (u * y, u * (x + 1.0))),      # max x * y
    (max_of_vector, (X,), 0, lambda u, x: (u * np.array([0.0, 2.4, 2.0]),)),
    (mean_by_len, (X,), 0, lambda u, x: (u * np.ones_like(x) / 3.0,)),
    (float_of_value, (X,), 0, lambda u, x: (u * 4.0 * x,)),
    (loop_over_range_of_len, (X,), 0, lambda u, x: (u * 2.0 * x * np.arange(3.0),)),
    (scaled_if_int, (X, 3), 0, lambda u, x, k: (u * 18.0 * x,)),
    (scaled_if_int, (X, 3.0), 0, lambda u, x, k: (u * 2.0 * x,)),
]


# the stand-in array (tests/strict_array.py) cannot iterate over a vector: each entry it
# yields is a NumPy scalar, which it refuses to wrap; Python's sum(x), max(x) need that
ITERATE_VECTORS = {"sum_of_vector", "sum_with_start", "max_of_vector"}


def skip_iterating_strict_vectors(xp, f):
    if xp.name == "strict" and f.__name__ in ITERATE_VECTORS:
        pytest.skip("the stand-in array cannot iterate over a one-dimensional array")


def _ids(cases):
    return [f"{case[0].__name__}-{n}" for n, case in enumerate(cases)]


def check_unoptimized(f, args, wrt, exact):
    """optimize=False: the derivative without clean-ups gives the closed form in both modes."""
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    expected = exact(1.0, *args)
    got = tad.derivative(f, "reverse", wrt, optimize=False)(*args)
    got = got if isinstance(wrt, tuple) else (got,)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    rng = np.random.default_rng(7)
    tangents = [rng.standard_normal(np.shape(args[i])) for i in indices]
    tangents = [float(t) if np.shape(t) == () else t for t in tangents]
    value, tangent = tad.derivative(f, "forward", wrt, optimize=False)(*args, *tangents)
    assert value == f(*args)
    np.testing.assert_allclose(tangent, sum(np.sum(e * t) for e, t in zip(expected, tangents)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, args, wrt, exact", BUILTINS, ids=_ids(BUILTINS))
def test_builtins(checker, xp, f, args, wrt, exact):
    skip_iterating_strict_vectors(xp, f)
    checker.check(f, args, wrt=wrt, exact=exact)


@pytest.mark.parametrize("f, args, wrt, exact", BUILTINS, ids=_ids(BUILTINS))
def test_builtins_unoptimized(f, args, wrt, exact):
    check_unoptimized(f, args, wrt, exact)


def max_with_key(x):
    return max(x, key=abs)


def sum_of_list_variable(x):
    parts = [x, x]
    return np.sum(sum(parts))


@pytest.mark.parametrize("f, words", [
    (max_with_key, "max(x, key=abs) on differentiated values"),
    (sum_of_list_variable, "list"),
])
def test_builtins_refused_with_a_clear_message(f, words):
    with pytest.raises(tad.TransformError) as error:
        tad.grad(f)(X)
    assert words in str(error.value)
