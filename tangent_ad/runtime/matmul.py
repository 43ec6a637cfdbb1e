"""Adjoints of the matrix product ``a @ b``, and of a loop's many products summed as one."""
import numpy as np

from .core import _ndim, _shape, unbroadcast

__all__ = ['matmul_adjoint_left', 'matmul_adjoint_right', 'matmul_adjoint_left_sum', 'matmul_adjoint_right_sum']


def matmul_adjoint_left(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (vectors, matrices and stacks of matrices).

    ``g[..., None]`` rather than ``np.expand_dims``: the same view, without the
    microseconds of argument checking a loop body pays on every iteration.
    """
    a_ndim, b_ndim = getattr(a, "ndim", 0), getattr(b, "ndim", 0)
    if a_ndim == 0 or b_ndim == 0:
        return unbroadcast(g * b, a)
    if not getattr(g, "shape", ()) and (a_ndim > 1 or b_ndim > 1):
        return g                                    # a zero placeholder
    if b_ndim == 1:
        return g * b if a_ndim == 1 else g[..., None] * b
    if a_ndim == 1:
        return unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    if a_ndim == 2 and b_ndim == 2:
        return g @ b.T
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_right(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b``."""
    # getattr inline, not _ndim/_shape: a loop body (h_bar of h = W @ h) pays for each call
    a_ndim, b_ndim = getattr(a, "ndim", 0), getattr(b, "ndim", 0)
    if a_ndim == 0 or b_ndim == 0:
        return unbroadcast(g * a, b)
    if not getattr(g, "shape", ()) and (a_ndim > 1 or b_ndim > 1):
        return g
    if a_ndim == 1:
        return g * a if b_ndim == 1 else a[..., None] * g[..., None, :]
    if b_ndim == 1:
        if a_ndim == 2:
            return g @ a                            # a.T @ g, without the transpose
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g[..., None])[..., 0], b)
    if a_ndim == 2 and b_ndim == 2:
        return a.T @ g
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def matmul_adjoint_left_sum(terms, a):
    """``sum(matmul_adjoint_left(g, a, b) for g, b in terms)`` as one matrix product.

    A loop computing ``W @ h`` adds an outer product of two vectors into ``W``'s adjoint
    on every iteration; stacking the vectors gives the same sum in one product, the way
    a gradient is written by hand.

    >>> import numpy as np
    >>> W, terms = np.zeros((2, 3)), [(np.array([1.0, 2.0]), np.array([1.0, 0.0, 1.0]))] * 2
    >>> matmul_adjoint_left_sum(terms, W)
    array([[2., 0., 2.],
           [4., 0., 4.]])
    """
    gs, bs = _common_shapes(terms, a)
    if gs is not None:
        if _ndim(gs[0]) == 1 and _ndim(bs[0]) == 1:         # W @ h: outer products
            return _rows(gs).T @ _rows(bs)
        if _ndim(gs[0]) == 2 and _ndim(bs[0]) == 2:         # W @ H: products of matrices
            return np.concatenate(gs, axis=1) @ np.concatenate(bs, axis=1).T
    return _sum_each(matmul_adjoint_left, _nonzero_terms(terms, a), a, left=True)


def matmul_adjoint_right_sum(terms, b):
    """``sum(matmul_adjoint_right(g, a, b) for g, a in terms)`` as one matrix product.

    >>> import numpy as np
    >>> W, terms = np.zeros((3, 2)), [(np.array([1.0, 2.0]), np.array([1.0, 0.0, 1.0]))] * 2
    >>> matmul_adjoint_right_sum(terms, W)
    array([[2., 4.],
           [0., 0.],
           [2., 4.]])
    """
    gs, as_ = _common_shapes(terms, b)
    if gs is not None:
        if _ndim(gs[0]) == 1 and _ndim(as_[0]) == 1:        # h @ W: outer products
            return _rows(as_).T @ _rows(gs)
        if _ndim(gs[0]) == 2 and _ndim(as_[0]) == 2:        # H @ W: products of matrices
            return np.concatenate(as_, axis=0).T @ np.concatenate(gs, axis=0)
    return _sum_each(matmul_adjoint_right, _nonzero_terms(terms, b), b, left=False)


def _common_shapes(terms, operand):
    """(adjoints, other operands) of the terms, zero placeholders left out, when ``operand`` is
    a matrix and they have one shape each (what one product needs); (None, None) otherwise."""
    if _ndim(operand) != 2:
        return None, None
    gs = [g for g, _ in terms]
    others = [other for _, other in terms]
    g_shapes = {getattr(g, "shape", ()) for g in gs}
    if () in g_shapes:                       # a product with a matrix: () is the placeholder
        kept = _nonzero_terms(terms, operand)
        gs, others = [g for g, _ in kept], [other for _, other in kept]
        g_shapes.discard(())
    if len(g_shapes) != 1 or len({getattr(other, "shape", ()) for other in others}) != 1:
        return None, None
    return gs, others


def _nonzero_terms(terms, operand):
    """The terms whose adjoint is not the zero placeholder: a scalar standing for the adjoint
    of an array (a scalar adjoint of a scalar product of two vectors is kept)."""
    return [(g, other) for g, other in terms
            if _shape(g) or not (_ndim(operand) > 1 or _ndim(other) > 1)]


def _rows(vectors):
    """Equal-length vectors as the rows of a matrix (np.stack, at a third of its overhead)."""
    return np.reshape(np.concatenate(vectors), (len(vectors), -1))


def _sum_each(adjoint, terms, operand, left):
    total = 0.0
    for g, other in terms:
        total = total + (adjoint(g, operand, other) if left else adjoint(g, other, operand))
    return total
