"""The rules of rules/coverage.py at the points the rule table's random examples never reach:
exact values, ties and kinks (shared evenly, as tests/test_kinks.py promises for np.max),
non-finite entries, and the calls that have no derivative and are refused.

The rule table (tests/test_rule_table.py) differentiates each rule's catalog examples in both
modes against central differences, in float32 and on the strict stand-in array.
"""
import numpy as np
import pytest

import tangent_ad as tad
from conftest import both_modes


def sort_sum(x):
    return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0, 4.0]))


def median(x):
    return np.median(x)


def partition_first(x):
    return np.partition(x, 1)[0]


def interp_sum(x):
    return np.sum(np.interp(x, np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 6.0])))


def finite_part(x):
    return np.sum(np.nan_to_num(x, posinf=5.0, neginf=-5.0) * 3.0)


def eigenvalue_sum_of_squares(a):
    return np.sum(np.linalg.eigvalsh(a) ** 2)


def largest_singular_value(x):
    return np.linalg.svdvals(x)[0]


def trapezoid_area(y):
    return np.trapezoid(y, dx=2.0)


def chosen(x):
    return np.sum(np.select([x < 0.0, x > 1.0], [x * 2.0, x * x], default=7.0))


@pytest.mark.parametrize("f, x, expected", [
    (sort_sum, np.array([4.0, 1.0, 3.0, 2.0]), [4.0, 1.0, 3.0, 2.0]),
    # a tie: the two entries equal to 1.0 take sorted places 1 and 2 and share (1 + 2) / 2
    (sort_sum, np.array([1.0, 0.0, 1.0, 5.0]), [2.5, 1.0, 2.5, 4.0]),
    # an even count: the mean of the two middle values, half to each
    (median, np.array([3.0, 1.0, 2.0, 4.0]), [0.5, 0.0, 0.5, 0.0]),
    (median, np.array([3.0, 1.0, 2.0]), [0.0, 0.0, 1.0]),
    # three equal middle values share the median's derivative
    (median, np.array([2.0, 2.0, 9.0, 2.0, 0.0]), [1 / 3, 1 / 3, 0.0, 1 / 3, 0.0]),
    (partition_first, np.array([5.0, 3.0, 4.0, 1.0]), [0.0, 0.0, 0.0, 1.0]),
    # slopes 2 on [0, 1] and 4 on [1, 2]: at the knot 1.0 the two sides share, (2 + 4) / 2;
    # at the ends one side is flat, (0 + 2) / 2 and (4 + 0) / 2; outside, 0
    (interp_sum, np.array([0.5, 1.0, 1.5, 0.0, 2.0, 3.0, -1.0]), [2.0, 3.0, 4.0, 1.0, 2.0, 0.0, 0.0]),
    (finite_part, np.array([np.nan, np.inf, -np.inf, 2.0]), [0.0, 0.0, 0.0, 3.0]),
    (trapezoid_area, np.array([1.0, 5.0, 2.0]), [1.0, 2.0, 1.0]),
    (chosen, np.array([-1.0, 0.5, 2.0]), [2.0, 0.0, 4.0]),
])
def test_exact_values_ties_and_kinks(f, x, expected):
    with np.errstate(invalid="ignore"):
        grad, forward = both_modes(f, [x])
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(forward, expected, rtol=1e-12, atol=1e-15)


def test_eigenvalues_of_a_symmetric_matrix():
    # d sum(w^2) / da = 2 a for a symmetric a, read (as eigh does) from its lower triangle
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    grad, forward = both_modes(eigenvalue_sum_of_squares, [a])
    expected = 2 * np.tril(a) + 2 * np.tril(a, -1)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(forward, expected, rtol=1e-10, atol=1e-12)


def test_equal_eigenvalues_share_and_stay_finite():
    # the identity's eigenvalues are all 1: each gets the mean of the group's derivatives,
    # which does not depend on the eigenvectors LAPACK picks
    grad, forward = both_modes(eigenvalue_sum_of_squares, [np.eye(3)])
    np.testing.assert_allclose(grad, 2 * np.eye(3) * 1.0, atol=1e-12)
    np.testing.assert_allclose(forward, 2 * np.eye(3), atol=1e-12)


def test_largest_singular_value_of_a_diagonal_matrix():
    x = np.diag([3.0, 2.0, 1.0])
    grad, forward = both_modes(largest_singular_value, [x])
    expected = np.zeros((3, 3))
    expected[0, 0] = 1.0
    np.testing.assert_allclose(np.abs(grad), expected, atol=1e-12)
    np.testing.assert_allclose(grad, forward, atol=1e-12)


def reconstruct(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return (u * s) @ vt


def test_the_svd_factors_multiply_back_to_a_with_the_identity_derivative():
    a = np.random.default_rng(1).normal(size=(4, 3))
    g = np.random.default_rng(2).normal(size=(4, 3))
    grad = tad.derivative(reconstruct, "reverse")(a, g)
    np.testing.assert_allclose(grad, g, rtol=1e-9, atol=1e-12)
    _, tangent = tad.jvp(reconstruct, (a,), (g,))
    np.testing.assert_allclose(tangent, g, rtol=1e-9, atol=1e-12)


def q_times_r(a):
    q, r = np.linalg.qr(a)
    return q @ r


def test_the_qr_factors_multiply_back_to_a_with_the_identity_derivative():
    a = np.random.default_rng(3).normal(size=(5, 3))
    g = np.random.default_rng(4).normal(size=(5, 3))
    np.testing.assert_allclose(tad.derivative(q_times_r, "reverse")(a, g), g, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tad.jvp(q_times_r, (a,), (g,))[1], g, rtol=1e-9, atol=1e-12)


def full_svd(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(s)


def singular_pinv(a):
    return np.sum(np.linalg.pinv(a))


@pytest.mark.parametrize("f, a, message", [
    (full_svd, np.ones((4, 3)) + np.eye(4, 3), "full_matrices=False"),
    (singular_pinv, np.ones((3, 3)), "full rank"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_points_without_a_derivative_raise_when_the_derivative_runs(f, a, message, mode):
    with pytest.raises(ValueError, match=message):
        if mode == "reverse":
            tad.grad(f)(a)
        else:
            tad.jvp(f, (a,), (np.ones_like(a),))


def overwritten_median(x):
    return np.median(x, overwrite_input=True)


def singular_values_alone(x):
    u, s, vt = np.linalg.svd(x, hermitian=True)
    return np.sum(s)


def r_alone(x):
    q, r = np.linalg.qr(x, mode="raw")
    return np.sum(r)


def returned_weights(x):
    return np.average(x, returned=True)[0]


@pytest.mark.parametrize("f, construct", [
    (overwritten_median, "np.median with overwrite_input=True"),
    (returned_weights, "np.average with returned=True"),
    (singular_values_alone, "np.linalg.svd with hermitian=True"),
    (r_alone, "np.linalg.qr with this mode"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_arguments_without_a_derivative_are_refused_where_they_are_written(f, construct, mode):
    if mode == "reverse" and f in (singular_values_alone, r_alone):
        # unpacked results: the reverse sweep checks these when the derivative runs
        with pytest.raises(ValueError, match="hermitian=True|mode='raw'"):
            tad.grad(f)(np.eye(3) + 0.5)
        return
    with pytest.raises(tad.TransformError) as info:
        tad.derivative(f, mode)
    assert construct in str(info.value)
    assert "custom_rule" in info.value.hint


def sorted_squares(x):
    return np.sum(np.sort(x) ** 3)


def test_a_second_derivative_through_a_new_rule_names_it():
    with pytest.raises(tad.TransformError, match="np.sort"):
        tad.hessian(sorted_squares)(np.array([3.0, 1.0, 2.0]))


def test_an_active_choice_list_condition_is_a_value_not_a_derivative():
    # select reads its conditions only: x < 0 carries no derivative
    x = np.array([-2.0, 3.0])
    grad, forward = both_modes(chosen, [x])
    np.testing.assert_allclose(grad, [2.0, 6.0])
    np.testing.assert_allclose(forward, [2.0, 6.0])


# ------------------------------------------------------------------ NaN, ranges, signals, powers
def weighted_nansum(x):
    return np.nansum(x * np.array([1.0, 2.0, 3.0, 4.0]))


def nan_mean(x):
    return np.nanmean(x)


def nan_max(x):
    return np.nanmax(x)


def nan_row_max(x):
    return np.nansum(np.nanmax(x, axis=1))


def value_range(x):
    return np.ptp(x)


def convolved_sum(x):
    return np.sum(np.convolve(x, np.array([1.0, 2.0])) * np.array([1.0, 0.0, 0.0, 10.0]))


def correlated_first(x):
    return np.correlate(x, np.array([1.0, 2.0]))[0]


def quadratic(x):
    return np.sum(np.polyval(np.array([1.0, 2.0, 3.0]), x))      # x ** 2 + 2 x + 3


def square_and_inverse(x):
    a = np.reshape(x, (1, 1))
    return np.sum(np.linalg.matrix_power(a, 2) + np.linalg.matrix_power(a, -1))


@pytest.mark.parametrize("f, x, expected", [
    # NaN entries are left out of the result: derivative 0
    (weighted_nansum, np.array([1.0, np.nan, 2.0, np.nan]), [1.0, 0.0, 3.0, 0.0]),
    (nan_mean, np.array([1.0, np.nan, 3.0]), [0.5, 0.0, 0.5]),
    # tied largest numbers share evenly; NaN never is the largest
    (nan_max, np.array([3.0, np.nan, 3.0, 1.0]), [0.5, 0.0, 0.5, 0.0]),
    # a row of NaN alone has a NaN maximum; its entries get 0, the other row's maximum 1
    (nan_row_max, np.array([[np.nan, np.nan], [1.0, 2.0]]), [[0.0, 0.0], [0.0, 1.0]]),
    (value_range, np.array([1.0, 4.0, 4.0, 0.0]), [0.0, 0.5, 0.5, -1.0]),
    # full convolution with [1, 2]: y0 = x0, y3 = 2 x2
    (convolved_sum, np.array([0.3, -0.2, 0.7]), [1.0, 0.0, 20.0]),
    # valid correlation: y0 = x0 + 2 x1
    (correlated_first, np.array([0.3, -0.2, 0.7]), [1.0, 2.0, 0.0]),
    (quadratic, np.array([2.0, -1.0]), [6.0, 0.0]),
    # d (a ** 2 + 1 / a) / da = 2 a - 1 / a ** 2 = 4 - 0.25 at a = 2
    (square_and_inverse, np.array([2.0]), [3.75]),
])
@pytest.mark.filterwarnings("ignore:All-NaN slice encountered")
def test_nan_reductions_ranges_signals_and_powers(f, x, expected):
    with np.errstate(invalid="ignore"):
        grad, forward = both_modes(f, [x])
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(forward, expected, rtol=1e-12, atol=1e-15)


def polynomial_in_its_coefficients(p):
    return np.polyval(p, 2.0)


def test_a_polynomial_is_linear_in_its_coefficients():
    grad, forward = both_modes(polynomial_in_its_coefficients, [np.array([1.0, 2.0, 3.0])])
    np.testing.assert_allclose(grad, [4.0, 2.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(forward, [4.0, 2.0, 1.0], rtol=1e-15)


def eigenvalues_by_index(a):
    w = np.linalg.eigh(a)[0]
    return np.sum(w ** 2)


def singular_values_by_index(a):
    return np.sum(np.linalg.svd(a)[1] ** 2)


def qr_held(a):
    f = np.linalg.qr(a)
    return np.sum(f[0] * f[1])


def logdet_by_index(a):
    return np.linalg.slogdet(a)[1]


A_SPD = np.array([[2.0, 0.5], [0.5, 1.0]])


@pytest.mark.parametrize("f, expected", [
    (logdet_by_index, np.linalg.inv(A_SPD)),
    # sum(w ** 2) = sum(a ** 2) over the symmetric a eigh reads from its lower triangle
    (eigenvalues_by_index, 2 * np.tril(A_SPD) + 2 * np.tril(A_SPD, -1)),
    (singular_values_by_index, 2 * A_SPD),
])
def test_a_decomposition_indexed_instead_of_unpacked(f, expected):
    grad, forward = both_modes(f, [A_SPD])
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(forward, expected, rtol=1e-10, atol=1e-12)


def test_qr_held_in_a_name_and_indexed():
    grad, forward = both_modes(qr_held, [A_SPD])
    np.testing.assert_allclose(grad, np.eye(2), atol=1e-10)       # against central differences: I
    np.testing.assert_allclose(forward, grad, atol=1e-10)


def second_order_mix(x):
    return (np.nanmean(x ** 2) * np.ptp(x ** 2) + np.sum(np.vecdot(x, x ** 2))
            + np.sum(np.convolve(x, x)) + np.sum(np.dstack([x, x ** 2]) ** 2) + np.nanmax(x ** 3))


def test_hessian_vector_products_through_the_new_helpers():
    """Their runtime helpers have rules of their own (rules/higher.py), so derivatives of
    derivatives go through them instead of through the helpers' source."""
    x, v = np.array([0.5, 1.0, 2.0]), np.array([0.3, -0.2, 1.0])
    gradient, h = tad.grad(second_order_mix), 1e-6
    expected = (gradient(x + h * v) - gradient(x - h * v)) / (2 * h)
    np.testing.assert_allclose(tad.hvp(second_order_mix)(x, v), expected, rtol=1e-7, atol=1e-9)


def polyval_twice(x):
    return np.sum(np.polyval(np.array([1.0, 2.0, 3.0]), x))


def test_a_second_derivative_through_a_helper_without_a_rule_names_it():
    with pytest.raises(tad.TransformError, match="np.polyval"):
        tad.hvp(polyval_twice)(np.array([1.0]), np.array([1.0]))
