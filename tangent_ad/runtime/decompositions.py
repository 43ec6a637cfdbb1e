"""Derivatives of matrix decompositions: eigh, eigvalsh, svd, svdvals, qr, and pinv.

Stacks of matrices (``(..., m, n)``) are differentiated matrix by matrix. Where the
derivative does not exist these never give a number that looks like one:

* equal eigenvalues (singular values) have no separate derivatives; as for tied entries
  of ``np.max`` they share evenly: each gets the mean over its group, which does not
  depend on the basis chosen for the shared eigenspace;
* the eigenvectors (singular vectors) of equal eigenvalues are not determined: their
  tangents are inf or nan, and a gradient that flows back from them is nan (a gradient
  that flows from the eigenvalues alone stays finite);
* a zero singular value has a kink, like ``abs`` at 0, and the derivative used is 0.

>>> import numpy as np
>>> a = np.array([[2.0, 0.0], [0.0, 3.0]])
>>> eigvalsh_tangent(a, np.array([[1.0, 0.0], [0.0, 0.0]]))
array([1., 0.])
"""
import numpy as np

from .core import _shape
from .operands import _positions
from .sorting import _tie_average

__all__ = ['eigh_tangent', 'eigh_adjoint', 'eigvalsh_tangent', 'eigvalsh_adjoint', 'svd_tangent',
           'svd_adjoint', 'svdvals_tangent', 'svdvals_adjoint', 'qr_tangent', 'qr_adjoint',
           'pinv_tangent', 'pinv_adjoint']


def _T(x):
    return np.swapaxes(x, -1, -2)


def _diagonal(p):
    return np.diagonal(p, axis1=-2, axis2=-1)


def _eye_mask(x, n):
    """An ``n`` by ``n`` boolean identity in ``x``'s array library."""
    k = _positions(x, n)
    return np.reshape(k, (n, 1)) == np.reshape(k, (1, n))


def _diag_embed(v):
    n = _shape(v)[-1]
    return v[..., :, None] * _eye_mask(v, n)


def _gaps(w, squared=False):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal (inf for equal values), 0 on it."""
    if squared:
        w = w * w
    n = _shape(w)[-1]
    with np.errstate(divide="ignore"):
        return np.where(_eye_mask(w, n), 0.0 * w[..., None], 1.0 / (w[..., None, :] - w[..., :, None]))


def _times(f, x):
    """``f * x``, 0 wherever ``x`` is 0 even where ``f`` is inf: nothing flows, nothing is undefined."""
    with np.errstate(invalid="ignore"):
        return np.where(x == 0, 0.0 * x, f * x)


def _full(g, like):
    """An output's adjoint as an array (the scalar 0.0 stands for zeros)."""
    return g + np.zeros_like(like)


# ------------------------------------------------------------------ eigh, eigvalsh
def _symmetric(t, UPLO):
    """The symmetric matrix eigh reads from ``t``: its lower (``'L'``) or upper triangle."""
    if UPLO.upper() == "L":
        return np.tril(t) + _T(np.tril(t, -1))
    return np.triu(t) + _T(np.triu(t, 1))


def _symmetric_adjoint(g, UPLO):
    if UPLO.upper() == "L":
        return np.tril(g) + np.tril(_T(g), -1)
    return np.triu(g) + np.triu(_T(g), 1)


def eigh_tangent(a, t, w, v, UPLO="L"):
    """Tangents ``(w_dot, v_dot)`` of ``w, v = np.linalg.eigh(a, UPLO)``."""
    p = _T(v) @ _symmetric(t + np.zeros_like(a), UPLO) @ v
    return _tie_average(_diagonal(p), w, -1), v @ _times(_gaps(w), p)


def eigh_adjoint(gw, gv, a, w, v, UPLO="L"):
    """Adjoint of ``w, v = np.linalg.eigh(a, UPLO)`` for ``a``, from those of ``w`` and ``v``."""
    gw = _tie_average(_full(gw, w), w, -1)
    inner = _diag_embed(gw) + _times(_gaps(w), _T(v) @ _full(gv, v))
    return _symmetric_adjoint(v @ inner @ _T(v), UPLO)


def eigvalsh_tangent(a, t, UPLO="L"):
    """Tangent of ``np.linalg.eigvalsh(a, UPLO)``: ``diag(v^T t v)``."""
    w, v = np.linalg.eigh(a, UPLO)
    return _tie_average(np.sum(v * (_symmetric(t + np.zeros_like(a), UPLO) @ v), axis=-2), w, -1)


def eigvalsh_adjoint(g, a, UPLO="L"):
    """Adjoint of ``np.linalg.eigvalsh(a, UPLO)``: ``v diag(g) v^T``."""
    w, v = np.linalg.eigh(a, UPLO)
    g = _tie_average(_full(g, w), w, -1)
    return _symmetric_adjoint((v * g[..., None, :]) @ _T(v), UPLO)


# ------------------------------------------------------------------ svd, svdvals
def _check_svd(a, full_matrices, compute_uv, hermitian):
    m, n = _shape(a)[-2:]
    if hermitian:
        raise ValueError("np.linalg.svd with hermitian=True is not differentiated; leave hermitian "
                         "at False")
    if not compute_uv:
        raise ValueError("np.linalg.svd with compute_uv=False gives the singular values alone: "
                         "write np.linalg.svdvals(a) to differentiate them")
    if full_matrices and m != n:
        raise ValueError("np.linalg.svd of a non-square matrix with full_matrices=True: the extra "
                         "columns of u (or rows of vh) are not determined by a, so they have no "
                         "derivative; pass full_matrices=False")


def _value_part(p, s):
    """The singular values' tangents from ``p = u^T t v``: ties share, zeros have the kink's 0."""
    ds = _tie_average(_diagonal(p), s, -1)
    return np.where(s == 0, 0.0 * ds, ds)


def svdvals_tangent(a, t):
    """Tangent of ``np.linalg.svdvals(a)``: ``diag(u^T t v)``."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return _value_part(_T(u) @ (t + np.zeros_like(a)) @ _T(vh), s)


def svdvals_adjoint(g, a):
    """Adjoint of ``np.linalg.svdvals(a)``: ``u diag(g) v^T``."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    g = _value_part(_diag_embed(_full(g, s)), s)
    return (u * g[..., None, :]) @ vh


def svd_tangent(a, t, u, s, vh, full_matrices=True, compute_uv=True, hermitian=False):
    """Tangents ``(u_dot, s_dot, vh_dot)`` of ``u, s, vh = np.linalg.svd(a, ...)``."""
    _check_svd(a, full_matrices, compute_uv, hermitian)
    t = t + np.zeros_like(a)
    v = _T(vh)
    p = _T(u) @ t @ v
    f = _gaps(s, squared=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = 1.0 / s[..., None, :]
        du = u @ (f * (p * s[..., None, :] + s[..., :, None] * _T(p)))
        du = du + (t @ v - u @ (_T(u) @ t @ v)) * inverse
        dv = v @ (f * (s[..., :, None] * p + _T(p) * s[..., None, :]))
        dv = dv + (_T(t) @ u - v @ (_T(v) @ _T(t) @ u)) * inverse
    return du, _value_part(p, s), _T(dv)


def svd_adjoint(gu, gs, gvh, a, u, s, vh, full_matrices=True, compute_uv=True, hermitian=False):
    """Adjoint of ``u, s, vh = np.linalg.svd(a, ...)`` for ``a``, from those of the three outputs."""
    _check_svd(a, full_matrices, compute_uv, hermitian)
    gu, gv, v = _full(gu, u), _T(_full(gvh, vh)), _T(vh)
    f = _gaps(s, squared=True)
    j, k = _times(f, _T(u) @ gu), _times(f, _T(v) @ gv)
    inner = ((j + _T(j)) * s[..., None, :] + _diag_embed(_value_part(_diag_embed(_full(gs, s)), s))
             + s[..., :, None] * (k + _T(k)))
    with np.errstate(divide="ignore"):
        inverse = 1.0 / s[..., None, :]
    left = _times(inverse, gu - u @ (_T(u) @ gu))
    right = _times(inverse, gv - v @ (_T(v) @ gv))
    return u @ inner @ vh + left @ vh + u @ _T(right)


# ------------------------------------------------------------------ qr
def _check_qr(a, mode):
    m, n = _shape(a)[-2:]
    if mode not in ("reduced", "complete"):
        raise ValueError(f"np.linalg.qr with mode={mode!r} is not differentiated; use mode='reduced'")
    if m < n:
        raise ValueError("np.linalg.qr of a wide matrix (fewer rows than columns) is not "
                         "differentiated; factor its transpose or its leading square block")
    if mode == "complete" and m != n:
        raise ValueError("np.linalg.qr with mode='complete' of a tall matrix: the extra columns of q "
                         "are not determined by a, so they have no derivative; use mode='reduced'")


def _right_inverse(x, r):
    """``x @ inv(r)``."""
    return _T(np.linalg.solve(_T(r), _T(x)))


def qr_tangent(a, t, q, r, mode="reduced"):
    """Tangents ``(q_dot, r_dot)`` of ``q, r = np.linalg.qr(a)`` (a tall or square, full rank)."""
    _check_qr(a, mode)
    b = _right_inverse(t + np.zeros_like(a), r)
    c = _T(q) @ b
    lower = np.tril(c, -1)
    upper = c - lower + _T(lower)               # c - (lower - lower^T)
    return b - q @ upper, np.triu(upper @ r)


def qr_adjoint(gq, gr, a, q, r, mode="reduced"):
    """Adjoint of ``q, r = np.linalg.qr(a)`` for ``a``, from those of ``q`` and ``r``."""
    _check_qr(a, mode)
    gq, gr = _full(gq, q), _full(gr, r)
    n = gr @ _T(r) - _T(q) @ gq
    c = np.triu(n) + np.tril(_T(n), -1)
    b = gq + q @ c
    return _T(np.linalg.solve(r, _T(b)))


# ------------------------------------------------------------------ pinv
def _check_pinv(a, rcond, hermitian):
    if hermitian:
        raise ValueError("np.linalg.pinv with hermitian=True is not differentiated; leave it at False")
    s = np.linalg.svd(a, compute_uv=False)
    m, n = _shape(a)[-2:]
    tolerance = max(1e-15 if rcond is None else float(rcond), max(m, n) * np.finfo(s.dtype).eps)
    if bool(np.any(s[..., -1] <= tolerance * s[..., 0])):
        raise ValueError("np.linalg.pinv of a matrix without full rank: the pseudo-inverse jumps "
                         "there, so it has no derivative")


def pinv_tangent(a, t, y, rcond=None, hermitian=False):
    """Tangent of ``y = np.linalg.pinv(a)`` at a matrix of full rank."""
    _check_pinv(a, rcond, hermitian)
    t = t + np.zeros_like(a)
    tt = _T(t)
    away = tt - tt @ a @ y                          # t^T (I - a y)
    toward = tt - y @ a @ tt                        # (I - y a) t^T
    return -(y @ t @ y) + y @ _T(y) @ away + toward @ _T(y) @ y


def pinv_adjoint(g, a, y, rcond=None, hermitian=False):
    """Adjoint of ``y = np.linalg.pinv(a)`` at a matrix of full rank."""
    _check_pinv(a, rcond, hermitian)
    g = _full(g, y)
    gt = _T(g)
    yy = y @ _T(y)
    first = gt @ yy - a @ (y @ (gt @ yy))           # (I - a y) g^T y y^T
    tyy = _T(y) @ y
    second = tyy @ gt - (tyy @ gt @ y) @ a          # y^T y g^T (I - y a)
    return -(_T(y) @ g @ _T(y)) + first + second
