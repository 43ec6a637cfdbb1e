"""Derivatives of operations that arrange or combine arrays: diff, append, column_stack,
rot90, rollaxis, select, cross and kron.

>>> import numpy as np
>>> diff_adjoint(np.array([1.0, 1.0]), np.zeros(3))
array([-1.,  0.,  1.])
"""
import numpy as np

from .core import _shape, unbroadcast
from .operands import _in_shape_of, _zero_placeholder

__all__ = ['diff_tangent', 'diff_adjoint', 'append_tangent', 'append_adjoint', 'column_stack_adjoint',
           'rot90_adjoint', 'rollaxis_adjoint', 'select_tangent', 'select_adjoint',
           'cross_adjoint_left', 'cross_adjoint_right', 'kron_adjoint_left', 'kron_adjoint_right']


def _edge(a, axis, value):
    """``value`` (a number or an array) shaped as np.diff pads ``a`` with it along ``axis``."""
    shape = list(_shape(a))
    shape[axis] = 1
    return np.broadcast_to(value, tuple(shape)) if not _shape(value) else value


def diff_tangent(t, a, n=1, axis=-1, prepend=None, append=None):
    """Tangent of ``np.diff(a, n, axis, prepend, append)``: the same differences of ``t``, with the
    constant ``prepend`` and ``append`` contributing nothing."""
    t = t + np.zeros_like(a)
    parts = [t]
    if prepend is not None:
        parts.insert(0, np.zeros_like(_edge(t, axis, np.zeros_like(t, shape=()) + 0 * prepend)))
    if append is not None:
        parts.append(np.zeros_like(_edge(t, axis, np.zeros_like(t, shape=()) + 0 * append)))
    return np.diff(np.concatenate(parts, axis=axis) if len(parts) > 1 else t, n, axis=axis)


def diff_adjoint(g, a, n=1, axis=-1, prepend=None, append=None):
    """Adjoint of ``np.diff(a, n, axis, prepend, append)``: each difference's adjoint moved back
    onto the two entries it subtracts, ``n`` times; the part on ``prepend``/``append`` dropped."""
    if _zero_placeholder(g, 1):
        return g
    for _ in range(n):
        zero = np.zeros_like(np.take(g, [0], axis=axis))
        g = np.concatenate([zero, g], axis=axis) - np.concatenate([g, zero], axis=axis)
    axis = axis % len(_shape(g))
    before = 0 if prepend is None else _shape(_edge(a, axis, prepend))[axis]
    index = (slice(None),) * axis + (slice(before, before + _shape(a)[axis]),)
    return g[index]


def append_tangent(t, arr, values, axis=None, position=0):
    """The tangent of ``np.append(arr, values, axis)`` from one operand's tangent ``t`` (the
    operand at ``position``: 0 for ``arr``, 1 for ``values``), the other contributing zeros."""
    like = t + 0.0 * np.zeros_like(t, shape=())
    zeros = np.zeros_like(like, shape=np.shape(values if position == 0 else arr))
    parts = [t + np.zeros_like(like, shape=np.shape(arr if position == 0 else values)), zeros]
    return np.append(*(parts if position == 0 else parts[::-1]), axis=axis)


def append_adjoint(g, arr, values, axis=None, position=0):
    """The adjoint of ``np.append(arr, values, axis)`` for the operand at ``position``."""
    if _zero_placeholder(g, 1):
        return g
    operand = arr if position == 0 else values
    if axis is None:
        size = int(np.prod(np.shape(arr)))
        part = g[:size] if position == 0 else g[size:]
        return _in_shape_of(part, operand)
    axis = axis % np.ndim(arr)
    size = np.shape(arr)[axis]
    index = (slice(None),) * axis + ((slice(0, size) if position == 0 else slice(size, None)),)
    return _in_shape_of(g[index], operand)


def column_stack_adjoint(g, tup, k):
    """Adjoint of ``np.column_stack(tup)`` for its ``k``-th array: its columns of ``g``."""
    if _zero_placeholder(g, 2):
        return g
    start = sum(1 if np.ndim(x) < 2 else np.shape(x)[1] for x in tup[:k])
    width = 1 if np.ndim(tup[k]) < 2 else np.shape(tup[k])[1]
    return _in_shape_of(g[:, start:start + width], tup[k])


def rot90_adjoint(g, k=1, axes=(0, 1)):
    """Adjoint of ``np.rot90(m, k, axes)``: rotate back."""
    if not _shape(g):
        return g
    return np.rot90(g, -k, axes)


def rollaxis_adjoint(g, axis, start=0):
    """Adjoint of ``np.rollaxis(a, axis, start)``: the axes put back in their order.

    >>> import numpy as np
    >>> rollaxis_adjoint(np.zeros((4, 2, 3)), 2).shape
    (2, 3, 4)
    """
    if not _shape(g):
        return g
    ndim = len(_shape(g))
    axis, start = axis % ndim, start + ndim if start < 0 else start
    order = list(range(ndim))
    order.remove(axis)
    order.insert(start - 1 if axis < start else start, axis)
    return np.transpose(g, np.argsort(order).tolist())


def _chosen(condlist, count):
    """The position in the choice list that ``np.select`` takes each entry from (``count``: the default)."""
    chosen = count
    for i in range(len(condlist) - 1, -1, -1):
        chosen = np.where(condlist[i], i, chosen)
    return chosen


def select_tangent(condlist, choicelist, dotted):
    """Tangent of ``np.select(condlist, choicelist, default)`` from one choice's tangent:
    ``dotted`` is ``choicelist`` with that choice replaced by its tangent."""
    changed = [i for i, (d, c) in enumerate(zip(dotted, choicelist)) if d is not c]
    if len(changed) != 1:
        raise ValueError("select_tangent takes the choice list with exactly one choice replaced by its tangent")
    k = changed[0]
    return np.where(_chosen(condlist, len(choicelist)) == k, dotted[k], 0.0 * dotted[k])


def select_adjoint(g, condlist, choicelist, k, default=0):
    """Adjoint of ``np.select(condlist, choicelist, default)`` for choice ``k`` (``k`` equal to
    the number of choices: for ``default``): ``g`` where that choice was taken."""
    if _zero_placeholder(g, 1):
        return g
    operand = default if k == len(choicelist) else choicelist[k]
    picked = np.where(_chosen(condlist, len(choicelist)) == k, g, 0.0 * g)
    return unbroadcast(picked, operand)


def select_default_tangent(condlist, choicelist, t):
    """Tangent of ``np.select(condlist, choicelist, default)`` from ``default``'s tangent ``t``."""
    return np.where(_chosen(condlist, len(choicelist)) == len(choicelist), t, 0.0 * t)


__all__.append('select_default_tangent')


def _three(x, axis):
    """``x`` with its vector axis last, padded to three components as np.cross reads two."""
    x = np.moveaxis(x, axis, -1)
    if _shape(x)[-1] == 2:
        x = np.concatenate([x, np.zeros_like(x[..., :1])], axis=-1)
    return x


def _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, left):
    if axis is not None:
        axisa = axisb = axisc = axis
    both_planar = _shape(a)[axisa] == 2 and _shape(b)[axisb] == 2
    batch = np.broadcast_shapes(_shape(np.moveaxis(a, axisa, -1))[:-1], _shape(np.moveaxis(b, axisb, -1))[:-1])
    if _zero_placeholder(g, len(batch) + (0 if both_planar else 1)):
        return g
    A, B = _three(a, axisa), _three(b, axisb)
    if both_planar:     # the result is the z component
        G = np.stack([0.0 * g, 0.0 * g, g + np.zeros_like(g)], axis=-1)
    else:
        G = np.moveaxis(g, axisc, -1)
    own, other = ((a, axisa), B) if left else ((b, axisb), A)
    part = np.cross(other, G) if left else np.cross(G, other)
    part = part[..., :_shape(own[0])[own[1]]]
    moved = np.moveaxis(own[0], own[1], -1)
    return np.moveaxis(unbroadcast(part, moved), -1, own[1])


def cross_adjoint_left(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``np.cross(a, b, ...)`` for ``a``: ``b x g`` (``<g, a x b> = <b x g, a>``)."""
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, True)


def cross_adjoint_right(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``np.cross(a, b, ...)`` for ``b``: ``g x a``."""
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, False)


def _kron_parts(g, a, b):
    """``g`` as an array of axes (a's 0, a's 1, ..., b's 0, b's 1, ...), and both operands' shapes padded."""
    ndim = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (ndim - np.ndim(a)) + tuple(np.shape(a))
    sb = (1,) * (ndim - np.ndim(b)) + tuple(np.shape(b))
    g = np.reshape(g, tuple(n for pair in zip(sa, sb) for n in pair))
    g = np.transpose(g, list(range(0, 2 * ndim, 2)) + list(range(1, 2 * ndim, 2)))
    return g, sa, sb, ndim


def kron_adjoint_left(g, a, b):
    """Adjoint of ``np.kron(a, b)`` for ``a``: each block of ``g`` contracted with ``b``."""
    if _zero_placeholder(g, max(np.ndim(a), np.ndim(b))):
        return g
    g, sa, sb, ndim = _kron_parts(g, a, b)
    part = np.tensordot(g, np.reshape(b + np.zeros_like(g, shape=()), sb), axes=ndim)
    return _in_shape_of(part, a)


def kron_adjoint_right(g, a, b):
    """Adjoint of ``np.kron(a, b)`` for ``b``: the blocks of ``g`` weighted by ``a`` and summed."""
    if _zero_placeholder(g, max(np.ndim(a), np.ndim(b))):
        return g
    g, sa, sb, ndim = _kron_parts(g, a, b)
    part = np.tensordot(np.reshape(a + np.zeros_like(g, shape=()), sa), g, axes=(list(range(ndim)),) * 2)
    return _in_shape_of(part, b)
