"""Derivatives of ``np.linalg.norm`` for every ``ord`` NumPy accepts, and of the array API's
``np.linalg.vector_norm`` (``np.linalg.matrix_norm`` is ``norm`` over the last two axes).

Vector norms (one axis, or a 1-d array): ord 2 (the default), 1, inf, -inf, any real p
(p > 1, 0 < p < 1 and p < 0) and 0. Matrix norms (two axes, or a 2-d array given an ord):
'fro' (the default), 'nuc', 1, -1, 2, -2, inf and -inf.

Where the norm has no derivative the choice made is spelled out:

* a zero norm (ord 2, Frobenius, p > 1) has the kink of ``abs`` at 0: derivative 0;
* ord=1 takes ``sign(0) = 0`` for a zero entry (a kink, as ``abs``);
* ties for the largest (smallest) entry (ord inf, -inf), column sum (matrix 1, -1), row sum
  (matrix inf, -inf) or singular value (matrix 2, -2) share the derivative evenly, as for
  ``np.max``; a zero singular value has a kink and contributes 0 (matrix -2 of a singular
  matrix, the nuclear norm of a rank-deficient one);
* ord=0 counts the nonzero entries: piecewise constant, its derivative is 0 (the count
  jumps where an entry crosses 0, where there is no derivative at all);
* ord=p with 0 < p < 1 has an infinite slope where an entry is 0: the derivative in that
  entry does not exist and is nan; ord=p < 0 is 0 wherever an entry is 0, with the kink of
  ``abs`` in that entry: derivative 0 in every entry.

>>> float(norm_tangent(np.array([3.0, 4.0]), np.array([1.0, 1.0]), 5.0))
1.4
>>> norm_adjoint(1.0, np.array([[1.0, -2.0], [3.0, 0.5]]), 4.0, ord=1)   # the first column's sum
array([[ 1., -0.],
       [ 1.,  0.]])
"""
import numbers

import numpy as np

from .core import _ndim, _shape
from .decompositions import svdvals_adjoint, svdvals_tangent
from .operands import _positions, _zero_placeholder

__all__ = ['norm_tangent', 'norm_adjoint', 'vector_norm_tangent', 'vector_norm_adjoint']

MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _norm_kind(x, ord, axis):
    """``(axes, kind)``: the axes ``np.linalg.norm(x, ord, axis)`` reduces, in the order given
    (a matrix norm's row axis first), and the norm taken over them: for a vector 2, 1, 0, inf,
    -inf or a real p; for a matrix ``("matrix", ord)`` with 'fro' for ord=None."""
    ndim = _ndim(x)
    if axis is None:
        axes = tuple(range(ndim))
        if ord is None:
            return axes, 2                    # the 2-norm of the flattened array
        if ndim > 2:
            raise ValueError(f"np.linalg.norm of a {ndim}-d array with ord={ord!r} needs axis")
    else:
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
        axes = tuple(a % ndim for a in axes)
    if len(axes) == 2:
        ord = "fro" if ord in (None, "f") else ord
        if ord not in MATRIX_ORDS:
            raise ValueError(f"np.linalg.norm of a matrix has no ord={ord!r}")
        return axes, (2 if ord == "fro" else ("matrix", ord))
    if len(axes) != 1:
        raise ValueError(f"np.linalg.norm over axes {axis!r} is not supported")
    if ord is None or ord == 2:
        return axes, 2
    if isinstance(ord, str):
        raise ValueError(f"np.linalg.norm of a vector has no ord={ord!r}")
    if ord in (np.inf, -np.inf):
        return axes, float(ord)
    return axes, (1 if ord == 1 else 0 if ord == 0 else float(ord))


def _shared(values, extremum, axis):
    """1 over the number of entries of ``values`` equal to their ``extremum`` along ``axis``
    where they are, 0 elsewhere: the even share of tied entries."""
    best = extremum(values, axis=axis, keepdims=True)
    tie = np.where(values == best, np.ones_like(values), 0.0)
    return tie / np.sum(tie, axis=axis, keepdims=True)


def _vector_partials(x, y, kind, axes):
    """dy/dx for the vector norm ``kind`` over ``axes``, with ``y`` shaped to broadcast against ``x``."""
    if kind == 0:
        return np.zeros_like(x)
    if kind == 1:
        return np.sign(x)
    if kind in (np.inf, -np.inf):
        extremum = np.max if kind > 0 else np.min
        return np.sign(x) * _shared(np.abs(x), extremum, axes)
    if kind < 1:                              # 0 < p < 1, p < 0: see the module's docstring
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            partials = np.sign(x) * (np.abs(x) / y) ** (kind - 1)
        return np.where(x == 0, np.nan if kind > 0 else 0.0, partials)
    safe = np.where(y == 0, 1.0, y)           # a zero norm means x == 0: the partials are 0
    if kind == 2:
        return x / safe
    return np.sign(x) * (np.abs(x) / safe) ** (kind - 1)


def _sums_partials(x, ord, rows, cols):
    """dy/dx of the matrix norms 1, -1 (largest, smallest column sum of |x|) and inf, -inf (row sum)."""
    summed, compared = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    return np.sign(x) * _shared(sums, np.max if ord > 0 else np.min, compared)


def _to_end(x, rows, cols):
    return np.moveaxis(x, (rows, cols), (-2, -1))


def _singular_value_weights(s, ord):
    """d norm / d s for the matrix norms 2 (the largest s), -2 (the smallest) and 'nuc' (their sum)."""
    if ord == "nuc":
        return np.ones_like(s)
    n = _shape(s)[-1]
    return np.where(_positions(s, n) == (0 if ord == 2 else n - 1), np.ones_like(s), 0.0)


def _keep_dims(t, axes, keepdims):
    """``t`` (shaped like the norm) with the reduced axes put back as axes of length 1."""
    return t if keepdims or not _ndim(t) else np.expand_dims(t, tuple(sorted(axes)))


def _drop_dims(t, axes, keepdims):
    """``t`` (shaped like the norm) without the reduced axes that keepdims=True kept."""
    return np.squeeze(t, tuple(sorted(axes))) if keepdims and _ndim(t) else t


def _matrix_tangent(x, x_dot, ord, axes, keepdims):
    rows, cols = axes
    if ord in (2, -2, "nuc"):
        ds = svdvals_tangent(_to_end(x, rows, cols), _to_end(x_dot + np.zeros_like(x), rows, cols))
        t = np.sum(_singular_value_weights(ds, ord) * ds, axis=-1)
        return np.expand_dims(t, tuple(sorted(axes))) if keepdims else t
    return np.sum(_sums_partials(x, ord, rows, cols) * x_dot, axis=tuple(sorted(axes)), keepdims=keepdims)


def _matrix_adjoint(g, x, ord, axes, keepdims):
    rows, cols = axes
    if ord in (2, -2, "nuc"):
        xm = _to_end(x, rows, cols)
        s = np.linalg.svd(xm, compute_uv=False)
        gs = _drop_dims(g, axes, keepdims)
        gs = (gs[..., None] if _ndim(gs) else gs) * _singular_value_weights(s, ord)
        return np.moveaxis(svdvals_adjoint(gs, xm), (-2, -1), (rows, cols))
    return _keep_dims(g, axes, keepdims) * _sums_partials(x, ord, rows, cols)


def norm_tangent(x, x_dot, y, ord=None, axis=None, keepdims=False):
    """Tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)``, for every ord (the module's
    docstring says what is used where the norm has no derivative).

    >>> float(norm_tangent(np.array([[3.0, 0.0], [0.0, -4.0]]), np.eye(2), 7.0, ord="nuc"))
    0.0
    """
    axes, kind = _norm_kind(x, ord, axis)
    if isinstance(kind, tuple):
        return _matrix_tangent(x, x_dot, kind[1], axes, keepdims)
    partials = _vector_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return np.sum(partials * x_dot, axis=tuple(sorted(axes)), keepdims=keepdims)


def norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    """Adjoint of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``g * dy/dx``.

    >>> norm_adjoint(1.0, np.array([3.0, 4.0]), 5.0)
    array([0.6, 0.8])
    """
    axes, kind = _norm_kind(x, ord, axis)
    if _zero_placeholder(g, _ndim(x) - (0 if keepdims else len(axes))):
        return g
    if isinstance(kind, tuple):
        return _matrix_adjoint(g, x, kind[1], axes, keepdims)
    partials = _vector_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return _keep_dims(g, axes, keepdims) * partials


# ------------------------------------------------------------------ np.linalg.vector_norm
def _merged(x, axis):
    """``x`` with the axes of ``np.linalg.vector_norm(x, axis=axis)`` moved last and merged into
    one, and the order of the axes (to move them back)."""
    ndim = _ndim(x)
    axes = tuple(range(ndim)) if axis is None else \
        tuple(a % ndim for a in ((axis,) if isinstance(axis, numbers.Integral) else axis))
    rest = tuple(a for a in range(ndim) if a not in axes)
    moved = np.moveaxis(x, axes, tuple(range(len(rest), ndim))) if axes else x
    return np.reshape(moved, tuple(_shape(x)[a] for a in rest) + (-1,)), axes, rest


def vector_norm_tangent(x, x_dot, y, axis=None, keepdims=False, ord=2):
    """Tangent of ``y = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)``: the
    vector norm over all the axes named (all of them for None) as one, as ``norm_tangent``.

    >>> float(vector_norm_tangent(np.array([[3.0], [4.0]]), np.ones((2, 1)), 5.0))
    1.4
    """
    xm, _, rest = _merged(x, axis)
    tm, _, _ = _merged(x_dot + np.zeros_like(x), axis)
    ym = np.reshape(y, _shape(xm)[:-1])
    return np.reshape(norm_tangent(xm, tm, ym, ord=ord, axis=-1), _shape(y))


def vector_norm_adjoint(g, x, y, axis=None, keepdims=False, ord=2):
    """Adjoint of ``y = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)``."""
    if _zero_placeholder(g, _ndim(y)):
        return g
    xm, axes, rest = _merged(x, axis)
    kept = _shape(xm)[:-1]
    adjoint = norm_adjoint(np.reshape(g + 0.0 * y, kept), xm, np.reshape(y, kept), ord=ord, axis=-1)
    moved = np.reshape(adjoint, tuple(_shape(x)[a] for a in rest + axes))
    return np.moveaxis(moved, tuple(range(len(rest), _ndim(x))), axes) if axes else moved
