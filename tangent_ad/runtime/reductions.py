"""Adjoints of reductions (sum, mean, prod, max, var, cumulative sums, norms).

>>> import numpy as np
>>> sum_adjoint(np.array([1.0, 2.0]), np.zeros((2, 2)), axis=1)
array([[1., 1.],
       [2., 2.]])
"""
import numpy as np

from .containers import Cotangents
from .core import _shape, unbroadcast

__all__ = ['sum_adjoint', 'list_sum_adjoint', 'mean_adjoint', 'prod_partials', 'extremum_weights', 'var_tangent',
           'var_adjoint', 'cumsum_adjoint', 'cumulative_sum_adjoint', 'cumprod_tangent', 'cumprod_adjoint']


# fill values np.full_like takes as they are; a 0-d array of another library (CuPy, Dask)
# is added instead (Dask's full_like would hand it to NumPy's copyto)
_HOST_SCALARS = (int, float, np.generic, np.ndarray)


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims=keepdims)``: ``g`` spread back over the summed axes."""
    if axis == 0 and isinstance(x, (list, tuple)):
        return list_sum_adjoint(g, x)       # Python's sum(ys): the elements may differ in shape
    if not _shape(g):
        # always a new value: the reverse sweep may update the result in place
        if not hasattr(x, "shape"):
            return g * 1.0
        if type(x) is np.ndarray and isinstance(g, _HOST_SCALARS):
            return np.full(x.shape, g, x.dtype)     # np.full_like's dispatch costs five times more
        if isinstance(g, _HOST_SCALARS):
            return np.full_like(x, g)
        return np.zeros_like(x) + g     # a 0-d CuPy or Dask array: no trip through the host
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.zeros_like(x) + g


def list_sum_adjoint(g, values):
    """Adjoint of Python's ``sum(values)`` of a list: ``g`` for each element, summed back to
    the element's shape where adding broadcast it."""
    return Cotangents(unbroadcast(g, v) for v in values)


def mean_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims=keepdims)``."""
    shape = _shape(x)
    if axis is None:
        count = 1
        for n in shape:
            count *= n
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        count = 1
        for a in axes:
            count *= shape[a]
    # divide g, not the spread-out array; a mean over no entries (nan) has an empty x, whose
    # adjoint is empty whatever g is divided by
    return sum_adjoint(g / max(count, 1), x, axis, keepdims)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _axes(axis, ndim):
    """``axis`` (None, an int or a tuple, possibly negative) as a tuple of axes in ``range(ndim)``."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _count(shape, axis):
    """How many entries each reduction group of ``np.<reduction>(x, axis)`` holds."""
    count = 1
    for a in _axes(axis, len(shape)):
        count *= shape[a]
    return count


def _keep_reduced_axes(g, axis, keepdims):
    """``g`` with the reduced axes put back as length-1 axes, so that it broadcasts against x."""
    if axis is None or keepdims or not _shape(g):
        return g
    return np.expand_dims(g, axis)


def _along_last(x, axis):
    """``x`` laid out the way ``np.cumsum(_, axis)`` walks it: with ``axis`` moved last, or
    flattened for axis None (a result of axis None is flat already)."""
    if axis is None:
        return np.reshape(x, (-1,))
    return np.moveaxis(x, axis, -1)


def _shifted_right(x):
    """Along the last axis: ``out[..., i] = x[..., i-1]``, with 1 for i = 0."""
    return np.concatenate([np.ones_like(x[..., :1]), x[..., :-1]], axis=-1)


def _exclusive_cumprod(a):
    """Along the last axis: ``out[..., i] = a[..., 0] * ... * a[..., i-1]`` (1 for i = 0), no division."""
    return _shifted_right(np.cumprod(a, axis=-1))


def _linear_recurrence(c, b):
    """Along the last axis: ``d[i] = c[i] * d[i-1] + b[i]`` with ``d[-1] = 0``.

    Solved by recursive doubling: after the step with shift ``s``, the pair
    ``(c[i], b[i])`` describes the affine map ``d[i-2s] -> d[i]``, so ``log2(n)``
    vectorized steps suffice, with products and sums only (zeros in ``c`` are exact).
    """
    n = _shape(c)[-1]
    shift = 1
    while shift < n:
        c_before = np.concatenate([np.ones_like(c[..., :shift]), c[..., :-shift]], axis=-1)
        b_before = np.concatenate([np.zeros_like(b[..., :shift]), b[..., :-shift]], axis=-1)
        c, b = c * c_before, c * b_before + b     # compose map i-shift with map i
        shift *= 2
    return b


# ---------------------------------------------------------------------------
# products and extrema
# ---------------------------------------------------------------------------
def prod_partials(a, axis=None):
    """Partial derivatives of ``y = np.prod(a, axis)``: each entry's product of the *other*
    entries of its reduction group (exact when ``a`` holds zeros: nothing is divided).

    >>> import numpy as np
    >>> prod_partials(np.array([[2.0, 3.0, 4.0], [0.0, 5.0, 0.0]]), axis=1)
    array([[12.,  8.,  6.],
           [ 0.,  0.,  0.]])
    """
    if not hasattr(a, "shape"):
        return 1.0              # a Python number: the product of no other entries
    axes = _axes(axis, a.ndim)
    if not axes:
        return np.ones_like(a)
    # Gather each reduction group along one last axis of length `count`.
    last = tuple(range(a.ndim - len(axes), a.ndim))
    moved = np.moveaxis(a, axes, last)
    kept_shape = _shape(moved)[:a.ndim - len(axes)]
    groups = np.reshape(moved, kept_shape + (_count(a.shape, axes),))
    # The product of the entries before i times the product of the entries after i.
    before = _exclusive_cumprod(groups)
    after = np.flip(_exclusive_cumprod(np.flip(groups, axis=-1)), axis=-1)
    partials = np.reshape(before * after, _shape(moved))
    return np.moveaxis(partials, last, axes)


def extremum_weights(a, y, axis=None, keepdims=False):
    """Derivative weights of ``y = np.max(a, axis, keepdims=keepdims)`` (or ``np.min``):
    ``1 / (number of ties)`` where ``a`` equals its group's extremum, 0 elsewhere.

    >>> import numpy as np
    >>> a = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    >>> extremum_weights(a, np.max(a, axis=1), axis=1)
    array([[0. , 0.5, 0.5],
           [1. , 0. , 0. ]])
    """
    hits = a == _keep_reduced_axes(y, axis, keepdims)
    ones = np.where(hits, np.ones_like(a), np.zeros_like(a))      # in a's dtype
    ties = np.sum(ones, axis=axis, keepdims=True)
    return ones / ties


# ---------------------------------------------------------------------------
# variance
# ---------------------------------------------------------------------------
def var_tangent(a, a_dot, axis=None, ddof=0, keepdims=False):
    """Tangent of ``y = np.var(a, axis, ddof=ddof, keepdims=keepdims)``:
    ``2 sum((a - mean(a)) * a_dot) / (N - ddof)``.

    >>> import numpy as np
    >>> float(var_tangent(np.array([1.0, 2.0, 6.0]), np.array([1.0, 0.0, 0.0])))
    -1.3333333333333333
    """
    centered = a - np.mean(a, axis=axis, keepdims=True)
    n = _count(_shape(a), axis) - ddof
    return 2.0 * np.sum(centered * a_dot, axis=axis, keepdims=keepdims) / n


def var_adjoint(g, a, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``y = np.var(a, axis, ddof=ddof, keepdims=keepdims)``:
    ``g * 2 (a - mean(a)) / (N - ddof)``.

    >>> import numpy as np
    >>> var_adjoint(1.0, np.array([1.0, 2.0, 6.0]))
    array([-1.33333333, -0.66666667,  2.        ])
    """
    centered = a - np.mean(a, axis=axis, keepdims=True)
    n = _count(_shape(a), axis) - ddof
    # A scalar g is either the adjoint of a scalar y or a zero placeholder: both broadcast.
    return _keep_reduced_axes(g, axis, keepdims) * (2.0 * centered / n)


# ---------------------------------------------------------------------------
# cumulative sums and products
# ---------------------------------------------------------------------------
def cumsum_adjoint(g, a, axis=None):
    """Adjoint of ``y = np.cumsum(a, axis)``: the cumulative sum of ``g`` taken from the end.

    >>> import numpy as np
    >>> cumsum_adjoint(np.array([1.0, 2.0, 3.0]), np.zeros(3))
    array([6., 5., 3.])
    """
    if not _shape(g):
        return g        # a zero placeholder
    sums = np.flip(np.cumsum(np.flip(_along_last(g, axis), axis=-1), axis=-1), axis=-1)
    return np.reshape(sums, _shape(a)) if axis is None else np.moveaxis(sums, -1, axis)


def cumulative_sum_adjoint(g, x, axis=None, include_initial=False):
    """Adjoint of ``np.cumulative_sum(x, axis=axis, include_initial=include_initial)`` (the
    array API's cumsum): cumsum's, without the entry of the leading 0 ``include_initial`` adds.

    >>> import numpy as np
    >>> cumulative_sum_adjoint(np.array([5.0, 1.0, 2.0, 3.0]), np.zeros(3), include_initial=True)
    array([6., 5., 3.])
    """
    if not _shape(g):
        return g        # a zero placeholder
    axis = 0 if axis is None else axis        # axis may be left out for a vector only
    if include_initial:
        g = g[(slice(None),) * (axis % len(_shape(g))) + (slice(1, None),)]
    return cumsum_adjoint(g, x, axis)


def cumprod_tangent(a, a_dot, y, axis=None):
    """Tangent of ``y = np.cumprod(a, axis)``, from ``d[i] = a[i] d[i-1] + y[i-1] a_dot[i]``
    (no division, so exact when ``a`` holds zeros).

    >>> import numpy as np
    >>> a = np.array([2.0, 0.0, 3.0])
    >>> cumprod_tangent(a, np.array([0.0, 1.0, 0.0]), np.cumprod(a))
    array([0., 2., 6.])
    """
    if _shape(a_dot):
        a_dot = _along_last(a_dot, axis)
    d = _linear_recurrence(_along_last(a, axis), _shifted_right(_along_last(y, axis)) * a_dot)
    return d if axis is None else np.moveaxis(d, -1, axis)


def cumprod_adjoint(g, a, y, axis=None):
    """Adjoint of ``y = np.cumprod(a, axis)``: ``e[i] = g[i] + a[i+1] e[i+1]`` run from the end,
    then ``a_bar[i] = y[i-1] e[i]`` (no division, so exact when ``a`` holds zeros).

    >>> import numpy as np
    >>> a = np.array([2.0, 0.0, 3.0])
    >>> cumprod_adjoint(np.ones(3), a, np.cumprod(a))
    array([1., 8., 0.])
    """
    if not _shape(g):
        return g        # a zero placeholder
    a_, g_ = _along_last(a, axis), _along_last(g, axis)
    # The backward recurrence is the forward one run on reversed sequences.
    a_next = np.concatenate([a_[..., 1:], np.ones_like(a_[..., :1])], axis=-1)
    e = np.flip(_linear_recurrence(np.flip(a_next, axis=-1), np.flip(g_, axis=-1)), axis=-1)
    a_bar = _shifted_right(_along_last(y, axis)) * e
    return np.reshape(a_bar, _shape(a)) if axis is None else np.moveaxis(a_bar, -1, axis)
