"""Derivatives of operations that reorder values: sort, partition, median, take_along_axis.

A sorted array is a permutation of its operand, so its tangent is the operand's tangent
permuted the same way. Where values tie the order is not determined and sort has no
derivative; as for ``np.max``, the tied entries then share the derivative evenly: each
output of a group of equal values gets the mean of the group's tangents.

>>> import numpy as np
>>> sort_tangent(np.array([3.0, 1.0, 2.0]), np.array([10.0, 20.0, 30.0]))
array([20., 30., 10.])
>>> sort_tangent(np.array([1.0, 1.0]), np.array([1.0, 0.0]))
array([0.5, 0.5])
"""
import numpy as np

from .core import _shape
from .operands import _positions, _size, _zero_placeholder

__all__ = ['sort_tangent', 'sort_adjoint', 'partition_tangent', 'partition_adjoint',
           'median_tangent', 'median_adjoint', 'take_along_axis_adjoint']


def _tie_average(t, s, axis):
    """``t`` (ordered like the sorted values ``s`` along ``axis``) with each run of equal
    values of ``s`` given the mean of its entries of ``t``. Symmetric, so it is its own adjoint."""
    t = np.moveaxis(t, axis, -1)
    s = np.moveaxis(s, axis, -1)
    n = _shape(s)[-1]
    if n < 2:
        return np.moveaxis(t, -1, axis)
    rows = np.reshape(s, (-1, n))
    tie = rows[:, 1:] == rows[:, :-1]
    if not bool(np.any(tie)):
        return np.moveaxis(t, -1, axis)
    starts = np.concatenate([np.ones_like(tie[:, :1]), ~tie], axis=1)
    count = _shape(rows)[0]
    group = np.cumsum(starts, axis=1) - 1 + n * np.reshape(_positions(rows, count), (count, 1))
    group = np.reshape(group, (-1,))
    flat = np.reshape(t + np.zeros_like(s), (-1,))
    sums = np.zeros_like(flat)
    sizes = np.zeros_like(flat)
    np.add.at(sums, group, flat)
    np.add.at(sizes, group, np.ones_like(flat))
    averaged = np.reshape(sums[group] / sizes[group], _shape(s))
    return np.moveaxis(averaged, -1, axis)


def _inverse(order, axis):
    return np.argsort(order, axis=axis, kind="stable")


def _flat(a, axis):
    """``(a, axis)`` with ``axis=None`` meaning the flattened array, as NumPy's sort reads it."""
    return (np.reshape(a, (-1,)), -1) if axis is None else (a, axis)


def sort_tangent(a, t, axis=-1):
    """Tangent of ``np.sort(a, axis)``: ``t`` in ``a``'s sorted order, ties sharing evenly."""
    t = t + np.zeros_like(a)
    a, axis_ = _flat(a, axis)
    t = np.reshape(t, _shape(a))
    order = np.argsort(a, axis=axis_, kind="stable")
    return _tie_average(np.take_along_axis(t, order, axis_), np.take_along_axis(a, order, axis_), axis_)


def sort_adjoint(g, a, axis=-1):
    """Adjoint of ``np.sort(a, axis)``: ``g`` put back where each sorted value came from.

    >>> import numpy as np
    >>> sort_adjoint(np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0]))
    array([3., 1., 2.])
    """
    if _zero_placeholder(g, 1):
        return g
    flat, axis_ = _flat(a, axis)
    order = np.argsort(flat, axis=axis_, kind="stable")
    g = _tie_average(g + np.zeros_like(flat), np.take_along_axis(flat, order, axis_), axis_)
    return np.reshape(np.take_along_axis(g, _inverse(order, axis_), axis_), _shape(a))


def partition_tangent(a, t, y, axis=-1):
    """Tangent of ``y = np.partition(a, kth, axis)``: each entry of ``y`` is a value of ``a``,
    and its tangent is that value's (tied values sharing evenly, as for sort)."""
    y_flat, axis_ = _flat(y, axis)
    in_order = sort_tangent(a, t, axis)
    placed = np.take_along_axis(in_order, _inverse(np.argsort(y_flat, axis=axis_, kind="stable"), axis_), axis_)
    return np.reshape(placed, _shape(y))


def partition_adjoint(g, a, y, axis=-1):
    """Adjoint of ``y = np.partition(a, kth, axis)``."""
    if _zero_placeholder(g, 1):
        return g
    y_flat, axis_ = _flat(y, axis)
    g = np.reshape(g + np.zeros_like(y), _shape(y_flat))
    in_order = np.take_along_axis(g, np.argsort(y_flat, axis=axis_, kind="stable"), axis_)
    return sort_adjoint(in_order, a, axis)


def _median_axes(a, axis):
    ndim = len(_shape(a))
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(x % ndim for x in axes))


def _gathered(a, axes):
    """``a`` with the reduced axes moved to the end and flattened into one."""
    k = len(axes)
    moved = np.moveaxis(a, axes, tuple(range(-k, 0)))
    return np.reshape(moved, _shape(moved)[:len(_shape(moved)) - k] + (-1,))


def _check_overwrite(overwrite_input):
    if overwrite_input:
        raise ValueError("np.median with overwrite_input=True reorders its operand in place, so its "
                         "derivative cannot be taken; leave overwrite_input at False")


def median_tangent(a, t, axis=None, keepdims=False, overwrite_input=False):
    """Tangent of ``np.median(a, axis, keepdims=keepdims)``: the middle value's tangent, or the
    mean of the two middle values' for an even count (tied values sharing evenly, as for sort)."""
    _check_overwrite(overwrite_input)
    axes = _median_axes(a, axis)
    values = _gathered(a, axes)
    tangents = _gathered(t + np.zeros_like(a), axes)
    ordered = sort_tangent(values, tangents, -1)
    n = _shape(values)[-1]
    middle = ordered[..., n // 2] if n % 2 else (ordered[..., n // 2 - 1] + ordered[..., n // 2]) / 2
    return np.expand_dims(middle, axes) if keepdims else middle


def median_adjoint(g, a, axis=None, keepdims=False, overwrite_input=False):
    """Adjoint of ``np.median(a, axis, keepdims=keepdims)``: ``g`` on the middle value (half on
    each of the two middle values for an even count)."""
    _check_overwrite(overwrite_input)
    axes = _median_axes(a, axis)
    if _zero_placeholder(g, len(_shape(a)) - (0 if keepdims else len(axes))):
        return g
    values = _gathered(a, axes)
    n = _shape(values)[-1]
    g = np.reshape(g + np.zeros_like(values[..., 0]), _shape(values)[:-1] + (1,))
    ones = np.ones_like(values[..., :1])
    if n % 2:
        pieces = [0.0 * np.repeat(ones, n // 2, axis=-1), g, 0.0 * np.repeat(ones, n // 2, axis=-1)]
    else:
        side = 0.0 * np.repeat(ones, n // 2 - 1, axis=-1)
        pieces = [side, g / 2, g / 2, side]
    ordered = np.concatenate(pieces, axis=-1)
    back = sort_adjoint(ordered, values, -1)
    k = len(axes)
    moved = np.moveaxis(a, axes, tuple(range(-k, 0)))
    return np.moveaxis(np.reshape(back, _shape(moved)), tuple(range(-k, 0)), axes)


def take_along_axis_adjoint(g, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``: ``g`` added back onto the entries
    taken (an entry taken twice gets both).

    >>> import numpy as np
    >>> take_along_axis_adjoint(np.array([1.0, 2.0]), np.zeros(3), np.array([2, 2]))
    array([0., 0., 3.])
    """
    if _zero_placeholder(g, np.ndim(indices)):
        return g
    if axis is None:
        out = np.zeros_like(arr, shape=(_size(arr),))
        np.add.at(out, indices, g)
        return np.reshape(out, _shape(arr))
    shape, ndim = _shape(g), len(_shape(arr))
    axis = axis % ndim
    index = []
    for d in range(ndim):
        if d == axis:
            index.append(indices)
            continue
        where = [1] * ndim
        where[d] = shape[d]
        steps = _positions(arr, shape[d]) if _shape(arr)[d] == shape[d] else 0 * _positions(arr, shape[d])
        index.append(np.reshape(steps, tuple(where)))
    out = np.zeros_like(arr)
    np.add.at(out, tuple(index), g)
    return out
