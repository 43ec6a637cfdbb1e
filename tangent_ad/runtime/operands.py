"""What the adjoints of array operations share about their operands.

The zero placeholder (the scalar standing for "nothing flowed back to this array
yet"), an adjoint put back in its operand's shape, the positions of elements, and
index tuples that address one axis. The modules of products, linear algebra,
shaping and indexing read these; none is called by generated code.
"""
import numpy as np

from .core import _shape

__all__ = []


def _zero_placeholder(g, result_ndim):
    """True when ``g`` is the scalar stand-in for a zero adjoint of an array result."""
    return result_ndim >= 1 and not getattr(g, "shape", ())


def _in_shape_of(grad, x):
    """``grad`` in ``x``'s shape; a Python number ``x`` gets a Python number."""
    if not hasattr(x, "shape"):
        return float(np.sum(grad))
    return np.reshape(grad, x.shape)


def _positions(x, n):
    """``0, 1, ..., n-1`` as an integer array of ``x``'s array library."""
    return np.cumsum(np.ones_like(x, dtype=np.intp, shape=(n,))) - 1


def _element_numbers(x):
    """An integer array of ``x``'s shape holding each element's position in ``x`` flattened."""
    return np.reshape(_positions(x, _size(x)), _shape(x))


def _size(x):
    count = 1
    for n in _shape(x):
        count *= n
    return count


def _along(axis, ndim, index):
    """The index tuple that applies ``index`` to axis ``axis`` of an ``ndim``-dimensional array."""
    return (slice(None),) * (axis % ndim) + (index,)
