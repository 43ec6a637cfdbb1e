"""What can be differentiated: a plain function defined with ``def``, or a lambda, read
from its source; and, as users hold them, a bound method or a ``functools.partial`` of one
(:func:`held`: the function, and the arguments already given to it).

Anything else passed as the function is refused with what to write instead, before
a derivative is made: a NumPy function or ufunc, a builtin, a partial of one, a method
of a built-in class, a callable object, and a decorated function whose wrapper cannot
be read as written.

A decorator made with ``functools.wraps`` sets ``__wrapped__`` on its wrapper.
Following it would differentiate the undecorated function, silently leaving out the
wrapper's own work (a negated output, a rescaled argument) and reading the function's
globals instead of the wrapper's; so the wrapper is differentiated as written when it
has plain parameters, and refused when it is the usual ``def w(*args, **kwargs)``.
"""
import functools
import inspect

from .front import fence, parsing
from .front.parsing import check_wrapper


def check_function(f):
    """Raise TypeError (or TransformError, located at the def) unless ``f`` is a plain
    function that tangent_ad can read and differentiate."""
    if inspect.isfunction(f):
        check_wrapper(f)
        _check_parameters(f)
        return
    raise TypeError(_not_a_function(f))


class Held:
    """A function as the user holds it: a plain function, and the arguments a bound method
    (its ``self``) or a ``functools.partial`` (positional and keyword) already gives it.

    ``wrt`` counts the parameters left to pass, as JAX does: for ``model.loss`` with
    ``def loss(self, x)``, ``wrt=0`` is ``x``.
    """

    def __init__(self, func, prefix=(), keywords=None):
        self.func = func
        self.prefix = tuple(prefix)
        self.keywords = dict(keywords or {})

    @property
    def simple(self):
        return not self.prefix and not self.keywords

    def visible(self, names):
        """The parameters of ``names`` (the function's positional ones) left to pass by position."""
        return [n for n in names[len(self.prefix):] if n not in self.keywords]


def held(f):
    """The :class:`Held` of ``f``: a plain function, a bound method or a functools.partial of
    one (TypeError with what to write instead for anything else)."""
    prefix, keywords = (), {}
    while True:
        if getattr(type(f), "_tangent_ad_decorated", False):     # @differentiate's object
            f = f.__wrapped__
        if isinstance(f, functools.partial):
            prefix, keywords = tuple(f.args) + prefix, {**f.keywords, **keywords}
            f = f.func
        elif inspect.ismethod(f) and (inspect.isfunction(f.__func__) or
                                      getattr(type(f.__func__), "_tangent_ad_decorated", False)):
            prefix = (f.__self__,) + prefix
            f = f.__func__
        else:
            break
    if inspect.isfunction(f) and (prefix or keywords):
        check_wrapper(f)
    return Held(f, prefix, keywords)


def _check_parameters(f):
    """``*args``, ``**kwargs`` and keyword-only parameters: the fence's error, before the
    API looks for the parameters ``wrt`` names."""
    code = f.__code__
    flags = code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    if flags or code.co_kwonlyargcount or code.co_posonlyargcount:
        fence.check_function(parsing.parse_function(f))


def _not_a_function(f):
    name = getattr(f, "__name__", None)
    if isinstance(f, functools.partial):
        inner = getattr(f.func, "__name__", "f")
        fixed = [repr(a) for a in f.args] + [f"{k}={v!r}" for k, v in f.keywords.items()]
        return (f"tangent_ad differentiates functions defined with def, not a functools.partial "
                f"({f!r}); write the partial application as a function: "
                f"def g(x): return {inner}({', '.join(fixed + ['x'] if f.args else ['x'] + fixed)})")
    if hasattr(f, "cache_info") and hasattr(f, "__wrapped__"):
        return (f"{name} is wrapped in a cache (functools.lru_cache or functools.cache), which "
                f"tangent_ad cannot differentiate; differentiate {name}.__wrapped__, the function "
                "without its cache")
    module = getattr(f, "__module__", None) or ""
    numpy_function = module.split(".")[0] == "numpy" or type(f).__name__ == "ufunc"
    if name is not None and (numpy_function or inspect.isbuiltin(f)):
        if numpy_function:
            prefix = "np" + (module[len("numpy"):] if module.startswith("numpy") else "") + "."
        else:
            prefix = "" if module in ("builtins", "") else module + "."
        return (f"{prefix}{name} is not a Python function defined with def: tangent_ad reads the source "
                f"of the function it differentiates, and {prefix}{name} has none; call it inside one "
                f"and differentiate that: def f(x): return {prefix}{name}(x)")
    if inspect.ismethod(f):
        return (f"tangent_ad differentiates functions defined with def, not a bound method ({f!r}); "
                "write a function of the arrays to differentiate: def f(x): return obj.method(x), "
                "with obj's numbers passed as arguments")
    if inspect.isclass(f):
        return f"tangent_ad differentiates functions defined with def, not a class ({f!r})"
    return (f"tangent_ad differentiates Python functions defined with def; got {f!r}; "
            "write a def function that computes the value and differentiate that")
