"""Arguments as Python binds them, and the values tangent_ad refuses to differentiate.

A derivative is called with the arguments of the function it differentiates, and a
call that the function itself would refuse is refused the same way, with Python's
own message: an extra argument must never slip into the generated code's seed
parameter (``out_bar``), which only ``tad.derivative``'s function shows.

>>> def power(x, n=2):
...     return x ** n
>>> signature = Signature(power)
>>> signature.bind((3.0,), {})
(3.0, 2)
>>> signature.bind((3.0, 3, 5), {})
Traceback (most recent call last):
...
TypeError: power() takes from 1 to 2 positional arguments but 3 were given
"""
import numpy as np

# types that are never complex, a matrix or a container: checked with one set lookup
_PLAIN = frozenset({float, int, bool, str, type(None)})
_CONTAINERS = (tuple, list, dict)


class Signature:
    """A function's parameters, to check and bind calls of its derivatives with.

    The common call, every argument by position and as many as the function takes,
    is checked by comparing two ints. Any other call goes through a twin of the
    function: its name, its parameters and defaults, and a body that returns the
    arguments; Python itself binds the call, and raises its own TypeError
    (``f() takes 2 positional arguments but 3 were given``) for one ``f`` refuses.
    """

    def __init__(self, func):
        code = func.__code__
        self.func = func
        self.positional = code.co_varnames[:code.co_argcount]
        self.most = len(self.positional)
        self.least = self.most - len(func.__defaults__ or ())
        # keyword-only parameters, *args and **kwargs: bind gives one value per parameter,
        # in the order positional, *args (a tuple), keyword-only, **kwargs (a dict)
        self.kinds = _kinds(code)
        self.names = tuple(name for name, _ in self.kinds)
        self.plain = len(self.names) == self.most
        self._twin = None           # made on the first call that needs it

    def bind(self, args, kwargs):
        """All the arguments, one per parameter, defaults filled in (Python's TypeError if ``f``
        would refuse the call)."""
        if not kwargs and len(args) == self.most and self.plain:
            return args
        if self._twin is None:
            self._twin = _twin(self.func, self.names)
        return self._twin(*args, **kwargs)

    def check(self, args):
        """Raise Python's TypeError unless ``f(*args)`` binds."""
        if not self.plain or not self.least <= len(args) <= self.most:
            self.bind(args, {})

    def name(self, position):
        return self.names[position] if position < len(self.names) else f"argument {position + 1}"

    def kind(self, name):
        return dict(self.kinds)[name]


def _kinds(code):
    """(name, kind) of each parameter of ``code``: kind is "positional", "vararg", "keyword"
    or "varkw"."""
    names = code.co_varnames
    count, keywords = code.co_argcount, code.co_kwonlyargcount
    out = [(n, "positional") for n in names[:count]]
    after = count + keywords
    if code.co_flags & 0x04:        # CO_VARARGS
        out.append((names[after], "vararg"))
        after += 1
    out += [(n, "keyword") for n in names[count:count + keywords]]
    if code.co_flags & 0x08:        # CO_VARKEYWORDS
        out.append((names[after], "varkw"))
    return out


def _twin(func, names):
    """A function named and called like ``func`` that returns its arguments as a tuple."""
    code = func.__code__
    parts = []
    for index, (name, kind) in enumerate(_kinds(code)):
        if kind == "keyword" and not any(k == "vararg" for _, k in _kinds(code)) and \
                not any(p.startswith("*") for p in parts):
            parts.append("*")
        parts.append({"vararg": "*", "varkw": "**"}.get(kind, "") + name)
        if kind == "positional" and index + 1 == code.co_posonlyargcount:
            parts.append("/")
    text = f"def twin({', '.join(parts)}):\n    return ({''.join(n + ', ' for n in names)})\n"
    namespace = {}
    exec(compile(text, f"<arguments of {func.__qualname__}>", "exec"), namespace)
    twin = namespace["twin"]
    twin.__defaults__ = func.__defaults__
    twin.__kwdefaults__ = func.__kwdefaults__
    code = twin.__code__.replace(co_name=func.__code__.co_name)
    if hasattr(code, "co_qualname"):        # Python 3.11+ names the function by its code
        code = code.replace(co_qualname=func.__code__.co_qualname)
    twin.__code__ = code
    twin.__name__, twin.__qualname__ = func.__name__, func.__qualname__
    return twin


# ------------------------------------------------------------------ values
def refuse_values(func, names, args):
    """Raise TypeError for an argument that no derivative of real-valued code can take:
    a complex number or array, or an ``np.matrix`` (whose ``*`` is a matrix product)."""
    for position, value in enumerate(args):
        if type(value) not in _PLAIN:
            _refuse_value(func, names[position] if position < len(names) else str(position), value)


def _refuse_value(func, name, value):
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind == "c" or isinstance(value, complex):
        raise TypeError(f"argument {name} of {func.__name__} is complex ({_describe(value)}); tangent_ad "
                        "differentiates real-valued code: pass the real and imaginary parts as "
                        "separate real arguments")
    if isinstance(value, np.matrix):
        raise TypeError(f"argument {name} of {func.__name__} is an np.matrix, whose * is a matrix "
                        f"product; pass np.asarray({name}) and write @ where a matrix product is meant")


def check_differentiable(func, name, value):
    """Raise TypeError unless ``value`` is a float or an array of floats."""
    if type(value) is float:
        return
    _refuse_value(func, name, value)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if isinstance(value, (bool, int)) or (kind is not None and kind != "f"):
        what = f"an integer or boolean ({type(value).__name__}"
        what += f" of dtype {value.dtype})" if kind is not None else f" {value!r})"
        raise TypeError(f"argument {name} of {func.__name__} is {what}, which is not differentiable; "
                        "pass floats (for example 3.0 instead of 3, or x.astype(float))")
    if isinstance(value, _CONTAINERS):
        raise TypeError(_container_message(func, name, value))
    if value is None or isinstance(value, str):
        raise TypeError(f"argument {name} of {func.__name__} is {value!r}, which is not differentiable")


def _container_message(func, name, value):
    kind = type(value).__name__
    return (f"argument {name} of {func.__name__} is a {kind}; tangent_ad differentiates with respect "
            f"to floats and arrays, not the values inside a {kind}: pass each value as an argument of "
            f"its own, or one array (np.array, np.stack) that {func.__name__} indexes. A {kind} that is "
            "not differentiated (a constant, a setting) is fine: leave it out of wrt "
            "(in tad.jvp, give it the tangent None)")


def is_differentiable(func, name, value):
    """For tad.vjp, which differentiates every argument it can: whether ``value`` is a float
    or an array of floats. A tuple, list or dict holding floats is refused (its cotangent
    would silently be None); one holding only ints and strings (a shape, a setting) is not
    differentiable."""
    if type(value) is float:
        return True
    if isinstance(value, (bool, int, str)) or value is None:
        return False
    if isinstance(value, _CONTAINERS):
        if _holds_floats(value):
            raise TypeError(_container_message(func, name, value).split(". A ")[0] + ". tad.vjp "
                            "differentiates every argument that holds floats; to keep this one "
                            "constant, differentiate a function of the others that reads it from "
                            "a global or a closure, or use tad.grad or tad.jvp, which take it as a "
                            "constant")
        return False
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind == "f"
    return isinstance(value, float)


def _holds_floats(value, depth=0):
    if depth > 20:          # a structure this deep is no argument list of numbers: say it holds some
        return True
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        if isinstance(item, _CONTAINERS):
            if _holds_floats(item, depth + 1):
                return True
        elif isinstance(item, float) or getattr(getattr(item, "dtype", None), "kind", None) in ("f", "c"):
            return True
    return False


def _describe(value):
    dtype = getattr(value, "dtype", None)
    return f"{type(value).__name__} of dtype {dtype}" if dtype is not None else repr(value)
