"""The public API: grad, value_and_grad, jvp, vjp, derivative, source and the decorator.

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> tad.grad(poly, wrt=(0, 1))(3.0, 2.0)
(6.0, -4.0)
>>> tad.jvp(poly, (3.0, 2.0), (1.0, 0.0))
(5.0, 6.0)
"""
import functools

from . import arguments, structured, structured_modes
from .errors import AliasingError, TransformError
from .gradient_calls import (derivative_for_kinds, gradient_function, kept_gradient, number_parameters,
                             scalar_arguments)
from .compiled import backend_name, compiled_variant
from .highlighting import Source, highlight
from .jacobians import gradient_by_forward_mode
from .pipeline import caches
from .pipeline.cache import derivative_function, still_current
from .targets import (check_differentiable, check_mode, checkpoint_option, is_reverse_derivative, like_argument,
                      mark, parameters, refuse_reverse_over_tape, target, wrt_names)

MODES = ("reverse", "forward")


# ---------------------------------------------------------------- arguments


# --------------------------------------------------------------------- API
def derivative(f, mode="reverse", wrt=0, checkpoint=None, optimize=True, compile=False, args=None):
    """The generated derivative function of ``f`` (a plain Python function; see ``.source``).

    Forward mode: ``d(*args, *tangents)`` returns ``(out, out_dot)``. Reverse mode:
    ``d(*args)`` returns the gradient(s); an optional last argument seeds a non-scalar output.
    ``checkpoint`` (reverse mode): see :func:`grad`. ``optimize=False`` gives the plain
    transformation, before the clean-ups that make it read like hand-written code (the
    same numbers, more code; see :func:`stages`). ``compile=True``: the variant compiled with
    Numba (see :func:`grad`), with its own ``.source``. ``args``: the arguments of a call, such
    as ``(3.0, 2.0)``: the derivative built for their kinds, the one ``tad.grad(f)`` and
    ``tad.jvp`` run for that call (differentiating numbers: built for them, no ``unbroadcast``).
    """
    check_mode(mode)
    backend = backend_name(compile)
    if structured.needs_structure(f):      # a bound method, a partial, *args...
        _refuse_compiled_structure(f, backend)
        _refuse_arguments_of_structure(f, args)
        return _shown(structured.derivative(f, mode, wrt, checkpoint_option(checkpoint, mode), optimize))
    f, signature = target(f)
    names, as_tuple = wrt_names(f, wrt)
    if mode == "reverse":
        refuse_reverse_over_tape(f)
    kinds = frozenset()
    if args is not None:            # the kinds of this call (gradient_calls.py)
        signature.check(tuple(args))
        kinds = number_parameters(signature.names, tuple(args), names)
    compiled = derivative_function(f, mode, names, tuple_output=as_tuple and mode == "reverse",
                                   checkpoint=checkpoint_option(checkpoint, mode), optimize=bool(optimize),
                                   scalars=kinds)
    return _shown(compiled_variant(compiled, backend))


def _refuse_compiled_structure(f, backend):
    """compile=True is for functions of arrays and numbers, called with them."""
    if backend is not None:
        raise ValueError(f"compile=True differentiates functions of arrays and numbers; "
                         f"{getattr(f, '__qualname__', f)!r} takes dicts, lists, tuples, *args, or is a "
                         f"bound method or partial: leave out compile=True, or pass its arrays one by one")


def _shown(compiled):
    """``compiled``, shown in Jupyter as its source, coloured; its ``.source`` a :class:`Source`."""
    if not isinstance(compiled.source, Source):
        compiled.source = Source(compiled.source)
    if "_repr_html_" not in compiled.__dict__:
        compiled._repr_html_ = functools.partial(highlight, compiled.source, "html")
    return compiled


def source(f, mode="reverse", wrt=0, checkpoint=None, optimize=True, compile=False, args=None):
    """The generated source of ``f``'s derivative: a ``str`` that Jupyter shows highlighted
    (``compile=True``: the source of the variant compiled with Numba). ``args=(3.0, 2.0)``:
    the source of the derivative a call with these arguments runs, built for their kinds
    (Python floats: no ``unbroadcast``, the chapter's tables; see :func:`derivative`)."""
    return derivative(f, mode, wrt, checkpoint, optimize, compile, args).source


def _refuse_arguments_of_structure(f, args):
    if args is not None:
        raise ValueError(f"args= builds the derivative for the kinds of plain arguments; "
                         f"{getattr(f, '__qualname__', f)!r} takes dicts, lists, tuples, *args, or is a "
                         f"bound method or partial: leave out args=")


def _single_output(f, compiled):
    seeds = compiled._tangent_ad_info.seeds
    if len(seeds) > 1:
        raise ValueError(f"the gradient needs a scalar output, but {f.__name__} returns a tuple of "
                         f"{len(seeds)} values; use tad.vjp, or return one scalar")


def _reverse(f, wrt, return_value, checkpoint=None, backend=None):
    """The function computing f's gradient (with its value, if asked) from f's arguments.

    Kept on f, {(wrt, return_value, checkpoint): the gradient function} (see caches.py):
    tad.grad(f)(x) in a loop builds its wrapper once (inspecting f's signature costs tens of
    microseconds), and the wrapper, which calls f, does not keep f alive.
    """
    kept = caches.cache(f, "gradients")
    key = (wrt, return_value, checkpoint, backend)
    try:
        made = kept.get(key) if kept is not None else None
    except TypeError:       # an unhashable wrt (a list)
        kept = made = None
    if made is not None and still_current(getattr(made, "_tangent_ad_general", None) or made.derivative):
        return made
    if getattr(f, "_tangent_ad_for_call", None) is not None:
        return _reverse_of_kinds(f, wrt, return_value, checkpoint)
    try:
        made = _make_reverse(f, wrt, return_value, checkpoint, backend=backend)
    except TransformError as refusal:
        if backend is not None:
            raise
        # refused for plain arguments; a call with dicts, lists or tuples may still be made for
        # their structure (structured.py), and any other call raises this refusal
        return structured.gradient(f, wrt, return_value, checkpoint_option(checkpoint), refusal=refusal)
    if kept is not None:
        kept[key] = made
    return made


def _make_reverse(f, wrt, return_value, checkpoint, scalars=frozenset(), backend=None):
    f, signature = target(f)
    checkpoint = checkpoint_option(checkpoint)
    if is_reverse_derivative(f):          # grad(grad(f)): forward mode over the reverse code
        _refuse_compiled_higher_order(backend)
        return gradient_by_forward_mode(f, wrt, return_value, signature)
    refuse_reverse_over_tape(f)
    names, as_tuple = wrt_names(f, wrt)
    try:
        compiled = derivative_function(f, "reverse", names, return_value=return_value,
                                       tuple_output=as_tuple, checkpoint=checkpoint, scalars=scalars)
    except AliasingError as refusal:
        if scalars:
            raise
        return _reverse_for_kinds(f, wrt, return_value, checkpoint, signature, refusal, backend)
    _single_output(f, compiled)
    compiled = compiled_variant(compiled, backend)

    positions = [parameters(f).index(n) for n in names]

    def build(kinds):
        """The derivative for a call passing numbers to the parameters ``kinds`` (gradient_calls.py)."""
        try:
            return derivative_function(f, "reverse", names, return_value=return_value,
                                       tuple_output=as_tuple, checkpoint=checkpoint, scalars=kinds)
        except TransformError:
            return compiled

    def by_structure():
        """The gradient for dict, list and tuple arguments (structured.py), made on first use."""
        _refuse_compiled_structure(f, backend)
        return structured.gradient(f, wrt, return_value, checkpoint)

    # built for the kinds of each call (numbers: no unbroadcast), unless built for some already
    reverse = gradient_function(f, signature, names, positions, as_tuple, return_value, _shown(compiled),
                                build=None if scalars or backend is not None else build,
                                stale=lambda: _reverse(f, wrt, return_value, checkpoint, backend),
                                by_structure=by_structure, shown=_shown)
    mark(reverse, "value_and_grad" if return_value else "grad", signature, positions, as_tuple)
    return reverse


def _refuse_compiled_higher_order(backend):
    if backend is not None:
        raise ValueError("compile=True compiles first derivatives; differentiate the plain gradient "
                         "again (leave out compile=True on the inner tad.grad)")


def _reverse_for_kinds(f, wrt, return_value, checkpoint, signature, refusal, backend=None):
    """The gradient function of an ``f`` refused for arguments of unknown kinds (``refusal``):
    each call builds (once per pattern) the derivative for the parameters it passes scalars to."""
    made = {}

    def for_call(args, kwargs):
        """The gradient function built for the kinds of this call's arguments."""
        scalars = scalar_arguments(signature.names, signature.bind(args, kwargs))
        gradient = made.get(scalars)
        if gradient is None:
            if not scalars:
                raise refusal.with_traceback(None)
            gradient = made[scalars] = _make_reverse(f, wrt, return_value, checkpoint, scalars, backend)
            reverse.derivative = gradient.derivative      # kept while current (see _reverse)
        return gradient

    def reverse(*args, **kwargs):
        if any(structured.is_tree(v) for v in args + tuple(kwargs.values())):  # structured.py
            return structured.gradient(f, wrt, return_value, checkpoint)(*args, **kwargs)
        return for_call(args, kwargs)(*args, **kwargs)

    functools.update_wrapper(reverse, f)
    del reverse.__wrapped__
    reverse.derivative = None
    reverse._tangent_ad_refusal = refusal       # what differentiating it again raises (targets.target)
    reverse._tangent_ad_for_call = for_call
    names, as_tuple = wrt_names(f, wrt)
    mark(reverse, "value_and_grad" if return_value else "grad", signature,
         [parameters(f).index(n) for n in names], as_tuple)
    return reverse


def _reverse_of_kinds(gradient, wrt, return_value, checkpoint):
    """tad.grad of a gradient built for each call's kinds: that call's gradient, differentiated."""
    def for_call(args, kwargs):
        return _reverse(gradient._tangent_ad_for_call(args, kwargs), wrt, return_value, checkpoint)

    def reverse(*args, **kwargs):
        return for_call(args, kwargs)(*args, **kwargs)

    functools.update_wrapper(reverse, gradient)
    del reverse.__wrapped__
    reverse.derivative = None
    reverse._tangent_ad_refusal = gradient._tangent_ad_refusal
    reverse._tangent_ad_for_call = for_call          # a third derivative, and so on
    positions, as_tuple = gradient._tangent_ad_wrt
    mark(reverse, "value_and_grad" if return_value else "grad", gradient._tangent_ad_signature, positions,
         as_tuple)
    return reverse


def grad(f, wrt=0, checkpoint=None, check=False, has_aux=False, compile=False):
    """``g`` such that ``g(*args, **kwargs)`` is the gradient of scalar-valued ``f`` (reverse mode).

    ``checkpoint=True`` keeps about sqrt(n) snapshots of each loop at the top of ``f`` instead
    of recording all n iterations, and recomputes one stretch at a time in the reverse sweep;
    an int gives the iterations per snapshot instead. ``check=True`` compares every gradient
    with central differences of ``f`` along a random direction and raises
    :class:`tangent_ad.CheckError` when they disagree (see ``selfcheck.py``).

    Arguments may be dicts, lists and tuples of arrays and floats: the gradient has the same
    structure. ``has_aux=True``: ``f`` returns ``(value, aux)``, and ``g(*args)`` is
    ``(gradient, aux)``, from one evaluation (see docs/pytrees.md). ``f`` may be a bound
    method or a functools.partial; ``wrt`` then counts the parameters left to pass.

    ``compile=True`` (or ``compile="numba"``; needs ``pip install numba``) compiles the
    derivative with Numba the first time it is called with new kinds of arguments (floats,
    arrays of so many dimensions), and runs the machine code after that: plain Python loops
    over floats and small arrays run tens of times faster. ``tad.source(f, compile=True)``
    shows the code it compiles. What Numba cannot compile raises
    :class:`tangent_ad.CompileError` at that first call, naming the line (see
    docs/compiled.md).
    """
    made = None if check or has_aux or compile else kept_gradient(f, (wrt, False, checkpoint, None))
    if made is not None:         # made by an earlier call (the key is _reverse's)
        return made
    backend = backend_name(compile)
    if has_aux or structured.needs_structure(f):
        _refuse_compiled_structure(f, backend)
        return structured.gradient(f, wrt, False, checkpoint_option(checkpoint), has_aux=has_aux) \
            if not check else _no_check(f)
    gradient = _reverse(f, wrt, return_value=False, checkpoint=checkpoint, backend=backend)
    return _checked(f, gradient, return_value=False) if check else gradient


def value_and_grad(f, wrt=0, checkpoint=None, check=False, has_aux=False, compile=False):
    """``g`` such that ``g(*args)`` is ``(f(*args), gradient)``; ``check`` as for :func:`grad`.

    ``has_aux=True``: ``f`` returns ``(value, aux)`` and ``g(*args)`` is ``((value, aux), gradient)``;
    ``compile=True``: compiled with Numba, as for :func:`grad`."""
    made = None if check or has_aux or compile else kept_gradient(f, (wrt, True, checkpoint, None))
    if made is not None:         # made by an earlier call (the key is _reverse's)
        return made
    backend = backend_name(compile)
    if has_aux or structured.needs_structure(f):
        _refuse_compiled_structure(f, backend)
        return structured.gradient(f, wrt, True, checkpoint_option(checkpoint), has_aux=has_aux) \
            if not check else _no_check(f)
    gradient = _reverse(f, wrt, return_value=True, checkpoint=checkpoint, backend=backend)
    return _checked(f, gradient, return_value=True) if check else gradient


def _no_check(f):
    raise ValueError(f"check=True compares plain arguments with central differences; for "
                     f"{getattr(f, '__name__', f)} (a bound method, a partial, has_aux, or dict, list "
                     "or tuple arguments) compare with tad.numerical_grad yourself")


def _checked(f, gradient, return_value):
    from .selfcheck import checked_gradient
    positions, as_tuple = gradient._tangent_ad_wrt
    checked = checked_gradient(f, gradient, gradient._tangent_ad_signature, positions, as_tuple, return_value)

    def plain_arguments_only(*args, **kwargs):
        if any(structured.is_tree(v) for v in args + tuple(kwargs.values())):
            _no_check(f)
        return checked(*args, **kwargs)
    functools.update_wrapper(plain_arguments_only, checked)
    del plain_arguments_only.__wrapped__        # it computes a gradient: never differentiate f for it
    return plain_arguments_only


def jvp(f, primals, tangents, check=False, compile=False):
    """``(out, out_dot)`` by forward mode: one tangent per primal, ``None`` = not differentiated.

    ``check=True`` compares ``out_dot`` with central differences of ``f`` along the tangents
    and raises :class:`tangent_ad.CheckError` when they disagree; ``compile=True`` runs the
    forward-mode derivative compiled with Numba (see :func:`grad`).
    """
    backend = backend_name(compile)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp needs one tangent per primal: expected {len(primals)} tangent(s) "
                         f"(None for a primal not differentiated), found {len(tangents)}")
    if structured.needs_structure(f, primals):
        _refuse_compiled_structure(f, backend)
        return structured_modes.jvp(f, primals, tangents) if not check else _no_check(f)
    try:
        return _plain_jvp(f, primals, tangents, check, backend)
    except TransformError as refusal:
        if backend is not None:
            raise
        return structured_modes.retried(refusal, structured_modes.jvp, f, primals, tangents)


def _plain_jvp(f, primals, tangents, check, backend=None):
    primal = f
    f, signature = target(f)
    signature.check(primals)
    params = parameters(f)
    arguments.refuse_values(f, params, primals)
    arguments.refuse_values(f, [f"{p} (its tangent)" for p in params], tangents)
    chosen = [i for i, t in enumerate(tangents) if t is not None]
    for i in chosen:
        check_differentiable(f, params[i], primals[i])
        p_shape, t_shape = getattr(primals[i], "shape", ()), getattr(tangents[i], "shape", ())
        if p_shape != t_shape:
            raise ValueError(f"the tangent of {params[i]} has shape {t_shape}, but {params[i]} has "
                             f"shape {p_shape}; a tangent must have its primal's shape")
    if not chosen:
        from .runtime import zeros_like
        out = f(*primals)
        return out, zeros_like(out)
    compiled = derivative_for_kinds(f, "forward", tuple(params[i] for i in chosen), params, primals,
                                    by_numbers=backend is None)
    compiled = compiled_variant(compiled, backend)
    info = compiled._tangent_ad_info
    keywords = {info.tangents[params[i]]: tangents[i] for i in chosen}
    out, out_dot = compiled(*primals, **keywords)
    if all(isinstance(primals[i], float) and isinstance(tangents[i], float) for i in chosen):
        out_dot = like_argument(out_dot, 0.0)
    if check:
        from .selfcheck import check_jvp
        check_jvp(primal, primals, tangents, chosen, out_dot)
    return out, out_dot


def vjp(f, *primals, check=False, compile=False):
    """``(out, f_vjp)``; ``f_vjp(out_bar)`` is a tuple with one cotangent per primal.

    The forward sweep runs once, here; each ``f_vjp`` call runs only the reverse sweep,
    on the values the forward sweep saved. A primal that cannot be differentiated (an int,
    a flag) gets ``None``; a tuple, list or dict that holds floats is refused. ``check=True``
    compares each ``f_vjp(out_bar)`` with central differences of ``f`` along a random
    direction and raises :class:`tangent_ad.CheckError` when they disagree.

    ``compile=True``: each ``f_vjp`` call runs the reverse-mode derivative compiled with Numba
    (see :func:`grad`), forward sweep included: Numba compiles one function, not a forward
    sweep that hands its saved values back to Python.
    """
    backend = backend_name(compile)
    if structured.needs_structure(f, primals):
        _refuse_compiled_structure(f, backend)
        return structured_modes.vjp(f, primals) if not check else _no_check(f)
    try:
        return _plain_vjp(f, primals, check, backend)
    except TransformError as refusal:
        if backend is not None:
            raise
        return structured_modes.retried(refusal, structured_modes.vjp, f, primals)


def _plain_vjp(f, primals, check, backend=None):
    primal = f
    f, signature = target(f)
    signature.check(primals)
    params = parameters(f)
    arguments.refuse_values(f, params, primals)
    chosen = [i for i, p in enumerate(primals) if arguments.is_differentiable(f, params[i], p)]
    if not chosen:
        return f(*primals), lambda out_bar: tuple(None for _ in primals)
    refuse_reverse_over_tape(f)
    names = tuple(params[i] for i in chosen)
    if backend is not None:
        forward = _compiled_split(f, names, params, primals, backend)
    else:
        forward = derivative_for_kinds(f, "split", names, params, primals)
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
            result[i] = like_argument(g, primals[i])
        return tuple(result)

    if check:
        from .selfcheck import checked_vjp
        return out, checked_vjp(primal, f_vjp, primals, chosen)
    return out, f_vjp


def _compiled_split(f, names, params, primals, backend):
    """A vjp's forward and backward functions (see split.py) made of the compiled reverse-mode
    derivative: the forward computes the output, the backward runs the whole derivative."""
    reverse = compiled_variant(_reverse_kinds(f, names, params, primals), backend)

    def forward(*args):
        return f(*args), args

    def backward(saved, **seeds):
        return reverse(*saved, **seeds)

    forward._tangent_ad_info = reverse._tangent_ad_info
    forward.backward = backward
    return forward


def _reverse_kinds(f, names, params, primals):
    """The reverse-mode derivative of ``f`` returning a tuple, for the kinds of ``primals``."""
    try:
        return derivative_function(f, "reverse", names, tuple_output=True)
    except AliasingError:
        return derivative_function(f, "reverse", names, tuple_output=True,
                                   scalars=scalar_arguments(params, primals))
