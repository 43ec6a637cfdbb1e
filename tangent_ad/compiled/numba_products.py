"""Compiled adjoints of products and norms: ``np.outer``'s, ``np.dot``'s (of numbers, vectors
and matrices) and ``np.linalg.norm``'s (the vector 2-norm, and the Frobenius norm of a
matrix), registered with Numba as those of
``numba_shapes.py``, whose ``COMPILED`` names them.

>>> print(_outer_text(left=True, b_array=True))
def adjoint(g, a, b):
    other = b.ravel()
    out = np.zeros(g.shape[0], DTYPE)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[i] += g[i, j] * other[j]
    return IN_SHAPE(out, a)
"""
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable
from numba.np.numpy_support import as_dtype

from .. import runtime
from .numba_reductions import _constant
from .numba_runtime import _absent, _is_array, _is_number

COMPILED = frozenset({"outer_adjoint_left", "outer_adjoint_right", "norm_adjoint", "norm_tangent"})


# -------------------------------------------------------------------------------- outer
@register_jitable
def _in_array_shape(grad, x):
    return grad.reshape(x.shape)


@register_jitable
def _in_number_shape(grad, x):
    return float(grad.sum())      # the adjoint of a Python number is a Python number


def _outer_text(left, b_array):
    """The adjoint of ``np.outer(a, b)`` for ``a`` (``left``) or ``b``: ``g`` times the other
    operand (flattened, or a number), summed along the other's axis of ``g``."""
    other = "b" if left else "a"
    lines = ["def adjoint(g, a, b):"]
    if b_array:
        lines.append(f"    other = {other}.ravel()")
    i, j = ("i", "j") if left else ("j", "i")
    lines += [f"    out = np.zeros(g.shape[{0 if left else 1}], DTYPE)",
              "    for i in range(g.shape[0]):", "        for j in range(g.shape[1]):",
              f"            out[{i}] += g[i, j] * {'other[' + j + ']' if b_array else other}",
              f"    return IN_SHAPE(out, {'a' if left else 'b'})"]
    return "\n".join(lines)


def _overload_outer(g, a, b, left):
    operand, other = (a, b) if left else (b, a)
    for x in (a, b):
        if not (_is_array(x) or _is_number(x)) or isinstance(getattr(x, "dtype", x), types.Complex):
            raise TypingError(f"the adjoint of np.outer of a {x}: compiled for real numbers and arrays")
    if _is_number(g):
        return lambda g, a, b: g            # a zero placeholder
    if not (_is_array(g) and g.ndim == 2 and isinstance(g.dtype, types.Float)):
        raise TypingError(f"the adjoint of np.outer given a {g}")
    # the dtype of g * other: a Python number (float64 here) keeps g's, as in NumPy
    dtype = np.result_type(as_dtype(g.dtype), as_dtype(other.dtype)) if _is_array(other) else as_dtype(g.dtype)
    namespace = {"np": np, "DTYPE": dtype,
                 "IN_SHAPE": _in_array_shape if _is_array(operand) else _in_number_shape}
    exec(_outer_text(left, _is_array(other)), namespace)     # noqa: S102 - text written here
    return namespace["adjoint"]


@overload(runtime.outer_adjoint_left)
def _outer_adjoint_left(g, a, b):
    return _overload_outer(g, a, b, left=True)


@overload(runtime.outer_adjoint_right)
def _outer_adjoint_right(g, a, b):
    return _overload_outer(g, a, b, left=False)


# -------------------------------------------------------------------------------- norms
def _two_norm(x, y, ord, axis, keepdims):
    """The kind of ``y = np.linalg.norm(x, ...)`` compiled here, the 2-norm of all of ``x``'s
    entries: TypingError for another."""
    if not (_is_array(x) and isinstance(x.dtype, types.Float) and isinstance(y, types.Float)):
        raise TypingError(f"the derivative of np.linalg.norm of a {x}: compiled for arrays of real floats")
    if not (_absent(ord) or _constant(ord, types.IntegerLiteral, None) == 2) or not _absent(axis) \
            or _constant(keepdims, types.BooleanLiteral, None) is not False:
        raise TypingError("the derivative of np.linalg.norm is compiled for the norm of the whole "
                          "array (no ord but 2, no axis, no keepdims)")
    if x.ndim > 2:
        raise TypingError("the derivative of np.linalg.norm is compiled for vectors and matrices")


@register_jitable
def _two_norm_partials(x, y, one):
    safe = one if y == 0 else y     # a zero norm means x == 0: the partials are 0
    return x / safe


@overload(runtime.norm_adjoint, prefer_literal=True)
def _norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    _two_norm(x, y, ord, axis, keepdims)
    if not _is_number(g):
        raise TypingError(f"the adjoint of np.linalg.norm given a {g}")
    one = getattr(np, str(y))(1.0)  # y's own type: x / 1.0 rounds as NumPy's x / y would
    return lambda g, x, y, ord=None, axis=None, keepdims=False: g * _two_norm_partials(x, y, one)


@overload(runtime.norm_tangent, prefer_literal=True)
def _norm_tangent(x, x_dot, y, ord=None, axis=None, keepdims=False):
    _two_norm(x, y, ord, axis, keepdims)
    if not (_is_number(x_dot) or _is_array(x_dot)):
        raise TypingError(f"the tangent of np.linalg.norm given a {x_dot}")
    one = getattr(np, str(y))(1.0)
    return lambda x, x_dot, y, ord=None, axis=None, keepdims=False: np.sum(_two_norm_partials(x, y, one) * x_dot)


# ---------------------------------------------------------------------------------- dot
def _dot_kinds(g, a, b):
    """``"placeholder"``, ``"number"`` (an operand is a number) or ``"arrays"``; TypingError
    for more than two dimensions."""
    for x in (a, b):
        if not (_is_number(x) or (_is_array(x) and x.ndim <= 2)):
            raise TypingError(f"the adjoint of np.dot of a {x}: compiled for numbers, vectors and matrices")
    if _is_number(a) or _is_number(b):
        return "number"
    if _is_number(g) and a.ndim + b.ndim - 2 >= 1:
        return "placeholder"
    return "arrays"


@overload(runtime.dot_adjoint_left)
def _dot_adjoint_left(g, a, b):
    kind = _dot_kinds(g, a, b)
    if kind == "number":
        return lambda g, a, b: _unbroadcast(g * b, a)
    if kind == "placeholder":
        return lambda g, a, b: g
    # np.dot of vectors and matrices is their matrix product: its adjoints
    return lambda g, a, b: _matmul_left(g, a, b)


@overload(runtime.dot_adjoint_right)
def _dot_adjoint_right(g, a, b):
    kind = _dot_kinds(g, a, b)
    if kind == "number":
        return lambda g, a, b: _unbroadcast(g * a, b)
    if kind == "placeholder":
        return lambda g, a, b: g
    return lambda g, a, b: _matmul_right(g, a, b)


_unbroadcast, _matmul_left, _matmul_right = runtime.unbroadcast, runtime.matmul_adjoint_left, runtime.matmul_adjoint_right
COMPILED = COMPILED | {"dot_adjoint_left", "dot_adjoint_right"}
