"""Derivatives of the reductions that skip NaN (``np.nansum``, ``np.nanmean``, ``np.nanmax``,
``np.nanmin``) and of ``np.ptp`` (the range, max - min).

A NaN entry is left out of the result, so it gets derivative 0; every other entry has the
derivative it has in ``np.sum``, ``np.mean``, ``np.max`` or ``np.min``. A slice of NaN alone
gives NaN (nanmean, nanmax, nanmin), and its entries derivative 0. As for ``np.max``, tied
extremes share the derivative evenly.

>>> import numpy as np
>>> nanmean_adjoint(1.0, np.array([1.0, np.nan, 3.0]))
array([0.5, 0. , 0.5])
"""
import numpy as np

from .reductions import _keep_reduced_axes, extremum_weights, sum_adjoint

__all__ = ['nansum_tangent', 'nansum_adjoint', 'nanmean_tangent', 'nanmean_adjoint',
           'nan_extremum_tangent', 'nan_extremum_adjoint', 'ptp_tangent', 'ptp_adjoint']


def _kept(a):
    """1 where ``a`` is a number, 0 where it is NaN, in ``a``'s dtype."""
    return np.where(np.isnan(a), np.zeros_like(a), np.ones_like(a))


def nansum_tangent(a, t, axis=None, keepdims=False):
    """Tangent of ``np.nansum(a, axis, keepdims=keepdims)``: the tangents of the numbers, summed."""
    return np.sum(np.where(np.isnan(a), 0.0 * t, t), axis=axis, keepdims=keepdims)


def nansum_adjoint(g, a, axis=None, keepdims=False):
    """Adjoint of ``np.nansum(a, axis, keepdims=keepdims)``: ``g`` on the numbers, 0 on NaN.

    >>> nansum_adjoint(2.0, np.array([1.0, np.nan]))
    array([2., 0.])
    """
    return _kept(a) * sum_adjoint(g, a, axis=axis, keepdims=keepdims)


def _counts(a, axis):
    """How many numbers each slice holds, at least 1 (a slice of NaN alone gets derivative 0)."""
    count = np.sum(_kept(a), axis=axis, keepdims=True)
    return np.where(count == 0, np.ones_like(count), count)


def nanmean_tangent(a, t, axis=None, keepdims=False):
    """Tangent of ``np.nanmean(a, axis, keepdims=keepdims)``: the numbers' tangents, averaged."""
    total = np.sum(np.where(np.isnan(a), 0.0 * t, t) / _counts(a, axis), axis=axis, keepdims=keepdims)
    return total


def nanmean_adjoint(g, a, axis=None, keepdims=False):
    """Adjoint of ``np.nanmean(a, axis, keepdims=keepdims)``: ``g`` over the count of numbers."""
    return _kept(a) * sum_adjoint(g, a, axis=axis, keepdims=keepdims) / _counts(a, axis)


def _weights(a, y, axis, keepdims):
    """``extremum_weights`` where a slice has numbers; 0 for a slice of NaN alone (NaN never
    equals the extremum, so NaN entries get weight 0 everywhere)."""
    hits = np.where(a == _keep_reduced_axes(y, axis, keepdims), np.ones_like(a), np.zeros_like(a))
    ties = np.sum(hits, axis=axis, keepdims=True)
    return hits / np.where(ties == 0, np.ones_like(ties), ties)


def nan_extremum_tangent(a, t, y, axis=None, keepdims=False):
    """Tangent of ``y = np.nanmax(a, ...)`` (or ``np.nanmin``): the extreme numbers' tangent."""
    w = _weights(a, y, axis, keepdims)
    return np.sum(w * np.where(np.isnan(a), 0.0 * t, t), axis=axis, keepdims=keepdims)


def nan_extremum_adjoint(g, a, y, axis=None, keepdims=False):
    """Adjoint of ``y = np.nanmax(a, ...)`` (or ``np.nanmin``): ``g`` to the extreme numbers."""
    return sum_adjoint(g, a, axis=axis, keepdims=keepdims) * _weights(a, y, axis, keepdims)


def _range_weights(a, axis, keepdims):
    """d ptp / d a: the largest entries' weights minus the smallest entries'."""
    top = extremum_weights(a, np.max(a, axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
    bottom = extremum_weights(a, np.min(a, axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
    return top - bottom


def ptp_tangent(a, t, axis=None, keepdims=False):
    """Tangent of ``np.ptp(a, axis, keepdims=keepdims)`` (``max - min``); all entries equal: 0.

    >>> float(ptp_tangent(np.array([1.0, 4.0, 2.0]), np.array([1.0, 10.0, 100.0])))
    9.0
    """
    return np.sum(_range_weights(a, axis, keepdims) * t, axis=axis, keepdims=keepdims)


def ptp_adjoint(g, a, axis=None, keepdims=False):
    """Adjoint of ``np.ptp(a, axis, keepdims=keepdims)``: ``g`` to the largest, ``-g`` to the smallest."""
    return sum_adjoint(g, a, axis=axis, keepdims=keepdims) * _range_weights(a, axis, keepdims)
