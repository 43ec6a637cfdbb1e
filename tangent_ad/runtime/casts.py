"""Derivatives of dtype casts (``a.astype(dtype)``, ``np.float32(a)``): the derivative in the
other dtype, and zero where the cast rounds to integers or bools."""
import numpy as np

from .core import _shape

__all__ = ['cast_tangent', 'cast_adjoint']


def _is_inexact(x):
    """Whether ``x`` (an array, a NumPy scalar or a Python number) holds floating values."""
    if hasattr(x, "dtype"):
        return np.issubdtype(x.dtype, np.inexact)
    return isinstance(x, (float, complex))


def cast_tangent(t, y):
    """Tangent of ``y = a.astype(dtype)`` (or ``np.float32(a)``): ``t`` in ``y``'s dtype; zeros
    when ``y`` is integer or bool (a rounding cast has derivative 0).

    >>> import numpy as np
    >>> cast_tangent(np.array([0.5, 1.5]), np.array([1.0, 2.0], dtype=np.float32))
    array([0.5, 1.5], dtype=float32)
    >>> cast_tangent(np.array([0.5, 1.5]), np.array([1, 2]))
    array([0., 0.])
    """
    if not _is_inexact(y):
        return np.zeros_like(y, dtype=float) if hasattr(y, "shape") else 0.0
    if not hasattr(y, "dtype"):
        return t                        # a Python float: any number will do
    if hasattr(t, "astype"):
        return t.astype(y.dtype)
    return t + np.zeros_like(y)         # a Python number, taking y's dtype and shape


def cast_adjoint(g, a, y):
    """Adjoint of ``y = a.astype(dtype)`` (or ``np.float32(a)``): ``g`` back in ``a``'s dtype;
    zeros when ``y`` is integer or bool.

    >>> import numpy as np
    >>> cast_adjoint(np.array([1.0, 2.0], dtype=np.float32), np.zeros(2), np.zeros(2, np.float32))
    array([1., 2.])
    """
    if not _is_inexact(y):
        return np.zeros_like(a) if hasattr(a, "shape") else 0.0
    if not hasattr(a, "shape"):
        return float(g)                 # the adjoint of a Python number is a Python number
    if _shape(y) and not _shape(g):
        return g                        # a zero placeholder
    if not _is_inexact(a):
        return g                        # an integer operand: no dtype to go back to
    if not hasattr(g, "astype"):
        return np.full_like(a, g)       # a Python number for a 0-d a
    return g.astype(a.dtype)
