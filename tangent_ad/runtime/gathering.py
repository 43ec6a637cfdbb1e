"""Derivatives of ``np.pad`` and ``np.take``, whose entries copy elements of the operand chosen
by position: the adjoint adds ``g`` back onto the elements copied (repeated positions add up)."""
import numpy as np

from .core import _shape
from .operands import _along, _element_numbers, _size

__all__ = ['pad_tangent', 'pad_adjoint', 'take_adjoint']


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
