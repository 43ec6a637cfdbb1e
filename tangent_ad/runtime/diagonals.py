"""Adjoints of reading and keeping diagonals and triangles: diagonal, diag, trace, tril and triu."""
import numpy as np

from .core import _shape
from .operands import _positions

__all__ = ['diag_adjoint', 'diagonal_adjoint', 'trace_adjoint', 'tril_adjoint', 'triu_adjoint']


def _diagonal_scatter(g, a, offset, axis1, axis2):
    """Zeros of ``a``'s shape with ``g`` on the diagonal that ``np.diagonal(a, offset, axis1,
    axis2)`` reads; ``g`` has that diagonal's shape, or is one value per matrix (shape
    ``(..., 1, 1)``, or a scalar) to spread along it."""
    zeros = np.zeros_like(np.moveaxis(a, (axis1, axis2), (-2, -1)))
    rows, cols = _shape(zeros)[-2:]
    on_diagonal = (_positions(a, cols)[None, :] - _positions(a, rows)[:, None]) == offset
    if len(_shape(g)) == len(_shape(zeros)) - 1:
        # Entry (r, c) of the diagonal is g[..., c - max(offset, 0)]: pad g to one value per
        # column and let it run down the rows.
        before = min(max(offset, 0), cols)
        widths = [(0, 0)] * (len(_shape(g)) - 1) + [(before, cols - before - _shape(g)[-1])]
        g = np.expand_dims(np.pad(g, widths), -2)
    return np.moveaxis(np.where(on_diagonal, g, zeros), (-2, -1), (axis1, axis2))


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: ``g`` written back on that diagonal.

    >>> import numpy as np
    >>> diagonal_adjoint(np.array([1.0, 2.0]), np.zeros((2, 3)), offset=1)
    array([[0., 1., 0.],
           [0., 0., 2.]])
    """
    if not _shape(g):
        return g
    return _diagonal_scatter(g, a, offset, axis1, axis2)


def diag_adjoint(g, v, k=0):
    """Adjoint of ``np.diag(v, k)``: for a vector ``v`` (which builds a matrix) the ``k``-th
    diagonal of ``g``; for a matrix ``v`` (whose diagonal is read) ``g`` put back on it.

    >>> import numpy as np
    >>> diag_adjoint(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros(2))
    array([1., 4.])
    """
    if not _shape(g):
        return g
    if len(_shape(v)) == 1:
        return np.diagonal(g, k)
    return _diagonal_scatter(g, v, k, 0, 1)


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace(a, offset, axis1, axis2)``: ``g`` on that diagonal, zeros elsewhere.

    >>> import numpy as np
    >>> trace_adjoint(2.0, np.zeros((2, 2)))
    array([[2., 0.],
           [0., 2.]])
    """
    if _shape(g):
        g = np.expand_dims(g, (-2, -1))     # one value per matrix, spread along its diagonal
    # A scalar g is the adjoint of a scalar trace, or a zero placeholder: both work here.
    return _diagonal_scatter(g, a, offset, axis1, axis2)


def tril_adjoint(g, k=0):
    """Adjoint of ``np.tril(x, k)``: the same lower triangle of ``g``.

    >>> import numpy as np
    >>> tril_adjoint(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    if not _shape(g):
        return g
    return np.tril(g, k)


def triu_adjoint(g, k=0):
    """Adjoint of ``np.triu(x, k)``: the same upper triangle of ``g``.

    >>> import numpy as np
    >>> triu_adjoint(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    if not _shape(g):
        return g
    return np.triu(g, k)
