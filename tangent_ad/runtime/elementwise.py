"""Partial derivatives of elementwise functions that need more than one expression.

>>> import numpy as np
>>> clip_mask(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
array([False,  True, False])
>>> float(sinc_derivative(0.0))
0.0
"""
import numpy as np

__all__ = ["clip_mask", "sinc_derivative"]


def clip_mask(a, a_min, a_max):
    """d clip(a, a_min, a_max) / da: True (1) inside [a_min, a_max], bounds included, False outside.

    Either bound may be None, as in ``np.clip(x, 0, None)``. A boolean keeps the
    adjoint's dtype: ``g * mask`` is float32 for a float32 ``g``.
    """
    inside = (a == a) if a_min is None else (a >= a_min)
    if a_max is not None:
        inside = inside & (a <= a_max)
    return inside


def sinc_derivative(x):
    """d sinc(x) / dx with sinc(x) = sin(pi x) / (pi x): (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    nonzero = x != 0
    safe = np.where(nonzero, x, 1.0)
    return np.where(nonzero, (np.cos(np.pi * safe) - np.sinc(safe)) / safe, 0.0)
