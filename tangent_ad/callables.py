"""What can be differentiated: a plain function defined with ``def`` (or a lambda, see
:func:`as_function`), read from its source.

Anything else passed as the function is refused with what to write instead, before
a derivative is made: a NumPy function or ufunc, a builtin, a ``functools.partial``,
a callable object, and a decorated function whose wrapper cannot be read as written.

A decorator made with ``functools.wraps`` sets ``__wrapped__`` on its wrapper.
Following it would differentiate the undecorated function, silently leaving out the
wrapper's own work (a negated output, a rescaled argument) and reading the function's
globals instead of the wrapper's; so the wrapper is differentiated as written when it
has plain parameters, and refused when it is the usual ``def w(*args, **kwargs)``.
"""
import functools
import inspect
import types

from .front import fence, lambdas, parsing
from .front.parsing import check_wrapper
from .pipeline import caches


def as_function(f):
    """``f``, or for a lambda, the function tangent_ad differentiates in its place.

    A lambda is named ``<lambda>``, which no generated name can build on, so it is
    differentiated as a function of its very code, globals, closure cells and defaults
    named for its line (``lambda_line12``; its derivative is ``lambda_line12_grad``).
    Sharing them, the derivative is built again when a global or closure variable the
    lambda reads changes, as for a def function. The function is kept on the lambda; code
    or defaults assigned to the lambda anew are passed on to it when the lambda is given to
    the API again (a gradient made before sees them from then on)."""
    if not (inspect.isfunction(f) and f.__name__ == lambdas.LAMBDA and lambdas.is_lambda(f.__code__)):
        return f
    kept = caches.cache(f, "named_lambda")
    named = kept.get("function") if kept is not None else None
    if named is not None and any(getattr(named, a) is not getattr(f, a) for a in _SHARED):
        named = _follow(named, f)
    if named is None:
        name_ = lambdas.lambda_name(f.__code__)
        named = types.FunctionType(f.__code__, f.__globals__, name_, f.__defaults__, f.__closure__)
        named.__kwdefaults__ = f.__kwdefaults__
        named.__qualname__ = _qualname(f.__qualname__, name_)
        named.__module__, named.__doc__ = f.__module__, f.__doc__
        if kept is not None:
            kept["function"] = named
    return named


_SHARED = ("__code__", "__globals__", "__closure__", "__defaults__", "__kwdefaults__")


def _follow(named, f):
    """The lambda ``f`` was given new code or defaults: ``named`` takes them too, so that the
    derivatives built from it, wherever they are held, see the change and are built again.
    None when it cannot (another closure or globals): a new function is made."""
    if named.__globals__ is not f.__globals__ or named.__closure__ is not f.__closure__:
        return None
    named.__code__, named.__defaults__, named.__kwdefaults__ = f.__code__, f.__defaults__, f.__kwdefaults__
    named.__name__ = lambdas.lambda_name(f.__code__)
    named.__qualname__ = _qualname(f.__qualname__, named.__name__)
    return named


_COMPREHENSIONS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def _qualname(qualname, name_):
    """``C.<lambda>`` -> ``C.lambda_line12``. A comprehension the lambda was written in is left
    out (``<listcomp>.<lambda>`` -> ``lambda_line12``): its scope is no class, and the source
    check reads the parts before the name that no ``<locals>`` follows as classes."""
    outer = [part for part in qualname.split(".")[:-1] if part not in _COMPREHENSIONS]
    return ".".join(outer + [name_])


def check_function(f):
    """Raise TypeError (or TransformError, located at the def) unless ``f`` is a plain
    function that tangent_ad can read and differentiate."""
    if inspect.isfunction(f):
        check_wrapper(f)
        _check_parameters(f)
        return
    raise TypeError(_not_a_function(f))


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
