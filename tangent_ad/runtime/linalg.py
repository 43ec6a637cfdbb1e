"""Derivatives of products and of linear algebra (matmul, dot, solve, inv, det, cholesky, ...)."""
import numbers
import string

import numpy as np

from .core import _ndim, _shape, unbroadcast

__all__ = [
    'matmul_adjoint_left', 'matmul_adjoint_right', 'matmul_adjoint_left_sum', 'matmul_adjoint_right_sum',
    'dot_adjoint_left', 'dot_adjoint_right', 'inner_adjoint_left', 'inner_adjoint_right',
    'outer_adjoint_left', 'outer_adjoint_right', 'tensordot_adjoint_left', 'tensordot_adjoint_right',
    'einsum_adjoint', 'vdot_adjoint', 'inv_adjoint', 'solve_adjoint_a', 'solve_adjoint_b',
    'det_tangent', 'det_adjoint', 'logdet_tangent', 'logdet_adjoint',
    'cholesky_tangent', 'cholesky_adjoint', 'norm_tangent', 'norm_adjoint',
]


def matmul_adjoint_left(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (vectors, matrices and stacks of matrices).

    ``g[..., None]`` rather than ``np.expand_dims``: the same view, without the
    microseconds of argument checking a loop body pays on every iteration.
    """
    a_ndim, b_ndim = _ndim(a), _ndim(b)
    if a_ndim == 0 or b_ndim == 0:
        return unbroadcast(g * b, a)
    if not _shape(g) and (a_ndim > 1 or b_ndim > 1):
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
    a_ndim, b_ndim = _ndim(a), _ndim(b)
    if a_ndim == 0 or b_ndim == 0:
        return unbroadcast(g * a, b)
    if not _shape(g) and (a_ndim > 1 or b_ndim > 1):
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


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def _simple_product_adjoint(g, operand, other, result_ndim):
    """The adjoint of a product for a scalar factor, the zero placeholder, or two vectors; else None."""
    if _ndim(operand) == 0 or _ndim(other) == 0:
        return unbroadcast(g * other, operand)
    if _zero_placeholder(g, result_ndim):
        return g
    if _ndim(operand) == 1 and _ndim(other) == 1:
        return g * other
    return None


def _zero_placeholder(g, result_ndim):
    """True when ``g`` is the scalar stand-in for a zero adjoint of an array result."""
    return result_ndim >= 1 and not getattr(g, "shape", ())


def _in_shape_of(grad, x):
    """``grad`` in ``x``'s shape; a Python number ``x`` gets a Python number."""
    if not hasattr(x, "shape"):
        return float(np.sum(grad))
    return np.reshape(grad, x.shape)


def _flat(x):
    """``x`` as a vector (a Python number stays a number and broadcasts like one)."""
    return np.reshape(x, (-1,)) if hasattr(x, "shape") else x


def _mT(x):
    """The transpose of a matrix, or of each matrix in a stack."""
    return np.swapaxes(x, -1, -2)


def _trace(x):
    return np.trace(x, axis1=-2, axis2=-1)


def _matrix_scale(s):
    """A scalar per matrix, shaped to multiply a stack of matrices."""
    return np.expand_dims(s, (-2, -1)) if _ndim(s) else s


def _eye_like(x, n):
    """An n-by-n identity matrix of ``x``'s array library and dtype."""
    return np.triu(np.tril(np.ones_like(x, shape=(n, n))))


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return 0.5 * (np.tril(x) + np.tril(x, -1))


def _tensordot_axes(axes, a_ndim, b_ndim):
    """``np.tensordot``'s ``axes`` as two lists of non-negative axis numbers."""
    if isinstance(axes, numbers.Integral):
        return list(range(a_ndim - axes, a_ndim)), list(range(axes))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, numbers.Integral) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, numbers.Integral) else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot axes {axes!r}: both sequences must have the same length")
    return [i % a_ndim for i in a_axes], [j % b_ndim for j in b_axes]


def _permute(x, current):
    """Transpose ``x``, whose axis p is axis ``current[p]`` of the operand, into the operand's order."""
    order = [current.index(axis) for axis in range(len(current))]
    return x if order == list(range(len(order))) else np.transpose(x, order)


# ---------------------------------------------------------------------------
# Products: dot, inner, outer, tensordot, einsum, vdot
# ---------------------------------------------------------------------------
def dot_adjoint_left(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``a``, for every case ``np.dot`` allows.

    A scalar operand multiplies; otherwise the last axis of ``a`` is contracted
    with the second-to-last of ``b`` (the only axis of a vector ``b``).

    >>> dot_adjoint_left(np.array([1.0, 2.0]), np.ones((2, 3)), np.array([1.0, 0.0, 2.0]))
    array([[1., 0., 2.],
           [2., 0., 4.]])
    """
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * b, a)
    if _zero_placeholder(g, _ndim(a) + _ndim(b) - 2):
        return g
    if _ndim(b) == 1:
        return g * b if _ndim(a) == 1 else np.expand_dims(g, -1) * b
    # g has axes a.shape[:-1] + b.shape[:-2] + b.shape[-1:]: contract the b part with b
    g_axes = list(range(_ndim(a) - 1, _ndim(g)))
    b_axes = list(range(_ndim(b) - 2)) + [_ndim(b) - 1]
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_right(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``b``.

    >>> dot_adjoint_right(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 3.0]]), np.ones(2))
    array([1., 6.])
    """
    simple = _simple_product_adjoint(g, b, a, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    lead = list(range(_ndim(a) - 1))            # the axes of a that are not contracted
    grad = np.tensordot(a, g, axes=(lead, lead))  # axes: (contracted,) + the rest of b
    return grad if _ndim(b) == 1 else np.moveaxis(grad, 0, -2)


def inner_adjoint_left(g, a, b):
    """Adjoint of ``np.inner(a, b)`` (a product over the last axes) with respect to ``a``.

    >>> inner_adjoint_left(np.array([1.0, 2.0]), np.ones((2, 3)), np.array([1.0, 0.0, 2.0]))
    array([[1., 0., 2.],
           [2., 0., 4.]])
    """
    simple = _simple_product_adjoint(g, a, b, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    # g has axes a.shape[:-1] + b.shape[:-1]
    return np.tensordot(g, b, axes=(list(range(_ndim(a) - 1, _ndim(g))), list(range(_ndim(b) - 1))))


def inner_adjoint_right(g, a, b):
    """Adjoint of ``np.inner(a, b)`` with respect to ``b``.

    >>> inner_adjoint_right(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 3.0]]), np.ones(2))
    array([1., 6.])
    """
    simple = _simple_product_adjoint(g, b, a, _ndim(a) + _ndim(b) - 2)
    if simple is not None:
        return simple
    lead = list(range(_ndim(a) - 1))
    return np.tensordot(g, a, axes=(lead, lead))


def outer_adjoint_left(g, a, b):
    """Adjoint of ``np.outer(a, b)`` (of the flattened operands) with respect to ``a``, in ``a``'s shape.

    >>> outer_adjoint_left(np.ones((2, 3)), np.zeros(2), np.array([1.0, 2.0, 3.0]))
    array([6., 6.])
    """
    if _zero_placeholder(g, 2):
        return g
    return _in_shape_of(np.sum(g * _flat(b), axis=1), a)


def outer_adjoint_right(g, a, b):
    """Adjoint of ``np.outer(a, b)`` with respect to ``b``, in ``b``'s shape.

    >>> outer_adjoint_right(np.ones((2, 3)), np.array([1.0, 2.0]), np.zeros(3))
    array([3., 3., 3.])
    """
    if _zero_placeholder(g, 2):
        return g
    column = np.reshape(a, (-1, 1)) if hasattr(a, "shape") else a
    return _in_shape_of(np.sum(g * column, axis=0), b)


def tensordot_adjoint_left(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``.

    >>> tensordot_adjoint_left(np.ones(2), np.zeros((2, 3)), np.ones(3), axes=1)
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    a_axes, b_axes = _tensordot_axes(axes, _ndim(a), _ndim(b))
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [j for j in range(_ndim(b)) if j not in b_axes]
    if _zero_placeholder(g, len(a_free) + len(b_free)):
        return g
    if not _shape(g):                      # a scalar result: a full contraction
        return _in_shape_of(g * _permute(b, [a_axes[b_axes.index(j)] for j in range(_ndim(b))]), a)
    # g's axes are a_free + b_free; contracting the b_free part with b leaves
    # a_free followed by b's contracted axes in b's order, each paired with an axis of a
    grad = np.tensordot(g, b, axes=(list(range(len(a_free), _ndim(g))), b_free))
    current = a_free + [a_axes[b_axes.index(j)] for j in sorted(b_axes)]
    return _in_shape_of(_permute(grad, current), a)


def tensordot_adjoint_right(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``.

    >>> tensordot_adjoint_right(np.ones(2), np.ones((2, 3)), np.zeros(3), axes=1)
    array([2., 2., 2.])
    """
    a_axes, b_axes = _tensordot_axes(axes, _ndim(a), _ndim(b))
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [j for j in range(_ndim(b)) if j not in b_axes]
    if _zero_placeholder(g, len(a_free) + len(b_free)):
        return g
    if not _shape(g):                      # a scalar result: a full contraction
        return _in_shape_of(g * _permute(a, [b_axes[a_axes.index(i)] for i in range(_ndim(a))]), b)
    grad = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    current = [b_axes[a_axes.index(i)] for i in sorted(a_axes)] + b_free
    return _in_shape_of(_permute(grad, current), b)


def vdot_adjoint(g, other, a):
    """Adjoint of ``np.vdot(a, other)`` (real inputs) with respect to ``a``: ``g * other`` in ``a``'s shape.

    ``np.vdot`` flattens both operands, so ``other`` may have any shape of the same size.

    >>> vdot_adjoint(2.0, np.array([[1.0, 2.0]]), np.zeros(2))
    array([2., 4.])
    """
    return _in_shape_of(g * other, a)


_LABELS = string.ascii_letters


def _einsum_labels(subscripts, operands):
    """One label per axis for each operand and for the result, with ``...`` spelled out.

    The axes that ``...`` stands for get labels unused elsewhere, aligned on the right
    as NumPy broadcasts them; without ``->`` the result's labels are NumPy's: ``...``
    first, then the labels that appear exactly once, in sorted order.
    """
    if not isinstance(subscripts, str):
        raise ValueError("einsum_adjoint needs the subscripts as a string such as 'ij,jk->ik'")
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise ValueError(f"einsum subscripts {subscripts!r}: more than one '->'")
    lhs, arrow, out = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, "
                         f"but {len(operands)} were given")
    for term in terms + ([out] if arrow else []):
        if term.count("...") > 1 or not all(c in _LABELS for c in term.replace("...", "")):
            raise ValueError(f"einsum subscripts {subscripts!r}: {term!r} is not a valid term")
    spare = [c for c in _LABELS if c not in spec]
    counts = []
    for term, op in zip(terms, operands):
        named = len(term.replace("...", ""))
        count = _ndim(op) - named if "..." in term else 0
        if count < 0 or ("..." not in term and named != _ndim(op)):
            raise ValueError(f"einsum subscripts {subscripts!r}: {term!r} does not fit an operand "
                             f"of shape {_shape(op)}")
        counts.append(count)
    n_ellipsis = max(counts, default=0)
    if n_ellipsis > len(spare):
        raise ValueError(f"einsum subscripts {subscripts!r}: too many axes for einsum's 52 labels")
    ellipsis = "".join(spare[:n_ellipsis])
    terms = [term.replace("...", ellipsis[n_ellipsis - count:]) for term, count in zip(terms, counts)]
    if arrow:
        if n_ellipsis and "..." not in out:
            raise ValueError(f"einsum subscripts {subscripts!r}: the output needs '...' for the "
                             "axes that '...' stands for in the operands")
        out = out.replace("...", ellipsis)
        for c in out:
            if out.count(c) > 1 or not any(c in term for term in terms):
                raise ValueError(f"einsum subscripts {subscripts!r}: output label {c!r} is repeated "
                                 f"or appears in no operand")
    else:
        named = "".join(terms)
        out = ellipsis + "".join(sorted(c for c in set(named) if named.count(c) == 1 and c not in ellipsis))
    return terms, out, spare[n_ellipsis:]


def _drop_broadcast_axes(labels, x, sizes):
    """Squeeze out the axes of length 1 that einsum broadcasts against a longer one (and their labels)."""
    keep = [p for p, c in enumerate(labels) if not (_shape(x)[p] == 1 and sizes[c] > 1)]
    if len(keep) == len(labels):
        return labels, x
    return "".join(labels[p] for p in keep), np.reshape(x, tuple(_shape(x)[p] for p in keep))


def einsum_adjoint(g, subscripts, operands, k):
    """Adjoint of ``np.einsum(subscripts, *operands)`` with respect to ``operands[k]``.

    Itself an einsum: of ``g`` and the other operands, giving the labels of
    ``operands[k]``.  A label repeated in ``operands[k]`` (a diagonal, as in ``'ii->i'``)
    is tied to its first axis by an identity matrix; a label found nowhere else
    (summed over only in ``operands[k]``) is broadcast with a vector of ones; axes that
    einsum broadcast (length 1 against a longer one) are summed over.  Implicit output
    and ``...`` follow NumPy's rules.  Subscripts that are not a valid string raise
    ``ValueError``.

    >>> einsum_adjoint(np.array([1.0, 2.0]), 'ii->i', [np.zeros((2, 2))], 0)
    array([[1., 0.],
           [0., 2.]])
    """
    terms, out, spare = _einsum_labels(subscripts, operands)
    if not 0 <= k < len(operands):
        raise ValueError(f"einsum_adjoint: no operand {k} among {len(operands)}")
    if _zero_placeholder(g, len(out)):
        return g
    x = operands[k]
    sizes = {}
    for term, op in zip(terms, operands):
        for c, n in zip(term, _shape(op)):
            sizes[c] = max(sizes.get(c, 1), n)
    inputs, arrays = ([out], [g]) if out else ([], [])
    scale = g if not out else 1.0
    for i, (term, op) in enumerate(zip(terms, operands)):
        if i != k and not hasattr(op, "shape"):
            scale = scale * op             # a Python number: einsum would make it a float64 array
        elif i != k:
            term, op = _drop_broadcast_axes(term, op, sizes)
            inputs.append(term)
            arrays.append(op)
    # the gradient's labels: x's own, a fresh one per repeat, none for a broadcast axis
    result, last = "", {}
    for c, n in zip(terms[k], _shape(x)):
        if n == 1 and sizes[c] > 1:
            continue
        if c in last:                      # a diagonal: delta(previous axis, this axis)
            if not spare:
                raise ValueError(f"einsum subscripts {subscripts!r}: too many axes for einsum's 52 labels")
            fresh = spare.pop(0)
            inputs.append(last[c] + fresh)
            arrays.append(_eye_like(x, n))
            last[c] = fresh
            result += fresh
        else:
            last[c] = c
            result += c
    for c in last:
        if not any(c in term for term in inputs):
            inputs.append(c)               # summed over in x only: every entry gets the same g
            arrays.append(np.ones_like(x, shape=(sizes[c],)))
    if arrays:
        grad = np.einsum(",".join(inputs) + "->" + result, *arrays, optimize=True)
    else:
        grad = np.ones_like(x) if hasattr(x, "shape") else 1.0
    return _in_shape_of(scale * grad, x)


# ---------------------------------------------------------------------------
# Matrix functions: inv, solve, det, slogdet, cholesky
# ---------------------------------------------------------------------------
def inv_adjoint(g, y):
    """Adjoint of ``y = np.linalg.inv(a)`` (also for a stack of matrices): ``-y^T g y^T``.

    >>> inv_adjoint(np.array([[1.0]]), np.array([[0.5]]))
    array([[-0.25]])
    """
    if _zero_placeholder(g, 2):
        return g
    yT = _mT(y)
    return -np.matmul(yT, np.matmul(g, yT))


def _solve_is_vector(y, a):
    # NumPy 2 solves for a vector b only when b.ndim == 1; y then has one axis fewer than a
    return _ndim(y) == _ndim(a) - 1


def _solve_transposed(g, a):
    """``solve(a^T, g)`` batch by batch, with ``g`` shaped like ``y`` (never summed over a batch)."""
    aT = _mT(a)
    if _solve_is_vector(g, a):
        return np.linalg.solve(aT, np.expand_dims(g, -1))[..., 0]
    return np.linalg.solve(aT, g)


def solve_adjoint_b(g, a):
    """Adjoint of ``y = np.linalg.solve(a, b)`` with respect to ``b``: ``solve(a^T, g)``.

    For a vector ``b`` (``b.ndim == 1``) and a stack of matrices ``a`` the result is
    summed over the stack, giving ``b``'s shape.  For a matrix ``b`` broadcast against
    a stack ``a`` the result has ``y``'s shape: sum it with ``unbroadcast(result, b)``.

    >>> solve_adjoint_b(np.array([1.0, 1.0]), np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([0.5 , 0.25])
    """
    if _zero_placeholder(g, 1):
        return g
    grad = _solve_transposed(g, a)
    if _solve_is_vector(g, a) and _ndim(grad) > 1:
        grad = np.sum(grad, axis=tuple(range(_ndim(grad) - 1)))
    return grad


def solve_adjoint_a(g, a, y):
    """Adjoint of ``y = np.linalg.solve(a, b)`` with respect to ``a``: ``-solve(a^T, g) y^T``.

    >>> solve_adjoint_a(np.array([1.0, 1.0]), np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 2.0]))
    array([[-0.5 , -1.  ],
           [-0.25, -0.5 ]])
    """
    if _zero_placeholder(g, 1):
        return g
    b_bar = _solve_transposed(g, a)
    if _solve_is_vector(y, a):
        grad = -(np.expand_dims(b_bar, -1) * np.expand_dims(y, -2))
    else:
        grad = -np.matmul(b_bar, _mT(y))
    return unbroadcast(grad, a)


def det_tangent(a, a_dot, y):
    """Tangent of ``y = np.linalg.det(a)`` (also batched): ``y * trace(solve(a, a_dot))``.

    ``a`` must be invertible (``np.linalg.LinAlgError`` otherwise).

    >>> float(det_tangent(np.array([[2.0, 0.0], [0.0, 3.0]]), np.array([[1.0, 5.0], [5.0, 0.0]]), 6.0))
    3.0
    """
    if not _shape(a_dot):
        return a_dot * y                   # a zero placeholder tangent
    return y * _trace(np.linalg.solve(a, a_dot))


def det_adjoint(g, a, y):
    """Adjoint of ``y = np.linalg.det(a)`` (also batched): ``g * y * inv(a)^T``.

    ``a`` must be invertible (``np.linalg.LinAlgError`` otherwise).

    >>> det_adjoint(1.0, np.array([[2.0, 0.0], [0.0, 3.0]]), 6.0)
    array([[3., 0.],
           [0., 2.]])
    """
    if _zero_placeholder(g, _ndim(a) - 2):
        return g
    return _matrix_scale(g * y) * _mT(np.linalg.inv(a))


def logdet_tangent(a, a_dot):
    """Tangent of ``logdet`` in ``sign, logdet = np.linalg.slogdet(a)``: ``trace(solve(a, a_dot))``.

    >>> float(logdet_tangent(np.array([[2.0, 0.0], [0.0, -4.0]]), np.array([[1.0, 5.0], [5.0, 2.0]])))
    0.0
    """
    if not _shape(a_dot):
        return a_dot                       # a zero placeholder tangent
    return _trace(np.linalg.solve(a, a_dot))


def logdet_adjoint(g, a):
    """Adjoint of ``logdet`` in ``sign, logdet = np.linalg.slogdet(a)``: ``g * inv(a)^T``.

    >>> logdet_adjoint(1.0, np.array([[2.0, 0.0], [1.0, 4.0]]))
    array([[ 0.5  , -0.125],
           [ 0.   ,  0.25 ]])
    """
    if _zero_placeholder(g, _ndim(a) - 2):
        return g
    return _matrix_scale(g) * _mT(np.linalg.inv(a))


def _symmetric_from_lower(x):
    """The symmetric matrix whose lower triangle is that of ``x``."""
    return np.tril(x) + _mT(np.tril(x, -1))


def cholesky_tangent(a_dot, y):
    """Tangent of ``y = np.linalg.cholesky(a)`` (lower ``y``, also batched).

    ``np.linalg.cholesky`` reads only the lower triangle of ``a`` (diagonal
    included); changing an entry above the diagonal leaves the result unchanged,
    even when that makes ``a`` non-symmetric.  So this is the exact derivative of
    that function of all n*n entries: ``a_dot`` acts through the symmetric matrix
    ``s`` with its lower triangle, and ``y_dot = y phi(y^-1 s y^-T)``, where phi keeps
    the lower triangle and halves the diagonal.

    >>> cholesky_tangent(np.array([[4.0, 9.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 1.0]]))
    array([[1., 0.],
           [0., 1.]])
    """
    if not _shape(a_dot):
        return a_dot                       # a zero placeholder tangent
    s = _symmetric_from_lower(a_dot)
    m = np.linalg.solve(y, _mT(np.linalg.solve(y, s)))      # y^-1 s y^-T (s is symmetric)
    return np.matmul(y, _phi(m))


def cholesky_adjoint(g, y):
    """Adjoint of ``y = np.linalg.cholesky(a)`` (also batched); nonzero in the lower triangle only.

    ``np.linalg.cholesky`` reads only the lower triangle of ``a`` (see
    ``cholesky_tangent``), so the gradient with respect to the entries above the
    diagonal is zero.  With ``b = y^-T phi(y^T g) y^-1`` the gradient is ``b + b^T``
    below the diagonal and ``b`` on it.

    >>> cholesky_adjoint(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 0.0], [0.0, 1.0]]))
    array([[0.25, 0.  ],
           [0.5 , 0.5 ]])
    """
    if _zero_placeholder(g, 2):
        return g
    yT = _mT(y)
    q = np.linalg.solve(yT, _phi(np.matmul(yT, g)))          # y^-T phi(y^T g)
    b = _mT(np.linalg.solve(yT, _mT(q)))                     # ... y^-1
    return np.tril(b) + np.tril(_mT(b), -1)


# ---------------------------------------------------------------------------
# Norms
# ---------------------------------------------------------------------------
def _norm_kind(x, ord, axis):
    """The reduced axes of ``np.linalg.norm(x, ord, axis)`` and the vector norm it takes over them.

    The kind is 2 (the 2-norm of the entries, Frobenius included), 1, inf, -inf or a
    real p > 1; the matrix norms other than Frobenius raise ``ValueError``.
    """
    ndim = _ndim(x)
    if axis is None:
        axes = tuple(range(ndim))
        if ord is None:
            return axes, 2                    # the 2-norm of the flattened array
        if ndim > 2:
            raise ValueError(f"np.linalg.norm of a {ndim}-d array with ord={ord!r} needs axis")
    else:
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
        axes = tuple(sorted(a % ndim for a in axes))
    if len(axes) == 2:
        if ord in (None, "fro"):
            return axes, 2
        raise ValueError(f"the derivative of the matrix norm with ord={ord!r} is not supported "
                         "(only the Frobenius norm, ord=None or 'fro')")
    if len(axes) != 1:
        raise ValueError(f"np.linalg.norm over axes {axis!r} is not supported")
    if ord is None or ord == 2:
        return axes, 2
    if ord in (np.inf, -np.inf):
        return axes, float(ord)
    if isinstance(ord, str) or not ord >= 1:
        raise ValueError(f"the derivative of the vector norm with ord={ord!r} is not supported "
                         "(only real ord >= 1, inf and -inf)")
    return axes, (1 if ord == 1 else float(ord))


def _norm_partials(x, y, kind, axes):
    """dy/dx for the vector norm ``kind`` over ``axes``, with ``y`` shaped to broadcast against ``x``."""
    if kind == 1:
        return np.sign(x)
    if kind in (np.inf, -np.inf):
        # the entries attaining the max (min) |x| share the derivative evenly
        tie = np.where(np.abs(x) == y, np.ones_like(x), 0.0)
        return np.sign(x) * tie / np.sum(tie, axis=axes, keepdims=True)
    safe = np.where(y == 0, 1.0, y)           # a zero norm means x == 0: the partials are 0
    if kind == 2:
        return x / safe
    return np.sign(x) * (np.abs(x) / safe) ** (kind - 1)


def _keep_dims(t, axes, keepdims):
    """``t`` (shaped like the norm) with the reduced axes put back as axes of length 1."""
    return t if keepdims or not _ndim(t) else np.expand_dims(t, axes)


def norm_tangent(x, x_dot, y, ord=None, axis=None, keepdims=False):
    """Tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``sum(dy/dx * x_dot)`` over the axes.

    Supported: the 2-norm of vectors and of flattened arrays, the Frobenius norm, and
    the vector norms ord=1, inf, -inf and real ord >= 1.  At a zero norm (2-norm,
    Frobenius or any other) the derivative is taken as 0, and ord=1 takes sign(0) = 0;
    for inf (-inf) the entries tied for the largest (smallest) ``|x|`` share the
    derivative evenly.  Matrix norms other than
    Frobenius (ord 2, -2, 1, -1, inf, -inf, 'nuc') raise ``ValueError``.

    >>> float(norm_tangent(np.array([3.0, 4.0]), np.array([1.0, 1.0]), 5.0))
    1.4
    """
    axes, kind = _norm_kind(x, ord, axis)
    partials = _norm_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return np.sum(partials * x_dot, axis=axes, keepdims=keepdims)


def norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    """Adjoint of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``g * dy/dx``.

    The same cases as ``norm_tangent``: a zero norm (2-norm, Frobenius, ...) has
    gradient 0, ties for the max (min) ``|x|`` of ord=inf (-inf) split it evenly, and matrix
    norms other than Frobenius raise ``ValueError``.

    >>> norm_adjoint(1.0, np.array([3.0, 4.0]), 5.0)
    array([0.6, 0.8])
    """
    axes, kind = _norm_kind(x, ord, axis)
    if _zero_placeholder(g, _ndim(x) - (0 if keepdims else len(axes))):
        return g
    partials = _norm_partials(x, _keep_dims(y, axes, keepdims), kind, axes)
    return _keep_dims(g, axes, keepdims) * partials
