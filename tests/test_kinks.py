"""The derivative used where there is none (kinks, ties), and non-finite values.

docs/supported.md ("Kinks, ties and dtypes") promises each of these; both modes
must give the same answer.
"""
import numpy as np
import pytest

import tangent_ad as tad


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


def both_modes(f, args, wrt):
    """Reverse gradients, and the forward tangent along each unit direction of args[wrt]."""
    grad = tad.grad(f, wrt=wrt)(*args)
    x = args[wrt]
    forward = np.zeros_like(x)
    for i in range(x.size):
        tangents = [None] * len(args)
        tangents[wrt] = np.eye(x.size)[i].reshape(x.shape)
        forward.flat[i] = tad.jvp(f, tuple(args), tuple(tangents))[1]
    return grad, forward


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
