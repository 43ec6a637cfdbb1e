"""How a gradient function made by ``tad.grad`` runs a call: on the derivative built for the
kinds of its arguments, and the common call in a few hundred nanoseconds.

Kinds. A call that differentiates a Python or NumPy number (``3.0``, ``np.float64(1.5)``)
runs a derivative built for the numbers it passes (``scalars`` in ``pipeline/cache.py``; an
int or a float held constant counts too): their shape is ``()``, so where only numbers meet
the generated code has no ``unbroadcast`` and no ``broadcast_like``, and a scalar output's
seed is the number given (``front/shapes.py``): the chapter's tables, line for line. A call
that differentiates arrays only (``g(x, 3)`` for an array ``x``), or values of any other kind
(a 0-d array, a CuPy array), runs the derivative built for arguments of any kind, the code
``tad.derivative(f)`` shows: array code stays as it was, built once.
Each derivative is built on the first call of its kinds and kept; ``g.derivative`` is the
one the latest call ran, and :func:`number_parameters` names the kinds of a call.

The common call. ``g(3.0, 2.0)``: every argument by position, as many as ``f`` takes, each a
``float``, ``int``, ``bool``, ``str`` or ``None``, and a ``float`` for each one differentiated.
Nothing of such a call can be refused (no complex number, no matrix, no pytree, no integer
to differentiate), so once a call of the same types has been through every check, the
derivative to run is found with one dict lookup on the tuple of the arguments' types. The
wrapper is written for ``f``'s number of parameters (``.fast_path_source`` shows it), as the
freshness check is, so that it unpacks the arguments instead of looping over them. Any other
call (keywords, defaults left out, arrays, pytrees) takes the general path: bind, refuse,
check, find the derivative for the kinds, convert the results (``like_argument``).

Every call still runs the freshness check of the derivative it runs first
(``pipeline/freshness.py``): if ``f``, a helper or a global changed, the gradient is made again.

>>> from tangent_ad._doc_examples import poly
>>> import numpy as np
>>> sorted(number_parameters(("x1", "x2"), (3.0, np.ones(2)), differentiated=("x1", "x2")))
['x1']
>>> number_parameters(("x", "n"), (np.ones(2), 3), differentiated=("x",))
frozenset()
"""
import functools
import numbers

import numpy as np

from . import arguments, structured
from .errors import AliasingError, TransformError
from .front.kinds import NDIM, NUMPY_ONLY
from .pipeline.cache import derivative_function
from .targets import check_differentiable, like_argument

# the types of a call that nothing refuses and that is not a pytree (with a float to differentiate)
FAST_TYPES = frozenset({float, int, bool, str, type(None)})


def number_parameters(params, values, differentiated=()):
    """The parameters given a Python or NumPy number (whose shape is ``()``): the kinds a
    derivative is built for. Empty, the derivative for any kind, when none of the parameters
    ``differentiated`` is given a number."""
    kinds = frozenset(p for p, v in zip(params, values) if isinstance(v, numbers.Number))
    return kinds if not kinds.isdisjoint(differentiated) else frozenset()


def scalar_arguments(params, values):
    """The parameters given a Python or NumPy scalar (immutable: never memory another name shares),
    and NUMPY_ONLY when every other argument is a NumPy array (see ``front/kinds.py``): what a
    derivative refused for arguments of unknown kinds (an update in place that may touch shared
    memory) is built again for."""
    values = list(values)[:len(params)]
    scalars = {p for p, v in zip(params, values) if isinstance(v, numbers.Number)}
    if all(isinstance(v, numbers.Number) or type(v) is np.ndarray for v in values):
        scalars.add(NUMPY_ONLY)        # and each array's number of dimensions
        scalars |= {(NDIM, p, v.ndim) for p, v in zip(params, values) if type(v) is np.ndarray}
    return frozenset(scalars)


def derivative_for_kinds(f, mode, names, params, values, by_numbers=False):
    """The derivative of ``f`` for a call passing ``values``: the one for any kind; when an update
    in place may touch shared memory for arguments of unknown kinds, the one built for the
    scalars ``values`` holds (refused again if that does not settle it). ``by_numbers``: a call
    passing numbers runs the derivative built for them (``tad.jvp``)."""
    kinds = number_parameters(params, values, names) if by_numbers else None
    if kinds:
        try:
            return derivative_function(f, mode, names, scalars=kinds)
        except TransformError:
            pass                    # as for arguments of unknown kinds
    try:
        return derivative_function(f, mode, names)
    except AliasingError:
        scalars = scalar_arguments(params, values)
        if not scalars:
            raise
        return derivative_function(f, mode, names, scalars=scalars)


def gradient_function(f, signature, names, positions, as_tuple, return_value, general, *,
                      build=None, stale, by_structure, shown):
    """The function ``tad.grad`` (``return_value=False``) or ``tad.value_and_grad`` returns.

    ``f``: the function differentiated (the derivatives' freshness is checked against it);
    ``names``/``positions``: the parameters differentiated; ``general``: the derivative for
    arguments of any kind; ``build(kinds)``: the derivative for a call passing numbers to the
    parameters ``kinds`` (None: ``general`` runs every call); ``stale()``: the gradient
    function made again, once ``general`` is out of date; ``by_structure()``: the gradient
    function for dict, list and tuple arguments; ``shown(d)``: ``d``, ready to show.
    """
    params = signature.names
    # an all-positional call with this many arguments binds as it is: checked with two ints
    least, most = max(signature.least, max(positions) + 1), signature.most
    fast = {}              # (type of each argument) -> (derivative, its freshness check)
    for_kinds = {}         # kinds -> the derivative built for them
    made_for_structure = []
    current = general._tangent_ad_built_from

    def derivative_for(args):
        kinds = number_parameters(params, args, names) if build is not None else None
        if not kinds:
            return general
        derivative = for_kinds.get(kinds)
        if derivative is None or not derivative._tangent_ad_built_from(f):
            derivative = for_kinds[kinds] = shown(build(kinds))
        return derivative

    def call(args, kwargs):
        """Any call: what the fast path does not take, and the first call of its types."""
        if not current(f):           # f, a helper or a global changed: made again
            made = stale()
            result = made(*args, **kwargs)
            reverse.derivative = made.derivative        # the one that ran, as for any call
            reverse._tangent_ad_general = getattr(made, "_tangent_ad_general", made.derivative)
            return result
        whole = not kwargs and len(args) == most
        if kwargs or not least <= len(args) <= most:
            args = signature.bind(args, kwargs)      # Python's TypeError for a call f refuses
        arguments.refuse_values(f, params, args)
        values = [args[p] for p in positions]
        if any(structured.is_tree(v) for v in values):     # a pytree: see structured.py
            if not made_for_structure:
                made_for_structure.append(by_structure())
            made = made_for_structure[0]
            result = made(*args)
            reverse.derivative = made.derivative        # the derivative made for these arguments
            return result
        for name, value in zip(names, values):
            check_differentiable(f, name, value)
        derivative = derivative_for(args)
        if whole and all(type(v) in FAST_TYPES for v in args) and all(type(v) is float for v in values):
            fast[tuple(type(v) for v in args)] = (derivative, derivative._tangent_ad_built_from)
        reverse.derivative = derivative
        result = derivative(*args)
        value, grads = result if return_value else (None, result)
        if as_tuple:
            grads = tuple(like_argument(g, v) for g, v in zip(grads, values))
        else:
            grads = like_argument(grads, values[0])
        return (value, grads) if return_value else grads

    reverse = _fast_path(most, len(positions), as_tuple, return_value, fast, call, f)
    functools.update_wrapper(reverse, f)
    del reverse.__wrapped__            # it computes f's gradient, not f: never differentiate f for it
    reverse.derivative = general
    reverse._tangent_ad_general = general       # what differentiating the gradient again reads
    reverse._tangent_ad_current = functools.partial(current, f)     # see kept_gradient
    return reverse


def kept_gradient(f, key):
    """The gradient function kept on ``f`` for ``key`` (api.py's ``_reverse`` keeps them, see
    caches.py) while everything it was built from holds; None otherwise, and the caller makes
    or finds it the long way. ``tad.grad(f)(x)`` in a loop costs one lookup and one freshness
    check more than ``g(x)``."""
    try:
        held, kept = f.__dict__["_tangent_ad_gradients"]
        made = kept[key]
        current = made._tangent_ad_current
    except (AttributeError, KeyError, TypeError, ValueError):    # TypeError: an unhashable wrt
        return None
    # held: not a bound method (its function's dict) or a copied __dict__
    return made if held is f and current() else None


def _as_float(g):
    """A gradient for a Python float argument (see ``like_argument``)."""
    return like_argument(g, 0.0)


def _fast_path(most, count, as_tuple, return_value, fast, call, f):
    """The wrapper, written for ``most`` parameters and ``count`` gradients (see the module's
    docstring); ``call(args, kwargs)`` takes every call the fast path does not."""
    parameters = [f"a{i}" for i in range(most)]
    unpacked = ", ".join(parameters) + ("," if most == 1 else "")
    types = "".join(f"type({p}), " for p in parameters)
    grads = [f"g{i}" for i in range(count)]
    converted = ", ".join(f"{g} if type({g}) is float else as_float({g})" for g in grads)
    if as_tuple:
        unpack_grads = ", ".join(grads) + ("," if count == 1 else "")
        result = f"({converted},)" if count == 1 else f"({converted})"
    else:
        unpack_grads, result = "g0", converted
    if return_value:
        run = f"value, ({unpack_grads}) = entry[0]({', '.join(parameters)})"
        result = f"value, {result}"
    else:
        run = f"{unpack_grads} = entry[0]({', '.join(parameters)})"
    source = (
        "def make(fast, call, f, as_float):\n"
        "    def reverse(*args, **kwargs):\n"
        f"        if kwargs or len(args) != {most}:\n"
        "            return call(args, kwargs)\n"
        f"        {unpacked} = args\n"
        f"        entry = fast.get(({types}))\n"
        "        if entry is None or not entry[1](f):\n"
        "            return call(args, kwargs)\n"
        "        reverse.derivative = entry[0]\n"
        f"        {run}\n"
        f"        return {result}\n"
        "    return reverse\n")
    namespace = {}
    exec(compile(source, "<tangent_ad gradient call>", "exec"), namespace)
    reverse = namespace["make"](fast, call, f, _as_float)
    reverse.fast_path_source = source
    return reverse
