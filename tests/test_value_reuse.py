"""A forward value read for the last time lends its array to its adjoint.

``np.sum(np.sin(x ** 2))``: the reverse sweep computes ``np.cos(t1)`` into ``t1``'s own
array (``t1_bar = np.cos(t1, out=reusable(t1))``), as the hand-written gradient does
(``np.cos(g, out=g)``), and ``t1_bar *= 2 * x`` is written ``t1_bar *= x; t1_bar *= 2``:
one large array in all, not three. These tests show that it happens there, and that it
never happens to memory anything else may read: an argument, a view of one, a value on the
tape, a value returned, a value another statement reads, a value a vjp's backward function
reads again, or a seed the caller passes.
"""
import tracemalloc

import numpy as np
import pytest

import tangent_ad as tad

OUT = "out=reusable("


def sin_sq_sum(x):
    return np.sum(np.sin(x ** 2))


def sin_square(x):
    t = x ** 2
    return np.sin(t)


def test_sin_sq_sum_computes_cos_into_the_square():
    text = tad.source(sin_sq_sum)
    assert "t1_bar = np.cos(t1, out=reusable(t1))" in text
    assert "t1_bar *= x\n" in text and "t1_bar *= 2\n" in text and "2 * x" not in text
    x = np.linspace(-2.0, 2.0, 101)
    np.testing.assert_allclose(tad.grad(sin_sq_sum)(x), 2 * x * np.cos(x ** 2), rtol=1e-14)


def test_sin_sq_sum_makes_one_large_array():
    x = np.random.default_rng(0).standard_normal(200_000)
    d = tad.derivative(sin_sq_sum, "reverse", "x")
    d(x)                                  # built and warm
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        g = d(x)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    # the hand-written gradient makes one array of x's size; three were made before
    assert peak < 1.2 * x.nbytes, peak / x.nbytes
    np.testing.assert_allclose(g, 2 * x * np.cos(x ** 2), rtol=1e-14)


def test_the_argument_is_never_written():
    def f(x):
        return np.sum(np.sin(x))

    def g(x):
        t = x.T
        return np.sum(np.sin(t))

    def h(x):
        t = x[1:]
        return np.sum(np.sin(t))

    def k(x):
        t = np.reshape(x, (-1,))
        return np.sum(np.sin(t))

    x = np.linspace(0.1, 1.0, 6).reshape(2, 3)
    for func in (f, g, h, k):
        assert OUT not in tad.source(func), func.__name__
        kept = x.copy()
        grad = tad.grad(func)(x)
        np.testing.assert_array_equal(x, kept)
        expected = np.zeros_like(x)
        if func is h:
            expected[1:] = np.cos(x[1:])
        else:
            expected = np.cos(x)
        np.testing.assert_allclose(grad, expected, rtol=1e-14)


def test_a_value_read_again_keeps_its_array():
    def later(x):
        t = x ** 2
        return np.sum(np.sin(t)) + np.sum(t * x)

    def copied(x):
        t = x ** 2
        s = t
        return np.sum(np.sin(t)) * np.sum(s)

    def returned(x):
        t = x * 3.0
        return np.sin(t)

    x = np.linspace(0.1, 1.0, 5)
    assert OUT not in tad.source(later) and OUT not in tad.source(copied)
    np.testing.assert_allclose(tad.grad(later)(x), 2 * x * np.cos(x ** 2) + 3 * x ** 2, rtol=1e-14)
    s = np.sum(x ** 2)
    np.testing.assert_allclose(tad.grad(copied)(x),
                               2 * x * np.cos(x ** 2) * s + np.sum(np.sin(x ** 2)) * 2 * x, rtol=1e-13)
    value, grad = tad.vjp(returned, x)
    np.testing.assert_allclose(value, np.sin(3.0 * x), rtol=1e-15)
    seed = np.ones_like(x)
    np.testing.assert_allclose(grad(seed)[0], 3.0 * np.cos(3.0 * x), rtol=1e-14)


def test_a_value_on_the_tape_keeps_its_array():
    def looped(x, n):
        s = 0.0
        for i in range(n):
            t = x * (i + 1.0)
            s = s + np.sum(np.sin(t))
        return s

    assert OUT not in tad.source(looped, wrt="x")
    x = np.linspace(0.1, 1.0, 4)
    expected = sum((i + 1.0) * np.cos(x * (i + 1.0)) for i in range(3))
    np.testing.assert_allclose(tad.grad(looped, wrt="x")(x, 3), expected, rtol=1e-14)


def test_a_vjp_backward_runs_again_on_the_same_values():
    x = np.linspace(-1.0, 1.0, 7)
    value, backward = tad.vjp(sin_sq_sum, x)
    first = backward(1.0)[0].copy()
    second = backward(2.0)[0]
    np.testing.assert_allclose(first, 2 * x * np.cos(x ** 2), rtol=1e-14)
    np.testing.assert_allclose(second, 2 * first, rtol=1e-14)


def test_value_and_grad_and_the_callers_seed():
    x = np.linspace(-1.0, 1.0, 7)
    value, grad = tad.value_and_grad(sin_sq_sum)(x)
    assert value == pytest.approx(np.sum(np.sin(x ** 2)), rel=1e-15)
    np.testing.assert_allclose(grad, 2 * x * np.cos(x ** 2), rtol=1e-14)
    text = tad.source(sin_square)
    assert "np.cos(t, out=reusable(t))" in text and "t_bar *= y_bar" in text
    d = tad.derivative(sin_square, "reverse", "x")
    seed = np.linspace(0.5, 2.0, 7)
    kept = seed.copy()
    np.testing.assert_allclose(d(x, seed), seed * 2 * x * np.cos(x ** 2), rtol=1e-14)
    np.testing.assert_array_equal(seed, kept)


@pytest.mark.parametrize("x", [0.7, np.float64(0.7), np.array(0.7), np.array([0.7]), np.arange(3)],
                         ids=["float", "float64", "0-d", "1-d", "ints"])
def test_numbers_and_integers_get_a_new_value(x):
    d = tad.derivative(sin_sq_sum, "reverse", "x")
    kept = np.copy(x)
    np.testing.assert_allclose(d(x), 2 * x * np.cos(np.asarray(x, float) ** 2), rtol=1e-14)
    np.testing.assert_array_equal(x, kept)


def test_every_array_library(xp):
    x = np.linspace(-1.0, 1.0, 9)
    arg = xp.to_array(x)
    grad = xp.from_array(tad.grad(sin_sq_sum)(arg))
    np.testing.assert_allclose(grad, 2 * x * np.cos(x ** 2), rtol=1e-14)
    np.testing.assert_array_equal(xp.from_array(arg), x)


def test_differentiated_again_in_forward_mode():
    # the Hessian runs forward mode over the plain twin, which writes into nothing
    x = np.linspace(-1.0, 1.0, 4)
    expected = np.diag(2 * np.cos(x ** 2) - 4 * x ** 2 * np.sin(x ** 2))
    np.testing.assert_allclose(tad.hessian(sin_sq_sum)(x), expected, rtol=1e-12, atol=1e-14)


def logistic_loss(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def _peak(func, *args):
    func(*args)                           # built and warm
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = func(*args)
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_forward_values_read_for_their_shape_alone_lend_their_array():
    # t4 = np.exp(t3) into t3, which the reverse sweep reads only for its size; the adjoint of
    # np.log(t5) divides into t5: four vectors of N at the peak, not six
    text = tad.source(logistic_loss, wrt="w")
    assert "t4 = np.exp(t3, out=reusable(t3))" in text
    assert "t5_bar = np.divide(t6_bar, t5, out=reusable(t5))" in text
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20_000, 5))
    y = np.where(rng.standard_normal(20_000) > 0, 1.0, -1.0)
    w = rng.standard_normal(5) * 0.1
    kept = (X.copy(), y.copy(), w.copy())
    d = tad.derivative(logistic_loss, "reverse", "w")
    grad, peak = _peak(d, w, X, y)
    assert peak < 4.2 * y.nbytes, peak / y.nbytes
    z = y * (X @ w)
    np.testing.assert_allclose(grad, X.T @ (-y / (1.0 + np.exp(z))) / y.size, rtol=1e-12)
    for a, b in zip((X, y, w), kept):
        np.testing.assert_array_equal(a, b)


def test_a_forward_value_read_again_is_not_lent():
    def twice(x):
        t = x * 2.0
        return np.sum(np.exp(t) * t)

    def by_its_adjoint(x):
        t = x * 2.0
        return np.sum(np.sin(t))          # sin's adjoint reads t's values: computed in place there

    assert "out=" not in tad.source(twice)
    assert "np.sin(t, out=" not in tad.source(by_its_adjoint)
    assert "np.cos(t, out=reusable(t))" in tad.source(by_its_adjoint)
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(tad.grad(twice)(x), np.exp(2 * x) * (4 * x + 2), rtol=1e-14)
    np.testing.assert_allclose(tad.grad(by_its_adjoint)(x), 2 * np.cos(2 * x), rtol=1e-14)


def test_a_value_computed_into_a_lent_array_is_returned_whole():
    def f(x):
        t = x * 2.0
        return np.sum(np.exp(t))

    assert "np.exp(t, out=reusable(t))" in tad.source(f, "reverse", "x")
    x = np.linspace(-1.0, 1.0, 5)
    kept = x.copy()
    value, grad = tad.value_and_grad(f)(x)
    assert value == pytest.approx(np.sum(np.exp(2 * x)), rel=1e-15)
    np.testing.assert_allclose(grad, 2 * np.exp(2 * x), rtol=1e-14)
    np.testing.assert_array_equal(x, kept)


def test_a_helper_divides_into_its_own_value_not_the_callers_seed():
    def softplus(a):
        return np.log(1.0 + np.exp(a))

    def uses(x):
        return np.sum(softplus(x) * x)

    x = np.linspace(-1.0, 1.0, 6)
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(tad.grad(uses)(x), sigmoid * x + np.log(1.0 + np.exp(x)), rtol=1e-14)
    seed = np.linspace(0.5, 1.5, 6)
    kept = seed.copy()
    d = tad.derivative(softplus, "reverse", "a")
    np.testing.assert_allclose(d(x, seed), seed * sigmoid, rtol=1e-14)
    np.testing.assert_array_equal(seed, kept)


def test_lent_arrays_on_every_array_library(xp):
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 4)), np.where(rng.standard_normal(30) > 0, 1.0, -1.0)
    w = rng.standard_normal(4)
    z = y * (X @ w)
    expected = X.T @ (-y / (1.0 + np.exp(z))) / y.size
    args = [xp.to_array(a) for a in (w, X, y)]
    np.testing.assert_allclose(xp.from_array(tad.grad(logistic_loss)(*args)), expected, rtol=1e-12)
    for a, b in zip(args, (w, X, y)):
        np.testing.assert_array_equal(xp.from_array(a), b)
