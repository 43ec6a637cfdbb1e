"""The compiled helpers that replace Numba's own sums along an axis (``numba_reductions.py``)
give NumPy's and the plain runtime's numbers.

Each is checked on arrays of one, two and three dimensions, laid out contiguously, in
Fortran order and as strided views, along every axis (negative ones too), with and without
keepdims; and through ``compile=True``, on functions that sum and average along axes in each
way the user may write it.
"""
import itertools
import warnings

import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.runtime import mean_adjoint, sum_adjoint

import numba  # noqa: E402 - the test extra installs it: these tests always run
from tangent_ad.compiled import numba_runtime  # noqa: F401 - gives Numba the helpers' compiled versions
from tangent_ad.compiled.numba_reductions import axis_mean, axis_sum

warnings.filterwarnings("ignore", category=numba.NumbaWarning)

SHAPES = [(5,), (3, 4), (2, 3, 4)]
CASES = [(shape, axis, keepdims) for shape in SHAPES
         for axis in range(-len(shape), len(shape)) for keepdims in (False, True)]


def _layouts(shape, seed=0):
    """The same kind of values, C-contiguous and as a strided view (the loops index any layout
    alike; each layout is a type Numba compiles every function for again, seconds each)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    wide = rng.standard_normal(shape[:-1] + (2 * shape[-1],))
    return [x, wide[..., ::2]]


def _compiled(call):
    """``call(x, axis, keepdims)`` compiled with the axis and keepdims as constants, as the
    compiled source writes them."""
    return {(axis, keepdims): numba.njit(eval(f"lambda x: call(x, {axis}, {keepdims})", {"call": call}))
            for axis in range(-3, 3) for keepdims in (False, True)}


SUMS, MEANS = _compiled(axis_sum), _compiled(axis_mean)


@pytest.mark.parametrize("shape, axis, keepdims", CASES)
def test_compiled_sums_and_means_along_an_axis_give_numpys(shape, axis, keepdims):
    for x in _layouts(shape):
        for compiled, numpy in ((SUMS, np.sum), (MEANS, np.mean)):
            got = compiled[axis, keepdims](x)
            expected = numpy(x, axis=axis, keepdims=keepdims)
            assert np.shape(got) == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def test_compiled_sums_of_integers_give_numpys():
    x = np.arange(12).reshape(3, 4)
    for axis, keepdims in itertools.product((0, 1, -1), (False, True)):
        got, expected = SUMS[axis, keepdims](x), np.sum(x, axis=axis, keepdims=keepdims)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_allclose(MEANS[axis, keepdims](x), np.mean(x, axis=axis, keepdims=keepdims), rtol=1e-14)


def test_an_axis_out_of_bounds_is_refused_when_compiled():
    with pytest.raises(numba.core.errors.TypingError):
        SUMS[2, False](np.ones((3, 4)))


def _adjoints(helper):
    return {(axis, keepdims): numba.njit(eval(f"lambda g, x: helper(g, x, axis={axis}, keepdims={keepdims})",
                                              {"helper": helper}))
            for axis in range(-3, 3) for keepdims in (False, True)}


SUM_ADJOINTS, MEAN_ADJOINTS = _adjoints(sum_adjoint), _adjoints(mean_adjoint)


@pytest.mark.parametrize("shape, axis, keepdims", CASES)
def test_compiled_adjoints_of_sums_and_means_along_an_axis_give_the_plain_helpers(shape, axis, keepdims):
    x = np.zeros(shape)
    for g in _layouts(np.sum(x, axis=axis, keepdims=keepdims).shape or (1,), seed=1)[::2]:   # C, strided
        if g.shape == (1,) and not np.sum(x, axis=axis, keepdims=keepdims).shape:
            g = float(g[0])         # a 1-d array summed to a number: its adjoint is a number
        for compiled, plain in ((SUM_ADJOINTS, sum_adjoint), (MEAN_ADJOINTS, mean_adjoint)):
            got = compiled[axis, keepdims](g, x)
            expected = plain(g, x, axis, keepdims)
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
    # a number (the zero placeholder of an adjoint nothing reached) spreads as itself
    for compiled, plain in ((SUM_ADJOINTS, sum_adjoint), (MEAN_ADJOINTS, mean_adjoint)):
        np.testing.assert_allclose(compiled[axis, keepdims](2.5, x), plain(2.5, x, axis, keepdims), rtol=1e-14)


def test_compiled_adjoints_of_whole_sums_and_means_give_the_plain_helpers():
    whole_sum = numba.njit(lambda g, x: sum_adjoint(g, x))
    whole_mean = numba.njit(lambda g, x: mean_adjoint(g, x))
    for x in _layouts((3, 4)) + [np.zeros((0, 2))]:
        np.testing.assert_allclose(whole_sum(1.5, x), sum_adjoint(1.5, x), rtol=1e-14)
        np.testing.assert_allclose(whole_mean(1.5, x), mean_adjoint(1.5, x), rtol=1e-14)
    assert whole_sum(1.5, 2.0) == sum_adjoint(1.5, 2.0) and whole_mean(1.5, 2.0) == mean_adjoint(1.5, 2.0)


# -------------------------------------------------------- through compile=True
def along_axes(x, c):
    a = np.sum(x, axis=0)
    b = x.sum(axis=-1, keepdims=True)
    d = np.sum(x * x, 1)
    m = np.mean(x, axis=1)
    k = x.mean(0, keepdims=True)
    s = np.sum(np.exp(x), axis=-1, keepdims=True)
    q = np.mean(c, axis=-2)          # not differentiated: its value only
    return (np.sum(a * a) + np.sum(b * q[0]) + np.sum(d) + np.sum(m * m * m) + np.sum(k * k)
            + np.sum(np.log(s)))


def softmax_rows(z, y):
    e = np.exp(z - np.max(z))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(y * np.log(p)) / z.shape[0]


@pytest.mark.parametrize("shape", [(3, 4), (5, 2)])
def test_sums_and_means_along_axes_compiled_give_the_plain_gradient(shape):
    rng = np.random.default_rng(2)
    x, c = rng.standard_normal(shape), rng.standard_normal((2,) + shape)
    text = tad.source(along_axes, wrt=0, compile=True)
    code = [line.split("#")[0] for line in text.split("\n")]
    assert not any("np.sum(x, axis" in line or ".sum(axis" in line or "np.mean(" in line for line in code)
    assert "axis_sum(" in text and "axis_mean(" in text
    for arg in (x, np.asfortranarray(x)):
        np.testing.assert_allclose(tad.grad(along_axes, compile=True)(arg, c), tad.grad(along_axes)(arg, c),
                                   rtol=1e-12, atol=1e-12)
    y = np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    np.testing.assert_allclose(tad.grad(softmax_rows, compile=True)(x, y), tad.grad(softmax_rows)(x, y),
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------ a loop's values as tuples
def loops_that_save(x, w, n):
    h = x
    i = 0
    while i < n:
        h = np.tanh(w * h + 0.1)        # h saved twice an iteration
        if np.sum(h) > 0.0:
            h = h * 0.9                 # under a branch: keeps its own list
        for j in range(2):
            h = np.sin(h) + 0.01 * j    # an inner loop: its own tuples, inside the outer's
        h = h + 0.5 * np.sum(h * h) / h.shape[0]
        i = i + 1
    return np.sum(h * x)


def test_a_loops_taped_values_saved_as_tuples_give_the_plain_gradient():
    text = tad.source(loops_that_save, wrt=(0, 1), compile=True)
    assert "tape_loop.append((" in text and ".pop()" in text
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(6), rng.standard_normal(6)
    for n in (0, 1, 4):
        compiled = tad.grad(loops_that_save, wrt=(0, 1), compile=True)(x, w, n)
        plain = tad.grad(loops_that_save, wrt=(0, 1))(x, w, n)
        for c, p in zip(compiled, plain, strict=True):
            np.testing.assert_allclose(c, p, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ matrix products
def test_compiled_matmul_gives_numpys_products():
    from tangent_ad.compiled.numba_matmul import matmul
    compiled = numba.njit(lambda a, b: matmul(a, b))
    rng = np.random.default_rng(4)
    A, B, v, u = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(4), rng.standard_normal(3)
    wide = rng.standard_normal((3, 8))
    pairs = [(A, B), (A, v), (u, A), (v, v), (B.T, A.T), (A, np.asfortranarray(B)), (np.asfortranarray(A), B),
             (A.T, u), (v, A.T), (wide[:, ::2], B),                 # transposed (Fortran) and strided views
             (A.astype(complex) * 1j, B.astype(complex)),
             (np.zeros((3, 0)), np.zeros((0, 2))), (np.zeros((0, 4)), v)]      # nothing to add up, no rows
    for a, b in pairs:
        got, expected = compiled(a, b), a @ b
        assert np.shape(got) == np.shape(expected) and np.result_type(got) == np.result_type(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14)


def test_matrix_products_compiled_give_the_plain_gradient():
    rng = np.random.default_rng(5)
    W, X, V, v = (rng.standard_normal((4, 3)), rng.standard_normal((5, 4)), rng.standard_normal((3, 4)),
                  rng.standard_normal(5))
    assert "matmul(X, W)" in tad.source(layers, wrt=(0, 1, 2, 3), compile=True)
    compiled = tad.grad(layers, wrt=(0, 1, 2, 3), compile=True)(W, X, V, v)
    for c, p in zip(compiled, tad.grad(layers, wrt=(0, 1, 2, 3))(W, X, V, v), strict=True):
        np.testing.assert_allclose(c, p, rtol=1e-12, atol=1e-12)


def layers(W, X, V, v):
    h = np.tanh(X @ W)
    return np.sum((h @ V) * X) + np.sum((v @ h) @ V)
