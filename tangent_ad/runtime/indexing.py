"""Adjoints of reading and writing array elements by index."""
import numpy as np

from .core import _ndim

__all__ = ['index_adjoint']


def _is_basic_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) or
               (hasattr(p, "dtype") and _ndim(p) == 0 and p.dtype.kind in "iu") for p in parts)


def index_adjoint(g, x, index):
    """Adjoint of ``x[index]``: zeros of ``x``'s shape with ``g`` added at ``index``."""
    out = np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out
