"""Adjoints of joining, splitting and repeating: concatenate, stack, hstack, vstack, dstack, split,
tile and repeat. A part's adjoint is its slice of ``g``; a repeated element's, its copies summed."""
import numpy as np

from .core import _shape
from .operands import _along, _in_shape_of, _positions, _size

__all__ = ['concatenate_adjoint', 'stack_adjoint', 'hstack_adjoint', 'vstack_adjoint', 'dstack_adjoint',
           'split_adjoint', 'tile_adjoint', 'repeat_adjoint']


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
        return _in_shape_of(_join_part(g, [(_size(x),) for x in arrays], k, 0), arrays[k])
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
    return _in_shape_of(_join_part(g, shapes, k, axis), arrays[k])


def dstack_adjoint(g, arrays, k):
    """Adjoint of ``np.dstack(arrays)`` with respect to ``arrays[k]``, in its own shape.

    >>> import numpy as np
    >>> dstack_adjoint(np.array([[[1.0, 2.0]]]), [np.zeros(1), np.zeros(1)], 1)
    array([2.])
    """
    if not _shape(g):
        return g
    shapes = [_atleast_3d(_shape(x)) for x in arrays]
    return _in_shape_of(_join_part(g, shapes, k, 2), arrays[k])


def _atleast_3d(shape):
    """The shape ``np.atleast_3d`` gives an array of ``shape``: (1, N, 1) for a vector of N."""
    return {0: (1, 1, 1), 1: (1,) + tuple(shape) + (1,), 2: tuple(shape) + (1,)}.get(len(shape), tuple(shape))


def vstack_adjoint(g, arrays, k):
    """Adjoint of ``np.vstack(arrays)`` with respect to ``arrays[k]``, in its own shape.

    >>> import numpy as np
    >>> vstack_adjoint(np.array([[1.0, 2.0], [3.0, 4.0]]), [np.zeros(2), np.zeros(2)], 1)
    array([3., 4.])
    """
    if not _shape(g):
        return g
    shapes = [(1,) * (2 - len(_shape(x))) + _shape(x) for x in arrays]     # np.atleast_2d
    return _in_shape_of(_join_part(g, shapes, k, 0), arrays[k])


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
    return _in_shape_of(summed, a)


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
