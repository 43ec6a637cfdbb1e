"""The linear-algebra runtime (tangent_ad/runtime/linalg.py) against central differences.

Every adjoint is checked as a vector-Jacobian product <g, J> against central
differences of the NumPy operation itself (each entry of the operand moved by
h = 1e-6 in float64), every tangent against the central-difference directional
derivative, and tangents against adjoints by <g, tangent(v)> == <adjoint(g), v>.
Each case also runs on the strict stand-in array library (the results must stay
StrictArray and equal NumPy's), on float32 inputs (float32 results), and with the
reverse sweep's zero placeholder g = 0.0.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import numpy as np
import pytest

from strict_array import StrictArray, strict, unwrap
from tangent_ad import runtime
from tangent_ad.runtime import linalg as la
from tangent_ad.runtime.core import unbroadcast

H = 1e-6
RTOL = 1e-6


# ---------------------------------------------------------------------------
# Reference derivatives and comparisons
# ---------------------------------------------------------------------------
def _moved(args, i, value):
    new = list(args)
    new[i] = value
    return new


def fd_vjp(f, args, i, g):
    """Gradient of <g, f(*args)> with respect to args[i], by central differences (float64)."""
    def phi(*a):
        return float(np.sum(np.asarray(g, float) * np.asarray(f(*a), float)))

    a = args[i]
    if isinstance(a, float):
        return (phi(*_moved(args, i, a + H)) - phi(*_moved(args, i, a - H))) / (2 * H)
    grad = np.zeros(a.shape)
    for idx in np.ndindex(*a.shape):
        e = np.zeros(a.shape)
        e[idx] = H
        grad[idx] = (phi(*_moved(args, i, a + e)) - phi(*_moved(args, i, a - e))) / (2 * H)
    return grad


def fd_jvp(f, args, i, v):
    """d/dt f(..., args[i] + t v, ...) at t = 0, by central differences (float64)."""
    plus = np.asarray(f(*_moved(args, i, args[i] + H * v)), float)
    minus = np.asarray(f(*_moved(args, i, args[i] - H * v)), float)
    return (plus - minus) / (2 * H)


def assert_close(actual, expected, rtol=RTOL, what=""):
    actual = np.asarray(actual, float)
    expected = np.asarray(expected, float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * 1e-2 * scale, err_msg=what)


def check_gradient_type(grad, arg, what):
    """A Python float's gradient is a Python float, an array's an array of the same shape."""
    if isinstance(arg, float):
        assert isinstance(grad, float), f"{what}: gradient of a Python float is {type(grad)}"
    else:
        assert np.shape(grad) == arg.shape, f"{what}: gradient shape {np.shape(grad)} != {arg.shape}"


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    f: Callable                              # the NumPy operation, f(*args)
    args: list
    adjoints: Dict[int, Callable]            # i -> adjoint(g, args, y) of args[i]
    tangent: Optional[Callable] = None       # tangent(args, v, y) for args[0]
    tags: set = field(default_factory=set)

    def __repr__(self):
        return self.id


def _rng(seed):
    return np.random.default_rng(seed)


def _well_conditioned(rng, *shape):
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def _spd(rng, *shape):
    n = shape[-1]
    m = rng.standard_normal(shape)
    return np.matmul(m, np.swapaxes(m, -1, -2)) + n * np.eye(n)


def _binary(name, f, adj_left, adj_right, a, b, **kw):
    return Case(name, f, [a, b], {
        0: lambda g, args, y: adj_left(g, *args, **kw),
        1: lambda g, args, y: adj_right(g, *args, **kw)})


def dot_cases():
    r = _rng(1)
    n = r.standard_normal
    shapes = [
        ("0d.2d", np.array(1.7), n((2, 3))),
        ("2d.0d", n((2, 3)), np.array(-0.6)),
        ("float.1d", 1.3, n(3)),
        ("1d.float", n(3), -0.4),
        ("float.float", 1.3, -0.4),
        ("1d.1d", n(4), n(4)),
        ("2d.1d", n((3, 4)), n(4)),
        ("1d.2d", n(3), n((3, 4))),
        ("2d.2d", n((2, 3)), n((3, 4))),
        ("3d.1d", n((2, 3, 4)), n(4)),
        ("1d.3d", n(3), n((2, 3, 4))),
        ("3d.3d", n((2, 3, 4)), n((5, 4, 2))),
        ("2d.3d", n((2, 3)), n((4, 3, 2))),
        ("3d.2d", n((2, 2, 3)), n((3, 4))),
    ]
    return [_binary("dot " + s, np.dot, la.dot_adjoint_left, la.dot_adjoint_right, a, b)
            for s, a, b in shapes]


def inner_cases():
    r = _rng(2)
    n = r.standard_normal
    shapes = [
        ("0d.2d", np.array(0.9), n((2, 3))),
        ("float.1d", 1.3, n(3)),
        ("1d.1d", n(4), n(4)),
        ("2d.1d", n((3, 4)), n(4)),
        ("1d.2d", n(4), n((3, 4))),
        ("2d.2d", n((2, 4)), n((3, 4))),
        ("3d.2d", n((2, 3, 4)), n((5, 4))),
        ("2d.3d", n((2, 4)), n((3, 2, 4))),
    ]
    return [_binary("inner " + s, np.inner, la.inner_adjoint_left, la.inner_adjoint_right, a, b)
            for s, a, b in shapes]


def outer_cases():
    r = _rng(3)
    n = r.standard_normal
    shapes = [
        ("1d.1d", n(3), n(4)),
        ("2d.1d", n((2, 3)), n(4)),
        ("1d.3d", n(2), n((2, 3, 2))),
        ("0d.1d", np.array(0.7), n(3)),
        ("float.2d", 1.5, n((2, 2))),
    ]
    return [_binary("outer " + s, np.outer, la.outer_adjoint_left, la.outer_adjoint_right, a, b)
            for s, a, b in shapes]


def tensordot_cases():
    r = _rng(4)
    n = r.standard_normal
    shapes = [
        ("default", n((2, 3, 4)), n((3, 4, 5)), 2),
        ("1", n((2, 3)), n((3, 4)), 1),
        ("0", n((2, 3)), n(4), 0),
        ("3 (scalar result)", n((2, 3, 2)), n((2, 3, 2)), 3),
        ("lists", n((3, 2, 4)), n((2, 3, 5)), ([1, 0], [0, 1])),
        ("crossed", n((3, 2, 4)), n((4, 5, 3)), ([2, 0], [0, 2])),
        ("ints", n((2, 3, 4)), n((5, 3)), (1, 1)),
        ("negative", n((2, 3, 4)), n((4, 3, 2)), ([-1, 1], [0, -2])),
        ("empty pair", n(2), n((3, 2)), ([], [])),
        ("0d", np.array(1.2), n((2, 3)), 0),
    ]
    return [_binary(f"tensordot axes={s}", lambda a, b, axes=axes: np.tensordot(a, b, axes),
                    la.tensordot_adjoint_left, la.tensordot_adjoint_right, a, b, axes=axes)
            for s, a, b, axes in shapes]


def vdot_cases():
    r = _rng(5)
    n = r.standard_normal
    shapes = [("1d", n(4), n(4)), ("2d", n((2, 3)), n((2, 3))), ("2d vs 1d", n((2, 3)), n(6)),
              ("3d vs 2d", n((2, 1, 2)), n((2, 2)))]
    return [Case("vdot " + s, lambda a, b: np.vdot(a, b), [a, b], {
        0: lambda g, args, y: la.vdot_adjoint(g, args[1], args[0]),
        1: lambda g, args, y: la.vdot_adjoint(g, args[0], args[1])}) for s, a, b in shapes]


EINSUM = [
    # (subscripts, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ji,jk", [(3, 2), (3, 4)]),
    ("bA", [(2, 3)]),                                 # implicit: 'Ab' (upper case sorts first)
    ("i,i", [(4,)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("iii->", [(3, 3, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,ii->j", [(3, 2), (3, 3)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("i,jk->", [(2,), (3, 4)]),                        # i is summed in operand 0 only
    ("i,jk->j", [(2,), (3, 4)]),
    ("ij,k->ik", [(2, 3), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,j->ij", [(2, 1), (3,)]),                      # size-1 broadcasting of a named axis
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    (",i->i", [(), (3,)]),
    ("->", [()]),
    (",->", [(), ()]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # broadcasting '...' with a length 1
    ("...ij,...jk", [(2, 3, 4), (2, 4, 2)]),
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("i...", [(2, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...", [(2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
]


def einsum_cases():
    r = _rng(6)
    cases = []
    for sub, shapes in EINSUM:
        if len(shapes) == 1 and sub.count(",") == 1:
            shapes = shapes * 2
        ops = [r.standard_normal(s) for s in shapes]
        cases.append(Case(f"einsum {sub!r} {shapes}", lambda *o, sub=sub: np.einsum(sub, *o), ops, {
            k: (lambda g, args, y, k=k, sub=sub: la.einsum_adjoint(g, sub, list(args), k))
            for k in range(len(ops))}))
    # a Python float operand
    cases.append(Case("einsum ',i->i' float", lambda s, v: np.einsum(",i->i", s, v),
                      [1.5, r.standard_normal(3)],
                      {k: (lambda g, args, y, k=k: la.einsum_adjoint(g, ",i->i", list(args), k))
                       for k in range(2)}))
    return cases


def inv_cases():
    r = _rng(7)
    return [Case(f"inv {s}", np.linalg.inv, [_well_conditioned(r, *s)],
                 {0: lambda g, args, y: la.inv_adjoint(g, y)}) for s in [(1, 1), (3, 3), (2, 3, 3)]]


def solve_cases():
    r = _rng(8)
    shapes = [
        ("vector", (3, 3), (3,)),
        ("matrix", (3, 3), (3, 2)),
        ("batched matrix", (2, 3, 3), (2, 3, 2)),
        ("batched a, vector b", (2, 3, 3), (3,)),
        ("batched b", (3, 3), (2, 3, 2)),
        ("square b", (3, 3), (3, 3)),
        ("1x1", (1, 1), (1,)),
    ]
    cases = [Case(f"solve {s}", np.linalg.solve, [_well_conditioned(r, *sa), r.standard_normal(sb)], {
        0: lambda g, args, y: la.solve_adjoint_a(g, args[0], y),
        1: lambda g, args, y: la.solve_adjoint_b(g, args[0])}) for s, sa, sb in shapes]
    # a matrix b broadcast against a stack a: its gradient comes in y's shape (documented)
    cases.append(Case("solve batched a, matrix b", np.linalg.solve,
                      [_well_conditioned(r, 2, 3, 3), r.standard_normal((3, 2))], {
                          0: lambda g, args, y: la.solve_adjoint_a(g, args[0], y),
                          1: lambda g, args, y: unbroadcast(la.solve_adjoint_b(g, args[0]), args[1])}))
    return cases


def det_cases():
    r = _rng(9)
    return [Case(f"det {s}", np.linalg.det, [_well_conditioned(r, *s)],
                 {0: lambda g, args, y: la.det_adjoint(g, args[0], y)},
                 tangent=lambda args, v, y: la.det_tangent(args[0], v, y))
            for s in [(1, 1), (2, 2), (3, 3), (2, 3, 3)]]


def _logdet(a):
    return np.linalg.slogdet(a)[1]


def logdet_cases():
    r = _rng(10)
    mats = [("3x3", _spd(r, 3, 3)), ("negative det", -_well_conditioned(r, 3, 3)),
            ("batched", _well_conditioned(r, 2, 3, 3)), ("1x1", np.array([[-2.5]]))]
    return [Case(f"logdet {s}", _logdet, [a], {0: lambda g, args, y: la.logdet_adjoint(g, args[0])},
                 tangent=lambda args, v, y: la.logdet_tangent(args[0], v)) for s, a in mats]


def cholesky_cases():
    r = _rng(11)
    return [Case(f"cholesky {s}", np.linalg.cholesky, [_spd(r, *s)],
                 {0: lambda g, args, y: la.cholesky_adjoint(g, y)},
                 tangent=lambda args, v, y: la.cholesky_tangent(v, y))
            for s in [(1, 1), (3, 3), (4, 4), (2, 3, 3)]]


NORMS = [
    # (x shape, ord, axis, keepdims)
    ((5,), None, None, False),
    ((5,), 2, None, False),
    ((5,), 2, None, True),
    ((2, 3), None, None, False),          # Frobenius
    ((2, 3), "fro", None, False),
    ((2, 3), "fro", None, True),
    ((2, 3, 4), None, None, False),       # 2-norm of the flattened array
    ((2, 3, 4), None, None, True),
    ((3, 4), None, 1, False),
    ((3, 4), 2, 0, False),
    ((3, 4), None, -1, True),
    ((2, 3, 4), 2, 1, False),
    ((2, 3, 4), None, (0, 2), False),     # Frobenius over two axes
    ((2, 3, 4), "fro", (2, 0), True),
    ((2, 3, 4), None, (-1, -2), False),
    ((5,), 1, None, False),
    ((3, 4), 1, 1, False),
    ((3, 4), 1, 0, True),
    ((5,), np.inf, None, False),
    ((5,), -np.inf, None, False),
    ((3, 4), np.inf, 1, False),
    ((3, 4), -np.inf, 0, True),
    ((5,), 3, None, False),
    ((5,), 1.5, None, False),
    ((3, 4), 4, 1, False),
    ((2, 3, 4), 2.5, 0, True),
]


def norm_cases():
    r = _rng(12)
    cases = []
    for shape, ord, axis, keepdims in NORMS:
        kw = dict(ord=ord, axis=axis, keepdims=keepdims)
        cases.append(Case(
            f"norm {shape} ord={ord} axis={axis} keepdims={keepdims}",
            lambda x, kw=kw: np.linalg.norm(x, **kw), [r.standard_normal(shape)],
            {0: lambda g, args, y, kw=kw: la.norm_adjoint(g, args[0], y, **kw)},
            tangent=lambda args, v, y, kw=kw: la.norm_tangent(args[0], v, y, **kw)))
    return cases


ADJOINT_CASES = (dot_cases() + inner_cases() + outer_cases() + tensordot_cases() + vdot_cases()
                 + einsum_cases() + inv_cases() + solve_cases() + det_cases() + logdet_cases()
                 + cholesky_cases() + norm_cases())
TANGENT_CASES = [c for c in ADJOINT_CASES if c.tangent is not None]
SCALAR_RESULT_CASES = [c for c in ADJOINT_CASES if np.ndim(c.f(*c.args)) == 0]
ARRAY_OPERAND_CASES = [c for c in ADJOINT_CASES if any(isinstance(a, np.ndarray) and a.ndim for a in c.args)]


def _cotangent(y, seed=0):
    """A random cotangent for the result y: an array of y's shape, a Python float for a scalar."""
    u = np.random.default_rng(seed).standard_normal(np.shape(y))
    return float(u) if np.ndim(y) == 0 else u


def _direction(a, seed=1):
    return np.random.default_rng(seed).standard_normal(np.shape(a))


# ---------------------------------------------------------------------------
# Against central differences
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", ADJOINT_CASES, ids=repr)
def test_adjoint_matches_central_differences(case):
    y = case.f(*case.args)
    g = _cotangent(y)
    for i, adjoint in case.adjoints.items():
        grad = adjoint(g, case.args, y)
        check_gradient_type(grad, case.args[i], f"{case.id}, operand {i}")
        assert_close(grad, fd_vjp(case.f, case.args, i, g), what=f"{case.id}, operand {i}")


@pytest.mark.parametrize("case", SCALAR_RESULT_CASES, ids=repr)
def test_adjoint_takes_a_zero_dimensional_array_cotangent(case):
    """For a scalar result the cotangent may also come as a 0-d array (as CuPy gives it)."""
    y = case.f(*case.args)
    for i, adjoint in case.adjoints.items():
        assert_close(adjoint(np.array(0.7), case.args, y), 0.7 * np.asarray(adjoint(1.0, case.args, y)),
                     1e-12, f"{case.id}, operand {i}")


@pytest.mark.parametrize("case", TANGENT_CASES, ids=repr)
def test_tangent_matches_central_differences(case):
    y = case.f(*case.args)
    v = _direction(case.args[0])
    dy = case.tangent(case.args, v, y)
    assert np.shape(dy) == np.shape(y)
    assert_close(dy, fd_jvp(case.f, case.args, 0, v), what=case.id)


@pytest.mark.parametrize("case", TANGENT_CASES, ids=repr)
def test_tangent_and_adjoint_agree(case):
    """<g, tangent(v)> == <adjoint(g), v>."""
    y = case.f(*case.args)
    g = _cotangent(y, seed=3)
    v = _direction(case.args[0], seed=4)
    lhs = float(np.sum(np.asarray(g) * case.tangent(case.args, v, y)))
    rhs = float(np.sum(case.adjoints[0](g, case.args, y) * v))
    assert abs(lhs - rhs) <= 1e-10 * (abs(lhs) + abs(rhs) + 1.0), (lhs, rhs)


# ---------------------------------------------------------------------------
# The strict stand-in library, float32, the zero placeholder
# ---------------------------------------------------------------------------
def _to_strict(x):
    return strict(x) if isinstance(x, np.ndarray) else x


def _from_strict(result, arg, what):
    """A result computed on StrictArray operands, back as NumPy: it must have stayed StrictArray."""
    if isinstance(arg, float):
        assert isinstance(result, float), f"{what}: gradient of a Python float is {type(result)}"
        return np.asarray(result)
    return unwrap(result)


@pytest.mark.parametrize("case", ADJOINT_CASES, ids=repr)
def test_strict_array_matches_numpy(case):
    y = case.f(*case.args)
    g = _cotangent(y)
    s_args = [_to_strict(a) for a in case.args]
    s_y = case.f(*s_args)
    assert isinstance(s_y, StrictArray) or not any(isinstance(a, StrictArray) for a in s_args)
    # a 0-d StrictArray for a scalar result (unless no operand is an array)
    s_g = strict(np.asarray(g)) if any(isinstance(a, StrictArray) for a in s_args) else g
    for i, adjoint in case.adjoints.items():
        got = _from_strict(adjoint(s_g, s_args, s_y), case.args[i], f"{case.id}, operand {i}")
        assert_close(got, adjoint(g, case.args, y), 1e-12, f"{case.id}, operand {i}: strict vs numpy")
    if case.tangent is not None:
        v = _direction(case.args[0])
        got = unwrap(case.tangent(s_args, strict(v), s_y))
        assert_close(got, case.tangent(case.args, v, y), 1e-12, f"{case.id}: strict tangent vs numpy")


@pytest.mark.parametrize("case", ARRAY_OPERAND_CASES, ids=repr)
def test_float32_stays_float32(case):
    args32 = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in case.args]
    y64 = case.f(*case.args)
    y = case.f(*args32)
    g64 = _cotangent(y64)
    g = g64 if isinstance(g64, float) else g64.astype(np.float32)
    for i, adjoint in case.adjoints.items():
        grad = adjoint(g, args32, y)
        if isinstance(case.args[i], np.ndarray):
            assert grad.dtype == np.float32, f"{case.id}, operand {i}: dtype {grad.dtype}"
        assert_close(grad, adjoint(g64, case.args, y64), 1e-4, f"{case.id}, operand {i}: float32")
    if case.tangent is not None:
        v64 = _direction(case.args[0])
        dy = case.tangent(args32, v64.astype(np.float32), y)
        assert dy.dtype == np.float32, f"{case.id}: tangent dtype {dy.dtype}"
        assert_close(dy, case.tangent(case.args, v64, y64), 1e-4, f"{case.id}: float32 tangent")


def _is_zero_gradient(result, arg):
    shape = np.shape(result)
    return shape in ((), np.shape(arg)) and bool(np.all(np.asarray(result) == 0))


@pytest.mark.parametrize("case", ADJOINT_CASES, ids=repr)
def test_zero_placeholder(case):
    y = case.f(*case.args)
    s_args = [_to_strict(a) for a in case.args]
    s_y = case.f(*s_args)
    for i, adjoint in case.adjoints.items():
        result = adjoint(0.0, case.args, y)
        assert _is_zero_gradient(result, case.args[i]), f"{case.id}, operand {i}: {result!r}"
        result = adjoint(0.0, s_args, s_y)
        if isinstance(result, StrictArray):
            result = unwrap(result)
        else:
            assert isinstance(result, float), f"{case.id}, operand {i}: {type(result)} from a StrictArray run"
        assert _is_zero_gradient(result, case.args[i]), f"{case.id}, operand {i}: {result!r}"


@pytest.mark.parametrize("case", TANGENT_CASES, ids=repr)
def test_zero_placeholder_tangent(case):
    """A tangent given as the scalar 0.0 gives a zero tangent (0.0 itself, or zeros)."""
    y = case.f(*case.args)
    dy = case.tangent(case.args, 0.0, y)
    assert np.shape(dy) in ((), np.shape(y)) and np.all(np.asarray(dy) == 0), repr(dy)


def test_placeholder_passes_through_for_array_results():
    """The convention for an array result: the scalar 0.0 itself comes back."""
    a, b = np.ones((2, 3)), np.ones((3, 4))
    assert la.dot_adjoint_left(0.0, a, b) == 0.0 and np.ndim(la.dot_adjoint_left(0.0, a, b)) == 0
    assert np.ndim(la.einsum_adjoint(0.0, "ij,jk->ik", [a, b], 1)) == 0
    assert np.ndim(la.cholesky_adjoint(0.0, np.eye(2))) == 0
    assert np.ndim(la.norm_adjoint(0.0, a, np.linalg.norm(a, axis=0), axis=0)) == 0
    assert np.ndim(la.det_adjoint(0.0, np.stack([np.eye(2)] * 3), np.ones(3))) == 0


# ---------------------------------------------------------------------------
# Cholesky reads the lower triangle only
# ---------------------------------------------------------------------------
def test_numpy_cholesky_reads_only_the_lower_triangle():
    """The finding the Cholesky derivatives are built on (a change here breaks them)."""
    a = _spd(_rng(13), 4, 4)
    y = np.linalg.cholesky(a)
    upper = a.copy()
    upper[0, 3] += 0.5
    upper[1, 2] -= 0.3
    assert np.array_equal(np.linalg.cholesky(upper), y)
    lower = a.copy()
    lower[3, 0] += 0.5
    assert not np.allclose(np.linalg.cholesky(lower), y)


def test_cholesky_gradient_vanishes_above_the_diagonal():
    a = _spd(_rng(14), 2, 4, 4)
    y = np.linalg.cholesky(a)
    grad = la.cholesky_adjoint(_rng(15).standard_normal(y.shape), y)
    assert np.array_equal(np.triu(grad, 1), np.zeros_like(grad))
    assert np.any(np.tril(grad) != 0)


def test_cholesky_tangent_of_an_upper_perturbation_is_zero():
    a = _spd(_rng(16), 3, 3)
    y = np.linalg.cholesky(a)
    assert np.array_equal(la.cholesky_tangent(np.triu(np.ones((3, 3)), 1), y), np.zeros((3, 3)))


def test_cholesky_symmetric_perturbation_matches_the_symmetric_derivative():
    """For a symmetric a_dot the tangent is the textbook one: y_dot y^T + y y_dot^T == a_dot."""
    r = _rng(17)
    a = _spd(r, 4, 4)
    s = r.standard_normal((4, 4))
    s = s + s.T
    y = np.linalg.cholesky(a)
    y_dot = la.cholesky_tangent(s, y)
    assert np.array_equal(np.triu(y_dot, 1), np.zeros((4, 4)))
    assert_close(y_dot @ y.T + y @ y_dot.T, s, 1e-12, "y_dot y^T + y y_dot^T")


# ---------------------------------------------------------------------------
# Norms: ties, zeros, unsupported matrix norms
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ord, x, expected", [
    (np.inf, [3.0, -3.0, 1.0], [0.5, -0.5, 0.0]),
    (-np.inf, [1.0, -1.0, 3.0], [0.5, -0.5, 0.0]),
    (np.inf, [-2.0, 2.0, 2.0, 1.0], [-1 / 3, 1 / 3, 1 / 3, 0.0]),
])
def test_norm_inf_ties_split_evenly(ord, x, expected):
    x = np.array(x)
    y = np.linalg.norm(x, ord)
    assert_close(la.norm_adjoint(2.0, x, y, ord), 2.0 * np.array(expected), 1e-12, "adjoint")
    v = _direction(x)
    assert_close(la.norm_tangent(x, v, y, ord), np.dot(expected, v), 1e-12, "tangent")


def test_norm_inf_ties_along_an_axis():
    x = np.array([[3.0, -3.0, 1.0], [1.0, 2.0, -0.5]])
    y = np.linalg.norm(x, np.inf, axis=1)
    grad = la.norm_adjoint(np.array([1.0, 10.0]), x, y, np.inf, 1)
    assert_close(grad, [[0.5, -0.5, 0.0], [0.0, 10.0, 0.0]], 1e-12, "adjoint")


@pytest.mark.parametrize("ord, axis, shape", [
    (None, None, (3,)), (2, None, (3,)), (None, None, (2, 3)), ("fro", None, (2, 3)),
    (None, None, (2, 2, 2)), (None, (0, 1), (2, 3, 2)), (3, None, (3,)), (1.5, 0, (3, 2)),
    (np.inf, None, (3,)), (1, None, (3,)),
])
def test_norm_at_zero_has_zero_gradient(ord, axis, shape):
    x = np.zeros(shape)
    y = np.linalg.norm(x, ord, axis)
    grad = la.norm_adjoint(np.ones(np.shape(y)) if np.ndim(y) else 1.0, x, y, ord, axis)
    assert np.shape(grad) == shape and np.array_equal(grad, np.zeros(shape))
    dy = la.norm_tangent(x, np.ones(shape), y, ord, axis)
    assert np.array_equal(dy, np.zeros(np.shape(y)))


def test_norm_with_one_zero_row():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    y = np.linalg.norm(x, axis=1)
    assert_close(la.norm_adjoint(np.ones(2), x, y, axis=1), [[0.0, 0.0], [0.6, 0.8]], 1e-12, "adjoint")
    s = strict(x)
    assert_close(unwrap(la.norm_adjoint(strict(np.ones(2)), s, np.linalg.norm(s, axis=1), axis=1)),
                 [[0.0, 0.0], [0.6, 0.8]], 1e-12, "strict adjoint")


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("shape, axis, keepdims", [((3, 4), None, False), ((3, 4), None, True),
                                                  ((2, 3, 4), (2, 0), False), ((2, 3, 4), (0, 1), True)])
def test_matrix_norms_against_central_differences(ord, shape, axis, keepdims):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.0, 1.0, shape)
    y = np.linalg.norm(x, ord, axis, keepdims)
    g = rng.uniform(-1.0, 1.0, np.shape(y)) if np.ndim(y) else 0.7
    t = rng.uniform(-1.0, 1.0, shape)
    h = 1e-6
    fd = (np.linalg.norm(x + h * t, ord, axis, keepdims) - np.linalg.norm(x - h * t, ord, axis, keepdims)) / (2 * h)
    tangent = la.norm_tangent(x, t, y, ord, axis, keepdims)
    assert np.shape(tangent) == np.shape(y)
    assert_close(tangent, fd, 1e-7, "tangent")
    adjoint = la.norm_adjoint(g, x, y, ord, axis, keepdims)
    assert np.shape(adjoint) == shape
    np.testing.assert_allclose(np.sum(adjoint * t), np.sum(g * tangent), rtol=1e-12)
    s = la.norm_adjoint(strict(g) if np.ndim(y) else g, strict(x), np.linalg.norm(strict(x), ord, axis, keepdims),
                        ord, axis, keepdims)
    assert isinstance(s, StrictArray)
    assert_close(unwrap(s), adjoint, 1e-12, "strict adjoint")


@pytest.mark.parametrize("ord, x, expected", [
    (0, [1.0, 0.0, -2.0], [0.0, 0.0, 0.0]),          # a count: piecewise constant
    (0.5, [1.0, 0.0, 4.0], [3.0, np.nan, 1.5]),       # an infinite slope at the zero entry
    (-1.0, [1.0, 0.0, 4.0], [0.0, 0.0, 0.0]),         # 0 near a zero entry, with abs's kink in it
    (np.inf, [1.0, -3.0, 3.0], [0.0, -0.5, 0.5]),     # a tie shares evenly
    (1, [1.0, 0.0, -2.0], [1.0, 0.0, -1.0]),          # sign(0) = 0 at the kink
])
def test_vector_norms_where_there_is_no_derivative(ord, x, expected):
    x = np.array(x)
    with np.errstate(divide="ignore"):
        y = np.linalg.norm(x, ord)
    np.testing.assert_allclose(la.norm_adjoint(1.0, x, y, ord), expected, rtol=1e-12)


def test_matrix_norms_where_there_is_no_derivative():
    tied = np.array([[1.0, -2.0], [2.0, 1.0]])          # column sums of |x| 3 and 3: a tie
    np.testing.assert_allclose(la.norm_adjoint(1.0, tied, 3.0, 1), [[0.5, -0.5], [0.5, 0.5]], rtol=1e-12)
    singular = np.array([[1.0, 0.0], [0.0, 0.0]])        # a zero singular value: the kink's 0
    np.testing.assert_allclose(la.norm_adjoint(1.0, singular, 0.0, -2), np.zeros((2, 2)), atol=1e-15)
    np.testing.assert_allclose(la.norm_adjoint(1.0, singular, 1.0, "nuc"), [[1.0, 0.0], [0.0, 0.0]], atol=1e-15)


# ---------------------------------------------------------------------------
# Errors and exports
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("subscripts, shapes", [
    ("i1,i", [(2,), (2,)]),                  # not a label
    ("i.,i", [(2,), (2,)]),
    ("i,i", [(2,)]),                         # two terms, one operand
    ("ij", [(2,)]),                          # too many labels for the operand
    ("i->j", [(2,)]),                        # output label in no operand
    ("i->ii", [(2,)]),                       # repeated output label
    ("i->i->i", [(2,)]),
    ("......", [(2,)]),
    ("i...->", [(2, 3)]),                    # '...' stands for an axis, the output has none
])
def test_einsum_adjoint_rejects_bad_subscripts(subscripts, shapes):
    ops = [np.ones(s) for s in shapes]
    with pytest.raises(ValueError):
        np.einsum(subscripts, *ops)          # NumPy refuses them too
    with pytest.raises(ValueError):
        la.einsum_adjoint(np.ones(2), subscripts, ops, 0)


def _random_einsum(seed):
    """A random valid einsum: 1-3 operands, repeated labels, size-1 broadcasting, '...' at times."""
    r = np.random.default_rng(seed)
    while True:
        sizes = dict(zip("abcdA", r.integers(2, 4, size=5)))
        terms, shapes = [], []
        for _ in range(r.integers(1, 4)):
            term = "".join(r.choice(list(sizes), size=r.integers(0, 4)))
            shape = [sizes[c] if r.random() > 0.15 else 1 for c in term]
            if r.random() < 0.3:
                n = int(r.integers(0, 3))
                term, shape = "..." + term, [int(r.integers(1, 3)) for _ in range(n)] + shape
            terms.append(term)
            shapes.append(tuple(shape))
        labels = sorted(set("".join(terms).replace(".", "")))
        if r.random() < 0.3:
            sub = ",".join(terms)
        else:
            out = "".join(c for c in labels if r.random() < 0.5)
            if any("..." in t for t in terms):
                out = "..." + out
            sub = ",".join(terms) + "->" + out
        ops = [r.standard_normal(shape) for shape in shapes]
        try:
            np.einsum(sub, *ops)
        except ValueError:
            continue
        return sub, ops


@pytest.mark.parametrize("seed", range(60))
def test_einsum_adjoint_random_subscripts(seed):
    sub, ops = _random_einsum(seed)

    def f(*o):
        return np.einsum(sub, *o)

    y = f(*ops)
    g = _cotangent(y)
    s_ops = [strict(o) for o in ops]
    s_g = strict(np.asarray(g))
    for k in range(len(ops)):
        grad = la.einsum_adjoint(g, sub, ops, k)
        assert np.shape(grad) == ops[k].shape, (sub, k)
        assert_close(grad, fd_vjp(f, ops, k, g), what=f"{sub!r} {[o.shape for o in ops]}, operand {k}")
        assert_close(unwrap(la.einsum_adjoint(s_g, sub, s_ops, k)), grad, 1e-12, f"{sub!r} strict")


def test_einsum_adjoint_rejects_interleaved_form_and_bad_operand_number():
    with pytest.raises(ValueError):
        la.einsum_adjoint(np.ones(2), [0], [np.ones(2)], 0)
    with pytest.raises(ValueError):
        la.einsum_adjoint(np.ones(2), "i->i", [np.ones(2)], 1)


def test_tensordot_axes_of_different_lengths():
    with pytest.raises(ValueError):
        la.tensordot_adjoint_left(np.ones(2), np.ones((2, 3)), np.ones((3, 2)), axes=([1], [0, 1]))


NEW = ['dot_adjoint_left', 'dot_adjoint_right', 'inner_adjoint_left', 'inner_adjoint_right',
       'outer_adjoint_left', 'outer_adjoint_right', 'tensordot_adjoint_left', 'tensordot_adjoint_right',
       'einsum_adjoint', 'vdot_adjoint', 'inv_adjoint', 'solve_adjoint_a', 'solve_adjoint_b',
       'det_tangent', 'det_adjoint', 'logdet_tangent', 'logdet_adjoint',
       'cholesky_tangent', 'cholesky_adjoint', 'norm_tangent', 'norm_adjoint']


@pytest.mark.parametrize("name", NEW + ['matmul_adjoint_left', 'matmul_adjoint_right'])
def test_exported_with_a_docstring(name):
    assert name in la.__all__
    assert getattr(runtime, name) is getattr(la, name)
    doc = getattr(la, name).__doc__
    assert doc and (">>>" in doc or name.startswith("matmul"))
