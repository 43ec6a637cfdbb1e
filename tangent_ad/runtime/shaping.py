"""Adjoints of operations that move elements around (reshape, transpose, flip, concatenate, ...)."""
import numpy as np

from .core import _shape

__all__ = ['reshape_adjoint', 'transpose_adjoint']


def reshape_adjoint(g, x):
    """Adjoint of ``np.reshape(x, shape)``: ``g`` back in ``x``'s shape."""
    if not _shape(g) and _shape(x):
        return g        # a zero placeholder
    return np.reshape(g, _shape(x))


def transpose_adjoint(g, axes=None):
    """Adjoint of ``np.transpose(x, axes)``: transpose back."""
    if not _shape(g):
        return g        # a zero placeholder (NumPy would turn it into a host array)
    if axes is None:
        return np.transpose(g)
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return np.transpose(g, inverse)
