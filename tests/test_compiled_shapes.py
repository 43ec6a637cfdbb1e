"""The compiled helpers of ``numba_shapes.py`` and ``numba_products.py`` (transpose,
swapaxes, reshape, clip, cumsum, stores into arrays, stack, outer, dot, norm) give the plain
runtime helpers' numbers.

Each helper is called from a small ``numba.njit`` function and compared with the plain one
on several shapes, dtypes and keywords, on contiguous arrays, Fortran-ordered ones and
strided views; the kinds it is not compiled for raise Numba's TypingError. Then through
``compile=True``: small functions using each construct, against the plain derivative and
central differences, in reverse mode and in forward mode.
"""
import warnings

import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad import runtime
from tangent_ad.checks import numerical_grad

import numba  # noqa: E402 - the test extra installs it: these tests always run
from numba.core.errors import TypingError
from tangent_ad.compiled import numba_runtime, numba_shapes  # noqa: F401 - register the compiled helpers

warnings.filterwarnings("ignore", category=numba.NumbaWarning)
RNG = np.random.default_rng(7)


def _layouts(shape, dtype=np.float64, fortran=False):
    """The same kind of values, C-contiguous and as a strided view, and in Fortran order where
    ``fortran`` (what a transpose or reshape meets). Each layout is a new type that Numba
    compiles every helper for, seconds each: the test suite must stay well under its time."""
    x = RNG.standard_normal(shape).astype(dtype)
    wide = RNG.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dtype)
    return [x, wide[..., ::2]] + ([np.asfortranarray(x)] if fortran else [])


def assert_same(got, expected, exact=False):
    """The same shape, dtype and values (to the last bit where ``exact``; sums that NumPy
    adds pairwise may round differently in the last bits)."""
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    if exact:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------------- transpose, reshape
@numba.njit
def _transpose(g):
    return runtime.transpose_adjoint(g)


@numba.njit
def _transpose_axes(g, axes):
    return runtime.transpose_adjoint(g, axes)


def test_transpose_adjoint_gives_the_plain_helpers():
    for shape in [(5,), (3, 4), (2, 3, 4)]:
        for g in _layouts(shape, fortran=True):
            assert_same(_transpose(g), runtime.transpose_adjoint(g), exact=True)
    for axes in [(1, 0, 2), (2, 0, 1), (1, 2, 0), (0, -1, 1)]:
        for g in _layouts((2, 3, 4), fortran=True):
            g = np.transpose(g, axes)       # the adjoint has the transposed array's shape
            assert_same(_transpose_axes(g, axes), runtime.transpose_adjoint(g, axes), exact=True)
    assert _transpose(0.0) == 0.0       # the zero placeholder passes through


def test_transpose_adjoint_refuses_axes_of_another_length():
    with pytest.raises(TypingError, match="one for each dimension"):
        _transpose_axes(np.ones((2, 3)), (1, 0, 2))


@numba.njit
def _reshape(g, x):
    return runtime.reshape_adjoint(g, x)


def test_reshape_adjoint_gives_the_plain_helpers():
    for g_shape, x_shape in [((2, 6), (12,)), ((3, 4), (4, 3)), ((2, 3, 2), (3, 4)), ((12,), (2, 2, 3))]:
        x = np.zeros(x_shape)
        for g in _layouts(g_shape, fortran=True) + _layouts(g_shape, np.float32, fortran=True):
            assert_same(_reshape(g, x), runtime.reshape_adjoint(g, x), exact=True)
    assert _reshape(0.0, np.zeros(3)) == 0.0


# --------------------------------------------------------------------------------- clip
@numba.njit
def _clip_both(a, lo, hi):
    return runtime.clip_mask(a, lo, hi)


@numba.njit
def _clip_below(a, lo):
    return runtime.clip_mask(a, lo, None)


@numba.njit
def _clip_above(a, hi):
    return runtime.clip_mask(a, None, hi)


def test_clip_mask_gives_the_plain_helpers():
    for dtype in (np.float64, np.float32):
        for a in _layouts((3, 4), dtype):
            a[0, 0], a[1, 1], a[2, 2] = 0.5, -0.5, np.nan      # the bounds themselves count as inside
            for lo, hi in [(-0.5, 0.5), (0.0, 10.0), (np.full(4, -0.2), np.linspace(0.0, 1.0, 4))]:
                assert_same(_clip_both(a, lo, hi), runtime.clip_mask(a, lo, hi), exact=True)
                assert_same(_clip_below(a, lo), runtime.clip_mask(a, lo, None), exact=True)
                assert_same(_clip_above(a, hi), runtime.clip_mask(a, None, hi), exact=True)
    for a in (-1.0, 0.25, 0.5, 2.0):
        assert _clip_both(a, -0.5, 0.5) == runtime.clip_mask(a, -0.5, 0.5)
        assert _clip_below(a, 0.5) == runtime.clip_mask(a, 0.5, None)


# ------------------------------------------------------------------------------- cumsum
@numba.njit
def _cumsum_flat(g, a):
    return runtime.cumsum_adjoint(g, a)


def _cumsum_along(axis):
    return numba.njit(eval(f"lambda g, a: cumsum_adjoint(g, a, axis={axis})",
                           {"cumsum_adjoint": runtime.cumsum_adjoint}))


CUMSUMS = {axis: _cumsum_along(axis) for axis in range(-3, 3)}


def test_cumsum_adjoint_without_an_axis_gives_the_plain_helpers_to_the_last_bit():
    for a_shape in [(7,), (3, 4), (2, 3, 2)]:
        a = np.zeros(a_shape)
        for dtype in (np.float64, np.float32):
            for g in _layouts((a.size,), dtype):
                assert_same(_cumsum_flat(g, a), runtime.cumsum_adjoint(g, a), exact=True)
    assert _cumsum_flat(0.0, np.zeros(3)) == 0.0
    assert_same(_cumsum_flat(np.zeros(0), np.zeros(0)), runtime.cumsum_adjoint(np.zeros(0), np.zeros(0)))


@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 4)])
def test_cumsum_adjoint_along_each_axis_gives_the_plain_helpers_to_the_last_bit(shape):
    for axis in range(-len(shape), len(shape)):
        for dtype in (np.float64, np.float32):
            for g in _layouts(shape, dtype):
                expected = runtime.cumsum_adjoint(g, np.zeros(shape), axis=axis)
                assert_same(CUMSUMS[axis](g, np.zeros(shape)), expected, exact=True)


def test_cumsum_adjoint_refuses_an_axis_out_of_bounds():
    with pytest.raises(TypingError, match="out of bounds"):
        CUMSUMS[2](np.ones((2, 3)), np.ones((2, 3)))


# ------------------------------------------------------------------ stores into arrays
@numba.njit
def _setitem(g, index):
    return runtime.setitem_adjoint(g, index)


@numba.njit
def _setitem_value(g, v, index):
    return runtime.setitem_value_adjoint(g, v, index)


@numba.njit
def _update(t, y, index, v_t):
    return runtime.index_update(t, y, index, v_t)


@numba.njit
def _update_add(t, y, index, v_t):
    return runtime.index_update(t, y, index, v_t, add=True)


STORES = [   # (shape of x, index, shape of the stored v: None for a Python number)
    ((6,), 2, None), ((6,), slice(1, None), (5,)), ((6,), slice(None, None, 2), None),
    ((6,), slice(4, 0, -1), (1,)), ((3, 4), 1, (4,)), ((3, 4), 1, (1,)), ((3, 4), (1, 2), None),
    ((3, 4), (slice(None), 1), (3,)), ((3, 4), slice(0, 2), (4,)), ((3, 4), slice(0, 2), (2, 4)),
    ((3, 4), slice(0, 2), None), ((2, 3, 4), (1, slice(None), 2), (3,)),
]


@pytest.mark.parametrize("shape, index, v_shape", STORES)
def test_the_adjoints_and_tangent_of_a_store_give_the_plain_helpers(shape, index, v_shape):
    v = 1.5 if v_shape is None else RNG.standard_normal(v_shape)
    for g in _layouts(shape):
        assert_same(_setitem(g, index), runtime.setitem_adjoint(g, index), exact=True)
        got, expected = _setitem_value(g, v, index), runtime.setitem_value_adjoint(g, v, index)
        assert type(got) is type(expected)          # a Python number's adjoint is a Python float
        assert_same(got, expected)
        for t in (g, 0.5):
            for compiled, add in ((_update, False), (_update_add, True)):
                y = np.zeros(shape)
                assert_same(compiled(t, y, index, v), runtime.index_update(t, y, index, v, add=add), exact=True)
        assert _setitem(0.0, index) == 0.0 and _setitem_value(0.0, v, index) == 0.0


def test_a_store_by_integer_arrays_is_refused():
    with pytest.raises(TypingError, match="integer arrays"):
        _setitem_value(np.ones(4), np.ones(2), np.array([0, 0]))


# -------------------------------------------------------------------------------- outer
@numba.njit
def _outer(g, a, b):
    return runtime.outer_adjoint_left(g, a, b), runtime.outer_adjoint_right(g, a, b)


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (4,)), ((2, 3), (4,)), ((3,), (2, 2)), (None, (4,)), ((3,), None)])
def test_outer_adjoints_give_the_plain_helpers(a_shape, b_shape):
    for dtype in (np.float64, np.float32):
        a = 1.25 if a_shape is None else RNG.standard_normal(a_shape).astype(dtype)
        b = -0.5 if b_shape is None else RNG.standard_normal(b_shape).astype(dtype)
        for g in _layouts((np.size(a), np.size(b)), dtype):
            left, right = _outer(g, a, b)
            expected = runtime.outer_adjoint_left(g, a, b), runtime.outer_adjoint_right(g, a, b)
            for got, want in zip((left, right), expected):
                assert type(got) is type(want)
                if dtype == np.float32:     # summed in another order, in single precision
                    np.testing.assert_allclose(got, want, rtol=1e-6)
                    assert np.asarray(got).dtype == np.asarray(want).dtype
                else:
                    assert_same(got, want)
    assert _outer(0.0, np.ones(2), np.ones(3)) == (0.0, 0.0)


# -------------------------------------------------------------------------------- norms
@numba.njit
def _norm(g, x, x_dot, y):
    return runtime.norm_adjoint(g, x, y), runtime.norm_tangent(x, x_dot, y)


@numba.njit
def _norm_ord_1(g, x):
    return runtime.norm_adjoint(g, x, np.linalg.norm(x), 1)


@numba.njit
def _norm_axis(g, x):
    return runtime.norm_adjoint(g, x, 1.0, axis=0)


def test_norm_adjoint_and_tangent_give_the_plain_helpers():
    for shape in [(5,), (3, 4)]:
        for dtype in (np.float64, np.float32):
            for x in _layouts(shape, dtype) + [np.zeros(shape, dtype)]:
                x_dot = RNG.standard_normal(shape).astype(dtype)
                y = np.linalg.norm(x)
                adjoint, tangent = _norm(0.75, x, x_dot, y)
                # Numba types the number 0.75 as NumPy's float64 (not as a Python float, which
                # NumPy would multiply in x's float32): the plain helper given a float64
                assert_same(adjoint, runtime.norm_adjoint(np.float64(0.75), x, y), exact=True)
                np.testing.assert_allclose(tangent, runtime.norm_tangent(x, x_dot, y),
                                           rtol=1e-13 if dtype == np.float64 else 1e-6)
    adjoint, _ = _norm(1.0, np.zeros(3), np.ones(3), 0.0)       # a zero norm: the kink of abs, 0
    np.testing.assert_array_equal(adjoint, np.zeros(3))


def test_norms_of_another_kind_are_refused():
    with pytest.raises(TypingError, match="no ord but 2"):
        _norm_ord_1(1.0, np.ones(3))
    with pytest.raises(TypingError, match="no axis"):
        _norm_axis(1.0, np.ones((2, 3)))


# ------------------------------------------------------------------------- dot, stack
@numba.njit
def _dot(g, a, b):
    return runtime.dot_adjoint_left(g, a, b), runtime.dot_adjoint_right(g, a, b)


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4))])
def test_dot_adjoints_give_the_plain_helpers(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    result = np.dot(a, b)
    gs = [0.5] if np.ndim(result) == 0 else _layouts(np.shape(result))
    for g in gs:
        for x, y in ((a, b), (np.asfortranarray(a), b[::-1])):
            got, expected = _dot(g, x, y), (runtime.dot_adjoint_left(g, x, y), runtime.dot_adjoint_right(g, x, y))
            for one, want in zip(got, expected):
                assert_same(one, want)
    if np.ndim(result):
        assert _dot(0.0, a, b) == (0.0, 0.0)    # the zero placeholder passes through


def test_dot_of_more_dimensions_is_refused():
    with pytest.raises(TypingError, match="vectors and matrices"):
        _dot(np.ones((2, 2, 2)), np.ones((2, 2, 3)), np.ones(3))


@numba.njit
def _swapaxes(g, axis1, axis2):
    return runtime.swapaxes_adjoint(g, axis1, axis2)


def test_swapaxes_adjoint_gives_the_plain_helpers():
    for shape in [(3, 4), (2, 3, 4)]:
        for g in _layouts(shape):
            for axis1, axis2 in [(0, 1), (1, 0), (0, -1), (-1, -2)]:
                assert_same(_swapaxes(g, axis1, axis2), runtime.swapaxes_adjoint(g, axis1, axis2), exact=True)
    assert _swapaxes(0.0, 0, 1) == 0.0


def _stack_along(axis):
    return numba.njit(eval(f"lambda g, k: stack_adjoint(g, k, axis={axis})", {"stack_adjoint": runtime.stack_adjoint}))


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_stack_adjoint_gives_the_plain_helpers(shape):
    for axis in range(-len(shape), len(shape)):
        compiled = _stack_along(axis)
        for g in _layouts(shape):
            for k in range(shape[axis]):
                assert_same(compiled(g, k), runtime.stack_adjoint(g, k, axis=axis), exact=True)
        assert compiled(0.0, 1) == 0.0


# ------------------------------------------------------------- through compile=True
def transposed(A):
    return np.sum((A.T @ A) ** 2)


def transposed_axes(A):
    return np.sum(np.transpose(A, (1, 0)) @ np.sin(A))


def reshaped(x):
    return np.sum(x.reshape(2, -1) @ np.arange(1.0, 1.0 + x.shape[0] // 2))


def np_reshaped(A):
    return np.sum(np.reshape(A * A, (-1,)) * np.arange(A.size))


def clipped(x):
    return np.sum(np.clip(x, -0.5, 0.5) ** 2) + np.sum(np.clip(x, 0.0, None) * x)


def cumulative(x):
    return np.sum(np.cumsum(x) ** 2)


def cumulative_rows(A):
    return np.sum(np.cumsum(A, axis=1) ** 2) + np.sum(np.cumsum(A, axis=0) * A)


def normed(x):
    return np.linalg.norm(x) + np.linalg.norm(x * x)


def outer(x):
    return np.sum(np.outer(x, x) ** 2) + np.sum(np.outer(x, np.sin(x)))


def dotted(A):
    return np.sum(np.dot(A.T, A) ** 2) + np.sum(np.tanh(np.dot(A, A[0])))


def stacked(A):
    return np.sum(np.stack((A[:, 0], A[:, 1] ** 2), axis=1) ** 2) + np.sum(np.stack((A[0], A[2])) ** 3)


def swapped(A):
    return np.sum(np.swapaxes(A, 0, 1) @ np.sin(A))


def stored(x):
    y = x.copy()
    y[0] = y[0] * 3.0
    y[1:] += x[:-1] ** 2
    return np.sum(y * y)


def stored_rows(A):
    C = A.copy()
    C[0] = A[1] * 2.0
    C[:, 1] += A[:, 0] ** 2
    C[1:, 2] = 0.5
    return np.sum(C ** 2)


X = RNG.standard_normal(6) * 0.6
M = RNG.standard_normal((3, 4))
CASES = [(transposed, M), (transposed_axes, M), (reshaped, X), (np_reshaped, M), (clipped, X),
         (cumulative, X), (cumulative_rows, M), (normed, X), (normed, M), (outer, X), (stored, X),
         (stored_rows, M), (dotted, M), (stacked, M), (swapped, M)]


@pytest.mark.parametrize("f, x", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_compiled_gradients_give_the_plain_ones_and_central_differences(f, x):
    compiled, plain = tad.grad(f, compile=True)(x), tad.grad(f)(x)
    assert np.shape(compiled) == np.shape(plain) and compiled.dtype == plain.dtype
    np.testing.assert_allclose(compiled, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(compiled, numerical_grad(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, x", [(transposed, M), (reshaped, X), (clipped, X), (cumulative, X),
                                  (normed, X), (outer, X), (stored, X), (stored_rows, M), (dotted, M)],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_compiled_forward_mode_gives_the_plain_one_and_the_gradients_direction(f, x):
    direction = RNG.standard_normal(x.shape)
    value, slope = tad.jvp(f, (x,), (direction,), compile=True)
    plain_value, plain_slope = tad.jvp(f, (x,), (direction,))
    np.testing.assert_allclose(value, plain_value, rtol=1e-13)
    np.testing.assert_allclose(slope, plain_slope, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(slope, np.sum(numerical_grad(f, x) * direction), rtol=1e-6, atol=1e-8)


def norm_by_rows(A):
    return np.sum(np.cumsum(A, axis=1)) + np.sum(np.linalg.norm(A, ord=1) * A)


def test_a_kind_not_compiled_is_refused_at_the_users_line():
    with pytest.raises(tad.CompileError, match="np.linalg.norm") as error:
        tad.grad(norm_by_rows, compile=True)(M)
    assert error.value.lineno == norm_by_rows.__code__.co_firstlineno + 1
