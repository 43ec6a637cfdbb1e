"""Adjoints of the products other than ``@``: dot, inner, outer, tensordot, vdot and
``np.linalg.multi_dot`` and ``np.vecdot``."""
import numbers

import numpy as np

from .core import _ndim, _shape, unbroadcast
from .operands import _in_shape_of, _zero_placeholder

__all__ = ['dot_adjoint_left', 'dot_adjoint_right', 'inner_adjoint_left', 'inner_adjoint_right',
           'outer_adjoint_left', 'outer_adjoint_right', 'tensordot_adjoint_left', 'tensordot_adjoint_right',
           'vdot_adjoint', 'multi_dot_adjoint', 'vecdot_tangent', 'vecdot_adjoint']


def _simple_product_adjoint(g, operand, other, result_ndim):
    """The adjoint of a product for a scalar factor, the zero placeholder, or two vectors; else None."""
    if _ndim(operand) == 0 or _ndim(other) == 0:
        return unbroadcast(g * other, operand)
    if _zero_placeholder(g, result_ndim):
        return g
    if _ndim(operand) == 1 and _ndim(other) == 1:
        return g * other
    return None


def _flat(x):
    """``x`` as a vector (a Python number stays a number and broadcasts like one)."""
    return np.reshape(x, (-1,)) if hasattr(x, "shape") else x


def _tensordot_axes(axes, a_ndim, b_ndim):
    """``np.tensordot``'s ``axes`` as two lists of non-negative axis numbers."""
    if isinstance(axes, numbers.Integral):
        return list(range(a_ndim - axes, a_ndim)), list(range(axes))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, numbers.Integral) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, numbers.Integral) else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot axes {axes!r}: both sequences must have the same length")
    return [i % a_ndim for i in a_axes], [j % b_ndim for j in b_axes]


def _permute(x, current):
    """Transpose ``x``, whose axis p is axis ``current[p]`` of the operand, into the operand's order."""
    order = [current.index(axis) for axis in range(len(current))]
    return x if order == list(range(len(order))) else np.transpose(x, order)


def dot_adjoint_left(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``a``, for every case ``np.dot`` allows.

    A scalar operand multiplies; otherwise the last axis of ``a`` is contracted
    with the second-to-last of ``b`` (the only axis of a vector ``b``).

    >>> dot_adjoint_left(np.array([1.0, 2.0]), np.ones((2, 3)), np.array([1.0, 0.0, 2.0]))
    array([[1., 0., 2.],
           [2., 0., 4.]])
    """
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * b, a)
    if _zero_placeholder(g, _ndim(a) + _ndim(b) - 2):
        return g
    if _ndim(b) == 1:
        return g * b if _ndim(a) == 1 else np.expand_dims(g, -1) * b
    # g has axes a.shape[:-1] + b.shape[:-2] + b.shape[-1:]: contract the b part with b
    g_axes = list(range(_ndim(a) - 1, _ndim(g)))
    b_axes = list(range(_ndim(b) - 2)) + [_ndim(b) - 1]
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_right(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``b``.

    >>> dot_adjoint_right(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 3.0]]), np.ones(2))
    array([1., 6.])
    """
    simple = _simple_product_adjoint(g, b, a, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    lead = list(range(_ndim(a) - 1))            # the axes of a that are not contracted
    grad = np.tensordot(a, g, axes=(lead, lead))  # axes: (contracted,) + the rest of b
    return grad if _ndim(b) == 1 else np.moveaxis(grad, 0, -2)


def inner_adjoint_left(g, a, b):
    """Adjoint of ``np.inner(a, b)`` (a product over the last axes) with respect to ``a``.

    >>> inner_adjoint_left(np.array([1.0, 2.0]), np.ones((2, 3)), np.array([1.0, 0.0, 2.0]))
    array([[1., 0., 2.],
           [2., 0., 4.]])
    """
    simple = _simple_product_adjoint(g, a, b, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    # g has axes a.shape[:-1] + b.shape[:-1]
    return np.tensordot(g, b, axes=(list(range(_ndim(a) - 1, _ndim(g))), list(range(_ndim(b) - 1))))


def inner_adjoint_right(g, a, b):
    """Adjoint of ``np.inner(a, b)`` with respect to ``b``.

    >>> inner_adjoint_right(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 3.0]]), np.ones(2))
    array([1., 6.])
    """
    simple = _simple_product_adjoint(g, b, a, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    lead = list(range(_ndim(a) - 1))
    return np.tensordot(g, a, axes=(lead, lead))


def outer_adjoint_left(g, a, b):
    """Adjoint of ``np.outer(a, b)`` (of the flattened operands) with respect to ``a``, in ``a``'s shape.

    >>> outer_adjoint_left(np.ones((2, 3)), np.zeros(2), np.array([1.0, 2.0, 3.0]))
    array([6., 6.])
    """
    if _zero_placeholder(g, 2):
        return g
    return _in_shape_of(np.sum(g * _flat(b), axis=1), a)


def outer_adjoint_right(g, a, b):
    """Adjoint of ``np.outer(a, b)`` with respect to ``b``, in ``b``'s shape.

    >>> outer_adjoint_right(np.ones((2, 3)), np.array([1.0, 2.0]), np.zeros(3))
    array([3., 3., 3.])
    """
    if _zero_placeholder(g, 2):
        return g
    column = np.reshape(a, (-1, 1)) if hasattr(a, "shape") else a
    return _in_shape_of(np.sum(g * column, axis=0), b)


def tensordot_adjoint_left(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``.

    >>> tensordot_adjoint_left(np.ones(2), np.zeros((2, 3)), np.ones(3), axes=1)
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    a_axes, b_axes = _tensordot_axes(axes, _ndim(a), _ndim(b))
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [j for j in range(_ndim(b)) if j not in b_axes]
    if _zero_placeholder(g, len(a_free) + len(b_free)):
        return g
    if not _shape(g):                      # a scalar result: a full contraction
        return _in_shape_of(g * _permute(b, [a_axes[b_axes.index(j)] for j in range(_ndim(b))]), a)
    # g's axes are a_free + b_free; contracting the b_free part with b leaves
    # a_free followed by b's contracted axes in b's order, each paired with an axis of a
    grad = np.tensordot(g, b, axes=(list(range(len(a_free), _ndim(g))), b_free))
    current = a_free + [a_axes[b_axes.index(j)] for j in sorted(b_axes)]
    return _in_shape_of(_permute(grad, current), a)


def tensordot_adjoint_right(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``.

    >>> tensordot_adjoint_right(np.ones(2), np.ones((2, 3)), np.zeros(3), axes=1)
    array([2., 2., 2.])
    """
    a_axes, b_axes = _tensordot_axes(axes, _ndim(a), _ndim(b))
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [j for j in range(_ndim(b)) if j not in b_axes]
    if _zero_placeholder(g, len(a_free) + len(b_free)):
        return g
    if not _shape(g):                      # a scalar result: a full contraction
        return _in_shape_of(g * _permute(a, [b_axes[a_axes.index(i)] for i in range(_ndim(a))]), b)
    grad = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    current = [b_axes[a_axes.index(i)] for i in sorted(a_axes)] + b_free
    return _in_shape_of(_permute(grad, current), b)


def vdot_adjoint(g, other, a):
    """Adjoint of ``np.vdot(a, other)`` (real inputs) with respect to ``a``: ``g * other`` in ``a``'s shape.

    ``np.vdot`` flattens both operands, so ``other`` may have any shape of the same size.

    >>> vdot_adjoint(2.0, np.array([[1.0, 2.0]]), np.zeros(2))
    array([2., 4.])
    """
    return _in_shape_of(g * other, a)


def _chain(matrices):
    product = matrices[0]
    for m in matrices[1:]:
        product = product @ m
    return product


def multi_dot_adjoint(g, arrays, k):
    """Adjoint of ``np.linalg.multi_dot(arrays)`` with respect to ``arrays[k]``:
    ``left.T @ g @ right.T``, with ``left`` and ``right`` the products before and after it
    (a first 1-d array is a row, a last one a column, as multi_dot reads them).

    >>> import numpy as np
    >>> multi_dot_adjoint(1.0, [np.array([1.0, 2.0]), np.eye(2), np.array([3.0, 4.0])], 1)
    array([[3., 4.],
           [6., 8.]])
    """
    last = len(arrays) - 1
    matrices = [np.reshape(a, (1, -1)) if i == 0 and _ndim(a) == 1 else
                np.reshape(a, (-1, 1)) if i == last and _ndim(a) == 1 else a for i, a in enumerate(arrays)]
    rows, cols = _shape(matrices[0])[0], _shape(matrices[-1])[1]
    g = np.reshape(g + np.zeros_like(matrices[0], shape=(rows, cols)), (rows, cols))
    if k > 0:
        g = np.swapaxes(_chain(matrices[:k]), 0, 1) @ g
    if k < last:
        g = g @ np.swapaxes(_chain(matrices[k + 1:]), 0, 1)
    return np.reshape(g, _shape(arrays[k]))


def vecdot_tangent(a, b, axis=-1):
    """``np.vecdot(a, b, axis=axis)`` of real arrays as a sum, for the tangent (any array library)."""
    return np.sum(a * b, axis=axis)


def vecdot_adjoint(g, other, operand, axis=-1):
    """Adjoint of ``np.vecdot(a, b, axis=axis)`` (real arrays) with respect to ``operand``, given
    the other operand: ``g`` spread along ``axis`` times ``other``, summed back to ``operand``'s shape.

    >>> import numpy as np
    >>> vecdot_adjoint(np.array([1.0, 2.0]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros(2))
    array([ 7., 10.])
    """
    if _zero_placeholder(g, max(_ndim(other), _ndim(operand)) - 1):
        return g
    return unbroadcast(np.expand_dims(g, axis) * other, operand)
