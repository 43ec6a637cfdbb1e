"""A strict stand-in for a GPU array library such as CuPy, for testing on the CPU.

`StrictArray` wraps a NumPy ndarray and takes part in NumPy's dispatch protocols
(`__array_ufunc__` and `__array_function__`) the way a CuPy array does, so that
`np.sin(a)`, `a + b`, `np.sum(a, axis=0)` and `np.zeros_like(a)` all return
`StrictArray` again.  Like CuPy it refuses to be turned into a NumPy array
implicitly: `np.asarray(a)` raises `TypeError`, and so does mixing a plain ndarray
into a ufunc or an array function.  Code that keeps its arrays in the array library
of its inputs (as the generated derivative code must) runs unchanged on it; code that
silently falls back to NumPy, copies to the host, or creates NumPy arrays with
`np.zeros(shape)` and mixes them in fails loudly.

As in CuPy, reductions and integer indexing give 0-d arrays (never NumPy scalars),
and `bool()`, `float()` and `int()` are allowed for arrays of size 1 only.
"""
import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__all__ = ["StrictArray", "strict", "unwrap"]

_IMPLICIT = "implicit conversion to a NumPy array is not allowed"


class StrictArray(NDArrayOperatorsMixin):
    """An ndarray wrapper that behaves like a CuPy array towards NumPy."""

    __slots__ = ("_data",)

    def __init__(self, data):
        if isinstance(data, StrictArray):
            data = data._data
        if not isinstance(data, np.ndarray):
            raise TypeError(f"StrictArray wraps a numpy.ndarray, not {type(data).__name__}")
        self._data = data

    # -- NumPy protocols --------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT + " (StrictArray behaves like a CuPy array)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "at":  # ufunc.at(a, indices[, b]): the indices may be a tuple
            args = (_unwrap_operand(inputs[0], ufunc), _unwrap_index(inputs[1]))
            args += tuple(_unwrap_operand(x, ufunc) for x in inputs[2:])
        else:
            args = tuple(_unwrap_operand(x, ufunc) for x in inputs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_unwrap_operand(o, ufunc) for o in out)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if method == "at":
            return None
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        for t in types:
            if not issubclass(t, StrictArray):
                # Like CuPy: no silent mixing with NumPy (or other) arrays.
                return NotImplemented
        result = func(*_unwrap_tree(args), **_unwrap_tree(kwargs))
        return _wrap_tree(result)

    # -- attributes ---------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def T(self):
        return StrictArray(self._data.T)

    # -- container protocol ----------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._data)

    def __getitem__(self, key):
        return _wrap(self._data[_unwrap_index(key)])

    def __setitem__(self, key, value):
        if isinstance(value, StrictArray):
            value = value._data
        elif isinstance(value, (list, tuple)):
            raise TypeError("StrictArray.__setitem__ takes an array or a scalar, not a sequence")
        self._data[_unwrap_index(key)] = value

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        for i in range(len(self._data)):
            yield _wrap(self._data[i])      # a vector's entries are 0-d arrays, as in CuPy

    # -- conversions allowed by CuPy (size-1 arrays only) -----------------------------
    def _check_size_one(self, what):
        if self._data.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to {what}")

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous.")
        return bool(self._data.reshape(()))

    def __float__(self):
        self._check_size_one("Python scalars")
        return float(self._data.reshape(()))

    def __int__(self):
        self._check_size_one("Python scalars")
        return int(self._data.reshape(()))

    def item(self):
        self._check_size_one("Python scalars")
        return self._data.item()

    # -- methods, all going through NumPy's dispatch ------------------------------
    def reshape(self, *shape, **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape, **kwargs)

    def sum(self, axis=None, dtype=None, keepdims=False):
        return np.sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        return np.mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return np.transpose(self, axes or None)

    def dot(self, other):
        return np.dot(self, other)

    def _via_numpy(name):
        """A method that calls the NumPy function of the same name, as CuPy's methods mirror them."""
        func = getattr(np, name)

        def method(self, *args, **kwargs):
            return func(self, *args, **kwargs)
        method.__name__ = name
        return method

    for _name in ("prod", "max", "min", "var", "std", "cumsum", "cumprod", "trace", "ravel", "squeeze",
                  "swapaxes", "repeat", "diagonal", "take", "clip", "argmax", "argmin", "all", "any",
                  "argsort", "nonzero"):
        locals()[_name] = _via_numpy(_name)
    del _name, _via_numpy

    def flatten(self):
        return np.copy(np.ravel(self))

    def astype(self, dtype, copy=True):
        return StrictArray(self._data.astype(dtype, copy=copy))

    def copy(self):
        return np.copy(self)

    def __repr__(self):
        return f"StrictArray({self._data!r})"

    def __copy__(self):
        return StrictArray(self._data.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._data.copy())


# -- helpers ---------------------------------------------------------------------
def _unwrap_operand(x, ufunc):
    if isinstance(x, StrictArray):
        return x._data
    if isinstance(x, np.ndarray):
        raise TypeError(
            f"{ufunc.__name__}: operand of type numpy.ndarray mixed with StrictArray "
            "(a CuPy array does not accept host arrays)")
    if isinstance(x, (list, tuple)):
        raise TypeError(f"{ufunc.__name__}: unsupported operand type {type(x).__name__}")
    return x  # Python and NumPy scalars pass through, as in CuPy


def _unwrap_index(key):
    if isinstance(key, StrictArray):
        return key._data
    if isinstance(key, tuple):
        return tuple(k._data if isinstance(k, StrictArray) else k for k in key)
    return key


def _unwrap_tree(obj):
    if isinstance(obj, StrictArray):
        return obj._data
    if isinstance(obj, list):
        return [_unwrap_tree(o) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_unwrap_tree(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap_tree(v) for k, v in obj.items()}
    return obj


def _wrap(x):
    if isinstance(x, np.ndarray):
        return StrictArray(x)
    if isinstance(x, np.generic) and not isinstance(x, (np.str_, np.bytes_)):
        return StrictArray(np.asarray(x))  # reductions give 0-d arrays, as in CuPy
    if isinstance(x, tuple):
        return tuple(_wrap(o) for o in x)
    return x


def _wrap_tree(obj):
    if isinstance(obj, list):
        return [_wrap_tree(o) for o in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_wrap_tree(o) for o in obj)
    return _wrap(obj)


def strict(x):
    """Wrap (a copy of) an ndarray or a number as a StrictArray."""
    if isinstance(x, StrictArray):
        return StrictArray(x._data.copy())
    if not isinstance(x, (np.ndarray, np.generic, int, float)):
        raise TypeError(f"strict() takes an ndarray or a number, not {type(x).__name__}")
    return StrictArray(np.array(x, copy=True))


def unwrap(x):
    """The ndarray inside a StrictArray; raises if `x` is not a StrictArray.

    Use it on results that must have stayed in the stand-in library: a plain ndarray
    (or NumPy scalar, or Python number) here means something fell back to NumPy.
    """
    if not isinstance(x, StrictArray):
        raise TypeError(f"expected a StrictArray, got {type(x).__module__}.{type(x).__name__}: {x!r}")
    return x._data
