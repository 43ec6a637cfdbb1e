"""Derivatives of functions of sampled data: np.average, np.interp and np.trapezoid.

>>> import numpy as np
>>> float(interp_derivative(0.5, np.array([0.0, 1.0]), np.array([0.0, 3.0])))
3.0
>>> float(interp_derivative(1.0, np.array([0.0, 1.0, 2.0]), np.array([0.0, 3.0, 4.0])))
2.0
"""
import numpy as np

from .core import _shape, unbroadcast
from .operands import _in_shape_of, _zero_placeholder

__all__ = ['average_tangent', 'average_adjoint', 'average_weights_tangent', 'average_weights_adjoint',
           'interp_derivative', 'interp_fp_tangent', 'interp_fp_adjoint',
           'trapezoid_tangent', 'trapezoid_adjoint', 'trapezoid_x_tangent', 'trapezoid_x_adjoint']


# ------------------------------------------------------------------ average
def _weights(a, weights, axis):
    """``weights`` shaped to broadcast against ``a`` (a 1-d array of weights lies along ``axis``)."""
    if np.ndim(weights) == np.ndim(a):
        return weights
    if not isinstance(axis, int) or np.ndim(weights) != 1:
        raise ValueError("np.average with weights of another shape than a needs one integer axis")
    shape = [1] * np.ndim(a)
    shape[axis] = -1
    return np.reshape(weights, tuple(shape))


def _kept(value, a, axis, keepdims):
    """A reduced ``value`` with the reduced axes back as axes of length 1."""
    if axis is None or keepdims or not np.ndim(a):
        return value
    return np.expand_dims(value, axis)


def _check_returned(returned):
    if returned:
        raise ValueError("np.average with returned=True gives a tuple; differentiate "
                         "np.average(...) and np.sum(weights) separately")


def average_tangent(a, t, axis=None, weights=None, returned=False, keepdims=False):
    """Tangent of ``np.average(a, axis, weights)`` from ``a``'s tangent ``t``."""
    _check_returned(returned)
    t = t + np.zeros_like(a)
    if weights is None:
        return np.mean(t, axis=axis, keepdims=keepdims)
    w = _weights(a, weights, axis)
    return np.sum(t * w, axis=axis, keepdims=keepdims) / np.sum(w + 0 * a, axis=axis, keepdims=keepdims)


def average_adjoint(g, a, axis=None, weights=None, returned=False, keepdims=False):
    """Adjoint of ``np.average(a, axis, weights)`` for ``a``: ``g`` spread by the normalized weights."""
    _check_returned(returned)
    if _zero_placeholder(g, np.ndim(a) - (0 if keepdims or axis is None and np.ndim(a) == 0 else
                                          (np.ndim(a) if axis is None else 1))):
        return g
    w = 1.0 if weights is None else _weights(a, weights, axis)
    total = np.sum(w + 0 * a, axis=axis, keepdims=True)
    return _in_shape_of(_kept(g, a, axis, keepdims) * w / total + 0 * a, a)


def average_weights_tangent(a, weights, t, y, axis=None, keepdims=False, returned=False):
    """Tangent of ``y = np.average(a, axis, weights)`` from the weights' tangent ``t``:
    ``sum(t * (a - y)) / sum(weights)``."""
    _check_returned(returned)
    w, t = _weights(a, weights, axis), _weights(a, t + np.zeros_like(weights), axis)
    centered = a - _kept(y, a, axis, keepdims)
    return (np.sum(t * centered, axis=axis, keepdims=keepdims)
            / np.sum(w + 0 * a, axis=axis, keepdims=keepdims))


def average_weights_adjoint(g, a, weights, y, axis=None, keepdims=False, returned=False):
    """Adjoint of ``y = np.average(a, axis, weights)`` for the weights."""
    _check_returned(returned)
    w = _weights(a, weights, axis)
    total = np.sum(w + 0 * a, axis=axis, keepdims=True)
    part = _kept(g, a, axis, keepdims) * (a - _kept(y, a, axis, keepdims)) / total
    if np.ndim(weights) == np.ndim(a):
        return _in_shape_of(part, weights)
    others = tuple(d for d in range(np.ndim(a)) if d != axis % np.ndim(a))
    return np.reshape(np.sum(part, axis=others), _shape(weights))


# ------------------------------------------------------------------ interp
def _check_period(period):
    if period is not None:
        raise ValueError("np.interp with period= is not differentiated; map x into one period "
                         "with np.mod first")


def interp_derivative(x, xp, fp, left=None, right=None, period=None):
    """d np.interp(x, xp, fp) / dx: the slope of the segment ``x`` lies in, 0 outside ``xp``
    (where the value is the constant ``left``/``right`` or the end value). At a sample point
    the slope has a kink, and, as for ``np.maximum`` at a tie, the two sides' slopes share:
    the derivative used is their mean."""
    _check_period(period)
    slopes = np.diff(fp) / np.diff(xp)
    zero = np.zeros_like(slopes[:1])
    slopes = np.concatenate([zero, slopes, zero])
    low = np.searchsorted(xp, x, side="left")
    high = np.searchsorted(xp, x, side="right")
    return (slopes[low] + slopes[high]) / 2


def _segments(x, xp, left, right):
    """For each ``x``: the segment it lies in, its position along it (0 to 1), and whether ``fp``
    sets its value (False where ``left``/``right`` does)."""
    m = _shape(xp)[0]
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, m - 2)
    t = np.clip((x - xp[i]) / (xp[i + 1] - xp[i]), 0.0, 1.0)
    inside = (x == x)
    if left is not None:
        inside = inside & (x >= xp[0])
    if right is not None:
        inside = inside & (x <= xp[m - 1])
    return i, t, inside


def interp_fp_tangent(x, xp, fp, t, left=None, right=None, period=None):
    """Tangent of ``np.interp(x, xp, fp, left, right)`` from ``fp``'s tangent ``t`` (it is linear in fp)."""
    _check_period(period)
    return np.interp(x, xp, t, left=None if left is None else 0.0, right=None if right is None else 0.0)


def interp_fp_adjoint(g, x, xp, fp, left=None, right=None, period=None):
    """Adjoint of ``np.interp(x, xp, fp, left, right)`` for ``fp``: each ``g`` shared between the
    two sample values its point lies between, in proportion."""
    _check_period(period)
    if _shape(xp)[0] < 2:
        raise ValueError("the derivative of np.interp in fp needs at least two sample points")
    if _zero_placeholder(g, np.ndim(x)):
        return g
    i, t, inside = _segments(x, xp, left, right)
    g = np.where(inside, g + 0.0 * t, 0.0 * t)
    out = np.zeros_like(fp)
    np.add.at(out, np.reshape(i, (-1,)), np.reshape(g * (1 - t), (-1,)))
    np.add.at(out, np.reshape(i + 1, (-1,)), np.reshape(g * t, (-1,)))
    return out


# ------------------------------------------------------------------ trapezoid
def _along_axis(v, y, axis):
    """A 1-d ``v`` reshaped to lie along ``axis`` of ``y``; anything else unchanged."""
    if np.ndim(v) == 1 and np.ndim(y) != 1:
        shape = [1] * np.ndim(y)
        shape[axis] = -1
        return np.reshape(v, tuple(shape))
    return v


def _trapezoid_weights(y, x, dx, axis):
    """The weight of each sample of ``y`` in ``np.trapezoid(y, x, dx, axis)``."""
    n = _shape(y)[axis]
    if x is None:
        steps = dx * np.ones_like(np.moveaxis(y, axis, -1)[..., :n - 1])
    else:
        steps = np.diff(np.moveaxis(_along_axis(x, y, axis) + 0 * y, axis, -1), axis=-1)
    zero = np.zeros_like(steps[..., :1])
    weights = (np.concatenate([zero, steps], axis=-1) + np.concatenate([steps, zero], axis=-1)) / 2
    return np.moveaxis(weights, -1, axis)


def trapezoid_tangent(y, t, x=None, dx=1.0, axis=-1):
    """Tangent of ``np.trapezoid(y, x, dx, axis)`` from ``y``'s tangent (it is linear in y)."""
    return np.sum(_trapezoid_weights(y, x, dx, axis) * t, axis=axis)


def trapezoid_adjoint(g, y, x=None, dx=1.0, axis=-1):
    """Adjoint of ``np.trapezoid(y, x, dx, axis)`` for ``y``: ``g`` times each sample's weight."""
    if _zero_placeholder(g, np.ndim(y) - 1):
        return g
    return np.expand_dims(g, axis) * _trapezoid_weights(y, x, dx, axis)


def _midpoints(y, axis):
    moved = np.moveaxis(y, axis, -1)
    return (moved[..., 1:] + moved[..., :-1]) / 2


def trapezoid_x_tangent(y, x, t, dx=1.0, axis=-1):
    """Tangent of ``np.trapezoid(y, x, axis=axis)`` from the sample points' tangent ``t``."""
    steps = np.diff(np.moveaxis(_along_axis(t, y, axis) + 0 * y, axis, -1), axis=-1)
    return np.sum(steps * _midpoints(y, axis), axis=-1)


def trapezoid_x_adjoint(g, y, x, dx=1.0, axis=-1):
    """Adjoint of ``np.trapezoid(y, x, axis=axis)`` for the sample points ``x``."""
    if _zero_placeholder(g, np.ndim(y) - 1):
        return g
    part = np.expand_dims(g, -1) * _midpoints(y, axis)
    zero = np.zeros_like(part[..., :1])
    back = np.moveaxis(np.concatenate([zero, part], axis=-1) - np.concatenate([part, zero], axis=-1), -1, axis)
    if np.ndim(x) == 1 and np.ndim(y) != 1:
        others = tuple(d for d in range(np.ndim(y)) if d != axis % np.ndim(y))
        return np.sum(back, axis=others)
    return unbroadcast(back, x)
