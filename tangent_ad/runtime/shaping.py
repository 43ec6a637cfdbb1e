"""Adjoints of operations that move elements around (reshape, transpose, flip, concatenate, ...)."""
import numpy as np

from .core import _shape

__all__ = ['reshape_adjoint', 'transpose_adjoint', 'swapaxes_adjoint', 'moveaxis_adjoint',
           'concatenate_adjoint', 'stack_adjoint', 'hstack_adjoint', 'vstack_adjoint',
           'split_adjoint', 'tile_adjoint', 'repeat_adjoint', 'flip_adjoint', 'roll_adjoint',
           'diag_adjoint', 'diagonal_adjoint', 'trace_adjoint', 'tril_adjoint', 'triu_adjoint',
           'pad_tangent', 'pad_adjoint', 'cast_tangent', 'cast_adjoint', 'take_adjoint']


def reshape_adjoint(g, x):
    """Adjoint of ``np.reshape(x, shape)``: ``g`` back in ``x``'s shape."""
    if not _shape(g) and _shape(x):
        return g        # a zero placeholder
    return np.reshape(g, _shape(x))


def transpose_adjoint(g, axes=None):
    """Adjoint of ``np.transpose(x, axes)``: transpose back."""
    if not _shape(g):
        return g        # a zero placeholder (NumPy would turn it into a host array)
    if axes is None:
        return np.transpose(g)
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return np.transpose(g, inverse)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
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


def _as_operand(g, x):
    """The adjoint ``g`` of ``x``'s elements in ``x``'s own shape (a Python number for a Python number)."""
    if not hasattr(x, "shape"):
        return float(np.sum(g))
    return np.reshape(g, x.shape)


# ---------------------------------------------------------------------------
# moving axes
# ---------------------------------------------------------------------------
def swapaxes_adjoint(g, axis1, axis2):
    """Adjoint of ``np.swapaxes(x, axis1, axis2)``: swap them back.

    >>> import numpy as np
    >>> swapaxes_adjoint(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if not _shape(g):
        return g        # a zero placeholder
    return np.swapaxes(g, axis1, axis2)


def moveaxis_adjoint(g, source, destination):
    """Adjoint of ``np.moveaxis(x, source, destination)``: move the axes back.

    >>> import numpy as np
    >>> moveaxis_adjoint(np.zeros((3, 4, 2)), 0, -1).shape
    (2, 3, 4)
    """
    if not _shape(g):
        return g
    return np.moveaxis(g, destination, source)


# ---------------------------------------------------------------------------
# joining and splitting
# ---------------------------------------------------------------------------
def _join_part(g, shapes, k, axis):
    """The slice of ``g`` along ``axis`` that came from the ``k``-th of arrays of ``shapes``
    joined along ``axis``."""
    start = sum(shape[axis] for shape in shapes[:k])
    return g[_along(axis, len(shapes[k]), slice(start, start + shapes[k][axis]))]


def concatenate_adjoint(g, arrays, k, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)`` with respect to ``arrays[k]``: its slice of ``g``.

    >>> import numpy as np
    >>> concatenate_adjoint(np.array([1.0, 2.0, 3.0]), [np.zeros(1), np.zeros(2)], 1)
    array([2., 3.])
    """
    if not _shape(g):
        return g
    if axis is None:    # the inputs were flattened
        return _as_operand(_join_part(g, [(_size(x),) for x in arrays], k, 0), arrays[k])
    if axis == 0:       # the common case, without building an index tuple (a loop body pays for it)
        start = 0
        for x in arrays[:k]:
            start += _shape(x)[0]
        return g[start:start + _shape(arrays[k])[0]]
    return _join_part(g, [_shape(x) for x in arrays], k, axis)


def stack_adjoint(g, k, axis=0):
    """Adjoint of ``np.stack(arrays, axis)`` (and of ``np.array([a, b, ...])``) with respect to
    ``arrays[k]``: slice ``k`` of ``g`` along ``axis``.

    >>> import numpy as np
    >>> stack_adjoint(np.array([[1.0, 2.0], [3.0, 4.0]]), 1, axis=-1)
    array([2., 4.])
    """
    if not _shape(g):
        return g
    return g[_along(axis, len(_shape(g)), k)]


def hstack_adjoint(g, arrays, k):
    """Adjoint of ``np.hstack(arrays)`` with respect to ``arrays[k]``, in its own shape.

    >>> import numpy as np
    >>> hstack_adjoint(np.array([[1.0, 2.0, 3.0]]), [np.zeros((1, 2)), np.zeros((1, 1))], 0)
    array([[1., 2.]])
    """
    if not _shape(g):
        return g
    shapes = [_shape(x) or (1,) for x in arrays]        # np.atleast_1d
    axis = 0 if len(shapes[0]) == 1 else 1
    return _as_operand(_join_part(g, shapes, k, axis), arrays[k])


def vstack_adjoint(g, arrays, k):
    """Adjoint of ``np.vstack(arrays)`` with respect to ``arrays[k]``, in its own shape.

    >>> import numpy as np
    >>> vstack_adjoint(np.array([[1.0, 2.0], [3.0, 4.0]]), [np.zeros(2), np.zeros(2)], 1)
    array([3., 4.])
    """
    if not _shape(g):
        return g
    shapes = [(1,) * (2 - len(_shape(x))) + _shape(x) for x in arrays]     # np.atleast_2d
    return _as_operand(_join_part(g, shapes, k, 0), arrays[k])


def split_adjoint(gs, ary, indices_or_sections, axis=0):
    """Adjoint of ``parts = np.split(ary, indices_or_sections, axis)`` (or ``np.array_split``):
    the adjoints ``gs`` of the parts put back where the parts came from.

    >>> import numpy as np
    >>> split_adjoint([np.array([1.0]), 0.0, np.array([3.0, 4.0])], np.zeros(4), [1, 2])
    array([1., 0., 3., 4.])
    """
    n = _shape(ary)[axis]
    if isinstance(indices_or_sections, (list, tuple)) or _shape(indices_or_sections):
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    else:
        # a number of sections; as in np.array_split the first n % sections get one more
        sections = int(indices_or_sections)
        size, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + size + (i < extra))
    out = np.zeros_like(ary)
    for i, g in enumerate(gs):
        if _shape(g):   # skip zero placeholders
            # ary[start:stop] along axis, with Python's slice rules (parts may even overlap)
            part = _along(axis, len(_shape(ary)), slice(bounds[i], bounds[i + 1]))
            out[part] = out[part] + g
    return out


# ---------------------------------------------------------------------------
# repeating
# ---------------------------------------------------------------------------
def tile_adjoint(g, a, reps):
    """Adjoint of ``np.tile(a, reps)``: the copies of each element summed.

    >>> import numpy as np
    >>> tile_adjoint(np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(2), 2)
    array([4., 6.])
    """
    if not _shape(g):
        return g
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    ndim = max(len(reps), len(_shape(a)))
    shape = (1,) * (ndim - len(_shape(a))) + _shape(a)
    reps = (1,) * (ndim - len(reps)) + reps
    # Axis i of the result has length reps[i] * shape[i]: split it into (copy, element).
    split = []
    for r, n in zip(reps, shape):
        split += [r, n]
    summed = np.sum(np.reshape(g, tuple(split)), axis=tuple(range(0, 2 * ndim, 2)))
    return _as_operand(summed, a)


def repeat_adjoint(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat(a, repeats, axis)``: the repeats of each element summed.

    >>> import numpy as np
    >>> repeat_adjoint(np.array([1.0, 2.0, 3.0]), np.zeros(2), [1, 2])
    array([1., 5.])
    """
    if not _shape(g):
        return g
    a_ = np.reshape(a, (-1,)) if axis is None else np.moveaxis(a, axis, 0)
    g_ = g if axis is None else np.moveaxis(g, axis, 0)
    n = _shape(a_)[0]
    if hasattr(repeats, "tolist"):
        repeats = repeats.tolist()      # a host array would not mix with a GPU array
    if not isinstance(repeats, int) and len(repeats) == 1:
        repeats = repeats[0]
    if isinstance(repeats, int):
        # every element repeated alike: split the axis into (element, copy) and sum the copies
        summed = np.sum(np.reshape(g_, (n, repeats) + _shape(g_)[1:]), axis=1)
    else:
        source = np.repeat(_positions(a_, n), repeats)      # the element each entry copies
        summed = np.zeros_like(a_)
        np.add.at(summed, source, g_)
    return np.reshape(summed, _shape(a)) if axis is None else np.moveaxis(summed, 0, axis)


# ---------------------------------------------------------------------------
# reordering
# ---------------------------------------------------------------------------
def flip_adjoint(g, axis=None):
    """Adjoint of ``np.flip(x, axis)``: flip back.

    >>> import numpy as np
    >>> flip_adjoint(np.array([1.0, 2.0, 3.0]))
    array([3., 2., 1.])
    """
    if not _shape(g):
        return g
    return np.flip(g, axis)


def roll_adjoint(g, shift, axis=None):
    """Adjoint of ``np.roll(x, shift, axis)``: roll back by ``-shift``.

    >>> import numpy as np
    >>> roll_adjoint(np.array([3.0, 1.0, 2.0]), 1)
    array([1., 2., 3.])
    """
    if not _shape(g):
        return g
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return np.roll(g, back, axis)


# ---------------------------------------------------------------------------
# diagonals and triangles
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _check_pad_mode(mode):
    if mode not in _PAD_MODES:
        raise ValueError(f"np.pad with mode={mode!r} cannot be differentiated; the supported "
                         f"modes are {', '.join(repr(m) for m in _PAD_MODES)}")


def pad_tangent(t, pad_width, mode="constant"):
    """Tangent of ``np.pad(array, pad_width, mode=mode, constant_values=c)``: the constant
    padding does not move (its tangent is 0); the other modes copy elements, so pad ``t`` alike.

    >>> import numpy as np
    >>> pad_tangent(np.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    """
    _check_pad_mode(mode)
    return np.pad(t, pad_width, mode=mode)      # mode 'constant' pads with zeros


def pad_adjoint(g, array, pad_width, mode="constant"):
    """Adjoint of ``np.pad(array, pad_width, mode=mode)``: for mode 'constant' the inner part
    of ``g``; for the modes that copy elements, ``g`` summed onto the elements copied.

    >>> import numpy as np
    >>> pad_adjoint(np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(2), 1, mode="edge")
    array([3., 7.])
    """
    _check_pad_mode(mode)
    if not _shape(g):
        return g
    if mode == "constant":
        widths = np.broadcast_to(np.array(pad_width), (len(_shape(array)), 2)).tolist()
        inner = tuple(slice(before, n - after) for (before, after), n in zip(widths, _shape(g)))
        return g[inner]
    # Pad the element numbers of `array` the same way: each entry of the result then names
    # the element it copies, and g is summed onto those elements.
    source = np.pad(_element_numbers(array), pad_width, mode=mode)
    out = np.zeros_like(array, shape=(_size(array),))
    np.add.at(out, np.reshape(source, (-1,)), np.reshape(g, (-1,)))
    return np.reshape(out, _shape(array))


# ---------------------------------------------------------------------------
# dtype casts and take
# ---------------------------------------------------------------------------
def _is_inexact(x):
    """Whether ``x`` (an array, a NumPy scalar or a Python number) holds floating values."""
    if hasattr(x, "dtype"):
        return np.issubdtype(x.dtype, np.inexact)
    return isinstance(x, (float, complex))


def cast_tangent(t, y):
    """Tangent of ``y = a.astype(dtype)`` (or ``np.float32(a)``): ``t`` in ``y``'s dtype; zeros
    when ``y`` is integer or bool (a rounding cast has derivative 0).

    >>> import numpy as np
    >>> cast_tangent(np.array([0.5, 1.5]), np.array([1.0, 2.0], dtype=np.float32))
    array([0.5, 1.5], dtype=float32)
    >>> cast_tangent(np.array([0.5, 1.5]), np.array([1, 2]))
    array([0., 0.])
    """
    if not _is_inexact(y):
        return np.zeros_like(y, dtype=float) if hasattr(y, "shape") else 0.0
    if not hasattr(y, "dtype"):
        return t                        # a Python float: any number will do
    if hasattr(t, "astype"):
        return t.astype(y.dtype)
    return t + np.zeros_like(y)         # a Python number, taking y's dtype and shape


def cast_adjoint(g, a, y):
    """Adjoint of ``y = a.astype(dtype)`` (or ``np.float32(a)``): ``g`` back in ``a``'s dtype;
    zeros when ``y`` is integer or bool.

    >>> import numpy as np
    >>> cast_adjoint(np.array([1.0, 2.0], dtype=np.float32), np.zeros(2), np.zeros(2, np.float32))
    array([1., 2.])
    """
    if not _is_inexact(y):
        return np.zeros_like(a) if hasattr(a, "shape") else 0.0
    if not hasattr(a, "shape"):
        return float(g)                 # the adjoint of a Python number is a Python number
    if _shape(y) and not _shape(g):
        return g                        # a zero placeholder
    if not _is_inexact(a):
        return g                        # an integer operand: no dtype to go back to
    if not hasattr(g, "astype"):
        return np.full_like(a, g)       # a Python number for a 0-d a
    return g.astype(a.dtype)


def take_adjoint(g, a, indices, axis=None):
    """Adjoint of ``np.take(a, indices, axis)``: zeros of ``a``'s shape with ``g`` added at the
    indices taken (repeated indices add up).

    >>> import numpy as np
    >>> take_adjoint(np.array([1.0, 2.0, 3.0]), np.zeros(3), [2, 0, 2])
    array([2., 0., 4.])
    """
    result_ndim = np.ndim(indices) + (0 if axis is None else len(_shape(a)) - 1)
    if result_ndim and not _shape(g):
        return g        # a zero placeholder
    if axis is None:    # a was flattened
        out = np.zeros_like(a, shape=(_size(a),))
        np.add.at(out, indices, g)
        return np.reshape(out, _shape(a))
    out = np.zeros_like(a)
    np.add.at(out, _along(axis, len(_shape(a)), indices), g)
    return out
