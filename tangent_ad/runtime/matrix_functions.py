"""Derivatives of the matrix functions: inv, solve, det, slogdet, cholesky and matrix_power
(stacks of matrices too)."""
import numpy as np

from .core import _ndim, _shape, unbroadcast
from .operands import _zero_placeholder

__all__ = ['inv_adjoint', 'solve_adjoint_a', 'solve_adjoint_b', 'det_tangent', 'det_adjoint',
           'logdet_tangent', 'logdet_adjoint', 'cholesky_tangent', 'cholesky_adjoint',
           'matrix_power_tangent', 'matrix_power_adjoint']


def _mT(x):
    """The transpose of a matrix, or of each matrix in a stack."""
    return np.swapaxes(x, -1, -2)


def _trace(x):
    return np.trace(x, axis1=-2, axis2=-1)


def _matrix_scale(s):
    """A scalar per matrix, shaped to multiply a stack of matrices."""
    return np.expand_dims(s, (-2, -1)) if _ndim(s) else s


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return 0.5 * (np.tril(x) + np.tril(x, -1))


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


def _powers(a, n):
    """``[a ** 0, a ** 1, ..., a ** (n - 1)]`` as matrix powers (the identity first)."""
    powers = [np.linalg.matrix_power(a, 0)]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    return powers


def matrix_power_tangent(a, t, n):
    """Tangent of ``np.linalg.matrix_power(a, n)``: ``sum a ** i @ t @ a ** (n - 1 - i)``; for
    n < 0 the same for ``inv(a)``, whose tangent is ``-inv(a) @ t @ inv(a)``; 0 for n == 0.

    >>> import numpy as np
    >>> matrix_power_tangent(np.array([[2.0]]), np.array([[1.0]]), 3)     # 3 a ** 2
    array([[12.]])
    """
    t = t + np.zeros_like(a)
    if n == 0:
        return np.zeros_like(a)
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_tangent(b, -(b @ t @ b), -n)
    powers = _powers(a, n)
    return sum(powers[i] @ t @ powers[n - 1 - i] for i in range(n))


def matrix_power_adjoint(g, a, n):
    """Adjoint of ``np.linalg.matrix_power(a, n)``: ``sum (a ** i).T @ g @ (a ** (n - 1 - i)).T``."""
    if _zero_placeholder(g, _ndim(a)):
        return g
    if n == 0:
        return np.zeros_like(a)
    if n < 0:
        b = np.linalg.inv(a)
        gb = matrix_power_adjoint(g, b, -n)
        return -(_mT(b) @ gb @ _mT(b))
    powers = [_mT(p) for p in _powers(a, n)]
    return sum(powers[i] @ g @ powers[n - 1 - i] for i in range(n))
