"""Derivatives of one-dimensional signals and polynomials: ``np.convolve``, ``np.correlate``
and ``np.polyval``.

A convolution is linear in each operand, so its tangent is the convolution with that
operand replaced by its tangent; its adjoint correlates the full-length ``g`` (the part
``mode`` kept, padded with zeros) with the other operand. ``np.correlate(a, v)`` of real
arrays is ``np.convolve(a, v[::-1])``. A polynomial ``np.polyval(p, x)`` is linear in its
coefficients ``p`` and has the derivative polynomial's values as its partial in ``x``.

>>> import numpy as np
>>> convolve_adjoint_a(np.array([1.0, 0.0, 0.0]), np.zeros(2), np.array([2.0, 3.0]))
array([2., 0.])
"""
import numpy as np

from .core import _shape, unbroadcast
from .operands import _positions

__all__ = ['convolve_adjoint_a', 'convolve_adjoint_v', 'correlate_adjoint_a', 'correlate_adjoint_v',
           'polyval_partial', 'polyval_tangent_p', 'polyval_adjoint_p']


def _full(g, n, m, mode):
    """``g`` of ``np.convolve(a, v, mode)`` (``len(a) == n``, ``len(v) == m``) put where it lies in
    the full convolution, zeros around it."""
    length = n + m - 1
    kept = _shape(g)[0]
    start = {"full": 0, "same": (min(n, m) - 1) // 2, "valid": min(n, m) - 1}[mode]
    return np.pad(g, (start, length - start - kept))


def _valid_correlation(x, w):
    return np.convolve(x, w[::-1], mode="valid")


def convolve_adjoint_a(g, a, v, mode="full"):
    """Adjoint of ``np.convolve(a, v, mode)`` with respect to ``a``."""
    if not _shape(g):
        return g
    return _valid_correlation(_full(g, _shape(a)[0], _shape(v)[0], mode), v)


def convolve_adjoint_v(g, a, v, mode="full"):
    """Adjoint of ``np.convolve(a, v, mode)`` with respect to ``v``.

    >>> convolve_adjoint_v(np.array([1.0, 0.0, 0.0]), np.array([2.0, 3.0]), np.zeros(2))
    array([2., 0.])
    """
    if not _shape(g):
        return g
    return _valid_correlation(_full(g, _shape(a)[0], _shape(v)[0], mode), a)


def correlate_adjoint_a(g, a, v, mode="valid"):
    """Adjoint of ``np.correlate(a, v, mode)`` (real arrays) with respect to ``a``."""
    return convolve_adjoint_a(g, a, v[::-1], mode)


def correlate_adjoint_v(g, a, v, mode="valid"):
    """Adjoint of ``np.correlate(a, v, mode)`` (real arrays) with respect to ``v``.

    >>> correlate_adjoint_v(np.array([1.0]), np.array([2.0, 3.0]), np.zeros(2))
    array([2., 3.])
    """
    if not _shape(g):
        return g
    return convolve_adjoint_v(g, a, v[::-1], mode)[::-1]


def _coefficients(p):
    """The coefficients one by one: Python numbers stay Python numbers (float32 stays float32)."""
    return list(p) if isinstance(p, (list, tuple)) else [p[k] for k in range(_shape(p)[0])]


def _horner(p, x):
    """``np.polyval(p, x)`` for a 1-d ``p``, written out so that it keeps ``x``'s array library."""
    y = 0.0 * x
    for c in _coefficients(p):
        y = y * x + c
    return y


def polyval_partial(p, x):
    """d polyval(p, x) / dx: the derivative polynomial ``p[k] * (n - 1 - k)`` at ``x``.

    >>> float(polyval_partial(np.array([1.0, 2.0, 3.0]), np.float64(2.0)))    # 2 x + 2
    6.0
    """
    coefficients = _coefficients(p)
    n = len(coefficients)
    return _horner([c * (n - 1 - k) for k, c in enumerate(coefficients[:-1])], x)


def polyval_tangent_p(p_dot, x):
    """Tangent of ``np.polyval(p, x)`` along the coefficients' tangent: the same polynomial in ``p_dot``."""
    return _horner(p_dot, x)


def polyval_adjoint_p(g, p, x):
    """Adjoint of ``np.polyval(p, x)`` with respect to ``p``: ``sum(g * x ** (n - 1 - k))`` for each k.

    >>> polyval_adjoint_p(1.0, np.zeros(3), np.array([2.0, 3.0]))
    array([13.,  5.,  2.])
    """
    power = 1.0 + 0.0 * (x * g * p[0])         # x ** 0, shaped like the result, in p's array library
    sums = []
    for _ in range(_shape(p)[0]):
        sums.append(np.sum(g * power))
        power = power * x
    return unbroadcast(np.stack(sums[::-1]), p)
