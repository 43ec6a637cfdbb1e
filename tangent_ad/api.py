"""The public API: grad, value_and_grad, jvp, vjp, derivative, source and the decorator.

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> tad.grad(poly, wrt=(0, 1))(3.0, 2.0)
(6.0, -4.0)
>>> tad.jvp(poly, (3.0, 2.0), (1.0, 0.0))
(5.0, 6.0)
"""
import functools
import inspect
import weakref

from .transform import derivative_function, still_current

MODES = ("reverse", "forward")


# ---------------------------------------------------------------- arguments
def _parameters(func):
    return [p.name for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)]


def _wrt_names(func, wrt):
    """(names, as_tuple) for a wrt given as an index, a name, or a tuple of them."""
    params = _parameters(func)
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    if not items:
        raise ValueError(f"wrt is empty; name at least one parameter of {func.__name__} "
                         f"({', '.join(params)})")
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise TypeError(f"wrt must be a parameter index or name, or a tuple of them; got {item!r}")
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise ValueError(f"wrt={item} is out of range: {func.__name__} has {len(params)} "
                                 f"parameter(s) ({', '.join(params)})")
            item = params[item]
        elif item not in params:
            raise ValueError(f"wrt={item!r} is not a parameter of {func.__name__}; its parameters "
                             f"are ({', '.join(params)})")
        if item in names:
            raise ValueError(f"wrt names {item!r} twice")
        names.append(item)
    return tuple(names), as_tuple


def _check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward'; got {mode!r}")


def _bound_arguments(func, args, kwargs):
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{func.__name__}: {exc}") from None
    bound.apply_defaults()
    return bound.arguments


def _check_differentiable(func, name, value):
    if type(value) is float:
        return
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if isinstance(value, (bool, int)) or (kind is not None and kind not in "fc"):
        what = f"an integer or boolean ({type(value).__name__}"
        what += f" of dtype {value.dtype})" if kind is not None else f" {value!r})"
        raise TypeError(f"argument {name} of {func.__name__} is {what}, which is not differentiable; "
                        "pass floats (for example 3.0 instead of 3, or x.astype(float))")
    if value is None or isinstance(value, str):
        raise TypeError(f"argument {name} of {func.__name__} is {value!r}, which is not differentiable")


def _like_argument(gradient, argument):
    """A gradient of a Python float is a Python float."""
    if isinstance(argument, float) and not hasattr(argument, "dtype") and getattr(gradient, "shape", ()) == ():
        try:
            return float(gradient)
        except TypeError:
            return gradient
    return gradient


# --------------------------------------------------------------------- API
def derivative(f, mode="reverse", wrt=0, checkpoint=None, optimize=True):
    """The generated derivative function of ``f`` (a plain Python function; see ``.source``).

    Forward mode: ``d(*args, *tangents)`` returns ``(out, out_dot)``. Reverse mode:
    ``d(*args)`` returns the gradient(s); an optional last argument seeds a non-scalar output.
    ``checkpoint`` (reverse mode): see :func:`grad`. ``optimize=False`` gives the plain
    transformation, before the clean-ups that make it read like hand-written code (the
    same numbers, more code; see :func:`stages`).
    """
    _check_mode(mode)
    f = _unwrap(f)
    names, as_tuple = _wrt_names(f, wrt)
    return derivative_function(f, mode, names, tuple_output=as_tuple and mode == "reverse",
                               checkpoint=_checkpoint(checkpoint, mode), optimize=bool(optimize))


def source(f, mode="reverse", wrt=0, checkpoint=None, optimize=True):
    """The generated source of ``f``'s derivative, as a string."""
    return derivative(f, mode, wrt, checkpoint, optimize).source


def _checkpoint(checkpoint, mode="reverse"):
    """None, True, or a number of iterations per snapshot (checked)."""
    if checkpoint is None or checkpoint is False:
        return None
    if mode != "reverse":
        raise ValueError("checkpoint is for reverse mode: forward mode keeps no tape")
    if checkpoint is True or (isinstance(checkpoint, int) and checkpoint >= 1):
        return checkpoint
    raise ValueError(f"checkpoint must be True (about sqrt(n) snapshots of an n-step loop) or a "
                     f"number of iterations per snapshot (an int >= 1); got {checkpoint!r}")


def _single_output(f, compiled):
    seeds = compiled._tangent_ad_info.seeds
    if len(seeds) > 1:
        raise ValueError(f"the gradient needs a scalar output, but {f.__name__} returns a tuple of "
                         f"{len(seeds)} values; use tad.vjp, or return one scalar")


# f -> {(wrt, return_value, checkpoint): the gradient function}: tad.grad(f)(x) in a loop
# builds its wrapper once (inspecting f's signature costs tens of microseconds)
_gradients = weakref.WeakKeyDictionary()


def _reverse(f, wrt, return_value, checkpoint=None):
    """The function computing f's gradient (with its value, if asked) from f's arguments."""
    try:
        made = _gradients.get(f, {}).get((wrt, return_value, checkpoint))
    except TypeError:       # an unhashable wrt (a list) or f
        made = None
    if made is not None and still_current(made.derivative):
        return made
    made = _make_reverse(f, wrt, return_value, checkpoint)
    try:
        _gradients.setdefault(f, {})[(wrt, return_value, checkpoint)] = made
    except TypeError:
        pass
    return made


def _make_reverse(f, wrt, return_value, checkpoint):
    f = _unwrap(f)
    checkpoint = _checkpoint(checkpoint)
    if is_reverse_derivative(f):          # grad(grad(f)): forward mode over the reverse code
        from .higher import gradient_by_forward_mode
        return gradient_by_forward_mode(f, wrt, return_value)
    names, as_tuple = _wrt_names(f, wrt)
    compiled = derivative_function(f, "reverse", names, return_value=return_value,
                                   tuple_output=as_tuple, checkpoint=checkpoint)
    _single_output(f, compiled)

    positions = [_parameters(f).index(n) for n in names]

    def differentiated_arguments(args, kwargs):
        """The values of the wrt arguments (the common all-positional call is the fast path)."""
        if not kwargs and all(p < len(args) for p in positions):
            return [args[p] for p in positions]
        arguments = _bound_arguments(f, args, kwargs)
        return [arguments[n] for n in names]

    def reverse(*args, **kwargs):
        values = differentiated_arguments(args, kwargs)
        for name, value in zip(names, values):
            _check_differentiable(f, name, value)
        current = derivative_function(f, "reverse", names, return_value=return_value,
                                      tuple_output=as_tuple, checkpoint=checkpoint)
        result = current(*args, **kwargs)
        value, grads = result if return_value else (None, result)
        if as_tuple:
            grads = tuple(_like_argument(g, v) for g, v in zip(grads, values))
        else:
            grads = _like_argument(grads, values[0])
        return (value, grads) if return_value else grads

    functools.update_wrapper(reverse, f)
    del reverse.__wrapped__            # it computes f's gradient, not f: never differentiate f for it
    reverse.derivative = compiled
    return reverse


def grad(f, wrt=0, checkpoint=None):
    """``g`` such that ``g(*args, **kwargs)`` is the gradient of scalar-valued ``f`` (reverse mode).

    ``checkpoint=True`` keeps about sqrt(n) snapshots of each loop at the top of ``f`` instead
    of recording all n iterations, and recomputes one stretch at a time in the reverse sweep;
    an int gives the iterations per snapshot instead.
    """
    return _reverse(f, wrt, return_value=False, checkpoint=checkpoint)


def value_and_grad(f, wrt=0, checkpoint=None):
    """``g`` such that ``g(*args)`` is ``(f(*args), gradient)``."""
    return _reverse(f, wrt, return_value=True, checkpoint=checkpoint)


def jvp(f, primals, tangents):
    """``(out, out_dot)`` by forward mode: one tangent per primal, ``None`` = not differentiated."""
    f = _unwrap(f)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp needs one tangent per primal: expected {len(primals)} tangent(s) "
                         f"(None for a primal not differentiated), found {len(tangents)}")
    params = _parameters(f)
    if len(primals) > len(params):
        raise ValueError(f"{f.__name__} takes {len(params)} argument(s); got {len(primals)} primals")
    chosen = [i for i, t in enumerate(tangents) if t is not None]
    for i in chosen:
        _check_differentiable(f, params[i], primals[i])
        p_shape, t_shape = getattr(primals[i], "shape", ()), getattr(tangents[i], "shape", ())
        if p_shape != t_shape:
            raise ValueError(f"the tangent of {params[i]} has shape {t_shape}, but {params[i]} has "
                             f"shape {p_shape}; a tangent must have its primal's shape")
    if not chosen:
        from .runtime import zeros_like
        out = f(*primals)
        return out, zeros_like(out)
    compiled = derivative_function(f, "forward", tuple(params[i] for i in chosen))
    info = compiled._tangent_ad_info
    keywords = {info.tangents[params[i]]: tangents[i] for i in chosen}
    out, out_dot = compiled(*primals, **keywords)
    if all(isinstance(primals[i], float) and isinstance(tangents[i], float) for i in chosen):
        out_dot = _like_argument(out_dot, 0.0)
    return out, out_dot


def _is_differentiable_value(value):
    if isinstance(value, (bool, int)) or value is None or isinstance(value, str):
        return False
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind in "fc"
    return isinstance(value, (float, complex))


def vjp(f, *primals):
    """``(out, f_vjp)``; ``f_vjp(out_bar)`` is a tuple with one cotangent per primal.

    The forward sweep runs once, here; each ``f_vjp`` call runs only the reverse sweep,
    on the values the forward sweep saved. A primal that cannot be differentiated (an int,
    a flag) gets ``None``.
    """
    f = _unwrap(f)
    params = _parameters(f)
    chosen = [i for i, p in enumerate(primals) if _is_differentiable_value(p)]
    if not chosen:
        return f(*primals), lambda out_bar: tuple(None for _ in primals)
    names = tuple(params[i] for i in chosen)
    forward = derivative_function(f, "split", names)
    seeds = forward._tangent_ad_info.seeds
    out, saved = forward(*primals)       # the forward sweep runs once; f_vjp reuses what it saved

    def f_vjp(out_bar):
        cotangents = tuple(out_bar) if len(seeds) > 1 else (out_bar,)
        if len(cotangents) != len(seeds):
            raise ValueError(f"f_vjp expected {len(seeds)} cotangents, one per output of "
                             f"{f.__name__}; found {len(cotangents)}")
        grads = forward.backward(saved, **dict(zip(seeds, cotangents)))
        result = [None] * len(primals)
        for i, g in zip(chosen, grads):
            result[i] = _like_argument(g, primals[i])
        return tuple(result)

    return out, f_vjp


def is_reverse_derivative(f):
    """Whether ``f`` is a generated reverse-mode function (its source keeps a tape)."""
    info = getattr(f, "_tangent_ad_info", None)
    return (info is not None and info.seeds is not None) or getattr(f, "_tangent_ad_forward_only", False)


def _unwrap(f):
    """The plain function to differentiate: a decorated function's ``f``, and for a gradient
    made by ``tad.grad`` the generated function that computes it."""
    f = f.__wrapped__ if isinstance(f, Differentiable) else f
    f = getattr(f, "derivative", f) if inspect.isfunction(f) and hasattr(f, "derivative") else f
    if not inspect.isfunction(inspect.unwrap(f)):
        raise TypeError(f"tangent_ad differentiates Python functions defined with def; got {f!r}")
    return f


class Differentiable:
    """A function decorated with :func:`differentiate`: calls like ``f``, with derivatives attached."""

    def __init__(self, f, mode="reverse", wrt=0, checkpoint=None):
        _check_mode(mode)
        functools.update_wrapper(self, f)
        self.__wrapped__ = f
        self.mode = mode
        self.wrt = wrt
        self.checkpoint = _checkpoint(checkpoint)
        self._grad = self._value_and_grad = None    # made on first use, then reused

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __get__(self, instance, owner):
        return self if instance is None else functools.partial(self, instance)

    def grad(self, *args, **kwargs):
        if self._grad is None:
            self._grad = grad(self.__wrapped__, self.wrt, self.checkpoint)
        return self._grad(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        if self._value_and_grad is None:
            self._value_and_grad = value_and_grad(self.__wrapped__, self.wrt, self.checkpoint)
        return self._value_and_grad(*args, **kwargs)

    def jvp(self, primals, tangents):
        return jvp(self.__wrapped__, primals, tangents)

    def vjp(self, *primals):
        return vjp(self.__wrapped__, *primals)

    def derivative(self, mode=None):
        mode = mode or self.mode
        return derivative(self.__wrapped__, mode, self.wrt, self.checkpoint if mode == "reverse" else None)

    def source(self, mode=None):
        return self.derivative(mode).source

    def __repr__(self):
        return f"<differentiable {self.__wrapped__.__qualname__}>"

    def _repr_html_(self):
        """In Jupyter: the function and its derivative's source, coloured."""
        from .highlighting import highlight
        return (f"<p>{self.__wrapped__.__qualname__}, differentiable ({self.mode} mode, "
                f"wrt={self.wrt!r}):</p>" + highlight(self.source(), "html"))


def differentiate(f=None, *, mode="reverse", wrt=0, checkpoint=None):
    """Decorator: ``@differentiate`` or ``@differentiate(mode=..., wrt=..., checkpoint=...)``.

    The decorated function still is ``f``; it gains ``.grad``, ``.value_and_grad``, ``.jvp``,
    ``.vjp``, ``.derivative(mode)`` and ``.source(mode)``; ``checkpoint`` applies to its
    reverse mode (see :func:`grad`).
    """
    if f is None:
        return lambda func: Differentiable(func, mode, wrt, checkpoint)
    return Differentiable(f, mode, wrt, checkpoint)
