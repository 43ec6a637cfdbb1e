"""The derivative used where there is none (kinks, ties), and non-finite values.

docs/supported.md ("Kinks, ties and dtypes") promises each of these; both modes
must give the same answer.
"""
import numpy as np
import pytest

from conftest import both_modes


def absolute(x):
    return np.sum(np.abs(x))


def tie(a, b):
    return np.sum(np.maximum(a, b))


def tie_min(a, b):
    return np.sum(np.minimum(a, b))


def largest(x):
    return np.max(x)


def clipped(x):
    return np.sum(np.clip(x, -1.0, 1.0))


def norm(x):
    return np.linalg.norm(x)


def floored(x):
    return np.sum(np.floor(x) * x)


def root(x):
    return np.sum(np.sqrt(x))


def sine(x):
    return np.sum(np.sin(x))




@pytest.mark.parametrize("f, args, wrt, expected", [
    (absolute, [np.array([0.0, -2.0, 3.0])], 0, [0.0, -1.0, 1.0]),
    (tie, [np.array([1.0, 2.0]), np.array([1.0, 0.0])], 0, [0.5, 1.0]),
    (tie, [np.array([1.0, 2.0]), np.array([1.0, 0.0])], 1, [0.5, 0.0]),
    (tie_min, [np.array([1.0, 2.0]), np.array([1.0, 0.0])], 0, [0.5, 0.0]),
    (largest, [np.array([3.0, 1.0, 3.0, 3.0])], 0, [1 / 3, 0.0, 1 / 3, 1 / 3]),
    (clipped, [np.array([-1.0, 0.5, 1.0, 2.0])], 0, [1.0, 1.0, 1.0, 0.0]),
    (norm, [np.zeros(3)], 0, [0.0, 0.0, 0.0]),
    (floored, [np.array([0.5, 1.5])], 0, [0.0, 1.0]),
])
def test_the_derivative_used_at_kinks_and_ties(f, args, wrt, expected):
    grad, forward = both_modes(f, args, wrt)
    np.testing.assert_allclose(grad, expected, rtol=1e-12)
    np.testing.assert_allclose(forward, expected, rtol=1e-12)


def test_sqrt_at_zero_is_infinite_as_the_formula_gives():
    with np.errstate(divide="ignore", invalid="ignore"):
        grad, forward = both_modes(root, [np.array([0.0, 4.0])], 0)
    np.testing.assert_array_equal(grad, [np.inf, 0.25])
    # forward mode multiplies every entry's partial by its tangent: along the second
    # direction the first entry gives inf * 0 = nan, and the sum is nan
    np.testing.assert_array_equal(forward, [np.inf, np.nan])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_propagate_as_numpy_does(bad):
    x = np.array([bad, 0.0])
    with np.errstate(invalid="ignore"):
        grad, forward = both_modes(sine, [x], 0)
        expected = np.cos(x)
    np.testing.assert_array_equal(grad, expected)
    assert np.isnan(grad[0]) and grad[1] == 1.0
    # forward mode: the first entry's nan partial times a zero tangent is still nan
    np.testing.assert_array_equal(forward, [np.nan, np.nan])


def power(x, y):
    return np.sum(x ** y)


def log(x):
    return np.sum(np.log(x))


def where_root(x):
    return np.sum(np.where(x > 0.0, np.sqrt(x), 0.0))


def where_root_safe(x):
    inside = x > 0.0
    return np.sum(np.where(inside, np.sqrt(np.where(inside, x, 1.0)), 0.0))


def test_power_of_a_non_positive_base_with_a_differentiated_exponent():
    """d/dy x ** y = log(x) x ** y: nan at x < 0 (log of a negative); 0 at x = 0, where
    0 ** y is 0 for every y > 0 (not log(0) * 0)."""
    x = np.array([0.0, -1.0, 2.0])
    y = np.array([2.0, 2.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        grad, forward = both_modes(power, [x, y], 1)
    np.testing.assert_array_equal(grad[:2], [0.0, np.nan])
    assert grad[2] == pytest.approx(np.log(2.0) * 4.0)
    # every direction meets a nan partial: the directional derivatives are nan
    np.testing.assert_array_equal(forward, [np.nan, np.nan, np.nan])
    # the base's own derivative y x ** (y - 1) is finite here
    grad_x, forward_x = both_modes(power, [x, y], 0)
    np.testing.assert_allclose(grad_x, [0.0, -2.0, 4.0])
    np.testing.assert_allclose(forward_x, [0.0, -2.0, 4.0])


def test_power_at_zero_with_a_fractional_exponent_is_infinite():
    x = np.array([0.0, 4.0])
    y = np.array([0.5, 0.5])
    with np.errstate(divide="ignore", invalid="ignore"):
        grad, forward = both_modes(power, [x, y], 0)
    np.testing.assert_array_equal(grad, [np.inf, 0.25])
    np.testing.assert_array_equal(forward, [np.inf, np.nan])


def test_log_at_zero_is_infinite():
    with np.errstate(divide="ignore", invalid="ignore"):
        grad, forward = both_modes(log, [np.array([0.0, 2.0])], 0)
    np.testing.assert_array_equal(grad, [np.inf, 0.5])
    np.testing.assert_array_equal(forward, [np.inf, np.nan])


def test_where_reverse_mode_lets_the_unselected_branch_leak_nan():
    """np.where picks values, but reverse mode sends the zero adjoint of the unselected branch
    through that branch's partial: 0 * nan (sqrt'(-1)) and 0 * inf (sqrt'(0)) are nan. Forward
    mode picks the tangents the same way as the values, so no nan reaches the result."""
    x = np.array([-1.0, 0.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        grad, forward = both_modes(where_root, [x], 0)
    np.testing.assert_array_equal(grad, [np.nan, np.nan, 0.25])
    np.testing.assert_array_equal(forward, [0.0, 0.0, 0.25])


def test_where_with_a_safe_operand_is_finite_in_both_modes():
    """The way out documented in docs/supported.md: give the function a safe operand where its
    value is not used."""
    x = np.array([-1.0, 0.0, 4.0])
    with np.errstate(all="raise"):
        grad, forward = both_modes(where_root_safe, [x], 0)
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.25])
    np.testing.assert_array_equal(forward, [0.0, 0.0, 0.25])
