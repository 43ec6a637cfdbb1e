"""Lists and tuples of differentiated values: their tangents and adjoints.

The tangent of a list is the list of its elements' tangents, a plain list: forward-mode
code builds it as the program builds the list (``ys_dot = ys_dot + [t1_dot]``).

The adjoint of a list is a :class:`Cotangents`: one adjoint per element, which the
reverse sweep adds up element by element. A plain list would concatenate under ``+``;
a ``Cotangents`` adds, so the reverse sweep accumulates a list's adjoint with the same
``ys_bar = ys_bar + ...`` it writes for an array. The scalar ``0.0`` (the sweep's
placeholder for "nothing yet") adds to it as zero.

>>> import numpy as np
>>> g = Cotangents([1.0, np.ones(2)])
>>> g + Cotangents([2.0, np.ones(2)])
Cotangents([3.0, array([2., 2.])])
>>> 0.0 + g == g
True
>>> g[:1]
Cotangents([1.0])
"""
import numpy as np

__all__ = ["Cotangents", "as_array", "cotangents", "item_adjoint", "list_set", "rows_adjoint", "list_zeros", "list_index_adjoint", "list_index_accumulate",
           "head_adjoint", "tail_adjoint", "split_list_adjoint"]


class Cotangents(list):
    """The adjoint of a list or tuple: one adjoint per element, added element by element.

    Adding a plain list concatenates, as lists do: forward-mode code starts a list's tangent
    from :func:`list_zeros` and appends to it (``zeros + [t_dot]``).
    """

    def __add__(self, other):
        if isinstance(other, Cotangents):
            _same_length(self, other)
            return Cotangents(a + b for a, b in zip(self, other))
        if isinstance(other, list):
            return list.__add__(list(self), other)
        if not np.shape(other):             # the reverse sweep's zero placeholder
            if other == 0:
                return self
            raise TypeError(f"cannot add the number {other!r} to the adjoint of a list")
        _same_length(self, other)           # an array's adjoint (np.sum(ys) read the list as one)
        return Cotangents(a + other[k] for k, a in enumerate(self))

    __radd__ = __add__

    def __iadd__(self, other):
        return self + other

    def __getitem__(self, index):
        item = list.__getitem__(self, index)
        return Cotangents(item) if isinstance(index, slice) else item

    def __repr__(self):
        return f"Cotangents({list.__repr__(self)})"


def as_array(values):
    """A list of equally shaped values as one array, as NumPy reads it (``np.mean(ys)``)."""
    return np.stack(values)


def _same_length(a, b):
    if len(a) != len(b):
        raise ValueError(f"adjoints of lists of {len(a)} and {len(b)} values cannot be added")


def cotangents(items):
    """The adjoint of a list, from its elements' adjoints: ``cotangents(g[k] for k in ...)``."""
    return Cotangents(items)


def _zero(value):
    if isinstance(value, (list, tuple)):
        return list_zeros(value)
    return np.zeros_like(value) if hasattr(value, "shape") else 0.0


def list_zeros(values):
    """One zero per element of the list ``values``, each of its element's shape."""
    return Cotangents(_zero(v) for v in values)


def list_index_adjoint(g, values, index):
    """Adjoint of ``values[index]`` for a list or tuple: zeros with ``g`` at ``index``
    (spread over the slice's elements for a slice)."""
    out = list_zeros(values)
    if isinstance(index, slice):
        for position, part in zip(range(*index.indices(len(values))), _pieces(g, index, values)):
            out[position] = out[position] + part
    else:
        out[index] = out[index] + g
    return out


def list_index_accumulate(values_bar, g, index):
    """``values_bar[index] += g`` for a list's adjoint nothing else refers to; the element
    itself is replaced, never changed in place (it may be another value's adjoint)."""
    if isinstance(index, slice):
        for position, part in zip(range(*index.indices(len(values_bar))), g):
            values_bar[position] = values_bar[position] + part
    else:
        values_bar[index] = values_bar[index] + g


def _pieces(g, index, values):
    if isinstance(g, Cotangents) or hasattr(g, "shape"):
        return g
    return [g] * len(range(*index.indices(len(values))))


def list_set(values, index, item):
    """A copy of the list ``values`` with ``item`` at ``index``: ``ys[i] = v`` as a new list (a
    list adjoint stays one)."""
    if not _has_parts(values):        # the zero placeholder of an adjoint no one reached
        return values
    out = list(values) if type(values) in (list, tuple) else Cotangents(values)    # an adjoint stays one
    out[index] = item
    return tuple(out) if isinstance(values, tuple) else out


def item_adjoint(g, k):
    """The adjoint of element ``k`` of a list whose adjoint is ``g``: ``g[k]``, or the zero
    placeholder when nothing reached the list."""
    return g[k] if _has_parts(g) else g


def head_adjoint(g, count):
    """The adjoint of the first ``count`` elements of a list (all but the last for
    ``count = -1``): ``g[:count]``."""
    if not _has_parts(g):
        return g
    return g[:count] if isinstance(g, Cotangents) else Cotangents(g[:count])


def tail_adjoint(g, count):
    """The adjoint of the elements of a joined list after its first ``count``: ``g[count:]``."""
    if not _has_parts(g):
        return g
    return g[count:] if isinstance(g, Cotangents) else Cotangents(g[count:])


def _has_parts(g):
    return isinstance(g, list) or bool(getattr(g, "shape", ()))


def rows_adjoint(g, x):
    """Adjoint of ``list(x)``, the rows of the array ``x``: the rows' adjoints stacked (zeros
    for a row no adjoint reached)."""
    if not _has_parts(g):
        return g
    return np.stack([part if _shape_of(part) == x.shape[1:] else np.zeros_like(x[k]) + part
                     for k, part in enumerate(g)])


def _shape_of(value):
    return getattr(value, "shape", ())


def split_list_adjoint(gs, values):
    """Adjoint of a list of arrays (``np.split``'s result, ``list(x)``) read as one array:
    each part's adjoint, zeros where none flowed back."""
    return Cotangents(g if g is not None else _zero(v) for g, v in zip(gs, values))
