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
    checker.check(f, args, wrt=wrt, exact=exact)


@pytest.mark.parametrize("f, args, wrt, exact", BUILTINS, ids=_ids(BUILTINS))
def test_builtins_unoptimized(f, args, wrt, exact):
    check_unoptimized(f, args, wrt, exact)


def max_with_key(x):
    return max(x, key=abs)


def sum_of_list_variable(x):
    parts = [x, x]
    return np.sum(sum(parts))


def test_sum_of_a_list_variable_adds_its_values():
    # the list's two entries are x itself: the gradient of sum(2 x) is 2 everywhere
    np.testing.assert_allclose(tad.grad(sum_of_list_variable)(X), 2.0 * np.ones_like(X))
    np.testing.assert_allclose(tad.jvp(sum_of_list_variable, (X,), (np.ones_like(X),))[1], 2.0 * X.size)


@pytest.mark.parametrize("f, words", [
    (max_with_key, "max(x, key=abs) on differentiated values"),
])
def test_builtins_refused_with_a_clear_message(f, words):
    with pytest.raises(tad.TransformError) as error:
        tad.grad(f)(X)
    assert words in str(error.value)


# ------------------------------------------------------------------ tuple unpacking
def unpack_rows(x):
    a, b, c = x
    return np.sum(a * b + c)


def unpack_nested(x, y):
    (q, w), k = (x, y * y), 2.0
    return np.sum(q * w * k)


def unpack_swap(x, y):
    x, y = y, x * 2.0
    return np.sum(x * y * y)


def unpack_helper_pair(x):
    m, s = moments(x)
    return s - m * m


def moments(v):
    return np.mean(v), np.mean(v * v)


UNPACKING = [
    (unpack_rows, (M,), 0, lambda u, x: (u * np.stack([x[1], x[0], np.ones(4)]),)),
    (unpack_nested, (X, Y), (0, 1), lambda u, x, y: (u * 2.0 * y * y, u * 4.0 * x * y)),
    (unpack_swap, (X, Y), (0, 1), lambda u, x, y: (u * 8.0 * x * y, u * 4.0 * x * x)),
    (unpack_helper_pair, (X,), 0, lambda u, x: (u * 2.0 * (x - x.mean()) / 3.0,)),
]


@pytest.mark.parametrize("f, args, wrt, exact", UNPACKING, ids=_ids(UNPACKING))
def test_unpacking(checker, f, args, wrt, exact):
    checker.check(f, args, wrt=wrt, exact=exact)


@pytest.mark.parametrize("f, args, wrt, exact", UNPACKING, ids=_ids(UNPACKING))
def test_unpacking_unoptimized(f, args, wrt, exact):
    check_unoptimized(f, args, wrt, exact)


def test_unpacking_rows_keeps_python_check_of_the_count():
    with pytest.raises(AssertionError, match="3 values to unpack"):
        tad.grad(unpack_rows)(np.ones((4, 2)))
    assert "a = x[0]" in tad.source(unpack_rows) and "c = x[2]" in tad.source(unpack_rows, "forward")


def unpack_held_tuple(x):
    p = moments(x)
    m, s = p
    return s - m * m


def unpack_too_deep(x, y):
    for i, (a, b) in enumerate(zip(x, y)):
        y = y + a * b * i
    return np.sum(y)


@pytest.mark.parametrize("f, words", [
    (unpack_too_deep, "for loop with the target (i, (a, b)) over differentiated values"),
])
def test_unpacking_refused_with_a_clear_message(f, words):
    with pytest.raises(tad.TransformError) as error:
        tad.grad(f)(X, Y)
    assert words in str(error.value)


# ------------------------------------------------------------------ enumerate and zip
def weighted_by_position(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + i * v ** 2
    return s


def dot_by_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * np.sin(b)
    return s


def rows_by_zip(x, w):                 # rows of a matrix with the entries of a vector
    total = np.zeros_like(x[0])          # on the array library of x (a CuPy array stays on the GPU)
    for row, weight in zip(x, w):
        total = total + row * weight
    return np.sum(total ** 2)


def zip_with_range(x):
    s = 0.0
    for i, v in zip(range(len(x)), x):
        s = s + v * (i + 1.0)
    return s


def enumerate_range(x):
    s = 0.0
    for i, j in enumerate(range(2, 0, -1)):
        s = s + x[j] * (i + 2.0)
    return s


def rows_unpacked_in_loop(x):
    s = 0.0
    for a, b in x.T[:2].T:            # rows of a (3, 2) matrix
        s = s + a * b
    return s


LOOPS = [
    (weighted_by_position, (X,), 0, lambda u, x: (u * 2.0 * np.arange(3.0) * x,)),
    (dot_by_zip, (X, Y), (0, 1), lambda u, x, y: (u * np.sin(y), u * x * np.cos(y))),
    (rows_by_zip, (M, X), (0, 1),
     lambda u, x, w: (u * 2.0 * np.outer(w, x.T @ w), u * 2.0 * x @ (x.T @ w))),
    (zip_with_range, (X,), 0, lambda u, x: (u * np.arange(1.0, 4.0),)),
    (enumerate_range, (X,), 0, lambda u, x: (u * np.array([0.0, 3.0, 2.0]),)),
    (rows_unpacked_in_loop, (M,), 0,
     lambda u, x: (u * np.column_stack([x[:, 1], x[:, 0], np.zeros(3), np.zeros(3)]),)),
]


@pytest.mark.parametrize("f, args, wrt, exact", LOOPS, ids=_ids(LOOPS))
def test_enumerate_and_zip(checker, xp, f, args, wrt, exact):
    checker.check(f, args, wrt=wrt, exact=exact)


@pytest.mark.parametrize("f, args, wrt, exact", LOOPS, ids=_ids(LOOPS))
def test_enumerate_and_zip_unoptimized(f, args, wrt, exact):
    check_unoptimized(f, args, wrt, exact)


def test_enumerate_and_zip_print_as_index_loops():
    lowered = tad.stages(dot_by_zip, mode="reverse", wrt="x")["one operation per line"]
    assert "for a_b_index in range(min(len(x), len(y))):" in lowered
    assert "a = x[a_b_index]" in lowered and "b = y[a_b_index]" in lowered
    source = tad.source(weighted_by_position)
    assert "for i in range(len(x)):" in source and "v = x[i]" in source
    assert "i_bar" not in source and "i_dot" not in tad.source(weighted_by_position, "forward")


def zip_of_computed(x):
    s = 0.0
    for a, b in zip(x * 2.0, x):
        s = s + a * b
    return s


def test_loop_over_a_computed_array_is_refused():
    with pytest.raises(tad.TransformError, match="compute the array first, then loop over it"):
        tad.grad(zip_of_computed)(X)
