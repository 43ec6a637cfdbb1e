"""Adjoints of reading and writing array elements by index."""
import numpy as np

from .containers import list_index_accumulate, list_index_adjoint, list_set, list_zeros
from .core import _ndim, _shape, broadcast_like, unbroadcast
from .operands import _element_numbers

__all__ = ['index_accumulate', 'index_adjoint', 'index_update', 'setitem_adjoint', 'setitem_value_adjoint']


def _is_basic_index(index):
    if type(index) is slice or type(index) is int:      # x[1:], x[t]: a loop body asks every step
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) or
               (hasattr(p, "dtype") and _ndim(p) == 0 and p.dtype.kind in "iu") for p in parts)


def index_adjoint(g, x, index):
    """Adjoint of ``x[index]``: zeros of ``x``'s shape with ``g`` added at ``index``.

    Integer-array indices that repeat an element add up there.

    >>> import numpy as np
    >>> index_adjoint(np.array([1.0, 2.0]), np.zeros(3), [2, 2])
    array([0., 0., 3.])
    """
    if isinstance(x, (list, tuple)):
        return list_index_adjoint(g, x, index)
    # np.zeros_like dispatches through __array_function__: five times np.zeros on a NumPy array
    out = np.zeros(x.shape, x.dtype) if type(x) is np.ndarray else np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _copy(x):
    """A writable copy of the array ``x``, by the array's own method (Dask has no ``np.copy``)."""
    return np.copy(x) if isinstance(x, np.generic) else x.copy()


def _check_no_repeats(x, index):
    """Raise if ``index`` holds integer arrays that select an element of ``x`` more than once."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, list) or (_ndim(p) > 0 and p.dtype.kind in "iu") for p in parts):
        return      # slices, integers and masks select each element at most once
    chosen = np.reshape(_element_numbers(x)[index], (-1,))
    if _shape(chosen)[0] < 2:
        return
    chosen = np.sort(chosen)
    if bool(np.any(chosen[1:] == chosen[:-1])):
        raise ValueError(
            "an array store x[index] = v (or x[index] += v) whose integer index selects the same "
            "element more than once cannot be differentiated: NumPy keeps only one of the writes. "
            "Use indices without repeats, or build the array with arithmetic instead, e.g. "
            "x = x + np.where(mask, v, 0.0), or sum the contributions explicitly")


def index_update(t, y, index, v_t, add=False):
    """Tangent of the store ``y[index] = v`` (``add=True``: ``y[index] += v``): a new array,
    the tangent ``t`` of ``y`` with ``[index]`` set to (or incremented by) the tangent ``v_t``
    of ``v``. ``t`` itself is never modified.

    >>> import numpy as np
    >>> index_update(0.0, np.zeros(3), 1, 5.0)
    array([0., 5., 0.])
    """
    if isinstance(y, list):               # ys[i] = v into a Python list: a new list
        t = list_zeros(y) if not isinstance(t, list) else t
        return list_set(t, index, t[index] + v_t if add else v_t)
    _check_no_repeats(y, index)
    out = _copy(broadcast_like(t, y))     # a writable array of its own: t may be shared
    if add:
        out[index] = out[index] + v_t
    else:
        out[index] = v_t
    return out


def setitem_adjoint(g, index):
    """Adjoint of the old ``x`` in the store ``x[index] = v``: ``g`` with ``[index]`` zeroed
    (overwritten entries do not reach the old ``x``), as a new array.

    >>> import numpy as np
    >>> setitem_adjoint(np.array([1.0, 2.0, 3.0]), slice(1, None))
    array([1., 0., 0.])
    """
    if isinstance(g, list):
        return list_set(g, index, 0.0)
    if not _shape(g):
        return g        # a zero placeholder
    out = _copy(g)
    out[index] = 0
    return out


def setitem_value_adjoint(g, v, index):
    """Adjoint of ``v`` in the store ``x[index] = v`` (or ``x[index] += v``): ``g[index]``
    summed down to ``v``'s shape, as a new array.

    >>> import numpy as np
    >>> setitem_value_adjoint(np.array([1.0, 2.0, 3.0]), 0.0, slice(1, None))
    5.0
    """
    if isinstance(g, list):
        return g[index]     # a list's element: its adjoint as it is
    if not _shape(g):
        return g        # a zero placeholder
    _check_no_repeats(g, index)
    part = unbroadcast(g[index], v)
    if not hasattr(v, "shape"):
        return float(part)      # the adjoint of a Python number is a Python number
    return _copy(part)          # g[index] may be a view of g


def index_accumulate(x_bar, g, index):
    """``x_bar[index] += g`` in place, for an adjoint array nothing else refers to.

    The reverse sweep of ``v = x[t]`` inside a loop adds ``v_bar`` into one row of
    ``x_bar`` instead of building an array of zeros the size of ``x`` per iteration.
    A repeated integer index adds once per repeat, as ``np.add.at`` does.

    >>> import numpy as np
    >>> x_bar = np.zeros(3)
    >>> index_accumulate(x_bar, 2.0, 1); index_accumulate(x_bar, 1.0, [0, 0]); x_bar
    array([2., 2., 0.])
    """
    if isinstance(x_bar, list):
        list_index_accumulate(x_bar, g, index)
    elif _is_basic_index(index):
        x_bar[index] += g
    else:
        np.add.at(x_bar, index, g)
