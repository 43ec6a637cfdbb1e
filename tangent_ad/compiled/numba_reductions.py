"""Sums and means along one axis, and their adjoints, as the compiled derivative computes them.

Numba compiles ``np.sum(x, axis=k)`` with its checks of the axis, whose error messages
format strings (``str`` of an int, unicode concatenation): seconds of compile time at the
first call, for a check the generated code never fails. The compiled source calls
``axis_sum(x, k, keepdims)`` (or ``axis_mean``) instead (``numba_source.py``), with ``k``
and ``keepdims`` written as constants; the compiled version is loops written out for
``x``'s number of dimensions and that axis, chosen from the types when the derivative is
compiled. Run as Python, the two functions are NumPy's. The adjoints ``sum_adjoint`` and
``mean_adjoint`` along an axis (given as a constant in the generated code) are loops too,
spreading ``g`` over ``x``'s shape.

>>> print(_reduce_text(2, 1, True, mean=False, zero="0.0"))
def reduce(x, axis, keepdims=False):
    n = x.shape[1]
    out = np.empty((x.shape[0], 1), x.dtype)
    for i0 in range(x.shape[0]):
        s = 0.0
        for i1 in range(n):
            s += x[i0, i1]
        out[i0, 0] = s
    return out
"""
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from .. import runtime


def axis_sum(x, axis, keepdims=False):
    """``np.sum(x, axis=axis, keepdims=keepdims)``: the compiled source's name for it."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def axis_mean(x, axis, keepdims=False):
    """``np.mean(x, axis=axis, keepdims=keepdims)``: the compiled source's name for it."""
    return np.mean(x, axis=axis, keepdims=keepdims)


def _constant(t, kind, default):
    """The value of the literal type ``t``; ``default`` when the argument is left out (Numba
    passes the default itself, or its Omitted type)."""
    if t is None:
        return default
    if isinstance(t, types.Omitted):
        return t.value
    if isinstance(t, (bool, int)):
        return t
    if isinstance(t, kind):
        return t.literal_value
    return None


def _overload_reduction(x, axis, keepdims, mean):
    k = _constant(axis, types.IntegerLiteral, None)
    kept = _constant(keepdims, types.BooleanLiteral, False)
    if k is None or kept is None:
        raise TypingError("a sum or mean along an axis is compiled for an axis and keepdims given as constants")
    if not isinstance(x, types.Array):
        raise TypingError(f"a sum or mean along an axis of a {x}: only arrays have axes")
    if not -x.ndim <= k < x.ndim:
        raise TypingError(f"axis {k} is out of bounds for an array of {x.ndim} dimensions")
    k %= x.ndim
    if isinstance(x.dtype, types.Float):
        zero = "0.0"
    elif isinstance(x.dtype, types.Complex):
        zero = "0j"
    elif mean:      # NumPy's own, as before: a mean of integers is a float
        return _fallback_mean(k, kept)
    else:
        return _fallback_sum(k, kept)
    namespace = {"np": np}
    exec(_reduce_text(x.ndim, k, kept, mean, zero), namespace)    # noqa: S102 - text written here
    return namespace["reduce"]


def _fallback_sum(k, kept):
    if kept:
        return lambda x, axis, keepdims=False: np.expand_dims(np.sum(x, axis=k), k)
    return lambda x, axis, keepdims=False: np.sum(x, axis=k)


def _fallback_mean(k, kept):
    if kept:
        return lambda x, axis, keepdims=False: np.expand_dims(np.sum(x, axis=k) / x.shape[k], k)
    return lambda x, axis, keepdims=False: np.sum(x, axis=k) / x.shape[k]


@overload(axis_sum, prefer_literal=True)
def _axis_sum(x, axis, keepdims=False):
    return _overload_reduction(x, axis, keepdims, mean=False)


@overload(axis_mean, prefer_literal=True)
def _axis_mean(x, axis, keepdims=False):
    return _overload_reduction(x, axis, keepdims, mean=True)


def _reduce_text(ndim, k, kept, mean, zero):
    """``x`` (``ndim`` dimensions) summed along axis ``k`` (kept as length 1 when ``kept``),
    divided by its length when ``mean``, as loops in ``x``'s order (C-contiguous data is read
    in order). Along the last axis each sum is a local, written once; along another, the
    result's rows add up in place, in the order ``x`` is read."""
    loops = [f"i{d}" for d in range(ndim)]
    out_index = [("0" if kept else None) if d == k else f"i{d}" for d in range(ndim)]
    out_index = [i for i in out_index if i is not None]
    out_shape = [("1" if kept else None) if d == k else f"x.shape[{d}]" for d in range(ndim)]
    out_shape = [s for s in out_shape if s is not None]
    shape = f"({', '.join(out_shape)}{',' if len(out_shape) == 1 else ''})"
    divided = " / n" if mean else ""
    lines = ["def reduce(x, axis, keepdims=False):", f"    n = x.shape[{k}]"]
    if k == ndim - 1:
        scalar = not out_index
        if not scalar:
            lines.append(f"    out = np.empty({shape}, x.dtype)")
        depth = 1
        for d in range(ndim - 1):
            lines.append("    " * depth + f"for i{d} in range(x.shape[{d}]):")
            depth += 1
        lines.append("    " * depth + f"s = {zero}")
        lines.append("    " * depth + f"for i{k} in range(n):")
        lines.append("    " * (depth + 1) + f"s += x[{', '.join(loops)}]")
        if scalar:
            lines.append(f"    return s{divided}")
            return "\n".join(lines)
        lines.append("    " * depth + f"out[{', '.join(out_index)}] = s{divided}")
        lines.append("    return out")
        return "\n".join(lines)
    lines.append(f"    out = np.zeros({shape}, x.dtype)")
    for d in range(ndim):
        lines.append("    " * (d + 1) + f"for i{d} in range(x.shape[{d}]):")
    lines.append("    " * (ndim + 1) + f"out[{', '.join(out_index)}] += x[{', '.join(loops)}]")
    if mean:
        kept_dims = [d for d in range(ndim) if d != k]
        for depth, d in enumerate(kept_dims):
            lines.append("    " * (depth + 1) + f"for i{d} in range(x.shape[{d}]):")
        lines.append("    " * (len(kept_dims) + 1) + f"out[{', '.join(out_index)}] /= n")
    lines.append("    return out")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ adjoints
@overload(runtime.sum_adjoint, prefer_literal=True)
def _sum_adjoint(g, x, axis=None, keepdims=False):
    return _overload_spread(g, x, axis, keepdims, mean=False)


@overload(runtime.mean_adjoint, prefer_literal=True)
def _mean_adjoint(g, x, axis=None, keepdims=False):
    return _overload_spread(g, x, axis, keepdims, mean=True)


def _overload_spread(g, x, axis, keepdims, mean):
    if axis is None or isinstance(axis, (types.NoneType, types.Omitted)):
        if isinstance(x, (types.Number, types.Boolean)):
            return lambda g, x, axis=None, keepdims=False: g * 1.0
        if mean:    # an empty x has an empty adjoint, whatever g is divided by (as the plain helper)
            return lambda g, x, axis=None, keepdims=False: np.full_like(x, g / max(x.size, 1))
        return lambda g, x, axis=None, keepdims=False: np.full_like(x, g)
    k = _constant(axis, types.IntegerLiteral, None)
    kept = _constant(keepdims, types.BooleanLiteral, False)
    if k is None or kept is None:
        raise TypingError("the adjoint of a sum or mean along an axis is compiled for one axis given as a number")
    if not (isinstance(x, types.Array) and isinstance(x.dtype, types.Float)):
        raise TypingError(f"the adjoint of a sum or mean along an axis of a {x}: compiled for arrays of floats")
    if not -x.ndim <= k < x.ndim:
        raise TypingError(f"axis {k} is out of bounds for an array of {x.ndim} dimensions")
    k %= x.ndim
    if isinstance(g, types.Array):
        if g.ndim != (x.ndim if kept else x.ndim - 1):
            raise TypingError(f"the adjoint of a sum along axis {k} of a {x} with a {g}")
        scalar = False
    elif isinstance(g, (types.Number, types.Boolean)):
        scalar = True
    else:
        raise TypingError(f"the adjoint of a sum along an axis, given a {g}")
    namespace = {"np": np}
    exec(_spread_text(x.ndim, k, kept, mean, scalar), namespace)    # noqa: S102 - text written here
    return namespace["spread"]


def _spread_text(ndim, k, kept, mean, scalar):
    """``g`` (the adjoint of ``x`` summed along axis ``k``) written to every element of ``x``'s
    shape, divided by the axis's length when ``mean``; ``scalar``: ``g`` is a number.

    >>> print(_spread_text(2, 0, False, mean=True, scalar=False))
    def spread(g, x, axis=None, keepdims=False):
        n = max(x.shape[0], 1)
        out = np.empty(x.shape, x.dtype)
        for i0 in range(x.shape[0]):
            for i1 in range(x.shape[1]):
                out[i0, i1] = g[i1] / n
        return out
    """
    loops = [f"i{d}" for d in range(ndim)]
    g_index = [i for d, i in enumerate(loops) if d != k or kept]
    if kept:
        g_index[k] = "0"
    value = "g" if scalar else f"g[{', '.join(g_index)}]"
    lines = ["def spread(g, x, axis=None, keepdims=False):"]
    if mean:
        lines.append(f"    n = max(x.shape[{k}], 1)")
        value += " / n"
    lines.append("    out = np.empty(x.shape, x.dtype)")
    for d in range(ndim):
        lines.append("    " * (d + 1) + f"for i{d} in range(x.shape[{d}]):")
    lines.append("    " * (ndim + 1) + f"out[{', '.join(loops)}] = {value}")
    lines.append("    return out")
    return "\n".join(lines)
