"""Derivatives of products and of linear algebra (matmul, dot, solve, inv, det, cholesky, ...)."""
import numpy as np

from .core import _ndim, _shape, unbroadcast

__all__ = ['matmul_adjoint_left', 'matmul_adjoint_right']


def matmul_adjoint_left(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (vectors, matrices and stacks of matrices)."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * b, a)
    if not _shape(g) and (_ndim(a) > 1 or _ndim(b) > 1):
        return g                                    # a zero placeholder
    if _ndim(b) == 1:
        return g * b if _ndim(a) == 1 else np.expand_dims(g, -1) * b
    if _ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_right(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b``."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * a, b)
    if not _shape(g) and (_ndim(a) > 1 or _ndim(b) > 1):
        return g
    if _ndim(a) == 1:
        return g * a if _ndim(b) == 1 else np.expand_dims(a, -1) * np.expand_dims(g, -2)
    if _ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)
