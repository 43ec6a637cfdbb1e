"""The runtime's array helpers (reductions, shaping, indexing) against the NumPy operations
they differentiate.

Each case pairs a NumPy operation ``f(x, *consts)`` with the runtime's adjoint and/or tangent
of it, and is checked for

* the adjoint against a central-difference vector-Jacobian product (float64, rtol 1e-6);
* the tangent against a central-difference directional derivative;
* ``<g, T(t)> == <A(g), t>`` where both exist;
* float32 in, float32 out;
* the zero placeholder ``g = 0.0`` for operations whose result is an array;
* the strict stand-in array library giving NumPy's result, as StrictArrays.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest

from strict_array import StrictArray, strict, unwrap
from tangent_ad.runtime import indexing, reductions, shaping
from tangent_ad.runtime.indexing import (index_adjoint, index_update, setitem_adjoint,
                                         setitem_value_adjoint)
from tangent_ad.runtime.reductions import (cumprod_adjoint, cumprod_tangent, cumsum_adjoint,
                                           extremum_weights, prod_partials, var_adjoint,
                                           var_tangent)
from tangent_ad.runtime.shaping import (cast_adjoint, cast_tangent, concatenate_adjoint,
                                        diag_adjoint, diagonal_adjoint, flip_adjoint,
                                        hstack_adjoint, moveaxis_adjoint, pad_adjoint,
                                        pad_tangent, repeat_adjoint, roll_adjoint, split_adjoint,
                                        stack_adjoint, swapaxes_adjoint, take_adjoint,
                                        tile_adjoint, trace_adjoint, tril_adjoint, triu_adjoint,
                                        vstack_adjoint)

RTOL = 1e-6          # derivatives against central differences, float64
STEP = 1e-3


# ---------------------------------------------------------------------------
# numerical references
# ---------------------------------------------------------------------------
def central(phi, h=STEP):
    """phi'(0) by a five-point central difference (exact for polynomials of degree <= 4)."""
    return (8.0 * (phi(h) - phi(-h)) - (phi(2 * h) - phi(-2 * h))) / (12.0 * h)


def numeric_vjp(f, x, u, consts=()):
    """The gradient of <u, f(x)> with respect to x, one central difference per element."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        e = np.zeros(x.shape)
        e[idx] = 1.0
        grad[idx] = central(lambda h: float(np.sum(u * np.asarray(f(x + h * e, *consts), float))))
    return grad


def numeric_jvp(f, x, t, consts=()):
    """d/dh f(x + h t) at h = 0."""
    return central(lambda h: np.asarray(f(x + h * t, *consts), float))


def assert_close(actual, expected, rtol=RTOL, what=""):
    actual = np.asarray(actual, float)
    expected = np.asarray(expected, float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * 1e-3 * scale, err_msg=what)


def assert_dot_identity(lhs_terms, rhs_terms, rtol=1e-10):
    """sum(lhs_terms) == sum(rhs_terms) relative to the size of the terms."""
    lhs = sum(float(np.sum(np.asarray(t, float))) for t in lhs_terms)
    rhs = sum(float(np.sum(np.asarray(t, float))) for t in rhs_terms)
    scale = sum(float(np.sum(np.abs(np.asarray(t, float)))) for t in lhs_terms + rhs_terms) + 1e-300
    assert abs(lhs - rhs) <= rtol * scale, f"<g, T t> = {lhs!r} but <A g, t> = {rhs!r}"


def convert(obj, to):
    """Apply `to` to every ndarray in obj (recursing into tuples and lists)."""
    if isinstance(obj, np.ndarray):
        return to(obj)
    if isinstance(obj, tuple):
        return tuple(convert(o, to) for o in obj)
    if isinstance(obj, list):
        return [convert(o, to) for o in obj]
    return obj


def to_float32(x):
    return x.astype(np.float32) if x.dtype == np.float64 else x


def as_numpy(x):
    """A StrictArray result as NumPy; anything else (a fallback to NumPy) fails."""
    return unwrap(x)


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    x: np.ndarray                             # the operand
    f: Callable                               # f(x, *consts): the NumPy operation
    adjoint: Optional[Callable] = None        # adjoint(g, x, *consts)
    tangent: Optional[Callable] = None        # tangent(x, t, *consts)
    consts: tuple = ()
    linear: bool = False                      # f is linear in x: f itself is its tangent
    placeholder: bool = True                  # adjoint is a runtime helper that takes g = 0.0

    def tangent_fn(self):
        if self.tangent is not None:
            return self.tangent
        if self.linear:
            return lambda x, t, *c: self.f(t, *c)
        return None


CASES = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


def rand(*shape, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return x


def spaced(*shape, seed=0):
    """Distinct values, at least 0.1 apart: max and min have no ties near them."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def keep(g, axis, keepdims=False):
    """g with the reduced axes back as length 1 (what broadcasts against the operand)."""
    if axis is None or keepdims or np.ndim(g) == 0:
        return g
    return np.expand_dims(g, axis)


# -- prod: the partials give the adjoint and the tangent -----------------------------
def _prod_cases():
    x3 = rand(3, 4, 2, seed=1)
    one_zero = x3.copy()
    one_zero[1, 2, 0] = 0.0
    two_zeros = one_zero.copy()
    two_zeros[1, 0, 0] = 0.0         # same group as [1, 2, 0] along axis 1
    two_zeros[2, 3, 1] = 0.0
    for label, x in [("random", x3), ("one_zero", one_zero), ("two_zeros", two_zeros)]:
        for axis in [None, 0, 1, -1, (0, 2), (-1, 1), (0, 1, 2)]:
            case(f"prod[{label},axis={axis}]", x,
                 lambda x, axis=axis: np.prod(x, axis=axis),
                 adjoint=lambda g, x, axis=axis: keep(g, axis) * prod_partials(x, axis),
                 tangent=lambda x, t, axis=axis: np.sum(prod_partials(x, axis) * t, axis=axis),
                 placeholder=False)
    v = np.array([0.0, 2.0, 0.0, 3.0])
    case("prod[1d_two_zeros]", v, lambda x: np.prod(x),
         adjoint=lambda g, x: g * prod_partials(x),
         tangent=lambda x, t: np.sum(prod_partials(x) * t))


_prod_cases()


# -- max/min without ties (ties are tested exactly below) -----------------------------
for _op in (np.max, np.min):
    for _axis in [None, 0, -1, (0, 2), 1]:
        for _keepdims in (False, True):
            case(f"{_op.__name__}[axis={_axis},keepdims={_keepdims}]", spaced(3, 4, 2, seed=2),
                 lambda x, op=_op, axis=_axis, kd=_keepdims: op(x, axis=axis, keepdims=kd),
                 adjoint=lambda g, x, op=_op, axis=_axis, kd=_keepdims:
                     keep(g, axis, kd) * extremum_weights(x, op(x, axis=axis, keepdims=kd), axis, kd),
                 tangent=lambda x, t, op=_op, axis=_axis, kd=_keepdims: np.sum(
                     extremum_weights(x, op(x, axis=axis, keepdims=kd), axis, kd) * t,
                     axis=axis, keepdims=kd),
                 placeholder=False)

# -- var ---------------------------------------------------------------------
for _axis in [None, 0, -1, (0, 2), (2, -2)]:
    for _ddof in (0, 1):
        for _keepdims in (False, True):
            case(f"var[axis={_axis},ddof={_ddof},keepdims={_keepdims}]", rand(3, 4, 2, seed=3),
                 lambda x, axis=_axis, ddof=_ddof, kd=_keepdims: np.var(x, axis=axis, ddof=ddof, keepdims=kd),
                 adjoint=lambda g, x, axis=_axis, ddof=_ddof, kd=_keepdims: var_adjoint(g, x, axis, ddof, kd),
                 tangent=lambda x, t, axis=_axis, ddof=_ddof, kd=_keepdims: var_tangent(x, t, axis, ddof, kd))

# -- cumsum and cumprod --------------------------------------------------------------
for _axis in [None, 0, 1, -1]:
    case(f"cumsum[axis={_axis}]", rand(3, 5, 2, seed=4),
         lambda x, axis=_axis: np.cumsum(x, axis=axis),
         adjoint=lambda g, x, axis=_axis: cumsum_adjoint(g, x, axis), linear=True)


def _cumprod_cases():
    x = rand(3, 7, 2, seed=5)
    one_zero = x.copy()
    one_zero[1, 3, 0] = 0.0
    two_zeros = one_zero.copy()
    two_zeros[1, 5, 0] = 0.0
    two_zeros[0, 0, 1] = 0.0
    two_zeros[2, 6, 1] = 0.0
    for label, a in [("random", x), ("one_zero", one_zero), ("two_zeros", two_zeros)]:
        for axis in [None, 0, 1, -1]:
            case(f"cumprod[{label},axis={axis}]", a,
                 lambda x, axis=axis: np.cumprod(x, axis=axis),
                 adjoint=lambda g, x, axis=axis: cumprod_adjoint(g, x, np.cumprod(x, axis=axis), axis),
                 tangent=lambda x, t, axis=axis: cumprod_tangent(x, t, np.cumprod(x, axis=axis), axis))
    for n in (1, 2, 5, 8, 9):            # around powers of two, for the doubling steps
        v = rand(n, seed=n)
        v[n // 2] = 0.0
        case(f"cumprod[1d,n={n}]", v, lambda x: np.cumprod(x),
             adjoint=lambda g, x: cumprod_adjoint(g, x, np.cumprod(x)),
             tangent=lambda x, t: cumprod_tangent(x, t, np.cumprod(x)))


_cumprod_cases()

# -- axes ----------------------------------------------------------------------
for _a1, _a2 in [(0, 2), (-1, 1), (1, 1)]:
    case(f"swapaxes[{_a1},{_a2}]", rand(2, 3, 4, seed=6),
         lambda x, a1=_a1, a2=_a2: np.swapaxes(x, a1, a2),
         adjoint=lambda g, x, a1=_a1, a2=_a2: swapaxes_adjoint(g, a1, a2), linear=True)
for _src, _dst in [(0, -1), (-1, 0), ([0, 1], [2, 0]), ((0, 2), (1, 0))]:
    case(f"moveaxis[{_src},{_dst}]", rand(2, 3, 4, seed=7),
         lambda x, s=_src, d=_dst: np.moveaxis(x, s, d),
         adjoint=lambda g, x, s=_src, d=_dst: moveaxis_adjoint(g, s, d), linear=True)


# -- joining -----------------------------------------------------------------------
def _join_case(name, join, adjoint, shapes, k, seed):
    arrays = [rand(*s, seed=seed + i) for i, s in enumerate(shapes)]
    others = arrays[:k] + arrays[k + 1:]

    def full(x, others):
        return others[:k] + [x] + others[k:]

    # f is affine in x (the other arrays are constants): its tangent joins t with zeros
    case(name, arrays[k], lambda x, others: join(full(x, others)),
         adjoint=lambda g, x, others: adjoint(g, full(x, others)),
         tangent=lambda x, t, others: join(full(t, [np.zeros_like(o) for o in others])),
         consts=(others,))


for _axis, _shapes in [(0, [(2, 3), (1, 3), (4, 3)]), (1, [(2, 1), (2, 3), (2, 2)]),
                       (-1, [(2, 2, 1), (2, 2, 3), (2, 2, 2)]), (None, [(2, 2), (3,), (1, 4)])]:
    for _k in range(3):
        _join_case(f"concatenate[axis={_axis},k={_k}]",
                   lambda arrs, axis=_axis: np.concatenate(arrs, axis=axis),
                   lambda g, arrs, k=_k, axis=_axis: concatenate_adjoint(g, arrs, k, axis),
                   _shapes, _k, 10)
for _axis in (0, 1, -1, -3):
    for _k in range(3):
        _join_case(f"stack[axis={_axis},k={_k}]",
                   lambda arrs, axis=_axis: np.stack(arrs, axis=axis),
                   lambda g, arrs, k=_k, axis=_axis: stack_adjoint(g, k, axis),
                   [(2, 3)] * 3, _k, 20)
for _label, _shapes in [("1d", [(2,), (3,), (1,)]), ("2d", [(2, 1), (2, 3), (2, 2)]),
                        ("0d_and_1d", [(), (3,), ()]), ("3d", [(2, 1, 2), (2, 3, 2), (2, 2, 2)])]:
    for _k in range(3):
        _join_case(f"hstack[{_label},k={_k}]", np.hstack,
                   lambda g, arrs, k=_k: hstack_adjoint(g, arrs, k), _shapes, _k, 30)
for _label, _shapes in [("1d", [(3,), (3,), (3,)]), ("1d_and_2d", [(3,), (2, 3), (1, 3)]),
                        ("0d", [(), (), ()]), ("1d_len1_and_0d", [(1,), (), (2, 1)]),
                        ("3d", [(1, 2, 2), (3, 2, 2), (2, 2, 2)])]:
    for _k in range(3):
        _join_case(f"vstack[{_label},k={_k}]", np.vstack,
                   lambda g, arrs, k=_k: vstack_adjoint(g, arrs, k), _shapes, _k, 40)


# -- split: the parts flattened into one vector ----------------------------------------
def _split_parts_of(g, parts):
    """g (the parts flattened and joined) cut back into the parts' shapes."""
    out, start = [], 0
    for p in parts:
        out.append(np.reshape(g[start:start + p.size], p.shape))
        start += p.size
    return out


for _split in (np.split, np.array_split):
    for _ios, _axis, _shape in [(2, 0, (4, 3)), (3, 1, (2, 6)), ([1, 3], -1, (2, 5)),
                                ([2], 0, (5, 2)), ([-2, 4], 1, (2, 6)), ([3, 1], 0, (5, 2)),
                                ([0, 0, 2], 0, (3, 2))]:
        if _split is np.split and isinstance(_ios, int) and _shape[_axis] % _ios:
            continue
        case(f"{_split.__name__}[{_ios},axis={_axis}]", rand(*_shape, seed=50),
             lambda x, s=_split, ios=_ios, axis=_axis:
                 np.concatenate([np.reshape(p, (-1,)) for p in s(x, ios, axis=axis)]),
             adjoint=lambda g, x, s=_split, ios=_ios, axis=_axis:
                 split_adjoint(_split_parts_of(g, s(x, ios, axis=axis)), x, ios, axis),
             linear=True, placeholder=False)
case("array_split[3 sections of 7]", rand(7, 2, seed=51),
     lambda x: np.concatenate([np.reshape(p, (-1,)) for p in np.array_split(x, 3)]),
     adjoint=lambda g, x: split_adjoint(_split_parts_of(g, np.array_split(x, 3)), x, 3),
     linear=True, placeholder=False)

# -- tile and repeat -----------------------------------------------------------------
for _reps, _shape in [(3, (2,)), ((2, 3), (2, 2)), ((2, 1, 3), (2, 2)), (2, (2, 3)), ((3,), (2, 1, 2))]:
    case(f"tile[{_reps},shape={_shape}]", rand(*_shape, seed=60),
         lambda x, reps=_reps: np.tile(x, reps),
         adjoint=lambda g, x, reps=_reps: tile_adjoint(g, x, reps), linear=True)
for _repeats, _axis in [(2, None), (3, 0), (2, -1), ([1, 0, 3], 0), ([2, 1], 1), ([2], 0),
                        (list(range(6)), None), (np.array([1, 2, 0]), 0), (np.array([2]), 1)]:
    case(f"repeat[{list(np.atleast_1d(_repeats))},axis={_axis}]", rand(3, 2, seed=61),
         lambda x, r=_repeats, axis=_axis: np.repeat(x, r, axis=axis),
         adjoint=lambda g, x, r=_repeats, axis=_axis: repeat_adjoint(g, x, r, axis), linear=True)

# -- flip and roll ----------------------------------------------------------------------
for _axis in [None, 0, -1, (0, 2)]:
    case(f"flip[axis={_axis}]", rand(2, 3, 4, seed=70), lambda x, axis=_axis: np.flip(x, axis),
         adjoint=lambda g, x, axis=_axis: flip_adjoint(g, axis), linear=True)
for _shift, _axis in [(2, None), (-5, None), (1, 0), (-1, -1), ((1, 2), (0, 2)), ((3, -1), (1, 1))]:
    case(f"roll[{_shift},axis={_axis}]", rand(2, 3, 4, seed=71),
         lambda x, s=_shift, axis=_axis: np.roll(x, s, axis),
         adjoint=lambda g, x, s=_shift, axis=_axis: roll_adjoint(g, s, axis), linear=True)

# -- diagonals and triangles -----------------------------------------------------------
for _k, _shape in [(0, (3,)), (1, (3,)), (-2, (2,)), (0, (3, 3)), (1, (3, 4)), (-1, (4, 3)), (2, (2, 5))]:
    case(f"diag[k={_k},shape={_shape}]", rand(*_shape, seed=80), lambda x, k=_k: np.diag(x, k),
         adjoint=lambda g, x, k=_k: diag_adjoint(g, x, k), linear=True)
for _off, _a1, _a2, _shape in [(0, 0, 1, (3, 4)), (-2, 0, 1, (4, 3)), (1, 1, 2, (2, 3, 4)),
                               (-1, 2, 0, (3, 2, 4)), (0, -1, -2, (2, 3, 3)),
                               (4, 0, 1, (3, 3)), (-3, 1, 2, (2, 3, 3))]:    # empty diagonals
    case(f"diagonal[offset={_off},axes=({_a1},{_a2}),shape={_shape}]", rand(*_shape, seed=81),
         lambda x, o=_off, a1=_a1, a2=_a2: np.diagonal(x, o, a1, a2),
         adjoint=lambda g, x, o=_off, a1=_a1, a2=_a2: diagonal_adjoint(g, x, o, a1, a2), linear=True)
    case(f"trace[offset={_off},axes=({_a1},{_a2}),shape={_shape}]", rand(*_shape, seed=82),
         lambda x, o=_off, a1=_a1, a2=_a2: np.trace(x, o, a1, a2),
         adjoint=lambda g, x, o=_off, a1=_a1, a2=_a2: trace_adjoint(g, x, o, a1, a2), linear=True)
for _k, _shape in [(0, (3, 4)), (-1, (4, 3)), (1, (2, 3, 3)), (5, (3, 3)), (-5, (3, 3))]:
    case(f"tril[k={_k},shape={_shape}]", rand(*_shape, seed=83), lambda x, k=_k: np.tril(x, k),
         adjoint=lambda g, x, k=_k: tril_adjoint(g, k), linear=True)
    case(f"triu[k={_k},shape={_shape}]", rand(*_shape, seed=84), lambda x, k=_k: np.triu(x, k),
         adjoint=lambda g, x, k=_k: triu_adjoint(g, k), linear=True)

# -- pad -------------------------------------------------------------------------------------
for _mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
    for _pw, _shape in [(1, (3,)), (((1, 2), (0, 3)), (3, 4)), (((2, 1),), (3, 2)), (5, (3,)),
                        ((0, 2), (2, 3))]:
        _extra = {"constant_values": 2.5} if _mode == "constant" else {}
        case(f"pad[{_mode},{_pw},shape={_shape}]", rand(*_shape, seed=90),
             lambda x, pw=_pw, m=_mode, e=_extra: np.pad(x, pw, mode=m, **e),
             adjoint=lambda g, x, pw=_pw, m=_mode: pad_adjoint(g, x, pw, m),
             tangent=lambda x, t, pw=_pw, m=_mode: pad_tangent(t, pw, m))

# -- take ------------------------------------------------------------------------------------
for _idx, _axis, _shape in [([2, 0, 2, -1], None, (2, 3)), (np.array([[1, 1], [0, -3]]), None, (4,)),
                            (4, None, (2, 3)), ([0, 2, 2], 1, (2, 3, 2)), (np.array([1, 1, 0]), 0, (2, 2)),
                            (np.array([[2, -1], [0, 2]]), -1, (2, 3)), (1, -1, (2, 3))]:
    case(f"take[{np.asarray(_idx).tolist()},axis={_axis},shape={_shape}]", rand(*_shape, seed=100),
         lambda x, idx, axis=_axis: np.take(x, idx, axis=axis),
         adjoint=lambda g, x, idx, axis=_axis: take_adjoint(g, x, idx, axis),
         consts=(_idx,), linear=True)

# -- reading by index ---------------------------------------------------------------------------
_MASK = rand(3, 4, seed=111) > 0
for _label, _index in [
        ("int", 1), ("slice", slice(1, None)), ("negative_step", slice(None, None, -2)),
        ("tuple_negative_step", (slice(2, 0, -1), slice(None, None, -3))),
        ("newaxis", (None, 1, slice(None))), ("ellipsis", (Ellipsis, 2)),
        ("ellipsis_newaxis", (Ellipsis, None, slice(1, 3))),
        ("int_array_repeats", np.array([2, 0, 2, -1])), ("int_list", [1, 1, 0]),
        ("int_arrays_pair", (np.array([0, 2, 0]), np.array([1, 3, 1]))),
        ("int_array_and_slice", (slice(None), np.array([[3, 0], [3, 3]]))),
        ("mask", _MASK), ("row_mask", (np.array([True, False, True]), Ellipsis)),
        ("mask_and_newaxis", (None, _MASK)), ("numpy_int", (np.int64(2), slice(None, None, -1)))]:
    case(f"getitem[{_label}]", rand(3, 4, seed=110), lambda x, index: x[index],
         adjoint=lambda g, x, index: index_adjoint(g, x, index), consts=(_index,), linear=True)

IDS = [c.name for c in CASES]
assert len(set(IDS)) == len(IDS), "test bug: duplicate case names"
ADJOINT_CASES = [c for c in CASES if c.adjoint is not None]
TANGENT_CASES = [c for c in CASES if c.tangent_fn() is not None]
BOTH_CASES = [c for c in CASES if c.adjoint is not None and c.tangent_fn() is not None]


def _cotangent(c, seed=1):
    y = np.asarray(c.f(c.x, *c.consts))
    rng = np.random.default_rng(seed)
    if y.shape == ():
        return float(rng.standard_normal())         # a scalar result's adjoint: a real one
    return rng.standard_normal(y.shape)


def _tangent(c, seed=2):
    return np.random.default_rng(seed).standard_normal(c.x.shape)


# ---------------------------------------------------------------------------
# the checks, for every case
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("c", ADJOINT_CASES, ids=[c.name for c in ADJOINT_CASES])
def test_adjoint_matches_central_differences(c):
    g = _cotangent(c)
    got = c.adjoint(g, c.x, *c.consts)
    assert_close(got, numeric_vjp(c.f, c.x, g, c.consts), what=f"{c.name} adjoint")


@pytest.mark.parametrize("c", TANGENT_CASES, ids=[c.name for c in TANGENT_CASES])
def test_tangent_matches_central_differences(c):
    t = _tangent(c)
    got = c.tangent_fn()(c.x, t, *c.consts)
    assert_close(got, numeric_jvp(c.f, c.x, t, c.consts), what=f"{c.name} tangent")


@pytest.mark.parametrize("c", BOTH_CASES, ids=[c.name for c in BOTH_CASES])
def test_adjoint_is_the_transpose_of_the_tangent(c):
    g, t = _cotangent(c, seed=3), _tangent(c, seed=4)
    y_dot = c.tangent_fn()(c.x, t, *c.consts)
    x_bar = c.adjoint(g, c.x, *c.consts)
    assert_dot_identity([np.asarray(g) * np.asarray(y_dot)], [np.asarray(x_bar) * t])


@pytest.mark.parametrize("c", ADJOINT_CASES, ids=[c.name for c in ADJOINT_CASES])
def test_adjoint_keeps_float32(c):
    x32, consts32 = c.x.astype(np.float32), convert(c.consts, to_float32)
    g = _cotangent(c)
    g32 = g if isinstance(g, float) else g.astype(np.float32)
    got = c.adjoint(g32, x32, *consts32)
    assert got.dtype == np.float32, f"{c.name}: float32 in, {got.dtype} out"
    assert_close(got, c.adjoint(g, c.x, *c.consts), rtol=1e-4, what=f"{c.name} float32 adjoint")


@pytest.mark.parametrize("c", TANGENT_CASES, ids=[c.name for c in TANGENT_CASES])
def test_tangent_keeps_float32(c):
    x32, consts32 = c.x.astype(np.float32), convert(c.consts, to_float32)
    t = _tangent(c)
    got = c.tangent_fn()(x32, t.astype(np.float32), *consts32)
    assert got.dtype == np.float32, f"{c.name}: float32 in, {got.dtype} out"
    assert_close(got, c.tangent_fn()(c.x, t, *c.consts), rtol=1e-4, what=f"{c.name} float32 tangent")


# (the composed prod/max adjoints and split, whose parts are tested below, are left out)
PLACEHOLDER_CASES = [c for c in ADJOINT_CASES if c.placeholder and np.ndim(c.f(c.x, *c.consts)) >= 1]


@pytest.mark.parametrize("lib", ["numpy", "strict"])
@pytest.mark.parametrize("c", PLACEHOLDER_CASES, ids=[c.name for c in PLACEHOLDER_CASES])
def test_adjoint_accepts_the_zero_placeholder(c, lib):
    to = strict if lib == "strict" else np.copy
    got = c.adjoint(0.0, convert(c.x, to), *convert(c.consts, to))
    if np.shape(got) == ():
        assert isinstance(got, float) and got == 0.0, f"{c.name}: placeholder gave {got!r}"
    else:
        values = unwrap(got) if lib == "strict" else got
        assert values.shape == c.x.shape and not np.any(values), f"{c.name}: placeholder gave {got!r}"


@pytest.mark.parametrize("c", ADJOINT_CASES, ids=[c.name for c in ADJOINT_CASES])
def test_adjoint_on_strict_arrays_equals_numpy(c):
    g = _cotangent(c)
    expected = c.adjoint(g, c.x, *c.consts)
    got = c.adjoint(convert(g, strict), strict(c.x), *convert(c.consts, strict))
    assert isinstance(got, StrictArray), f"{c.name}: fell back to {type(got)}"
    np.testing.assert_allclose(as_numpy(got), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("c", TANGENT_CASES, ids=[c.name for c in TANGENT_CASES])
def test_tangent_on_strict_arrays_equals_numpy(c):
    t = _tangent(c)
    expected = c.tangent_fn()(c.x, t, *c.consts)
    got = c.tangent_fn()(strict(c.x), strict(t), *convert(c.consts, strict))
    assert isinstance(got, StrictArray), f"{c.name}: fell back to {type(got)}"
    np.testing.assert_allclose(as_numpy(got), expected, rtol=1e-12, atol=1e-14)


def test_the_cases_cover_every_new_runtime_function():
    names = " ".join(IDS)
    for op in ["prod", "max", "min", "var", "cumsum", "cumprod", "swapaxes", "moveaxis", "concatenate",
               "stack", "hstack", "vstack", "split", "array_split", "tile", "repeat", "flip", "roll",
               "diag", "diagonal", "trace", "tril", "triu", "pad", "take", "getitem"]:
        assert f"{op}[" in names, op


# ---------------------------------------------------------------------------
# prod_partials and extremum_weights: exact values
# ---------------------------------------------------------------------------
def _brute_prod_partials(a, axis):
    """For each entry, the product of the other entries of its group, one entry at a time."""
    out = np.empty_like(a)
    for idx in np.ndindex(*a.shape):
        b = a.copy()
        b[idx] = 1.0
        group = np.prod(b, axis=axis, keepdims=True)
        out[idx] = group[tuple(0 if (axis is None or i in np.atleast_1d(np.array(axis) % a.ndim)) else j
                               for i, j in enumerate(idx))]
    return out


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
def test_prod_partials_exact_with_zeros(axis, zeros):
    a = rand(3, 4, 2, seed=7)
    for idx in [(0, 1, 0), (0, 3, 0), (2, 2, 1)][:zeros]:
        a[idx] = 0.0
    got = prod_partials(a, axis)
    np.testing.assert_allclose(got, _brute_prod_partials(a, axis), rtol=1e-14, atol=0)
    assert got.shape == a.shape


def test_prod_partials_small_examples():
    np.testing.assert_array_equal(prod_partials(np.array([2.0, 3.0, 4.0])), [12.0, 8.0, 6.0])
    np.testing.assert_array_equal(prod_partials(np.array([2.0, 0.0, 4.0])), [0.0, 8.0, 0.0])
    np.testing.assert_array_equal(prod_partials(np.array([0.0, 3.0, 0.0])), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(prod_partials(np.array([5.0])), [1.0])
    assert prod_partials(np.zeros((0, 3)), 0).shape == (0, 3)
    got = prod_partials(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), axis=1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[2.0, 1.0], [4.0, 3.0]])


def test_prod_partials_with_zeros_on_strict_arrays():
    a = rand(3, 4, seed=8)
    a[1, 1] = a[2, 0] = a[2, 3] = 0.0
    for axis in [None, 0, 1, (0, 1)]:
        np.testing.assert_array_equal(unwrap(prod_partials(strict(a), axis)), prod_partials(a, axis))


def test_extremum_weights_split_ties_evenly():
    a = np.array([[3.0, 1.0, 3.0, 3.0],
                  [2.0, 2.0, 0.0, -1.0],
                  [-1.0, 0.0, 0.0, -1.0]])
    np.testing.assert_array_equal(extremum_weights(a, np.max(a, axis=1), axis=1),
                                  [[1 / 3, 0, 1 / 3, 1 / 3], [0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0]])
    y_min = np.min(a, axis=1, keepdims=True)
    np.testing.assert_array_equal(extremum_weights(a, y_min, axis=1, keepdims=True),
                                  [[0, 1, 0, 0], [0, 0, 0, 1], [0.5, 0, 0, 0.5]])
    np.testing.assert_array_equal(extremum_weights(a, np.max(a, axis=-2), axis=-2),
                                  [[1, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0]])
    expected = np.zeros_like(a)
    expected[a == 3.0] = 1 / 3
    np.testing.assert_array_equal(extremum_weights(a, np.max(a)), expected)
    expected = np.zeros_like(a)
    expected[a == -1.0] = 1 / 3
    np.testing.assert_array_equal(extremum_weights(a, np.min(a, keepdims=True), keepdims=True), expected)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (1, -1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_extremum_weights_sum_to_one_per_group_with_ties(axis, keepdims):
    a = np.random.default_rng(9).integers(0, 3, (3, 4, 2)).astype(np.float32)   # many ties
    for op in (np.max, np.min):
        y = op(a, axis=axis, keepdims=keepdims)
        w = extremum_weights(a, y, axis, keepdims)
        assert w.dtype == np.float32 and w.shape == a.shape
        np.testing.assert_allclose(np.sum(w, axis=axis), np.ones_like(np.sum(a, axis=axis)), rtol=1e-6)
        assert np.all(w[a != op(a, axis=axis, keepdims=True)] == 0)
        ws = extremum_weights(strict(a), op(strict(a), axis=axis, keepdims=keepdims), axis, keepdims)
        np.testing.assert_array_equal(unwrap(ws), w)


# ---------------------------------------------------------------------------
# cumprod: zeros, exactly
# ---------------------------------------------------------------------------
def _brute_cumprod_jacobian(v):
    """J[i, j] = d cumprod(v)[i] / d v[j], as products of the other entries (no division)."""
    n = v.size
    jac = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            jac[i, j] = np.prod(np.delete(v[:i + 1], j))
    return jac


@pytest.mark.parametrize("zeros", [(), (0,), (3,), (2, 5), (0, 6), (1, 2, 3)])
def test_cumprod_derivatives_exact_with_zeros(zeros):
    v = rand(7, seed=12)
    v[list(zeros)] = 0.0
    jac = _brute_cumprod_jacobian(v)
    t, g = rand(7, seed=13), rand(7, seed=14)
    y = np.cumprod(v)
    np.testing.assert_allclose(cumprod_tangent(v, t, y), jac @ t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cumprod_adjoint(g, v, y), jac.T @ g, rtol=1e-12, atol=1e-14)


def test_cumprod_tangent_of_a_scalar_tangent():
    a = rand(3, 4, seed=15)
    y = np.cumprod(a, axis=1)
    np.testing.assert_allclose(cumprod_tangent(a, 0.0, y, 1), np.zeros_like(a), atol=0)
    np.testing.assert_allclose(cumprod_tangent(a, 1.0, y, 1), cumprod_tangent(a, np.ones_like(a), y, 1),
                               rtol=1e-14)


def test_var_adjoint_placeholder_for_an_array_result():
    a = rand(3, 4, seed=16)
    got = var_adjoint(0.0, a, axis=0)
    assert got.shape == a.shape and not np.any(got)
    got = var_adjoint(0.0, strict(a), axis=(0,), keepdims=True)
    assert not np.any(unwrap(got))


def test_reductions_to_a_scalar_take_a_scalar_adjoint():
    a = rand(3, 4, seed=17)
    np.testing.assert_allclose(var_adjoint(2.0, a), 2.0 * 2.0 * (a - a.mean()) / a.size, rtol=1e-14)
    np.testing.assert_allclose(trace_adjoint(2.0, a, 1), 2.0 * np.eye(3, 4, 1), rtol=0)
    np.testing.assert_array_equal(take_adjoint(2.0, a, 5), 2.0 * (np.arange(12) == 5).reshape(3, 4))
    np.testing.assert_array_equal(unwrap(trace_adjoint(2.0, strict(a))), 2.0 * np.eye(3, 4))


# ---------------------------------------------------------------------------
# split with placeholders, pad modes, casts
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lib", ["numpy", "strict"])
def test_split_adjoint_with_placeholders(lib):
    to = strict if lib == "strict" else np.copy
    back = unwrap if lib == "strict" else np.asarray
    x = rand(2, 6, seed=18)
    parts = np.split(x, [1, 4], axis=1)
    gs = [rand(*p.shape, seed=i) for i, p in enumerate(parts)]
    got = back(split_adjoint([to(gs[0]), 0.0, to(gs[2])], to(x), [1, 4], axis=1))
    np.testing.assert_array_equal(got, np.concatenate([gs[0], np.zeros_like(gs[1]), gs[2]], axis=1))
    got = back(split_adjoint([0.0, 0.0, 0.0], to(x), [1, 4], axis=1))
    assert got.shape == x.shape and not np.any(got)


@pytest.mark.parametrize("function", [pad_tangent, pad_adjoint])
@pytest.mark.parametrize("mode", ["linear_ramp", "maximum", "mean", "median", "minimum", "empty", len])
def test_pad_rejects_other_modes(function, mode):
    x = np.ones(3)
    args = (x, 1, mode) if function is pad_tangent else (np.ones(5), x, 1, mode)
    with pytest.raises(ValueError, match="cannot be differentiated.*'constant', 'edge'"):
        function(*args)


def test_pad_constant_tangent_ignores_the_constant():
    t = rand(2, 3, seed=19)
    np.testing.assert_array_equal(pad_tangent(t, 1), np.pad(t, 1))


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_adjoint_sums_every_copy(mode):
    # with g = 1, each entry of the adjoint counts how often the pad copies that element
    x = np.arange(1.0, 4.0)
    padded = np.pad(x, (4, 5), mode=mode)
    counts = np.array([np.sum(padded == v) for v in x])
    np.testing.assert_array_equal(pad_adjoint(np.ones_like(padded), x, (4, 5), mode), counts)
    np.testing.assert_array_equal(unwrap(pad_adjoint(strict(np.ones_like(padded)), strict(x), (4, 5), mode)),
                                  counts)


CAST_TARGETS = [np.float64, np.float32, np.int32, np.int64, np.bool_, np.uint8]


@pytest.mark.parametrize("source", [np.float64, np.float32])
@pytest.mark.parametrize("target", CAST_TARGETS, ids=[np.dtype(t).name for t in CAST_TARGETS])
@pytest.mark.parametrize("lib", ["numpy", "strict"])
def test_cast_tangent_and_adjoint(source, target, lib):
    to = strict if lib == "strict" else np.copy
    back = unwrap if lib == "strict" else np.asarray
    a = (rand(2, 3, seed=20) * 3).astype(source)
    t = rand(2, 3, seed=21).astype(source)
    g_np = rand(2, 3, seed=22).astype(target if np.issubdtype(target, np.floating) else np.float64)
    y = to(a).astype(target)
    y_dot = cast_tangent(to(t), y)
    a_bar = cast_adjoint(to(g_np), to(a), y)
    if np.issubdtype(target, np.floating):
        assert back(y_dot).dtype == target
        np.testing.assert_array_equal(back(y_dot), t.astype(target))
        assert back(a_bar).dtype == source
        np.testing.assert_array_equal(back(a_bar), g_np.astype(source))
        # <g, T t> == <A g, t>
        assert_dot_identity([g_np.astype(float) * back(y_dot)], [back(a_bar).astype(float) * t], rtol=1e-6)
    else:
        assert back(y_dot).dtype == np.float64 and back(y_dot).shape == a.shape
        assert not np.any(back(y_dot))
        assert back(a_bar).dtype == source and back(a_bar).shape == a.shape
        assert not np.any(back(a_bar))


def test_cast_of_scalars_and_placeholders():
    a = rand(2, 3, seed=23)
    y = a.astype(np.float32)
    # a scalar tangent of an array becomes an array of y's dtype
    got = cast_tangent(0.5, y)
    assert got.dtype == np.float32 and got.shape == y.shape and np.all(got == 0.5)
    got = cast_tangent(0.5, strict(a).astype(np.float32))
    assert unwrap(got).dtype == np.float32 and np.all(unwrap(got) == 0.5)
    # the zero placeholder passes through
    assert cast_adjoint(0.0, a, y) == 0.0
    assert cast_adjoint(0.0, strict(a), strict(a).astype(np.float32)) == 0.0
    # np.float32(x) of a 0-d array: a scalar adjoint is real, in a's dtype
    x0 = np.array(1.5)
    y0 = np.float32(x0)
    assert cast_tangent(np.array(2.0), y0).dtype == np.float32
    got = cast_adjoint(np.float32(3.0), x0, y0)
    assert got.dtype == np.float64 and got == 3.0
    got = cast_adjoint(3.0, x0, y0)
    assert got.dtype == np.float64 and got.shape == () and got == 3.0
    # np.float32 of a Python float: the adjoint is a Python float
    got = cast_adjoint(np.float32(3.0), 1.5, np.float32(1.5))
    assert type(got) is float and got == 3.0
    assert cast_adjoint(np.float32(3.0), 1.5, np.int32(1)) == 0.0
    # int(x) / a bool cast: zero derivative
    assert cast_tangent(1.0, 3) == 0.0
    got = cast_tangent(np.array(1.0), np.int64(1))
    assert got.dtype == np.float64 and got == 0.0


# ---------------------------------------------------------------------------
# index_adjoint on the strict library with strict index arrays
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("index", [
    np.array([2, 0, 2]), (np.array([0, 2, 0]), np.array([1, 3, 1])), rand(3, 4, seed=24) > 0,
    (slice(None), np.array([[3, 3], [0, -1]])), np.array(1), (Ellipsis, np.array(-1))],
    ids=["ints", "int_pair", "mask", "slice_and_ints", "0d_int", "ellipsis_0d"])
def test_index_adjoint_with_strict_index_arrays(index):
    x = rand(3, 4, seed=25)
    g = rand(*x[index].shape, seed=26)
    expected = index_adjoint(g, x, index)
    np.testing.assert_allclose(expected, numeric_vjp(lambda x: x[index], x, g), rtol=RTOL)
    got = index_adjoint(strict(g), strict(x), convert(index, strict))
    np.testing.assert_array_equal(unwrap(got), expected)


# ---------------------------------------------------------------------------
# stores: y[index] = v and y[index] += v
# ---------------------------------------------------------------------------
def store(y, v, index, add):
    y = y.copy()
    if add:
        y[index] += v
    else:
        y[index] = v
    return y


STORES = [
    ("row", (1, slice(None)), (5,)),
    ("row_broadcast", (1, slice(None)), (1,)),
    ("negative_step", slice(None, None, -2), (5,)),
    ("negative_step_full", (slice(None, None, -2), slice(4, 0, -2)), (2, 2)),
    ("int_array", np.array([3, 0]), (2, 5)),
    ("int_array_broadcast_v", (np.array([3, 0, 1]), slice(1, 3)), (1, 2)),
    ("int_arrays_pair", (np.array([0, 2, 3]), np.array([4, 4, 0])), (3,)),
    ("int_list", [2, -1], (5,)),
    ("mask", np.arange(20).reshape(4, 5) % 3 == 0, (7,)),
    ("mask_scalar_v", np.arange(20).reshape(4, 5) % 3 == 1, ()),
    ("ellipsis_newaxis", (Ellipsis, None, 2), (4, 1)),
    ("element", (2, 3), ()),
]


@pytest.mark.parametrize("add", [False, True], ids=["set", "add"])
@pytest.mark.parametrize("label, index, v_shape", STORES, ids=[s[0] for s in STORES])
def test_store_derivatives(label, index, v_shape, add):
    y, v = rand(4, 5, seed=30), rand(*v_shape, seed=31)
    t_y, t_v = rand(4, 5, seed=32), rand(*v_shape, seed=33)
    g = rand(4, 5, seed=34)
    # the tangent against central differences in y and v together
    y_dot = index_update(t_y, y, index, t_v, add=add)
    expected = central(lambda h: store(y + h * t_y, v + h * t_v, index, add))
    assert_close(y_dot, expected, what="index_update tangent")
    # the adjoints against central differences
    y_bar = g if add else setitem_adjoint(g, index)
    v_bar = setitem_value_adjoint(g, v, index)
    assert_close(y_bar, numeric_vjp(lambda y: store(y, v, index, add), y, g), what="adjoint of y")
    assert_close(v_bar, numeric_vjp(lambda v: store(y, v, index, add), v, g), what="adjoint of v")
    assert_dot_identity([g * y_dot], [y_bar * t_y, v_bar * t_v])
    # float32
    got = index_update(t_y.astype(np.float32), y.astype(np.float32), index, t_v.astype(np.float32), add)
    assert got.dtype == np.float32
    assert setitem_adjoint(g.astype(np.float32), index).dtype == np.float32
    assert setitem_value_adjoint(g.astype(np.float32), v.astype(np.float32), index).dtype == np.float32
    # the strict stand-in, with strict index arrays
    sindex = convert(index, strict)
    np.testing.assert_array_equal(
        unwrap(index_update(strict(t_y), strict(y), sindex, strict(t_v), add=add)), y_dot)
    np.testing.assert_array_equal(unwrap(setitem_adjoint(strict(g), sindex)), setitem_adjoint(g, index))
    np.testing.assert_array_equal(unwrap(setitem_value_adjoint(strict(g), strict(v), sindex)), v_bar)


def test_store_of_a_python_float():
    y, g = rand(4, 5, seed=35), rand(4, 5, seed=36)
    got = setitem_value_adjoint(g, 2.0, (slice(1, 3), 0))
    assert type(got) is float and got == pytest.approx(g[1, 0] + g[2, 0], rel=1e-14)
    got = setitem_value_adjoint(strict(g), 2.0, (1, 0))
    assert type(got) is float and got == g[1, 0]
    np.testing.assert_array_equal(index_update(0.0, y, (1, 0), 1.5),
                                  np.where(np.arange(20).reshape(4, 5) == 5, 1.5, 0))


@pytest.mark.parametrize("t_shape", [(4, 5), (5,), (1, 5), ()])
@pytest.mark.parametrize("index", [(1, slice(None)), np.array([0, 2]), Ellipsis],
                         ids=["row", "ints", "ellipsis"])
def test_index_update_leaves_t_alone(t_shape, index):
    y = rand(4, 5, seed=37)
    t = rand(*t_shape, seed=38) if t_shape else 0.25
    t_before = np.copy(t)
    out = index_update(t, y, index, 7.0)
    np.testing.assert_array_equal(t, t_before)
    assert out.shape == y.shape and out.flags.writeable
    assert not np.shares_memory(out, t)
    expected = np.broadcast_to(t_before, y.shape).copy()
    expected[index] = 7.0
    np.testing.assert_array_equal(out, expected)
    out = index_update(t, y, index, 1.0, add=True)
    np.testing.assert_array_equal(t, t_before)
    expected = np.broadcast_to(t_before, y.shape).copy()
    expected[index] += 1.0
    np.testing.assert_array_equal(out, expected)
    # and on the strict stand-in
    st = strict(np.asarray(t)) if t_shape else t
    out = index_update(st, strict(y), convert(index, strict), 7.0)
    if t_shape:
        np.testing.assert_array_equal(unwrap(st), t_before)
    assert isinstance(out, StrictArray)


def test_index_update_of_a_0d_array_leaves_t_alone():
    t = np.array(1.0)
    out = index_update(t, np.array(3.0), (), 2.0)
    assert t == 1.0 and out == 2.0


def test_setitem_adjoints_leave_g_alone():
    g = rand(4, 5, seed=39)
    g_before = g.copy()
    out = setitem_adjoint(g, (slice(1, 3), [0, 4]))
    np.testing.assert_array_equal(g, g_before)
    assert not np.shares_memory(out, g)
    expected = g_before.copy()
    expected[1:3, [0, 4]] = 0.0
    np.testing.assert_array_equal(out, expected)
    part = setitem_value_adjoint(g, np.zeros(5), 2)
    assert not np.shares_memory(part, g)
    part[:] = -1.0
    np.testing.assert_array_equal(g, g_before)
    # a read-only g (a broadcast adjoint) is fine too
    ro = np.broadcast_to(rand(5, seed=40), (4, 5))
    np.testing.assert_array_equal(setitem_adjoint(ro, 0)[1:], ro[1:])
    sg = strict(g)
    setitem_adjoint(sg, 1)
    np.testing.assert_array_equal(unwrap(sg), g_before)


@pytest.mark.parametrize("function", [setitem_adjoint, setitem_value_adjoint])
def test_setitem_adjoints_pass_the_placeholder_through(function):
    args = (0.0, (1, slice(None))) if function is setitem_adjoint else (0.0, np.ones(5), (1, slice(None)))
    got = function(*args)
    assert isinstance(got, float) and got == 0.0


REPEATS = [
    ("list", [1, 1]),
    ("array", np.array([2, 0, 2])),
    ("negative_alias", [3, -1]),
    ("pair", (np.array([0, 2, 0]), np.array([1, 3, 1]))),
    ("pair_broadcast", (np.array([[1], [1]]), np.array([2, 2]))),
    ("slice_and_ints", (slice(None), np.array([4, 0, 4]))),
    ("strict", strict(np.array([0, 1, 0]))),
]
NO_REPEATS = [
    ("list", [0, 2]),
    ("pair", (np.array([0, 2, 0]), np.array([1, 3, 2]))),
    ("slice_and_ints", (slice(None), np.array([4, 0]))),
    ("mask", np.arange(20).reshape(4, 5) > 7),
    ("strict", strict(np.array([3, 1]))),
    ("single", np.array([1])),
]


@pytest.mark.parametrize("index", [r[1] for r in REPEATS], ids=[r[0] for r in REPEATS])
def test_stores_with_repeated_indices_raise(index):
    y = rand(4, 5, seed=41)
    is_strict = isinstance(index, StrictArray)
    lib = strict if is_strict else np.copy
    v_shape = y[unwrap(index) if is_strict else index].shape
    for add in (False, True):
        with pytest.raises(ValueError, match="more than once.*arithmetic"):
            index_update(lib(y), lib(y), index, lib(np.ones(v_shape)), add=add)
    with pytest.raises(ValueError, match="more than once.*arithmetic"):
        setitem_value_adjoint(lib(y), lib(np.ones(v_shape)), index)


@pytest.mark.parametrize("index", [r[1] for r in NO_REPEATS], ids=[r[0] for r in NO_REPEATS])
def test_stores_without_repeated_indices_pass(index):
    y = rand(4, 5, seed=42)
    is_strict = isinstance(index, StrictArray)
    lib = strict if is_strict else np.copy
    v_shape = y[unwrap(index) if is_strict else index].shape
    v_t = np.full(v_shape, 2.0)
    out = index_update(lib(y), lib(y), index, lib(v_t))
    out = unwrap(out) if is_strict else out
    np.testing.assert_array_equal(out, store(y, v_t, unwrap(index) if is_strict else index, False))
    setitem_value_adjoint(lib(y), lib(v_t), index)


def test_every_new_name_is_exported():
    import tangent_ad.runtime as runtime
    new = {
        reductions: ["prod_partials", "extremum_weights", "var_tangent", "var_adjoint", "cumsum_adjoint",
                     "cumprod_tangent", "cumprod_adjoint", "sum_adjoint", "mean_adjoint"],
        shaping: ["swapaxes_adjoint", "moveaxis_adjoint", "concatenate_adjoint", "stack_adjoint",
                  "hstack_adjoint", "vstack_adjoint", "split_adjoint", "tile_adjoint", "repeat_adjoint",
                  "flip_adjoint", "roll_adjoint", "diag_adjoint", "diagonal_adjoint", "trace_adjoint",
                  "tril_adjoint", "triu_adjoint", "pad_tangent", "pad_adjoint", "cast_tangent",
                  "cast_adjoint", "take_adjoint", "reshape_adjoint", "transpose_adjoint"],
        indexing: ["index_adjoint", "index_update", "setitem_adjoint", "setitem_value_adjoint"],
    }
    for module, names in new.items():
        for name in names:
            assert name in module.__all__, (module.__name__, name)
            assert getattr(runtime, name) is getattr(module, name)
            assert getattr(module, name).__doc__ and ">>>" in getattr(module, name).__doc__ \
                or name in ("sum_adjoint", "mean_adjoint", "reshape_adjoint", "transpose_adjoint")
        assert all(not n.startswith("_") for n in module.__all__)


def test_python_number_operands_get_python_number_adjoints():
    x = rand(3, seed=43)
    g = rand(5, seed=44)
    got = hstack_adjoint(g, [1.5, x, 2.5], 0)
    assert type(got) is float and got == g[0]
    got = concatenate_adjoint(g, [x, 1.5, 2.5], 2, axis=None)
    assert type(got) is float and got == g[4]
    got = vstack_adjoint(g[:, None], [1.5, 2.5, x[:1], 3.5, 4.5], 1)
    assert type(got) is float and got == g[1]
    got = tile_adjoint(g, 1.5, 5)
    assert type(got) is float and got == pytest.approx(np.sum(g), rel=1e-14)
    got = hstack_adjoint(strict(g), [1.5, strict(x), 2.5], 2)
    assert type(got) is float and got == g[4]


def test_on_dask_arrays_where_no_scatter_is_needed():
    da = pytest.importorskip("dask.array")
    x = rand(4, 6, seed=45)
    x[1, 2] = 0.0
    checks = [
        lambda a: prod_partials(a, 1), lambda a: extremum_weights(a, np.max(a, 0), 0),
        lambda a: var_adjoint(a[0], a, 0), lambda a: var_tangent(a, a, (0, 1), 1),
        lambda a: cumsum_adjoint(a, a, 1), lambda a: cumprod_adjoint(a, a, np.cumprod(a, 1), 1),
        lambda a: cumprod_tangent(a, a, np.cumprod(a, 0), 0),
        lambda a: concatenate_adjoint(a, [a[:1], a[1:]], 1), lambda a: tile_adjoint(a, a[:2, :3], (2, 2)),
        lambda a: repeat_adjoint(a, a[:, :3], 2, 1), lambda a: diagonal_adjoint(a[0, :4], a, 1),
        lambda a: trace_adjoint(2.0, a, -1), lambda a: pad_adjoint(a, a[1:3, 1:5], 1),
        lambda a: split_adjoint([a[:, :2], 0.0, a[:, :1]], a[:, :5], [2, 4], 1),
        lambda a: index_update(a, a, (1, slice(None)), a[0]), lambda a: setitem_adjoint(a, (1, slice(2))),
        lambda a: setitem_value_adjoint(a, a[0], (1, slice(None))),
        lambda a: cast_adjoint(a.astype(np.float32), a, a.astype(np.float32)),
    ]
    for i, check in enumerate(checks):
        got = check(da.from_array(x, chunks=(2, 3)))
        assert isinstance(got, da.Array), f"check {i} fell back to {type(got)}"
        np.testing.assert_allclose(got.compute(), check(x), rtol=1e-12, err_msg=f"check {i}")
