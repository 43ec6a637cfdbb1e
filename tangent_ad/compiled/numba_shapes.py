"""Compiled versions of the runtime helpers for shaping, transposing, clipping and other
array operations (more of the helpers of ``tangent_ad.runtime``), registered like those of
``numba_runtime.py``: importing this module gives Numba an ``@overload`` of each helper in
``COMPILED``.

Each gives what the plain helper gives, for the kinds of arguments it is compiled for; a
kind it is not compiled for (more dimensions, a keyword given as a variable, an index of
integer arrays) raises Numba's ``TypingError`` with a sentence saying so, which
``compile=True`` turns into a refusal at the user's line. Loops written out stand in for
NumPy's reductions along an axis, which Numba compiles slowly (``numba_reductions.py``).

>>> print(_reverse_cumsum_text(2, 0))
def adjoint(g, a, axis=None):
    out = np.empty(g.shape, g.dtype)
    n = g.shape[0]
    if n == 0:
        return out
    for i1 in range(g.shape[1]):
        s = g[n - 1, i1]
        out[n - 1, i1] = s
        for i0 in range(n - 2, -1, -1):
            s += g[i0, i1]
            out[i0, i1] = s
    return out
"""
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from .. import runtime
from . import numba_products  # noqa: F401 - registers the compiled adjoints of products and norms
from .numba_products import COMPILED as _PRODUCTS
from .numba_reductions import _constant
from .numba_runtime import _absent, _is_array, _is_number

COMPILED = frozenset({
    "transpose_adjoint", "reshape_adjoint", "clip_mask", "cumsum_adjoint",
    "setitem_adjoint", "setitem_value_adjoint", "index_update", "stack_adjoint",
    "swapaxes_adjoint",
}) | _PRODUCTS


def _made(text, name_):
    """The function ``name_`` defined by ``text``, written for one combination of types."""
    namespace = {"np": np}
    exec(text, namespace)     # noqa: S102 - text written here, from numbers of dimensions
    return namespace[name_]


# ------------------------------------------------------------------- transpose, reshape
@overload(runtime.transpose_adjoint)
def _transpose_adjoint(g, axes=None):
    if _is_number(g):
        return lambda g, axes=None: g       # a zero placeholder
    if not _is_array(g):
        raise TypingError(f"the adjoint of a transpose of a {g}: compiled for arrays")
    if _absent(axes):
        return lambda g, axes=None: np.transpose(g)
    if not (isinstance(axes, types.BaseTuple) and len(axes) == g.ndim
            and all(isinstance(a, types.Integer) for a in axes)):
        raise TypingError("the adjoint of a transpose is compiled for axes given as a tuple of ints, "
                          "one for each dimension")
    # the inverse permutation, as a tuple: position p where axes[p] == k, for each axis k
    lines = ["def adjoint(g, axes=None):"]
    for k in range(g.ndim):
        lines.append(f"    p{k} = 0")
        lines.append(f"    for p in range({g.ndim}):")
        lines.append(f"        if axes[p] % {g.ndim} == {k}:")
        lines.append(f"            p{k} = p")
    inverse = ", ".join(f"p{k}" for k in range(g.ndim))
    lines.append(f"    return np.transpose(g, ({inverse},))")
    return _made("\n".join(lines), "adjoint")


@overload(runtime.swapaxes_adjoint)
def _swapaxes_adjoint(g, axis1, axis2):
    if _is_number(g):
        return lambda g, axis1, axis2: g    # a zero placeholder
    if not (_is_array(g) and isinstance(axis1, types.Integer) and isinstance(axis2, types.Integer)):
        raise TypingError("the adjoint of np.swapaxes is compiled for an array and two axes given as ints")
    return lambda g, axis1, axis2: np.swapaxes(g, axis1, axis2)


@overload(runtime.reshape_adjoint)
def _reshape_adjoint(g, x):
    if not _is_array(x):
        raise TypingError(f"the adjoint of a reshape of a {x}: compiled for arrays")
    if _is_number(g):
        return lambda g, x: g               # a zero placeholder
    if not _is_array(g):
        raise TypingError(f"the adjoint of a reshape, given a {g}")
    if g.layout == "C":
        return lambda g, x: g.reshape(x.shape)
    # Numba reshapes contiguous arrays only: a C-ordered copy has the elements in NumPy's order
    return lambda g, x: np.ascontiguousarray(g).reshape(x.shape)


# --------------------------------------------------------------------------------- clip
@overload(runtime.clip_mask)
def _clip_mask(a, a_min, a_max):
    for bound in (a_min, a_max):
        if not (_absent(bound) or _is_number(bound) or _is_array(bound)):
            raise TypingError(f"np.clip's derivative with a bound of type {bound}")
    if not (_is_number(a) or _is_array(a)):
        raise TypingError(f"np.clip's derivative of a {a}")
    if _absent(a_min) and _absent(a_max):
        return lambda a, a_min, a_max: a == a
    if _absent(a_min):
        return lambda a, a_min, a_max: (a == a) & (a <= a_max)
    if _absent(a_max):
        return lambda a, a_min, a_max: a >= a_min
    return lambda a, a_min, a_max: (a >= a_min) & (a <= a_max)


# ------------------------------------------------------------------------------- cumsum
@overload(runtime.cumsum_adjoint, prefer_literal=True)
def _cumsum_adjoint(g, a, axis=None):
    if _is_number(g):
        return lambda g, a, axis=None: g    # a zero placeholder
    if not (_is_array(g) and _is_array(a)):
        raise TypingError(f"the adjoint of np.cumsum of a {a}: compiled for arrays")
    if not isinstance(g.dtype, (types.Float, types.Complex)):
        raise TypingError(f"the adjoint of np.cumsum with an adjoint of {g.dtype}")
    if _absent(axis):
        if g.ndim != 1:
            raise TypingError("the adjoint of np.cumsum without an axis, given an adjoint of more than one dimension")
        return _made(_reverse_cumsum_text(1, 0, reshaped=a.ndim != 1), "adjoint")
    k = _constant(axis, types.IntegerLiteral, None)
    if k is None:
        raise TypingError("the adjoint of np.cumsum is compiled for an axis given as a number")
    if not -g.ndim <= k < g.ndim:
        raise TypingError(f"axis {k} is out of bounds for an array of {g.ndim} dimensions")
    return _made(_reverse_cumsum_text(g.ndim, k % g.ndim), "adjoint")


def _reverse_cumsum_text(ndim, k, reshaped=False):
    """The cumulative sum of ``g`` along axis ``k``, taken from the end, added in the order
    ``np.cumsum`` adds the reversed ``g`` (the plain helper's numbers, to the last bit);
    ``reshaped``: put in ``a``'s shape (a cumsum without an axis flattens ``a``)."""
    result = "out.reshape(a.shape)" if reshaped else "out"
    lines = ["def adjoint(g, a, axis=None):", "    out = np.empty(g.shape, g.dtype)",
             f"    n = g.shape[{k}]", "    if n == 0:", f"        return {result}"]
    depth = 1
    for d in range(ndim):
        if d != k:
            lines.append("    " * depth + f"for i{d} in range(g.shape[{d}]):")
            depth += 1
    last = ", ".join("n - 1" if d == k else f"i{d}" for d in range(ndim))
    each = ", ".join(f"i{d}" for d in range(ndim))
    pad = "    " * depth
    lines += [f"{pad}s = g[{last}]", f"{pad}out[{last}] = s",
              f"{pad}for i{k} in range(n - 2, -1, -1):",
              f"{pad}    s += g[{each}]", f"{pad}    out[{each}] = s", f"    return {result}"]
    return "\n".join(lines)


# ------------------------------------------------------------------ stores into arrays
def _basic_index(index):
    """The number of integers in ``index``, an int, a slice or a tuple of them (NumPy reads
    it as a view, each element once); TypingError for any other index."""
    parts = index.types if isinstance(index, types.BaseTuple) else (index,)
    if not all(isinstance(p, (types.Integer, types.SliceType)) for p in parts):
        raise TypingError("a store x[index] = v whose index holds integer arrays, masks, None or ... "
                          "has no compiled derivative yet (a repeated element must be refused, as "
                          "the plain derivative does)")
    return sum(isinstance(p, types.Integer) for p in parts)


@overload(runtime.setitem_adjoint)
def _setitem_adjoint(g, index):
    if _is_number(g):
        return lambda g, index: g           # a zero placeholder
    if not _is_array(g):
        raise TypingError(f"the adjoint of a store into a {g}: compiled for arrays")
    _basic_index(index)

    def adjoint(g, index):
        out = g.copy()
        out[index] = 0
        return out
    return adjoint


@overload(runtime.setitem_value_adjoint)
def _setitem_value_adjoint(g, v, index):
    if _is_number(g):
        return lambda g, v, index: g        # a zero placeholder
    if not _is_array(g):
        raise TypingError(f"the adjoint of a store into a {g}: compiled for arrays")
    whole = _basic_index(index) == g.ndim  # g[index] is one element
    if _is_number(v):   # the adjoint of a Python number is a Python number
        return lambda g, v, index: float(_unbroadcast(g[index], v))
    if not _is_array(v):
        raise TypingError(f"the adjoint of a {v} stored into an array")
    if whole:
        raise TypingError("the adjoint of an array stored into one element of an array")
    return lambda g, v, index: _unbroadcast(g[index], v).copy()     # g[index] may be a view of g


@overload(runtime.index_update)
def _index_update(t, y, index, v_t, add=False):
    if not _is_array(y):
        raise TypingError(f"the tangent of a store into a {y}: compiled for arrays")
    _basic_index(index)

    def update(t, y, index, v_t, add=False):
        out = _broadcast_like(t, y).copy()  # a writable array of its own: t may be shared
        if add:
            out[index] = out[index] + v_t
        else:
            out[index] = v_t
        return out
    return update


_unbroadcast, _broadcast_like = runtime.unbroadcast, runtime.broadcast_like


# -------------------------------------------------------------------------------- stack
@overload(runtime.stack_adjoint, prefer_literal=True)
def _stack_adjoint(g, k, axis=0):
    if _is_number(g):
        return lambda g, k, axis=0: g       # a zero placeholder
    axis = _constant(axis, types.IntegerLiteral, 0)
    if not _is_array(g) or axis is None or not isinstance(k, types.Integer):
        raise TypingError("the adjoint of np.stack is compiled for an array, along an axis given as a number")
    if not -g.ndim <= axis < g.ndim:
        raise TypingError(f"axis {axis} is out of bounds for an array of {g.ndim} dimensions")
    index = ", ".join([":"] * (axis % g.ndim) + ["k"])     # slice k of g along the axis
    return _made(f"def adjoint(g, k, axis=0):\n    return g[{index}]", "adjoint")
