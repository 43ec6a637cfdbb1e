"""A derivative is right or refused: functions flat in their input, empty reductions, norms
without a rule, and expressions nested deeper than Python's default recursion limit.

Where a function is constant near a point (np.std of one entry, 0 ** y for y > 0, x ** 0)
its derivative is exactly 0 in both modes: no 0 / 0, 0 * inf or log(0) * 0 turns it into
nan, and no ZeroDivisionError comes from a partial where the function itself is defined.
"""
import importlib.util
import inspect
import math
import sys

import numpy as np
import pytest

import tangent_ad as tad
from conftest import both_modes, numeric_grad


# ------------------------------------------------------------------ std and var
def std_all(x):
    return np.std(x)


def std_method(x):
    return x.std()


def std_rows(x):
    return np.sum(np.std(x, axis=1))


def std_rows_ddof(x):
    return np.sum(np.std(x, axis=-1, ddof=0))


def std_kept(x):
    return np.sum(np.std(x, axis=0, keepdims=True) * 2.0)


def var_all(x):
    return np.var(x)


def var_rows(x):
    return np.sum(np.var(x, axis=1, ddof=0))


@pytest.mark.parametrize("f, x", [
    (std_all, np.array([3.0])),                 # one entry: std is 0 for every x
    (std_method, np.array([-1.5])),
    (std_rows, np.array([[1.0], [-2.0], [4.0]])),   # each row has one entry
    (std_rows_ddof, np.array([[1.0], [-2.0]])),
    (std_kept, np.array([[0.5, -1.0, 2.0]])),       # axis 0 has length 1
    (std_all, np.array([2.0, 2.0, 2.0])),       # all equal: a kink, the derivative used is 0
    (var_all, np.array([3.0])),
    (var_rows, np.array([[1.0], [-2.0], [4.0]])),
    (var_all, np.array([2.0, 2.0])),
], ids=lambda v: getattr(v, "__name__", None) or str(np.shape(v)))
def test_std_and_var_where_they_are_constant_have_derivative_zero(f, x):
    with np.errstate(all="raise"):              # a 0 / 0 raises instead of slipping by as nan
        grad, forward = both_modes(f, [x])
        out, f_vjp = tad.vjp(f, x)
        cotangent = f_vjp(1.0)[0]
    np.testing.assert_array_equal(grad, np.zeros_like(x))
    np.testing.assert_array_equal(forward, np.zeros_like(x))
    np.testing.assert_array_equal(cotangent, np.zeros_like(x))
    assert out == f(x)


def test_std_elsewhere_is_unchanged():
    x = np.array([[1.0, 2.0, 6.0], [0.5, 0.5, -1.0]])
    exact = (x - x.mean(axis=1, keepdims=True)) / (3 * x.std(axis=1, keepdims=True))
    with np.errstate(all="raise"):
        grad, forward = both_modes(std_rows, [x])
    np.testing.assert_allclose(grad, exact, rtol=1e-14)
    np.testing.assert_allclose(forward, exact, rtol=1e-14)
    np.testing.assert_allclose(numeric_grad(std_rows, [x], 0), exact, rtol=1e-7)


# ------------------------------------------------------------------ powers
def zero_to_the(y):
    return np.power(0.0, y)


def power(x, y):
    return x ** y


def power_sum(x, y):
    return np.sum(x ** y)


def to_the_zero(x):
    return x ** 0.0


def to_the_int_zero(x):
    return x ** 0


def to_the_one(x):
    return x ** 1.0


def to_the_two(x):
    return x ** 2.0


def to_the_zero_sum(x):
    return np.sum(x ** 0.0)


def test_zero_to_a_positive_power_has_exponent_derivative_zero():
    """0 ** y is 0 for every y > 0: d/dy is 0, not log(0) * 0 = nan."""
    with np.errstate(all="raise"):
        grad, tangent = both_modes(zero_to_the, [2.0])
        grad_xy, tangent_xy = both_modes(power, [0.0, 2.0], wrt=1)
    assert grad == 0.0 and tangent == 0.0
    assert grad_xy == 0.0 and tangent_xy == 0.0


def test_array_base_at_zero_with_a_differentiated_exponent():
    x = np.array([0.0, 0.0, 3.0])
    y = np.array([2.0, 0.5, 2.0])
    exact = np.array([0.0, 0.0, np.log(3.0) * 9.0])
    with np.errstate(all="raise"):
        grad, forward = both_modes(power_sum, [x, y], wrt=1)
    np.testing.assert_allclose(grad, exact, rtol=1e-15, atol=0)
    np.testing.assert_allclose(forward, exact, rtol=1e-15, atol=0)
    # the same exponent derivative where the base is away from 0, by central differences
    away = np.array([0.5, 1.5, 3.0])
    np.testing.assert_allclose(tad.grad(power_sum, wrt=1)(away, y), numeric_grad(power_sum, [away, y], 1),
                               rtol=1e-7)


@pytest.mark.parametrize("f, expected", [
    (to_the_zero, 0.0), (to_the_int_zero, 0.0), (to_the_one, 1.0), (to_the_two, 0.0),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_powers_at_zero_of_a_python_float(f, expected):
    """x ** 0.0 at 0.0 is 1.0 for every x: its derivative is 0.0, where the partial
    0.0 * 0.0 ** -1.0 raised ZeroDivisionError; Python floats stay Python floats."""
    grad, tangent = both_modes(f, [0.0])
    assert grad == expected and type(grad) is float
    assert tangent == expected and type(tangent) is float
    assert tad.jvp(f, (0.0,), (1.0,))[0] == f(0.0)


def test_power_zero_of_an_array_at_zero():
    x = np.array([0.0, 2.0, -1.5])
    with np.errstate(all="raise"):
        grad, forward = both_modes(to_the_zero_sum, [x])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(forward, [0.0, 0.0, 0.0])


def test_base_derivative_with_a_differentiated_zero_exponent():
    """x ** y with y == 0 is 1 for every x: d/dx is 0 at x = 0 too, not 0 * 0 ** -1."""
    x = np.array([0.0, 0.0, 2.0])
    y = np.array([0.0, 2.0, 3.0])
    with np.errstate(all="raise"):
        grad, forward = both_modes(power_sum, [x, y], wrt=0)
    np.testing.assert_array_equal(grad, [0.0, 0.0, 12.0])
    np.testing.assert_array_equal(forward, [0.0, 0.0, 12.0])


def test_power_away_from_zero_is_unchanged():
    grad_x, tangent_x = both_modes(power, [2.0, 3.0], wrt=0)
    grad_y, tangent_y = both_modes(power, [2.0, 3.0], wrt=1)
    assert grad_x == tangent_x == 12.0
    assert grad_y == pytest.approx(math.log(2.0) * 8.0, rel=1e-15)
    assert tangent_y == pytest.approx(math.log(2.0) * 8.0, rel=1e-15)
    assert grad_y == pytest.approx(numeric_grad(power, [2.0, 3.0], 1), rel=1e-8)
    # a literal exponent still reads as the derivative written by hand
    assert "x_bar = y_bar * (2.0 * x)" in tad.source(to_the_two)


# ------------------------------------------------------------------ mean of nothing
def mean_all(x):
    return np.mean(x)


def mean_columns(x):
    return np.mean(x, axis=0)


def mean_rows(x):
    return np.mean(x, axis=1)


def test_mean_of_an_empty_array_has_an_empty_gradient():
    x = np.zeros(0)
    grad = tad.grad(mean_all)(x)            # was ZeroDivisionError: 1.0 / 0 entries
    assert grad.shape == (0,) and grad.dtype == np.float64
    # NumPy's own warnings, for the value: no entries to average (0 / 0)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"), np.errstate(invalid="ignore"):
        out, f_vjp = tad.vjp(mean_all, x)
        value, tangent = tad.jvp(mean_all, (x,), (np.zeros(0),))
    assert np.isnan(out) and f_vjp(1.0)[0].shape == (0,)
    # forward mode: the mean of no tangents, nan like the value
    assert np.isnan(value) and np.isnan(tangent)


def test_mean_over_an_empty_axis():
    x = np.zeros((0, 3))
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"), np.errstate(invalid="ignore"):
        out, f_vjp = tad.vjp(mean_columns, x)
    assert out.shape == (3,)
    with np.errstate(all="raise"):          # was 1 / 0 entries per column: a divide warning
        cotangent = f_vjp(np.ones(3))[0]
        rows, rows_vjp = tad.vjp(mean_rows, x)
        value, tangent = tad.jvp(mean_rows, (x,), (np.ones((0, 3)),))
        assert rows_vjp(np.zeros(0))[0].shape == (0, 3)
    assert cotangent.shape == (0, 3)
    assert rows.shape == value.shape == tangent.shape == (0,)


# ------------------------------------------------------------------ norms of every ord
def nuclear(x):
    return np.linalg.norm(x, ord="nuc")


def half_norm(x):
    return np.linalg.norm(x, 0.5)


def matrix_one_norm(x):
    return np.linalg.norm(x, 1, axis=(0, 1))


def frobenius(x):
    return np.linalg.norm(x, "fro", (0, 1))


@pytest.mark.parametrize("f, x, expected", [
    # the nuclear norm's gradient is u @ vt: here the signs of the diagonal
    (nuclear, np.array([[3.0, 0.0], [0.0, -4.0]]), [[1.0, 0.0], [0.0, -1.0]]),
    # (sum sqrt|x|) ** 2 = 9 at [1, 4]: the partials are sqrt(9 / |x|)
    (half_norm, np.array([1.0, 4.0]), [3.0, 1.5]),
    # the largest column sum of |x| is the first column's: sign(x) there
    (matrix_one_norm, np.array([[1.0, -2.0], [3.0, 0.5]]), [[1.0, 0.0], [1.0, 0.0]]),
])
def test_a_norm_of_any_ord_is_differentiated(f, x, expected):
    grad, forward = both_modes(f, [x])
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(forward, expected, rtol=1e-12, atol=1e-15)


def test_the_frobenius_norm_is_still_differentiated():
    x = np.array([[3.0, 0.0], [0.0, 4.0]])
    grad, forward = both_modes(frobenius, [x])
    np.testing.assert_allclose(grad, x / 5.0, rtol=1e-15)
    np.testing.assert_allclose(forward, x / 5.0, rtol=1e-15)


# ------------------------------------------------------------------ deep expressions
def load(source, path, limit=None):
    """The function f defined by ``source``, imported from a file (the transformer reads it)."""
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit or old)     # Python's own compiler, for a deeper expression
    try:
        spec.loader.exec_module(module)
    finally:
        sys.setrecursionlimit(old)
    return module.f


def test_a_sum_of_2000_terms_in_one_expression(tmp_path):
    f = load("def f(x):\n    return " + " + ".join(["x"] * 2000) + "\n", tmp_path / "sum2000.py")
    limit = sys.getrecursionlimit()
    assert tad.grad(f)(1.5) == 2000.0
    assert tad.jvp(f, (1.5,), (1.0,)) == (3000.0, 2000.0)
    out, f_vjp = tad.vjp(f, np.array([0.5, -1.0]))
    np.testing.assert_array_equal(out, [1000.0, -2000.0])
    np.testing.assert_array_equal(f_vjp(np.array([1.0, 0.25]))[0], [2000.0, 500.0])
    assert sys.getrecursionlimit() == limit         # raised while transforming only


def test_200_nested_calls(tmp_path):
    nested = "x"
    for _ in range(200):
        nested = f"np.sin({nested})"
    f = load(f"import numpy as np\n\n\ndef f(x):\n    return {nested}\n", tmp_path / "sin200.py")
    x = 0.8
    chain, s = 1.0, x                   # the chain rule: the product of cos at each level
    for _ in range(200):
        chain *= math.cos(s)
        s = math.sin(s)
    grad, tangent = both_modes(f, [x])
    assert grad == pytest.approx(chain, rel=1e-13)
    assert tangent == pytest.approx(chain, rel=1e-13)
    assert grad == pytest.approx(numeric_grad(f, [x], 0), rel=1e-7)


def test_an_expression_too_deep_to_follow_is_refused_with_its_line(tmp_path):
    terms = 6000        # deeper than the transformer's bound; Python compiles it with a raised limit
    f = load("import numpy as np\n\n\ndef f(x):\n    y = np.sin(x)\n    return "
             + " + ".join(["y"] * terms) + "\n", tmp_path / "sum6000.py", limit=30_000)
    limit = sys.getrecursionlimit()
    for mode in ("reverse", "forward"):
        with pytest.raises(tad.TransformError, match="nested too deeply") as info:
            tad.derivative(f, mode)
        error = info.value
        assert (error.filename, error.lineno, error.col_offset) == (str(tmp_path / "sum6000.py"), 6, 4)
        assert "split it into several statements" in error.hint and f"{terms} levels" in error.hint
    assert sys.getrecursionlimit() == limit
