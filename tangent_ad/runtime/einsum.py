"""The adjoint of ``np.einsum``: itself an einsum, with the subscripts spelled out label by label."""
import string

import numpy as np

from .core import _ndim, _shape
from .operands import _in_shape_of, _zero_placeholder

__all__ = ['einsum_adjoint']


def _eye_like(x, n):
    """An n-by-n identity matrix of ``x``'s array library and dtype."""
    return np.triu(np.tril(np.ones_like(x, shape=(n, n))))


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
