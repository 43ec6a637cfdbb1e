"""Broadcasting, zeros and seeds: the runtime every derivative uses.

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
"""
import math
import sys

import numpy as np

from .containers import list_zeros

__all__ = ['unbroadcast', 'broadcast_like', 'zeros_like', 'gradient_like', 'seed_adjoint',
           'scalar_seed', 'size_of', 'reusable',
           'checkpoint_period', 'copy_of', 'separate_arrays']


def _shape(x):
    return getattr(x, "shape", ())


def _ndim(x):
    return getattr(x, "ndim", 0)


def unbroadcast(g, x):
    """Sum the adjoint ``g`` over the axes along which ``x`` was broadcast, giving ``x``'s shape."""
    # getattr inline, not _shape: on Python floats this function is all overhead
    shape = getattr(x, "shape", ())
    g_shape = getattr(g, "shape", ())
    if g_shape == shape or not g_shape:
        return g
    if not hasattr(x, "shape"):
        if isinstance(x, (list, tuple)):     # a list NumPy read as an array (np.sin(ys))
            return unbroadcast(g, np.zeros(np.shape(x)))
        return float(np.sum(g))       # the gradient of a Python number is a Python number
    extra = len(g_shape) - len(shape)
    kept = []           # x's axes of length 1 along which g was broadcast
    for i, n in enumerate(shape if extra >= 0 else ()):
        if g_shape[extra + i] != n:
            if g_shape[extra + i] == 1 or n != 1:
                extra = -1
                break
            kept.append(i)
    if extra < 0:
        # smaller than x somewhere: an adjoint has x's result's shape unless it grew from the
        # zero placeholder (0.0 * t), so this is zeros; give them x's shape
        return np.zeros_like(x)
    # the array's own sum method: the same reduction as np.sum, without its dispatch overhead
    if extra:
        g = g.sum(axis=tuple(range(extra)) if extra > 1 else 0)
    if kept:
        g = g.sum(axis=tuple(kept), keepdims=True)
    return g


def broadcast_like(t, y):
    """The tangent ``t`` expanded to the shape of the value ``y`` it belongs to."""
    shape = _shape(y)
    if _shape(t) == shape:
        return t                        # (a list's tangent too: neither has a shape)
    if not _shape(t):
        return t + np.zeros_like(y)     # made by y's array library, never on the host
    return np.broadcast_to(t, shape)


def zeros_like(x):
    """A zero of the same kind as ``x``: 0.0 for a Python number, an array of zeros for an array."""
    if not hasattr(x, "shape"):
        return list_zeros(x) if isinstance(x, (list, tuple)) else 0.0
    if type(x) is np.ndarray:
        return np.zeros(x.shape, x.dtype)       # np.zeros_like's dispatch costs five times more
    return np.zeros_like(x)


def gradient_like(g, x):
    """``g`` as a gradient of ``x``: a scalar zero placeholder becomes zeros of ``x``'s shape."""
    if _shape(g) != _shape(x) and not _shape(g):
        return np.zeros_like(x) + g
    return g


def seed_adjoint(y, y_bar):
    """Check the seed of the reverse sweep against the output it belongs to."""
    y_shape, seed_shape = getattr(y, "shape", ()), getattr(y_bar, "shape", ())
    if y_shape == seed_shape:
        return y_bar
    if not seed_shape and not hasattr(y_bar, "shape") and y_bar == 0:
        return np.zeros_like(y)      # a zero seed: nothing flows back (a helper whose result is unused)
    if not seed_shape:
        raise ValueError(
            f"the gradient needs a scalar output, but the function returned an array of shape "
            f"{y_shape}; seed the reverse sweep with an out_bar of that shape, or use tad.vjp")
    raise ValueError(f"out_bar has shape {seed_shape}, but the function's output has shape {y_shape}")


def scalar_seed(y_bar):
    """The seed of the reverse sweep of an output known to be a scalar (``np.sum(x)``).

    Unlike :func:`seed_adjoint` it needs no output to compare with, so ``tad.grad`` need
    not compute the output at all.

    >>> scalar_seed(1.0)
    1.0
    """
    seed_shape = _shape(y_bar)
    if seed_shape:
        raise ValueError(f"out_bar has shape {seed_shape}, but the function's output is a scalar")
    return y_bar


def size_of(x):
    """The number of elements of ``x`` (1 for a number), from its shape, for any array library.

    >>> import numpy as np
    >>> size_of(np.zeros((2, 3))), size_of(2.0)
    (6, 1)
    """
    count = 1
    for n in getattr(x, "shape", ()):
        count *= n
    return count


def reusable(x):
    """``x`` when a ufunc of it may write its result into ``x``'s memory (``out=``): a real
    array of floats (a float ufunc of it has its dtype) of an array library whose ufuncs take
    ``out=`` as NumPy's do (NumPy, CuPy, Dask). None otherwise (a number, a NumPy scalar,
    integers, complex numbers): the ufunc then makes a new value, as without ``out=``.

    The reverse sweep calls it on a forward value it made itself and reads for the last
    time (``t1_bar = np.cos(t1, out=reusable(t1))``), never on an argument or a value
    another name may share.

    >>> import numpy as np
    >>> t = np.array([0.0, 1.0])
    >>> reusable(t) is t, reusable(2.0), reusable(np.float64(2.0)), reusable(np.arange(2))
    (True, None, None, None)
    """
    if isinstance(x, np.generic) or getattr(type(x), "__array_ufunc__", None) is None:
        return None
    dtype = getattr(x, "dtype", None)
    return x if getattr(dtype, "kind", None) == "f" else None


def checkpoint_period(steps, every=None):
    """Iterations between two snapshots of a checkpointed loop.

    ``every`` when given; otherwise about sqrt(steps), so a loop of ``steps`` iterations keeps
    about sqrt(steps) snapshots and records about sqrt(steps) iterations at a time (a ``while``
    loop, whose length is unknown in advance, takes a snapshot every 32 iterations).

    >>> checkpoint_period(10000), checkpoint_period(10000, 50), checkpoint_period(None)
    (100, 50, 32)
    """
    if every is not None and every is not True:
        return max(1, int(every))
    if steps is None:
        return 32
    return math.isqrt(max(steps, 1) - 1) + 1


def copy_of(x):
    """A copy of an array (a later in-place store must not change a saved value); numbers as they are.

    >>> import numpy as np
    >>> a = np.zeros(2); saved = copy_of(a); a[0] = 1.0; saved, copy_of(3)
    (array([0., 0.]), 3)
    """
    return x.copy() if hasattr(x, "shape") and hasattr(x, "copy") else x


def separate_arrays(**arguments):
    """Raise ValueError when the first argument (one the function stores into) shares memory
    with another: the derivative stores into a copy, so it cannot follow a store that also
    changes a second argument.

    >>> import numpy as np
    >>> a = np.zeros(2)
    >>> separate_arrays(a=a, b=np.ones(2))
    >>> separate_arrays(a=a, b=a[1:])
    Traceback (most recent call last):
    ...
    ValueError: arguments a and b share memory, and the function stores into a; pass separate arrays (b.copy())
    """
    (stored_name, stored), *others = arguments.items()
    for name, other in others:
        if other is stored or (hasattr(other, "shape") and _may_share_memory(stored, other)):
            raise ValueError(f"arguments {stored_name} and {name} share memory, and the function "
                             f"stores into {stored_name}; pass separate arrays ({name}.copy())")


def _may_share_memory(a, b):
    """NumPy's (or the array library's own) may_share_memory; False where there is none."""
    module = sys.modules.get(type(a).__module__.partition(".")[0])
    test = getattr(module, "may_share_memory", None)
    try:
        return bool(test(a, b)) if test is not None else False
    except (TypeError, ValueError):
        return False

