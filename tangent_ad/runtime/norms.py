"""Derivatives of ``np.linalg.norm``: vector norms (ord 1, 2, inf, -inf, real p > 1) and Frobenius."""
import numbers

import numpy as np

from .core import _ndim
from .operands import _zero_placeholder

__all__ = ['norm_tangent', 'norm_adjoint']


def _norm_kind(x, ord, axis):
    """The reduced axes of ``np.linalg.norm(x, ord, axis)`` and the vector norm it takes over them.

    The kind is 2 (the 2-norm of the entries, Frobenius included), 1, inf, -inf or a
    real p > 1; the matrix norms other than Frobenius raise ``ValueError``.
    """
    ndim = _ndim(x)
    if axis is None:
        axes = tuple(range(ndim))
        if ord is None:
            return axes, 2                    # the 2-norm of the flattened array
        if ndim > 2:
            raise ValueError(f"np.linalg.norm of a {ndim}-d array with ord={ord!r} needs axis")
    else:
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
        axes = tuple(sorted(a % ndim for a in axes))
    if len(axes) == 2:
        if ord in (None, "fro"):
            return axes, 2
        raise ValueError(f"the derivative of the matrix norm with ord={ord!r} is not supported "
                         "(only the Frobenius norm, ord=None or 'fro')")
    if len(axes) != 1:
        raise ValueError(f"np.linalg.norm over axes {axis!r} is not supported")
    if ord is None or ord == 2:
        return axes, 2
    if ord in (np.inf, -np.inf):
        return axes, float(ord)
    if isinstance(ord, str) or not ord >= 1:
        raise ValueError(f"the derivative of the vector norm with ord={ord!r} is not supported "
                         "(only real ord >= 1, inf and -inf)")
    return axes, (1 if ord == 1 else float(ord))


def _norm_partials(x, y, kind, axes):
    """dy/dx for the vector norm ``kind`` over ``axes``, with ``y`` shaped to broadcast against ``x``."""
    if kind == 1:
        return np.sign(x)
    if kind in (np.inf, -np.inf):
        # the entries attaining the max (min) |x| share the derivative evenly
        tie = np.where(np.abs(x) == y, np.ones_like(x), 0.0)
        return np.sign(x) * tie / np.sum(tie, axis=axes, keepdims=True)
    safe = np.where(y == 0, 1.0, y)           # a zero norm means x == 0: the partials are 0
    if kind == 2:
        return x / safe
    return np.sign(x) * (np.abs(x) / safe) ** (kind - 1)


def _keep_dims(t, axes, keepdims):
    """``t`` (shaped like the norm) with the reduced axes put back as axes of length 1."""
    return t if keepdims or not _ndim(t) else np.expand_dims(t, axes)


def norm_tangent(x, x_dot, y, ord=None, axis=None, keepdims=False):
    """Tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``sum(dy/dx * x_dot)`` over the axes.

    Supported: the 2-norm of vectors and of flattened arrays, the Frobenius norm, and
    the vector norms ord=1, inf, -inf and real ord >= 1.  At a zero norm (2-norm,
    Frobenius or any other) the derivative is taken as 0, and ord=1 takes sign(0) = 0;
    for inf (-inf) the entries tied for the largest (smallest) ``|x|`` share the
    derivative evenly.  Matrix norms other than
    Frobenius (ord 2, -2, 1, -1, inf, -inf, 'nuc') raise ``ValueError``.

    >>> float(norm_tangent(np.array([3.0, 4.0]), np.array([1.0, 1.0]), 5.0))
    1.4
    """
    axes, kind = _norm_kind(x, ord, axis)
    partials = _norm_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return np.sum(partials * x_dot, axis=axes, keepdims=keepdims)


def norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    """Adjoint of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``g * dy/dx``.

    The same cases as ``norm_tangent``: a zero norm (2-norm, Frobenius, ...) has
    gradient 0, ties for the max (min) ``|x|`` of ord=inf (-inf) split it evenly, and matrix
    norms other than Frobenius raise ``ValueError``.

    >>> norm_adjoint(1.0, np.array([3.0, 4.0]), 5.0)
    array([0.6, 0.8])
    """
    axes, kind = _norm_kind(x, ord, axis)
    if _zero_placeholder(g, _ndim(x) - (0 if keepdims else len(axes))):
        return g
    partials = _norm_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return _keep_dims(g, axes, keepdims) * partials
