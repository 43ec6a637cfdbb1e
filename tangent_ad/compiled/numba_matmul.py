"""Matrix products as the compiled derivative computes them: ``matmul(a, b)`` for ``a @ b``.

Numba compiles ``a @ b`` as a function that checks its arguments, makes the result and
calls ``np.dot(a, b, out)``, which checks them again and calls BLAS: two functions and
their error messages, compiled again for every combination of numbers of dimensions and
layouts (a matrix and its transpose are two layouts), up to a second of the first call
each. The compiled source writes ``a @ b`` as ``matmul(a, b)`` (``numba_source.py``), and the
compiled matrix-product adjoints call it too: its compiled version makes the result itself
and calls ``np.dot(a, b, out)``, one function fewer per combination, with the same BLAS
call. Anything else (vectors with vectors, more dimensions, arrays neither C- nor
Fortran-contiguous, numbers, integers) is ``a @ b`` as before. Run as Python, ``matmul`` is
``a @ b``.
"""
import numpy as np
from numba import types
from numba.extending import overload


def matmul(a, b):
    """``a @ b``: the compiled source's name for it."""
    return a @ b


@overload(matmul)
def _matmul(a, b):
    if (isinstance(a, types.Array) and isinstance(b, types.Array) and a.dtype == b.dtype
            and isinstance(a.dtype, (types.Float, types.Complex)) and a.layout in "CF" and b.layout in "CF"):
        if a.ndim == 2 and b.ndim == 2:
            return lambda a, b: np.dot(a, b, np.empty((a.shape[0], b.shape[1]), a.dtype))
        if a.ndim == 2 and b.ndim == 1:
            return lambda a, b: np.dot(a, b, np.empty((a.shape[0],), a.dtype))
        if a.ndim == 1 and b.ndim == 2:
            return lambda a, b: np.dot(a, b, np.empty((b.shape[1],), a.dtype))
    return lambda a, b: a @ b
