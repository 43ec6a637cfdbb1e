"""Gradients of straight-line NumPy code, in both modes, on every array library.

Every function is a plain module-level function (the transformer reads its source).
Each case goes through `GradChecker.check` (conftest.py): reverse mode against
central differences and the closed form, forward mode against the central-difference
directional derivative, the dot-product identity between the two modes, the value,
and the type/shape/dtype/library of every gradient.  Inputs are drawn from each
function's valid domain, away from kinks and ties.
"""
import math

import numpy as np
import pytest

import tangent_ad as tad
from conftest import unbroadcast

RNG = np.random.default_rng(1234)


def uniform(shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape)


def away_from_zero(shape, lo=0.3, hi=1.5):
    """Values with |x| in [lo, hi] and random signs (for abs, division)."""
    return RNG.uniform(lo, hi, size=shape) * RNG.choice([-1.0, 1.0], size=shape)




def onehot(shape, index):
    e = np.zeros(shape)
    e[index] = 1.0
    return e


# ===========================================================================
# The chapter's worked examples, exact values in both modes
# ===========================================================================
def poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def sin_sq(x):
    return np.sin(x ** 2)


def sq_sum(x):
    return np.sum(x ** 2)


def pow_sum(x, y):
    return (x + y) ** 2


def test_chapter_poly_reverse():
    g1, g2 = tad.grad(poly, wrt=(0, 1))(3.0, 2.0)
    assert (g1, g2) == pytest.approx((6.0, -4.0), rel=1e-12)
    assert isinstance(g1, float) and isinstance(g2, float)


def test_chapter_poly_forward():
    out, out_dot = tad.jvp(poly, (3.0, 2.0), (1.0, 0.0))
    assert out == pytest.approx(5.0, rel=1e-12)
    assert out_dot == pytest.approx(6.0, rel=1e-12)
    _, out_dot = tad.jvp(poly, (3.0, 2.0), (0.0, 1.0))
    assert out_dot == pytest.approx(-4.0, rel=1e-12)


def test_chapter_sin_sq_both_modes():
    assert tad.grad(sin_sq)(1.0) == pytest.approx(2.0 * math.cos(1.0), rel=1e-12)
    out, out_dot = tad.jvp(sin_sq, (1.0,), (1.0,))
    assert out == pytest.approx(math.sin(1.0), rel=1e-12)
    assert out_dot == pytest.approx(2.0 * math.cos(1.0), rel=1e-12)


def test_chapter_sq_sum_both_modes(xp):
    x = xp.to_array(np.array([2.0, 3.0]))
    g = xp.from_array(tad.grad(sq_sum)(x))
    np.testing.assert_allclose(g, [4.0, 6.0], rtol=1e-12)
    for i, expected in enumerate([4.0, 6.0]):
        _, out_dot = tad.jvp(sq_sum, (x,), (xp.to_array(onehot((2,), i)),))
        assert float(xp.from_array(out_dot)) == pytest.approx(expected, rel=1e-12)


def test_chapter_pow_sum_both_modes():
    gx, gy = tad.grad(pow_sum, wrt=("x", "y"))(1.5, 0.25)
    assert (gx, gy) == pytest.approx((3.5, 3.5), rel=1e-12)
    _, dx = tad.jvp(pow_sum, (1.5, 0.25), (1.0, None))
    _, dy = tad.jvp(pow_sum, (1.5, 0.25), (None, 1.0))
    assert (dx, dy) == pytest.approx((3.5, 3.5), rel=1e-12)


@pytest.mark.parametrize("f, args, wrt", [
    pytest.param(poly, (3.0, 2.0), (0, 1), id="poly"),
    pytest.param(sin_sq, (1.0,), 0, id="sin_sq"),
    pytest.param(pow_sum, (1.5, 0.25), ("x", "y"), id="pow_sum"),
])
def test_chapter_examples_full_check(checker, f, args, wrt):
    checker.check(f, args, wrt=wrt)


# ===========================================================================
# Elementwise functions: raw (array output, random cotangent) and closed forms
# ===========================================================================
def neg(x):
    return -x


def exp(x):
    return np.exp(x)


def log(x):
    return np.log(x)


def sin(x):
    return np.sin(x)


def cos(x):
    return np.cos(x)


def tan(x):
    return np.tan(x)


def tanh(x):
    return np.tanh(x)


def sqrt(x):
    return np.sqrt(x)


def absolute(x):
    return np.abs(x)


def cube(x):
    return x ** 3


def square(x):
    return x ** 2


def half_power(x):
    return x ** 0.5


def two_to_the(x):
    return 2.0 ** x


def np_power_3(x):
    return np.power(x, 3)


def reciprocal(x):
    return 1.0 / x


def chain(x):
    return np.sum(np.sin(x) * np.exp(-x) + np.tanh(x) ** 2)


UNARY = [
    # name, f, domain sampler, closed-form derivative f'(x)
    ("neg", neg, uniform, lambda x: -np.ones_like(x)),
    ("exp", exp, uniform, np.exp),
    ("log", log, lambda s: uniform(s, 0.5, 2.0), lambda x: 1.0 / x),
    ("sin", sin, lambda s: uniform(s, -2.0, 2.0), np.cos),
    ("cos", cos, lambda s: uniform(s, -2.0, 2.0), lambda x: -np.sin(x)),
    ("tan", tan, uniform, lambda x: 1.0 / np.cos(x) ** 2),
    ("tanh", tanh, lambda s: uniform(s, -2.0, 2.0), lambda x: 1.0 - np.tanh(x) ** 2),
    ("sqrt", sqrt, lambda s: uniform(s, 0.5, 2.0), lambda x: 0.5 / np.sqrt(x)),
    ("abs", absolute, away_from_zero, np.sign),
    ("x**3", cube, lambda s: uniform(s, -1.5, 1.5), lambda x: 3.0 * x ** 2),
    ("x**2", square, lambda s: uniform(s, -1.5, 1.5), lambda x: 2.0 * x),
    ("x**0.5", half_power, lambda s: uniform(s, 0.5, 2.0), lambda x: 0.5 * x ** -0.5),
    ("2.0**x", two_to_the, uniform, lambda x: np.log(2.0) * 2.0 ** x),
    ("np.power(x,3)", np_power_3, lambda s: uniform(s, -1.5, 1.5), lambda x: 3.0 * x ** 2),
    ("1/x", reciprocal, away_from_zero, lambda x: -1.0 / x ** 2),
]


@pytest.mark.parametrize("shape", [(3, 4), (5,)], ids=["(3,4)", "(5,)"])
@pytest.mark.parametrize("name, f, sample, dfdx", UNARY, ids=[u[0] for u in UNARY])
def test_unary(checker, name, f, sample, dfdx, shape):
    x = sample(shape)
    checker.check(f, (x,), exact=lambda u, x: (u * dfdx(x),))


SCALAR_UNARY = [u for u in UNARY if u[0] in ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs",
                                            "x**3", "2.0**x", "1/x")]


@pytest.mark.parametrize("name, f, sample, dfdx", SCALAR_UNARY, ids=[u[0] for u in SCALAR_UNARY])
def test_unary_python_float(checker, name, f, sample, dfdx):
    x = float(sample(())) if name != "abs" else -0.8
    checker.check(f, (x,), exact=lambda u, x: (u * dfdx(x),))


def test_chain(checker):
    checker.check(chain, (uniform((3, 4)),),
                  exact=lambda u, x: (u * (np.cos(x) * np.exp(-x) - np.sin(x) * np.exp(-x)
                                           + 2.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2)),))


# ===========================================================================
# Binary operators and functions, with broadcasting: each operand's gradient
# has that operand's own shape
# ===========================================================================
def add(x, y):
    return x + y


def sub(x, y):
    return x - y


def mul(x, y):
    return x * y


def div(x, y):
    return x / y


def power(x, y):
    return x ** y


def np_power(x, y):
    return np.power(x, y)


def maximum(x, y):
    return np.maximum(x, y)


def minimum(x, y):
    return np.minimum(x, y)


def add_sum(x, y):
    return np.sum(np.sin(x + y))


def sub_sum(x, y):
    return np.sum(np.sin(x - y))


def mul_sum(x, y):
    return np.sum(np.sin(x * y))


def div_sum(x, y):
    return np.sum(np.sin(x / y))


def power_sum(x, y):
    return np.sum(np.sin(x ** y))


def _pos(shape):
    return uniform(shape, 0.5, 2.0)


def _any(shape):
    return uniform(shape, -1.0, 1.0)


def _denominator(shape):
    return away_from_zero(shape, 0.5, 2.0)


def _sample(sampler, shape):
    """A Python float for shape None, else an ndarray (0-d for shape ())."""
    if shape is None:
        return float(sampler(()))
    return np.asarray(sampler(shape))


# name, raw f, summed f, x sampler, y sampler, vjp of the raw op: (u, x, y) -> (gx, gy) before unbroadcast
BINARY = [
    ("add", add, add_sum, _any, _any, lambda u, x, y: (u, u)),
    ("sub", sub, sub_sum, _any, _any, lambda u, x, y: (u, -u)),
    ("mul", mul, mul_sum, _any, _any, lambda u, x, y: (u * y, u * x)),
    ("div", div, div_sum, _any, _denominator, lambda u, x, y: (u / y, -u * x / y ** 2)),
    ("pow", power, power_sum, _pos, _any, lambda u, x, y: (u * y * x ** (y - 1.0), u * np.log(x) * x ** y)),
    ("np.power", np_power, None, _pos, _any, lambda u, x, y: (u * y * x ** (y - 1.0), u * np.log(x) * x ** y)),
]

SHAPES = [
    # x shape, y shape (None: a Python float)
    ((3, 4), (3, 4)),
    ((3, 4), ()),
    ((3, 4), None),
    (None, (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 4), (3, 1)),
    ((3, 4), (1, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((2, 3, 4), (3, 1)),
]


def _shape_id(s):
    return "float" if s is None else "(" + ",".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"


def _vjp_exact(rule, f_inner, summed):
    """Closed-form vjp of `f_inner` (raw op) or of sum(sin(raw op)), unbroadcast."""
    def exact(u, x, y):
        xa, ya = np.asarray(x, float), np.asarray(y, float)
        z = f_inner(xa, ya)
        uu = u * np.cos(z) if summed else u * np.ones_like(z)
        gx, gy = rule(uu, xa, ya)
        gx = unbroadcast(np.broadcast_to(gx, z.shape), xa.shape)
        gy = unbroadcast(np.broadcast_to(gy, z.shape), ya.shape)
        return (float(gx) if isinstance(x, float) else gx, float(gy) if isinstance(y, float) else gy)
    return exact


BINARY_CASES = []
for _name, _raw, _summed, _sx, _sy, _rule in BINARY:
    for _xs, _ys in SHAPES:
        _id = f"{_name}[{_shape_id(_xs)},{_shape_id(_ys)}]"
        BINARY_CASES.append(pytest.param(_raw, _sx, _sy, _xs, _ys, (_rule, False), id=_id))
        if _summed is not None:
            BINARY_CASES.append(pytest.param(_summed, _sx, _sy, _xs, _ys, (_rule, True), id="sum_sin_" + _id))


def _raw_of(f):
    return {add_sum: add, sub_sum: sub, mul_sum: mul, div_sum: div, power_sum: power}.get(f, f)


@pytest.mark.parametrize("f, sample_x, sample_y, xs, ys, rule", BINARY_CASES)
def test_binary_broadcasting(checker, f, sample_x, sample_y, xs, ys, rule):
    x, y = _sample(sample_x, xs), _sample(sample_y, ys)
    rule_fn, summed = rule
    checker.check(f, (x, y), wrt=(0, 1), exact=_vjp_exact(rule_fn, _raw_of(f), summed))


def _minmax_inputs(xs, ys):
    """x, y with |x - y| >= 0.1 everywhere after broadcasting: no ties, no kink in the FD stencil."""
    if xs == (3, 1):
        return np.array([[-1.0], [0.05], [1.0]]), np.array([[-0.5, -0.3, 0.3, 0.5]])
    y = 0.2 if ys is None else uniform(ys)
    return y + away_from_zero(xs, 0.1, 0.8), y


MINMAX_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((3, 4), None)]


@pytest.mark.parametrize("xs, ys", MINMAX_SHAPES, ids=[f"{_shape_id(a)},{_shape_id(b)}" for a, b in MINMAX_SHAPES])
@pytest.mark.parametrize("f, pick_x", [(maximum, np.greater), (minimum, np.less)], ids=["maximum", "minimum"])
def test_maximum_minimum(checker, f, pick_x, xs, ys):
    x, y = _minmax_inputs(xs, ys)
    z_shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    assert np.min(np.abs(np.broadcast_to(x, z_shape) - np.broadcast_to(y, z_shape))) >= 0.05

    def exact(u, x, y):
        xa, ya = np.asarray(x, float), np.asarray(y, float)
        m = pick_x(np.broadcast_to(xa, z_shape), np.broadcast_to(ya, z_shape))
        gx = unbroadcast(u * m, xa.shape)
        gy = unbroadcast(u * ~m, ya.shape)
        return (gx, float(gy) if isinstance(y, float) else gy)

    checker.check(f, (x, y), wrt=(0, 1), exact=exact)


def where_select(x, y):
    return np.where(x > 0.0, x * y, y ** 2)


def where_sum(x, y):
    return np.sum(np.where(x > y, np.sin(x), np.cos(y)))


def test_where(checker):
    x = away_from_zero((3, 4), 0.2, 1.0)
    y = uniform((3, 4))

    def exact(u, x, y):
        m = x > 0.0
        return (u * np.where(m, y, 0.0), u * np.where(m, x, 2.0 * y))

    checker.check(where_select, (x, y), wrt=(0, 1), exact=exact)


def test_where_broadcast_sum(checker):
    y = uniform((4,))
    x = y + away_from_zero((3, 4), 0.1, 0.8)

    def exact(u, x, y):
        m = x > y
        return (u * np.where(m, np.cos(x), 0.0), unbroadcast(u * np.where(m, 0.0, -np.sin(y)), y.shape))

    checker.check(where_sum, (x, y), wrt=(0, 1), exact=exact)


def unary_minus_expr(x, y):
    return np.sum(-(x * y) + (-x) ** 2)


def test_unary_minus_in_expression(checker):
    checker.check(unary_minus_expr, (uniform((3, 4)), uniform((4,))), wrt=(0, 1),
                  exact=lambda u, x, y: (u * (-y + 2.0 * x), unbroadcast(-u * x, (4,))))


# ===========================================================================
# Keepdims results, row normalization, softmax
# ===========================================================================
def center_rows(x):
    return x - np.mean(x, axis=1, keepdims=True)


def scale_by_column_sums(x):
    return x * np.sum(x, axis=0, keepdims=True)


def divide_by(A, s):
    return A / s


def normalize_rows(A):
    return A / np.sum(A, axis=1, keepdims=True)


def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_loss(x, w):
    e = np.exp(x)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * w)


def test_center_rows(checker):
    checker.check(center_rows, (uniform((3, 4)),),
                  exact=lambda u, x: (u - np.mean(u, axis=1, keepdims=True),))


def test_scale_by_column_sums(checker):
    def exact(u, x):
        s = np.sum(x, axis=0, keepdims=True)
        return (u * s + np.sum(u * x, axis=0, keepdims=True),)
    checker.check(scale_by_column_sums, (uniform((3, 4)),), exact=exact)


def test_divide_by_column_of_scales(checker):
    A = uniform((3, 4))
    s = _denominator((3, 1))
    checker.check(divide_by, (A, s), wrt=(0, 1),
                  exact=lambda u, A, s: (u / s, np.sum(-u * A / s ** 2, axis=1, keepdims=True)))


def test_normalize_rows(checker):
    A = uniform((3, 4), 0.5, 2.0)

    def exact(u, A):
        s = np.sum(A, axis=1, keepdims=True)
        return (u / s - np.sum(u * A, axis=1, keepdims=True) / s ** 2,)

    checker.check(normalize_rows, (A,), exact=exact)


def _softmax_vjp(u, x):
    p = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    return p * (u - np.sum(u * p, axis=1, keepdims=True))


def test_softmax(checker):
    checker.check(softmax, (uniform((3, 4), -2.0, 2.0),), exact=lambda u, x: (_softmax_vjp(u, x),))


def test_softmax_loss(checker):
    x, w = uniform((3, 4), -2.0, 2.0), uniform((3, 4))

    def exact(u, x, w):
        p = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        return (_softmax_vjp(u * w, x), u * p)

    checker.check(softmax_loss, (x, w), wrt=(0, 1), exact=exact)


# ===========================================================================
# Reductions
# ===========================================================================
def sum_all(x):
    return np.sum(x)


def mean_all(x):
    return np.mean(x)


def sum_axis0(x):
    return np.sum(x, axis=0)


def sum_axis1(x):
    return np.sum(x, axis=1)


def sum_axis_neg1(x):
    return np.sum(x, axis=-1)


def sum_axis_neg2(x):
    return np.sum(x, axis=-2)


def sum_axis0_keepdims(x):
    return np.sum(x, axis=0, keepdims=True)


def sum_axis_neg1_keepdims(x):
    return np.sum(x, axis=-1, keepdims=True)


def mean_axis0(x):
    return np.mean(x, axis=0)


def mean_axis_neg1(x):
    return np.mean(x, axis=-1)


def mean_axis1_keepdims(x):
    return np.mean(x, axis=1, keepdims=True)


def sum_keepdims_all(x):
    return np.sum(x, keepdims=True)


def _expand(u, axis, shape, keepdims):
    u = np.asarray(u, float)
    if not keepdims and axis is not None:
        u = np.expand_dims(u, axis)
    return np.broadcast_to(u, shape)


# name, f, axis, keepdims, mean?
REDUCTIONS = [
    ("sum", sum_all, None, False, False),
    ("mean", mean_all, None, False, True),
    ("sum_keepdims", sum_keepdims_all, None, True, False),
    ("sum_axis0", sum_axis0, 0, False, False),
    ("sum_axis1", sum_axis1, 1, False, False),
    ("sum_axis-1", sum_axis_neg1, -1, False, False),
    ("sum_axis-2", sum_axis_neg2, -2, False, False),
    ("sum_axis0_keepdims", sum_axis0_keepdims, 0, True, False),
    ("sum_axis-1_keepdims", sum_axis_neg1_keepdims, -1, True, False),
    ("mean_axis0", mean_axis0, 0, False, True),
    ("mean_axis-1", mean_axis_neg1, -1, False, True),
    ("mean_axis1_keepdims", mean_axis1_keepdims, 1, True, True),
]


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=["(3,4)", "(2,3,4)"])
@pytest.mark.parametrize("name, f, axis, keepdims, is_mean", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction(checker, name, f, axis, keepdims, is_mean, shape):
    x = uniform(shape)

    def exact(u, x):
        n = x.size if axis is None else x.shape[axis]
        g = _expand(u, axis, x.shape, keepdims)
        return (g / n if is_mean else g * 1.0,)

    checker.check(f, (x,), exact=exact)


def sum_of_mean_squares(x):
    m = np.mean(x ** 2, axis=0)
    return np.sum(m * np.sum(x, axis=-1, keepdims=True))


def test_reductions_combined(checker):
    x = uniform((3, 4))
    checker.check(sum_of_mean_squares, (x,))


# ===========================================================================
# Linear algebra: dot, matmul, @
# ===========================================================================
def np_dot(a, b):
    return np.dot(a, b)


def np_matmul(a, b):
    return np.matmul(a, b)


def at_op(a, b):
    return a @ b


def quad_form(A, x):
    return x @ (A @ x)


MATMUL_SHAPES = [((3, 4), (4, 2)), ((3, 4), (4,)), ((4,), (4, 3)), ((4,), (4,))]


def _matmul_vjp(u, a, b):
    """Closed-form vjp of a @ b (1-D operands promoted as matmul does, batch dims unbroadcast)."""
    u2 = np.asarray(u, float)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if b.ndim == 1:
        u2 = u2[..., None]
    if a.ndim == 1:
        u2 = u2[..., None, :]
    ga = u2 @ np.swapaxes(b2, -1, -2)
    gb = np.swapaxes(a2, -1, -2) @ u2
    ga = unbroadcast(ga, a2.shape).reshape(a.shape)
    gb = unbroadcast(gb, b2.shape).reshape(b.shape)
    return ga, gb


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=[f"{_shape_id(a)}@{_shape_id(b)}" for a, b in MATMUL_SHAPES])
@pytest.mark.parametrize("f", [np_dot, np_matmul, at_op], ids=["np.dot", "np.matmul", "@"])
def test_matmul(checker, f, shapes):
    a, b = uniform(shapes[0]), uniform(shapes[1])
    checker.check(f, (a, b), wrt=(0, 1), exact=_matmul_vjp)


BATCHED = [((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5))]


@pytest.mark.parametrize("shapes", BATCHED, ids=[f"{_shape_id(a)}@{_shape_id(b)}" for a, b in BATCHED])
@pytest.mark.parametrize("f", [np_matmul, at_op], ids=["np.matmul", "@"])
def test_matmul_batched_broadcast(checker, f, shapes):
    a, b = uniform(shapes[0]), uniform(shapes[1])
    checker.check(f, (a, b), wrt=(0, 1), exact=_matmul_vjp)


def test_quadratic_form(checker):
    A, x = uniform((4, 4)), uniform((4,))
    checker.check(quad_form, (A, x), wrt=(0, 1),
                  exact=lambda u, A, x: (u * np.outer(x, x), u * (A + A.T) @ x))


# ===========================================================================
# Shape manipulation: reshape, transpose, .T
# ===========================================================================
def reshape_4_3(x):
    return np.reshape(x, (4, 3))


def reshape_flat(x):
    return np.reshape(x, (-1,))


def transpose(x):
    return np.transpose(x)


def transpose_axes(x):
    return np.transpose(x, (1, 0, 2))


def dot_T(x):
    return x.T


def gram(x):
    return np.sum((x.T @ x) ** 2)


SHAPE_OPS = [
    ("reshape(4,3)", reshape_4_3, (3, 4), lambda u, x: (np.reshape(u, x.shape),)),
    ("reshape(-1)", reshape_flat, (3, 4), lambda u, x: (np.reshape(u, x.shape),)),
    ("transpose", transpose, (3, 4), lambda u, x: (np.transpose(u),)),
    ("transpose(1,0,2)", transpose_axes, (2, 3, 4), lambda u, x: (np.transpose(u, (1, 0, 2)),)),
    (".T", dot_T, (3, 4), lambda u, x: (u.T,)),
    ("sum((x.T@x)**2)", gram, (3, 4), lambda u, x: (u * 4.0 * x @ (x.T @ x),)),
]


@pytest.mark.parametrize("name, f, shape, exact", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(checker, name, f, shape, exact):
    checker.check(f, (uniform(shape),), exact=exact)


# ===========================================================================
# Indexing and slicing (reads)
# ===========================================================================
def first(x):
    return x[0]


def last(x):
    return x[-1]


def middle_slice(x):
    return x[1:3]


def first_column(x):
    return x[:, 0]


def second_row(x):
    return x[1]


def element(x):
    return x[1, 2]


def at_index(x, i):
    return x[i]


def slice_sum(x):
    return np.sum(x[1:3] ** 2) + x[0] * x[-1]


def _scatter(shape, key, u):
    g = np.zeros(shape)
    g[key] = u
    return g


INDEXING = [
    ("x[0]", first, (5,), 0),
    ("x[-1]", last, (5,), -1),
    ("x[1:3]", middle_slice, (5,), slice(1, 3)),
    ("2d_x[1:3]", middle_slice, (4, 3), slice(1, 3)),
    ("x[:,0]", first_column, (3, 4), (slice(None), 0)),
    ("x[1]", second_row, (3, 4), 1),
    ("x[1,2]", element, (3, 4), (1, 2)),
]


@pytest.mark.parametrize("name, f, shape, key", INDEXING, ids=[c[0] for c in INDEXING])
def test_indexing(checker, name, f, shape, key):
    checker.check(f, (uniform(shape),), exact=lambda u, x: (_scatter(x.shape, key, u),))


@pytest.mark.parametrize("i", [0, 2, -1])
def test_index_by_int_argument(checker, i):
    checker.check(at_index, (uniform((4,)), i), exact=lambda u, x, i_: (_scatter(x.shape, i, u),))


def test_index_row_by_int_argument(checker):
    checker.check(at_index, (uniform((3, 4)), 2), exact=lambda u, x, i_: (_scatter(x.shape, 2, u),))


def test_slice_expression(checker):
    def exact(u, x):
        g = np.zeros(x.shape)
        g[1:3] = 2.0 * x[1:3]
        g[0] += x[-1]
        g[-1] += x[0]
        return (u * g,)
    checker.check(slice_sum, (uniform((5,)),), exact=exact)


# ===========================================================================
# Constants, closures, unused arguments
# ===========================================================================
SCALE = 2.5
SHIFT = 0.75
POWER = 3


def with_constants(x):
    return np.sum(SCALE * x ** 2 + SHIFT * x)


def with_int_constant(x):
    return np.sum(x ** POWER) * SCALE


def test_module_constants(checker):
    checker.check(with_constants, (uniform((4,)),), exact=lambda u, x: (u * (2.0 * SCALE * x + SHIFT),))
    checker.check(with_int_constant, (uniform((4,)),), exact=lambda u, x: (u * SCALE * POWER * x ** (POWER - 1),))


def test_module_constants_are_not_inputs_in_forward_mode(xp):
    # d/dx of SCALE*x^2 + SHIFT*x is exactly 2*SCALE*x + SHIFT: a constant with a
    # tangent (of 1.0 or anything else) would change it.
    x_np = np.array([0.5, -1.0, 2.0])
    for i in range(3):
        _, out_dot = tad.jvp(with_constants, (xp.to_array(x_np),), (xp.to_array(onehot((3,), i)),))
        assert float(xp.from_array(out_dot)) == pytest.approx(2.0 * SCALE * x_np[i] + SHIFT, rel=1e-14)
    d = tad.derivative(with_constants, mode="forward")
    out, out_dot = d(xp.to_array(x_np), xp.to_array(np.ones(3)))
    assert float(xp.from_array(out_dot)) == pytest.approx(float(np.sum(2.0 * SCALE * x_np + SHIFT)), rel=1e-14)
    assert float(xp.from_array(out)) == pytest.approx(float(np.sum(SCALE * x_np ** 2 + SHIFT * x_np)), rel=1e-14)


def make_scaled(c, p):
    def scaled(x):
        return np.sum(c * np.sin(x) ** p)
    return scaled


SCALED = make_scaled(1.5, 2)


def make_affine(w, b):
    def affine(x, y):
        return np.sum(np.tanh(w * x + b * y))
    return affine


AFFINE = make_affine(0.7, -1.3)


def test_closure_variables(checker):
    checker.check(SCALED, (uniform((4,)),), exact=lambda u, x: (u * 1.5 * 2.0 * np.sin(x) * np.cos(x),))


def test_closure_variables_two_args(checker):
    def exact(u, x, y):
        d = 1.0 - np.tanh(0.7 * x + -1.3 * y) ** 2
        return (u * 0.7 * d, u * -1.3 * d)
    checker.check(AFFINE, (uniform((3,)), uniform((3,))), wrt=(0, 1), exact=exact)


def ignores_y(x, y):
    return np.sum(x ** 2)


def ignores_x_partly(x, y):
    z = x * 0.0 + 1.0
    return np.sum(z * y)


@pytest.mark.parametrize("y", [np.full((2, 3), 0.5), np.full((), 0.5), 1.5], ids=["array", "0-d", "float"])
def test_output_independent_of_an_argument(checker, y):
    res = checker.check(ignores_y, (uniform((4,)), y), wrt=(0, 1),
                        exact=lambda u, x, y: (u * 2.0 * x, np.zeros(np.shape(y)) if isinstance(y, np.ndarray)
                                               else 0.0))
    assert np.all(res["grad"][1] == 0.0)


def test_zero_derivative_through_multiplication_by_zero(checker):
    res = checker.check(ignores_x_partly, (uniform((4,)), uniform((4,))), wrt=(0, 1),
                        exact=lambda u, x, y: (np.zeros(4), u * np.ones(4)))
    assert np.all(res["grad"][0] == 0.0)


# ===========================================================================
# float32 in, float32 out
# ===========================================================================
F32_CASES = [
    pytest.param(tanh, ((3, 4),), 0, id="tanh"),
    pytest.param(chain, ((3, 4),), 0, id="chain"),
    pytest.param(mul_sum, ((3, 4), (4,)), (0, 1), id="mul_sum[(3,4),(4,)]"),
    pytest.param(div, ((3, 4), (3, 1)), (0, 1), id="div[(3,4),(3,1)]"),
    pytest.param(softmax, ((3, 4),), 0, id="softmax"),
    pytest.param(np_matmul, ((3, 4), (4, 2)), (0, 1), id="matmul"),
    pytest.param(sum_axis_neg1_keepdims, ((3, 4),), 0, id="sum_axis-1_keepdims"),
    pytest.param(with_constants, ((4,),), 0, id="with_constants"),
    pytest.param(first_column, ((3, 4),), 0, id="x[:,0]"),
]


@pytest.mark.parametrize("f, shapes, wrt", F32_CASES)
def test_float32_gives_float32(checker, f, shapes, wrt):
    args = tuple((uniform(s, 0.5, 1.5) if i == 1 and f is div else uniform(s)).astype(np.float32)
                 for i, s in enumerate(shapes))
    checker.check(f, args, wrt=wrt)
