"""Adjoints of operations that move axes or reorder elements: reshape, transpose, swapaxes,
moveaxis, flip and roll. Each puts ``g`` back the way it came."""
import numpy as np

from .core import _shape

__all__ = ['reshape_adjoint', 'transpose_adjoint', 'swapaxes_adjoint', 'moveaxis_adjoint',
           'flip_adjoint', 'roll_adjoint']


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


def swapaxes_adjoint(g, axis1, axis2):
    """Adjoint of ``np.swapaxes(x, axis1, axis2)``: swap them back.

    >>> import numpy as np
    >>> swapaxes_adjoint(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if not _shape(g):
        return g        # a zero placeholder
    return np.swapaxes(g, axis1, axis2)


def moveaxis_adjoint(g, source, destination):
    """Adjoint of ``np.moveaxis(x, source, destination)``: move the axes back.

    >>> import numpy as np
    >>> moveaxis_adjoint(np.zeros((3, 4, 2)), 0, -1).shape
    (2, 3, 4)
    """
    if not _shape(g):
        return g
    return np.moveaxis(g, destination, source)


def flip_adjoint(g, axis=None):
    """Adjoint of ``np.flip(x, axis)``: flip back.

    >>> import numpy as np
    >>> flip_adjoint(np.array([1.0, 2.0, 3.0]))
    array([3., 2., 1.])
    """
    if not _shape(g):
        return g
    return np.flip(g, axis)


def roll_adjoint(g, shift, axis=None):
    """Adjoint of ``np.roll(x, shift, axis)``: roll back by ``-shift``.

    >>> import numpy as np
    >>> roll_adjoint(np.array([3.0, 1.0, 2.0]), 1)
    array([1., 2., 3.])
    """
    if not _shape(g):
        return g
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return np.roll(g, back, axis)
