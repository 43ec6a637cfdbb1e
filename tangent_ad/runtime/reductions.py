"""Adjoints of reductions (sum, mean, prod, max, var, cumulative sums, norms).

>>> import numpy as np
>>> sum_adjoint(np.array([1.0, 2.0]), np.zeros((2, 2)), axis=1)
array([[1., 1.],
       [2., 2.]])
"""
import numpy as np

from .core import _shape

__all__ = ['sum_adjoint', 'mean_adjoint']


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims=keepdims)``: ``g`` spread back over the summed axes."""
    if not _shape(g):
        return np.full_like(x, g) if hasattr(x, "shape") else g
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.zeros_like(x) + g


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
    return sum_adjoint(g, x, axis, keepdims) / count
