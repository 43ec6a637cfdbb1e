"""The runtime helpers, as Numba compiles them.

The generated code calls the same helpers (``unbroadcast``, ``seed_adjoint``, ...) whether
it runs as Python or compiled: importing this module registers, for each helper in
``COMPILED``, an implementation that Numba uses inside ``@njit`` code, chosen by the types
of the arguments when the derivative is compiled. Where the plain helper asks "is this a
number or an array?" at run time, the compiled one answers it once, from the types: a
Python float's ``unbroadcast`` is the value itself, and costs nothing.

A helper missing from ``COMPILED`` makes ``compile=True`` refuse the function, naming the
line of the user's code that needs it (``numba_source.py``).
"""
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from .. import runtime
from . import numba_reductions  # noqa: F401 - registers the compiled sums and means along an axis
from .numba_matmul import matmul    # a @ b with one compiled function fewer (numba_matmul.py)

COMPILED = frozenset({
    "unbroadcast", "seed_adjoint", "scalar_seed", "zeros_like", "size_of", "copy_of",
    "sum_adjoint", "mean_adjoint", "extremum_weights", "broadcast_like", "gradient_like",
    "matmul_adjoint_left", "matmul_adjoint_right", "matmul_adjoint_left_sum", "matmul_adjoint_right_sum",
    "index_adjoint", "index_accumulate", "concatenate_adjoint",
})


def _is_number(t):
    return isinstance(t, (types.Number, types.Boolean))


def _is_array(t):
    return isinstance(t, types.Array)


def _absent(t):
    """An optional argument left out, or passed as None."""
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


def _made(text, name_, **names):
    """The function ``name_`` defined by ``text``, written for one combination of types."""
    namespace = {"np": np, **names}
    exec(text, namespace)     # noqa: S102 - text written here, from numbers of dimensions
    return namespace[name_]


# ------------------------------------------------------------- broadcasting and seeds
@overload(runtime.unbroadcast)
def _unbroadcast(g, x):
    if _is_number(x):
        return (lambda g, x: g) if _is_number(g) else (lambda g, x: g.sum())
    if not _is_array(x):
        raise TypingError(f"unbroadcast of a {x}: only numbers and arrays are compiled")
    if _is_number(g):
        return lambda g, x: g           # a scalar adjoint broadcasts where it is used
    return _made(_unbroadcast_text(g.ndim, x.ndim), "unbroadcast")


def _unbroadcast_text(g_ndim, x_ndim):
    """``g`` summed to ``x``'s shape: over its extra leading axes and over the axes where ``x``
    has length 1 (kept, as length 1), in one pass of loops written out for these numbers of
    dimensions. Loops, not ``g.sum(axis=k)``: Numba compiles a sum along an axis with its
    error messages, seconds per new kind of array."""
    lines = ["def unbroadcast(g, x):"]
    if g_ndim < x_ndim:     # smaller than x: a zero placeholder grew from 0.0 * t (as runtime.core)
        return "\n".join(lines + ["    return np.zeros_like(x)"])
    extra = g_ndim - x_ndim
    same = " and ".join(f"g.shape[{extra + k}] == x.shape[{k}]" for k in range(x_ndim))
    if x_ndim == 0:
        return "\n".join(lines + ["    return g.sum()"])
    if not extra:
        lines += [f"    if {same}:", "        return g"]
    for k in range(x_ndim):     # not x's shape, nor broadcast from it: zeros, as runtime.core
        lines += [f"    if g.shape[{extra + k}] != x.shape[{k}] and x.shape[{k}] != 1:",
                  "        return np.zeros_like(x)"]
    lines.append("    out = np.zeros(x.shape, dtype=g.dtype)")
    indices = [f"i{axis}" for axis in range(g_ndim)]
    for depth, index in enumerate(indices):
        lines.append("    " * (depth + 1) + f"for {index} in range(g.shape[{depth}]):")
    target = ", ".join(f"i{extra + k} if x.shape[{k}] != 1 else 0" for k in range(x_ndim))
    lines.append("    " * (g_ndim + 1) + f"out[{target}] += g[{', '.join(indices)}]")
    lines.append("    return out")
    return "\n".join(lines)


@overload(runtime.seed_adjoint)
def _seed_adjoint(y, y_bar):
    if _is_number(y) and _is_number(y_bar):
        return lambda y, y_bar: y_bar
    if _is_array(y) and _is_array(y_bar):
        def seed(y, y_bar):
            if y.shape != y_bar.shape:
                raise ValueError("out_bar's shape differs from the function's output's shape")
            return y_bar
        return seed
    if _is_array(y):
        def seed(y, y_bar):
            if y_bar == 0:
                return np.zeros_like(y)
            raise ValueError("the gradient needs a scalar output, but the function returned an array; "
                             "seed the reverse sweep with an out_bar of that shape, or use tad.vjp")
        return seed
    raise TypingError("out_bar has dimensions, but the function's output is a scalar")


@overload(runtime.scalar_seed)
def _scalar_seed(y_bar):
    if _is_number(y_bar):
        return lambda y_bar: y_bar
    raise TypingError("out_bar has dimensions, but the function's output is a scalar")


@overload(runtime.zeros_like)
def _zeros_like(x):
    if _is_number(x):
        return lambda x: 0.0
    if _is_array(x):
        return lambda x: np.zeros_like(x)


@overload(runtime.size_of)
def _size_of(x):
    if _is_number(x):
        return lambda x: 1
    if _is_array(x):
        return lambda x: x.size


@overload(runtime.copy_of)
def _copy_of(x):
    if _is_array(x):
        return lambda x: x.copy()
    return lambda x: x


@overload(runtime.broadcast_like)
def _broadcast_like(t, y):
    if _is_number(y) or (_is_array(t) and _is_array(y) and t.ndim == y.ndim):
        return lambda t, y: t
    if _is_number(t):
        return lambda t, y: t + np.zeros_like(y)
    return lambda t, y: np.broadcast_to(t, y.shape)


@overload(runtime.gradient_like)
def _gradient_like(g, x):
    if _is_number(g) and _is_array(x):
        return lambda g, x: np.zeros_like(x) + g
    return lambda g, x: g


# ------------------------------------------------------------------------- reductions
# sum_adjoint and mean_adjoint: numba_reductions.py
@overload(runtime.extremum_weights)
def _extremum_weights(a, y, axis=None, keepdims=False):
    if not _absent(axis):
        raise TypingError("the derivative of a max or min along an axis has no compiled version yet")
    if _is_number(a):
        return lambda a, y, axis=None, keepdims=False: 1.0

    def weights(a, y, axis=None, keepdims=False):
        hits = (a == y) * 1.0           # 1 / (number of ties) where a is the extremum
        return hits / hits.sum()
    return weights


# ---------------------------------------------------------------- matrix products
def _matmul_kinds(a, b):
    if not (_is_array(a) and _is_array(b)) or a.ndim > 2 or b.ndim > 2:
        raise TypingError("matrix-product adjoints are compiled for vectors and matrices only")


@overload(runtime.matmul_adjoint_left)
def _matmul_adjoint_left(g, a, b):
    _matmul_kinds(a, b)
    if b.ndim == 1:
        return (lambda g, a, b: g * b) if a.ndim == 1 else (lambda g, a, b: np.outer(g, b))
    if a.ndim == 1:
        return lambda g, a, b: matmul(b, g)
    return lambda g, a, b: matmul(g, b.T)


@overload(runtime.matmul_adjoint_right)
def _matmul_adjoint_right(g, a, b):
    _matmul_kinds(a, b)
    if a.ndim == 1:
        return (lambda g, a, b: g * a) if b.ndim == 1 else (lambda g, a, b: np.outer(a, g))
    if b.ndim == 1:
        return lambda g, a, b: matmul(g, a)
    return lambda g, a, b: matmul(a.T, g)


def _term_kinds(terms):
    if not (isinstance(terms, types.List) and isinstance(terms.dtype, types.BaseTuple)
            and all(_is_array(t) and t.ndim == 1 for t in terms.dtype)):
        raise TypingError("a loop's matrix-product adjoints are compiled for vectors only")


@register_jitable
def _set_row(matrix, i, vector):
    """``matrix[i] = vector`` element by element: the row store would compile NumPy's
    broadcast-error message, seconds of compile time for a check the shapes already pass."""
    for j in range(vector.shape[0]):
        matrix[i, j] = vector[j]


@register_jitable
def _outer_sum(terms, zeros):
    """The sum of ``np.outer(g, b)`` over the ``(g, b)`` of ``terms``, as one product of the
    stacked vectors (zeros shaped like ``zeros`` for no terms)."""
    n = len(terms)
    if n == 0:
        return np.zeros_like(zeros)
    left = np.empty((n, terms[0][0].shape[0]))
    right = np.empty((n, terms[0][1].shape[0]))
    for i in range(n):
        g, b = terms[i]
        _set_row(left, i, g)
        _set_row(right, i, b)
    return matmul(left.T, right)


@overload(runtime.matmul_adjoint_left_sum)
def _matmul_adjoint_left_sum(terms, a):
    _term_kinds(terms)
    return lambda terms, a: _outer_sum(terms, a)


@overload(runtime.matmul_adjoint_right_sum)
def _matmul_adjoint_right_sum(terms, b):
    _term_kinds(terms)
    # the sum of np.outer(a, g) over the (g, a) of terms: the transpose of the sum of np.outer(g, a)
    return lambda terms, b: _outer_sum(terms, b.T).T


# ------------------------------------------------------------------ indexing, joining
def _basic_index(index):
    """An index NumPy reads as a view: an int, a slice, or a tuple of them."""
    parts = index.types if isinstance(index, types.BaseTuple) else (index,)
    if not all(isinstance(p, (types.Integer, types.SliceType)) for p in parts):
        raise TypingError("an index of integer arrays or masks has no compiled adjoint yet "
                          "(a repeated element must add up, as np.add.at does)")


@overload(runtime.index_adjoint)
def _index_adjoint(g, x, index):
    _basic_index(index)
    if isinstance(index, types.SliceType) and _is_array(g) and g.ndim == 1 and x.ndim == 1:
        def slice_adjoint(g, x, index):
            # element by element: out[index] = g would compile NumPy's broadcasting-error
            # message, seconds of compile time for a check the shapes already pass
            out = np.zeros_like(x)
            start, _, step = index.indices(x.shape[0])
            for i in range(g.shape[0]):
                out[start + i * step] = g[i]
            return out
        return slice_adjoint

    def adjoint(g, x, index):
        out = np.zeros_like(x)
        out[index] = g
        return out
    return adjoint


@overload(runtime.index_accumulate)
def _index_accumulate(x_bar, g, index):
    _basic_index(index)
    if isinstance(index, types.SliceType) and _is_array(g) and g.ndim == 1 and x_bar.ndim == 1:
        def slice_accumulate(x_bar, g, index):
            start, _, step = index.indices(x_bar.shape[0])     # element by element: see index_adjoint
            for i in range(g.shape[0]):
                x_bar[start + i * step] += g[i]
        return slice_accumulate

    def accumulate(x_bar, g, index):
        x_bar[index] += g
    return accumulate


@overload(runtime.concatenate_adjoint)
def _concatenate_adjoint(g, arrays, k, axis=0):
    if not (_absent(axis) or isinstance(axis, (int, types.Integer))):
        raise TypingError("concatenate's adjoint is compiled along one axis given as an int")
    if not isinstance(arrays, types.UniTuple):
        raise TypingError("concatenate's adjoint is compiled for arrays of the same kind")
    if _is_number(g):
        return lambda g, arrays, k, axis=0: g

    def adjoint(g, arrays, k, axis=0):
        if axis != 0:
            raise ValueError("concatenate's adjoint is compiled along axis 0 only")
        start = 0
        for j in range(k):
            start += arrays[j].shape[0]
        return g[start:start + arrays[k].shape[0]]
    return adjoint
