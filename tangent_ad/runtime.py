"""The small runtime that generated derivatives call.

Every function here works for any array library that implements NumPy's
dispatch protocols (NumPy, CuPy, ...): arrays are created only through
``*_like`` functions, NumPy functions dispatch on their arguments, and user
data is never copied to the host or converted with ``np.asarray``.

>>> import numpy as np
>>> unbroadcast(np.ones((2, 3)), np.zeros((3,)))
array([2., 2., 2.])
>>> unbroadcast(np.ones((2, 3)), np.zeros((2, 1)))
array([[3.],
       [3.]])
>>> sum_adjoint(np.array([1.0, 2.0]), np.zeros((2, 2)), axis=1)
array([[1., 1.],
       [2., 2.]])
"""
import numpy as np

__all__ = [
    "unbroadcast", "broadcast_like", "zeros_like", "seed_adjoint", "sum_adjoint", "mean_adjoint",
    "reshape_adjoint", "transpose_adjoint", "index_adjoint", "matmul_adjoint_left", "matmul_adjoint_right",
    "gradient_like",
]


def _shape(x):
    return getattr(x, "shape", ())


def _ndim(x):
    return getattr(x, "ndim", 0)


def unbroadcast(g, x):
    """Sum the adjoint ``g`` over the axes along which ``x`` was broadcast, giving ``x``'s shape."""
    shape = _shape(x)
    g_shape = _shape(g)
    if g_shape == shape or not g_shape:
        return g
    if not hasattr(x, "shape"):
        return float(np.sum(g))       # the gradient of a Python number is a Python number
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if extra:
        g = np.reshape(g, shape)
    return g


def broadcast_like(t, y):
    """The tangent ``t`` expanded to the shape of the value ``y`` it belongs to."""
    shape = _shape(y)
    if _shape(t) == shape:
        return t
    if not _shape(t):
        return t + np.zeros_like(y)     # made by y's array library, never on the host
    return np.broadcast_to(t, shape)


def zeros_like(x):
    """A zero of the same kind as ``x``: 0.0 for a Python number, an array of zeros for an array."""
    if not hasattr(x, "shape"):
        return 0.0
    return np.zeros_like(x)


def gradient_like(g, x):
    """``g`` as a gradient of ``x``: a scalar zero placeholder becomes zeros of ``x``'s shape."""
    if _shape(g) != _shape(x) and not _shape(g):
        return np.zeros_like(x) + g
    return g


def seed_adjoint(y, y_bar):
    """Check the seed of the reverse sweep against the output it belongs to."""
    y_shape, seed_shape = _shape(y), _shape(y_bar)
    if y_shape == seed_shape:
        return y_bar
    if not seed_shape and not hasattr(y_bar, "shape") and y_bar == 0:
        return np.zeros_like(y)      # a zero seed: nothing flows back (a helper whose result is unused)
    if not seed_shape:
        raise ValueError(
            f"the gradient needs a scalar output, but the function returned an array of shape "
            f"{y_shape}; seed the reverse sweep with an out_bar of that shape, or use tad.vjp")
    raise ValueError(f"out_bar has shape {seed_shape}, but the function's output has shape {y_shape}")


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims=keepdims)``: ``g`` spread back over the summed axes."""
    if not _shape(g):
        return np.full_like(x, g) if hasattr(x, "shape") else g
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.zeros_like(x) + g


def mean_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims=keepdims)``."""
    shape = _shape(x)
    if axis is None:
        count = 1
        for n in shape:
            count *= n
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        count = 1
        for a in axes:
            count *= shape[a]
    return sum_adjoint(g, x, axis, keepdims) / count


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


def _is_basic_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) or
               (hasattr(p, "dtype") and _ndim(p) == 0 and p.dtype.kind in "iu") for p in parts)


def index_adjoint(g, x, index):
    """Adjoint of ``x[index]``: zeros of ``x``'s shape with ``g`` added at ``index``."""
    out = np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def matmul_adjoint_left(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (vectors, matrices and stacks of matrices)."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * b, a)
    if not _shape(g) and (_ndim(a) > 1 or _ndim(b) > 1):
        return g                                    # a zero placeholder
    if _ndim(b) == 1:
        return g * b if _ndim(a) == 1 else np.expand_dims(g, -1) * b
    if _ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_right(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b``."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * a, b)
    if not _shape(g) and (_ndim(a) > 1 or _ndim(b) > 1):
        return g
    if _ndim(a) == 1:
        return g * a if _ndim(b) == 1 else np.expand_dims(a, -1) * np.expand_dims(g, -2)
    if _ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)
