"""What the generated code does to run fast, each checked for the right answer too.

The speed itself is measured in ``benchmarks/`` (docs/performance.md); these tests pin the
properties the speed rests on, so that a later change cannot lose them silently.
"""
import math

import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.transform import derivative_function
from conftest import numeric_grad


def scalar_map(x):
    y = 0.0
    for _ in range(5):
        y = y + math.sin(x) * math.cosh(x) - 0.1 * math.cos(y) + math.sinh(0.5 * x)
    return y


@pytest.mark.parametrize("x", [0.3, -1.2])
def test_math_functions_keep_python_floats_in_both_modes(x):
    # math.* partials are written with math.*, so a float stays a float (np.float64 is slower)
    grad = tad.grad(scalar_map)(x)
    value, tangent = tad.jvp(scalar_map, (x,), (1.0,))
    assert type(grad) is float and type(tangent) is float and type(value) is float
    expected = numeric_grad(scalar_map, [x], 0)
    assert grad == pytest.approx(expected, rel=1e-7)
    assert tangent == pytest.approx(expected, rel=1e-7)
    assert "math.cos(x)" in tad.source(scalar_map) and "np." not in tad.source(scalar_map)


def test_math_partials_have_exact_values():
    def f(x):
        return math.sin(x) + math.cos(x) + math.sinh(x) + math.cosh(x)
    x = 0.7
    exact = math.cos(x) - math.sin(x) + math.cosh(x) + math.sinh(x)
    assert tad.grad(f)(x) == pytest.approx(exact, rel=1e-15)
    assert tad.jvp(f, (x,), (1.0,))[1] == pytest.approx(exact, rel=1e-15)


def sin_of_squares(x):
    return np.sum(np.sin(x ** 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_leaves_out_what_only_the_value_needs(dtype):
    x = np.linspace(-1.0, 1.0, 7).astype(dtype)
    source = tad.source(sin_of_squares)
    # sin(x ** 2) and its sum feed only the value; the reverse sweep reads cos(x ** 2) and a shape
    assert "# not needed for the gradient: t1 = np.sin(t2)" in source
    assert "y_bar = scalar_seed(y_bar)" in source and "sum_adjoint(y_bar, x)" in source
    grad = tad.grad(sin_of_squares)(x)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, 2 * x * np.cos(x ** 2), rtol=1e-6 if dtype == np.float32 else 1e-14)
    value, grad_too = tad.value_and_grad(sin_of_squares)(x)
    # the value is computed where it is returned
    assert value == pytest.approx(np.sum(np.sin(x.astype(np.float64) ** 2)), rel=1e-6)
    np.testing.assert_array_equal(grad_too, grad)


def test_value_and_grad_and_vjp_compute_the_value():
    source = derivative_function(sin_of_squares, "reverse", ("x",), return_value=True).source
    assert "not needed" not in source and "t1 = np.sin(t2)" in source
    x = np.array([0.3, -0.7])
    out, vjp_fn = tad.vjp(sin_of_squares, x)
    assert out == pytest.approx(np.sum(np.sin(x ** 2)))
    np.testing.assert_allclose(vjp_fn(2.0)[0], 4 * x * np.cos(x ** 2), rtol=1e-14)


def test_a_scalar_output_still_rejects_an_array_seed():
    grad_fn = tad.derivative(sin_of_squares)
    with pytest.raises(ValueError, match="output is a scalar"):
        grad_fn(np.ones(3), np.ones(3))


def branch_with_nothing_needed(x, flag):
    y = np.sum(x)
    if flag > 0:
        unused = np.exp(x)
        y = y + np.sum(x * x)
    return y


def test_a_branch_whose_statements_are_all_left_out_still_runs():
    x = np.array([0.5, 2.0])
    for flag in (1, -1):
        expected = 1.0 + (2 * x if flag > 0 else 0.0)
        np.testing.assert_allclose(tad.grad(branch_with_nothing_needed)(x, flag), expected, rtol=1e-14)
        np.testing.assert_allclose(numeric_grad(branch_with_nothing_needed, [x, flag], 0), expected, rtol=1e-6)
