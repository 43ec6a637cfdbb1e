"""Derivatives kept and reused while everything they were built from holds.

``derivative_function`` is where every derivative is asked for: it runs the pipeline
(``run.py``) once per function, mode and arguments, keeps the result on the function
itself, and uses it again only while ``freshness.py`` says nothing it was built from has
changed.
"""
import threading

from ..errors import InternalError, TransformError
from ..front import aliasing, depth
from . import caches, freshness
from .module import Request
from .run import build

_lock = threading.RLock()


def derivative_function(func, mode, wrt, return_value=False, tuple_output=False, checkpoint=None,
                        optimize=True, plain=False, scalars=frozenset(), layout=None, has_aux=False):
    """The compiled derivative of ``func`` (cached per function, mode and wrt).

    A cached derivative is used only while everything it was built from is unchanged
    (``freshness.py`` lists what that is): redefine a helper or a constant, edit a
    function (IPython's autoreload), rebind a closure variable, and it is generated again.
    The cache is kept on ``func`` itself, so it does not keep ``func`` alive.

    Reverse-mode code may update adjoints in place and add up a loop's matmul adjoints in
    one product after the loop; ``plain=True`` asks for code that does neither. Forward mode
    over generated code that does reads its plain twin instead.

    ``layout``: the structure of the arguments (dicts, lists, tuples, *args, **kwargs; see
    ``front/pytrees.py``); ``has_aux``: the function returns ``(value, aux)`` and only the
    value is differentiated.

    ``scalars``: the parameters a call passes a Python or NumPy scalar to, which never share
    memory (see ``front/aliasing.py``); a derivative built for them is kept apart.
    """
    func = _plain_twin(func) or func
    request = Request(mode, wrt, return_value, tuple_output, checkpoint, optimize, plain,
                      layout=layout, has_aux=has_aux)
    key = _key(request, scalars)
    with _lock:
        per_function = caches.cache(func, "derivatives")
        per_function = {} if per_function is None else per_function
        cached = per_function.get(key)
        if cached is not None and freshness.holds(cached, func):
            return cached
        try:
            with depth.room_for_nesting(func), aliasing.scalar_parameters(func, scalars):
                compiled = build(func, request, helper_derivative=_helper_derivative(optimize))
            _keep_scalars(compiled, scalars)
        except TransformError:
            raise
        except Exception as exc:   # noqa: BLE001 - a transformer bug must say so
            raise InternalError(f"{type(exc).__name__}: {exc} while differentiating "
                                f"{func.__qualname__}") from exc
        per_function[key] = compiled
        return compiled


def _key(request, scalars):
    """The cache key: the request's, and the scalar parameters when a call told them."""
    return request.key() + (("scalars", scalars),) if scalars else request.key()


def _keep_scalars(compiled, scalars):
    """A derivative built for scalar parameters: its plain twin is built for them too."""
    if scalars:
        compiled._tangent_ad_scalars = frozenset(scalars)


def _helper_derivative(optimize):
    """How the pipeline gets the derivative of a helper from another module."""
    def helper_derivative(func, mode, wrt):
        return derivative_function(func, mode, tuple(wrt), optimize=optimize)
    return helper_derivative


def _plain_twin(compiled):
    """The same derivative as ``compiled`` in plain code, to differentiate again; None when
    ``compiled`` is plain already (or is not generated code)."""
    request = getattr(compiled, "_tangent_ad_plain", None)
    func = compiled._tangent_ad_source_function() if request is not None else None
    scalars = getattr(compiled, "_tangent_ad_scalars", frozenset())
    options = getattr(compiled, "_tangent_ad_plain_options", {})
    return derivative_function(func, *request, plain=True, scalars=scalars, **options) if func is not None else None


def still_current(compiled):
    """Whether everything a compiled derivative was built from is unchanged (see freshness.py)."""
    func_ref = getattr(compiled, "_tangent_ad_source_function", None)
    func = func_ref() if func_ref is not None else None
    return func is not None and freshness.holds(compiled, func)
