"""Derivatives of SciPy's special functions (``scipy.special``), for the rules registered when
SciPy is installed. SciPy is imported when a derivative first needs it, never before.

>>> import numpy as np
>>> round(float(trigamma(np.float64(1.0))), 12)    # pi ** 2 / 6
1.644934066848
"""
import numpy as np

from .core import _shape
from .operands import _zero_placeholder

__all__ = ['digamma_of', 'trigamma', 'xlogy_y_partial', 'xlog1py_y_partial', 'bessel_i1', 'bessel_i1e',
           'bessel_i1_derivative', 'bessel_i1e_derivative', 'logsumexp_tangent', 'logsumexp_adjoint',
           'softmax_tangent', 'softmax_adjoint', 'log_softmax_tangent', 'log_softmax_adjoint']


def _special():
    import scipy.special
    return scipy.special


def digamma_of(x):
    """d gammaln(x) / dx."""
    return _special().digamma(x)


def trigamma(x):
    """d digamma(x) / dx: ``polygamma(1, x)``, written as the ufunc ``zeta(2, x)`` so that it
    runs on any array library SciPy's ufuncs dispatch to."""
    return _special().zeta(2.0, x)


def xlogy_y_partial(x, y):
    """d xlogy(x, y) / dy: ``x / y``, and 0 where ``x == 0`` (xlogy is 0 there for every y)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0 * y, x / y)


def xlog1py_y_partial(x, y):
    """d xlog1py(x, y) / dy: ``x / (1 + y)``, and 0 where ``x == 0`` (xlog1py is 0 there for every y)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0 * y, x / (1 + y))


def bessel_i1(x):
    """d i0(x) / dx: the modified Bessel function ``i1``."""
    return _special().i1(x)


def bessel_i1e(x):
    """The exponentially scaled ``i1e`` (d i0e(x) / dx is ``i1e(x) - sign(x) i0e(x)``)."""
    return _special().i1e(x)


def _over_x(v, x):
    """``v / x``, and the limit 1/2 of ``i1(x) / x`` at ``x == 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.5 + 0.0 * x, v / x)


def bessel_i1_derivative(x):
    """d i1(x) / dx: ``i0(x) - i1(x) / x``, and 1/2 at 0.

    >>> float(bessel_i1_derivative(np.float64(0.0)))
    0.5
    """
    return _special().i0(x) - _over_x(_special().i1(x), x)


def bessel_i1e_derivative(x, y):
    """d i1e(x) / dx for ``y = i1e(x) = exp(-|x|) i1(x)``: ``i0e(x) - y / x - sign(x) y``, 1/2 at 0."""
    return _special().i0e(x) - _over_x(y, x) - np.sign(x) * y


def _kept(v, a, axis, keepdims):
    if axis is None or keepdims or not _shape(a):
        return v
    return np.expand_dims(v, axis)


def _lse_weights(a, y, axis, b, keepdims):
    """``b * exp(a - y)``: the weights of ``y = logsumexp(a, axis, b)``, summing to 1."""
    weights = np.exp(a - _kept(y, a, axis, keepdims))
    return weights if b is None else b * weights


def _check_sign(return_sign):
    if return_sign:
        raise ValueError("scipy.special.logsumexp with return_sign=True gives a tuple; leave it at False")


def logsumexp_tangent(a, t, y, axis=None, b=None, keepdims=False, return_sign=False):
    """Tangent of ``y = scipy.special.logsumexp(a, axis, b, keepdims)``."""
    _check_sign(return_sign)
    return np.sum(_lse_weights(a, y, axis, b, keepdims) * t, axis=axis, keepdims=keepdims)


def logsumexp_adjoint(g, a, y, axis=None, b=None, keepdims=False, return_sign=False):
    """Adjoint of ``y = scipy.special.logsumexp(a, axis, b, keepdims)``: ``g`` times the weights."""
    _check_sign(return_sign)
    weights = _lse_weights(a, y, axis, b, keepdims)
    return _kept(g, a, axis, keepdims) * weights + np.zeros_like(a)


def softmax_tangent(t, y, axis=None):
    """Tangent of ``y = scipy.special.softmax(x, axis)``: ``y * (t - sum(y * t))``."""
    return y * (t - np.sum(y * t, axis=axis, keepdims=True))


def softmax_adjoint(g, y, axis=None):
    """Adjoint of ``y = scipy.special.softmax(x, axis)`` (the same formula: its Jacobian is symmetric)."""
    if _zero_placeholder(g, len(_shape(y))):
        return g
    return softmax_tangent(g, y, axis)


def log_softmax_tangent(t, y, axis=None):
    """Tangent of ``y = scipy.special.log_softmax(x, axis)``: ``t - sum(exp(y) * t)``."""
    return t - np.sum(np.exp(y) * t, axis=axis, keepdims=True)


def log_softmax_adjoint(g, y, axis=None):
    """Adjoint of ``y = scipy.special.log_softmax(x, axis)``: ``g - exp(y) * sum(g)``."""
    if _zero_placeholder(g, len(_shape(y))):
        return g
    return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)
