"""Derivatives of functions as people hold and call them.

Arguments that are dicts, lists and tuples (pytrees), ``has_aux=True``, bound methods,
``functools.partial``, keyword-only parameters, ``*args`` and ``**kwargs``. The derivative
is made for the *structure* of the arguments of a call (``front/pytrees.py`` rewrites the
function so that each leaf is a parameter of its own); here the values of a call are
flattened the same way, and each gradient is rebuilt with its argument's structure.
Forward mode and vjp are in ``structured_modes.py``.

>>> import numpy as np
>>> import tangent_ad as tad
>>> def loss(params, x):
...     return np.sum((params["w"] * x + params["b"]) ** 2)
>>> g = tad.grad(loss)({"w": 2.0, "b": 1.0}, 3.0)
>>> g == {"w": 42.0, "b": 14.0}
True
"""
import functools
import inspect
import numbers

import numpy as np

from . import arguments, callables
from .front.parsing import check_wrapper
from .errors import AliasingError
from .front import pytrees
from .front.aliasing import NUMPY_ONLY
from .pipeline.cache import derivative_function
from .targets import check_differentiable, like_argument, mark, refuse_reverse_over_tape, signature_of

is_tree = pytrees.is_tree


class Target:
    """The plain function behind what the user holds, its signature and the parameters ``wrt``
    names (counted among the parameters left to pass, as JAX counts them)."""

    def __init__(self, f, wrt=0):
        self.held = callables.held(f)
        func = self.held.func
        if not inspect.isfunction(func):
            callables.check_function(func)          # raises TypeError with what to write instead
        check_wrapper(func)     # a decorator's def w(*args, **kwargs) is refused, never left out
        self.func = func
        self.signature = signature_of(func)
        self.visible = self.held.visible(list(self.signature.positional))
        self.vararg = next((n for n, k in self.signature.kinds if k == "vararg"), None)
        self.entries = set()
        if wrt is not None:
            self.names, self.as_tuple = self._wrt_names(wrt)

    def _wrt_names(self, wrt):
        as_tuple = isinstance(wrt, (tuple, list))
        items, names, picks = (list(wrt) if as_tuple else [wrt]), [], []
        bound = set(self.signature.positional[:len(self.held.prefix)]) | set(self.held.keywords)
        allowed = [n for n in self.signature.names if n not in bound]
        func_name = self.func.__name__
        if not items:
            raise ValueError(f"wrt is empty; name at least one parameter of {func_name} ({', '.join(allowed)})")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise TypeError(f"wrt must be a parameter index or name, or a tuple of them; got {item!r}")
            if isinstance(item, int) and self.vararg is not None and item >= len(self.visible):
                picks.append((self.vararg, item - len(self.visible)))     # an entry of *args
                if self.vararg not in names:
                    names.append(self.vararg)
                continue
            if isinstance(item, int):
                if not -len(self.visible) <= item < len(self.visible):
                    raise ValueError(f"wrt={item} is out of range: {func_name} has {len(self.visible)} "
                                     f"positional parameter(s) left to pass ({', '.join(self.visible)})")
                item = self.visible[item]
            elif item not in allowed:
                raise ValueError(f"wrt={item!r} is not a parameter of {func_name} left to pass; they are "
                                 f"({', '.join(allowed)})")
            if item in names:
                raise ValueError(f"wrt names {item!r} twice")
            names.append(item)
            picks.append((item, None))
        self.picks = picks
        self.entries = {index for name, index in picks if index is not None}
        if self.entries and (self.vararg, None) in picks:
            raise ValueError(f"wrt names {self.vararg} and one of its entries")
        return tuple(names), as_tuple

    def pick(self, names, grads):
        """The gradients in wrt's order: an entry of *args picked from its tuple."""
        by_name = dict(zip(names, grads))
        return [by_name[n] if i is None else by_name[n][i] for n, i in self.picks]

    def bind(self, args, kwargs):
        """One value per parameter of the function, as Python binds the call."""
        values = self.signature.bind(self.held.prefix + tuple(args), {**self.held.keywords, **kwargs})
        arguments.refuse_values(self.func, self.signature.names, values)
        return values

    def positions(self, count):
        """For each of ``count`` positional arguments: (parameter, index into *args or None)."""
        out, vararg = [], next((n for n, k in self.signature.kinds if k == "vararg"), None)
        for i in range(count):
            out.append((self.visible[i], None) if i < len(self.visible) else (vararg, i - len(self.visible)))
        return out


def _instance(func, value):
    """``pytrees.OBJECT + name`` for an instance of a class ``func``'s module names (``self``),
    whose methods the function may call; None for anything else."""
    cls = type(value)
    if cls.__module__ in ("builtins", "numpy") or func.__globals__.get(cls.__name__) is not cls:
        return None
    own = getattr(value, "__dict__", None)
    if own and any(inspect.isfunction(inspect.getattr_static(cls, k, None)) for k in own):
        return None         # an instance attribute hides a method: left to the fence
    return pytrees.OBJECT + cls.__name__


def needs_structure(f, values=()):
    """Whether ``f`` (as held) or the values passed need this module rather than the plain path."""
    if getattr(type(f), "_tangent_ad_decorated", False):
        f = f.__wrapped__
    if isinstance(f, functools.partial) or inspect.ismethod(f):
        return True
    if getattr(f, "_tangent_ad_made_by", None) is not None:     # tad.grad's function: targets.py
        return False
    if inspect.isfunction(f) and not signature_of(f).plain:
        return True
    return any(is_tree(v) for v in values)


class Call:
    """One call's arguments laid out for the derivative of their structure."""

    def __init__(self, target, values, differentiated, force=False):
        self.target = target
        self.values = values
        self.differentiated = differentiated
        kinds = target.signature.kinds
        layout = []
        for (name, kind), value in zip(kinds, values):
            deep = name in differentiated
            if kind == "vararg":
                entries = target.entries or range(len(value))      # wrt=2 picks one entry of *args
                spec = ("tuple", tuple((str(i), pytrees.describe(v, deep) if i in entries else
                                        pytrees.CONSTANT) for i, v in enumerate(value)))
            elif kind == "varkw":
                spec = ("dict", tuple((k, pytrees.describe(v, deep)) for k, v in value.items()))
            elif deep and is_tree(value):
                spec = pytrees.describe(value, True)
            else:
                spec = _instance(target.func, value) if not deep else None
            layout.append(spec)
        # force: made for its structure even with plain arguments (a function returning a dict)
        plain = target.signature.plain and all(s is None for s in layout) and not force
        self.layout = None if plain else tuple(layout)
        self.specs = dict(zip((n for n, _ in kinds), layout))
        self.flat = [leaf for (name, _), value in zip(kinds, values) for leaf in
                     (pytrees.flatten(value, self.specs[name]) if self.specs[name] is not None else [value])]
        self.by_name = dict(zip((n for n, _ in kinds), values))
        self._leaves = {}

    def scalars(self):
        """The parameters, and the leaves (``"params[1]"``), given a Python or NumPy scalar."""
        found, arrays_only = set(), True
        for name, value in self.by_name.items():
            spec = self.specs[name]
            leaves = [value] if spec is None else pytrees.flatten(value, spec)
            for index, leaf in enumerate(leaves):
                if isinstance(leaf, numbers.Number):
                    found.add(name if spec is None else f"{name}[{index}]")
                elif type(leaf) is not np.ndarray:
                    arrays_only = False
        if found and arrays_only:
            found.add(NUMPY_ONLY)
        return frozenset(found)

    def leaves(self, name):
        """(leaf values, leaf markers) of a differentiated parameter."""
        made = self._leaves.get(name)
        if made is None:
            made = self._leaves[name] = self._leaves_of(name)
        return made

    def _leaves_of(self, name):
        spec = self.specs[name]
        if spec is None:
            value = self.by_name[name]
            check_differentiable(self.target.func, name, value)
            return [value], [pytrees.LEAF]
        return pytrees.flatten(self.by_name[name], spec), pytrees.leaf_specs(spec)

    def count(self, names):
        count = sum(kinds.count(pytrees.LEAF) for kinds in (self.leaves(n)[1] for n in names))
        if count == 0:
            raise TypeError(f"the arguments {', '.join(names)} of {self.target.func.__name__} hold no "
                            "float or array of floats to differentiate")
        return count

    def rebuild(self, names, grads):
        """One gradient per name, each with its argument's structure (None at a leaf that is not
        differentiable, such as an int)."""
        grads, out = iter(grads), []
        for name in names:
            values, kinds = self.leaves(name)
            made = [like_argument(next(grads), v) if k == pytrees.LEAF else None for v, k in zip(values, kinds)]
            spec = self.specs[name]
            out.append(made[0] if spec is None else pytrees.build(spec, made))
        return out


def built(target, call, mode, names, **options):
    """The derivative for ``call``'s structure; when an update in place may touch memory another
    name shares for arguments of unknown kinds, the one for the leaves the call passes scalars
    to (a Python float never shares memory; see pipeline/cache.py)."""
    try:
        return derivative_function(target.func, mode, names, layout=call.layout, **options)
    except AliasingError:
        scalars = call.scalars()
        if not scalars:
            raise
        return derivative_function(target.func, mode, names, layout=call.layout, scalars=scalars, **options)


# ------------------------------------------------------------------ reverse mode
def gradient(f, wrt=0, return_value=False, checkpoint=None, has_aux=False, refusal=None):
    """``tad.grad`` / ``tad.value_and_grad`` for a function as held, pytree arguments and
    ``has_aux``; the derivative is made (and kept) for each structure of arguments.

    ``refusal``: the error the derivative for plain arguments raised; a call that passes no
    dict, list or tuple to differentiate raises it."""
    target = Target(f, wrt)
    refuse_reverse_over_tape(target.func)
    names, as_tuple = target.names, target.as_tuple

    def reverse(*args, **kwargs):
        call = Call(target, target.bind(args, kwargs), names)
        if target.entries and max(target.entries) >= len(call.by_name[target.vararg]):
            raise ValueError(f"wrt={len(target.visible) + max(target.entries)} is out of range: "
                             f"{target.func.__name__} was called with fewer positional arguments")
        if refusal is not None and call.layout is None:
            raise refusal.with_traceback(None)
        tuple_output = as_tuple or call.count(names) != 1
        if has_aux:
            value, aux, grads, reverse.derivative = _with_aux(target, call, names, checkpoint)
        else:
            compiled = built(target, call, "reverse", names, return_value=return_value,
                             tuple_output=tuple_output, checkpoint=checkpoint)
            _scalar_output(target.func, compiled._tangent_ad_info.seeds)
            result = compiled(*call.flat)
            value, grads = result if return_value else (None, result)
            grads = grads if tuple_output else (grads,)
            reverse.derivative = compiled
        grads = target.pick(names, call.rebuild(names, grads))
        grads = tuple(grads) if as_tuple else grads[0]
        if has_aux:
            return ((value, aux), grads) if return_value else (grads, aux)
        return (value, grads) if return_value else grads

    functools.update_wrapper(reverse, target.func)
    del reverse.__wrapped__
    reverse.derivative = None       # the derivative made for the latest call's arguments
    made_by = ("value_and_grad" if return_value else "grad") + ("(has_aux=True)" if has_aux else "")
    mark(reverse, made_by, target.signature, (), as_tuple)
    reverse._tangent_ad_structured = True       # not differentiated again (targets.target)
    return reverse


def _with_aux(target, call, names, checkpoint):
    """f returns (value, aux): one forward sweep gives both, then one reverse sweep the
    gradient of value alone (aux carries no derivative, see pipeline/prepare.py)."""
    if checkpoint is not None:
        raise ValueError("checkpoint is not available with has_aux=True")
    forward = built(target, call, "split", names, has_aux=True)
    made = forward(*call.flat)
    (value, aux), saved = made
    if np.ndim(value) != 0:
        raise ValueError(f"the gradient needs a scalar value, but the value {target.func.__name__} "
                         f"returns has shape {np.shape(value)}; with has_aux=True it returns "
                         "(scalar value, aux)")
    seeds = forward._tangent_ad_info.seeds
    grads = forward.backward(saved, **{seeds[0]: 1.0}, **{s: 0.0 for s in seeds[1:]})
    return value, aux, grads, forward


def _scalar_output(func, seeds):
    if len(seeds) > 1:
        raise ValueError(f"the gradient needs a scalar output, but {func.__name__} returns a tuple of "
                         f"{len(seeds)} values; use tad.vjp, or return one scalar, or return "
                         "(value, aux) and pass has_aux=True")


# ------------------------------------------------------------------ higher order
def through_held(f, wrt, make):
    """For a bound method or a partial of a function with plain parameters: ``make``
    (tad.hessian, tad.hvp, tad.jacfwd, tad.jacrev) of that function for the parameters ``wrt``
    names, called with ``self`` (or what the partial fixes) already given; None otherwise."""
    held = callables.held(f)
    if held.simple or not inspect.isfunction(held.func) or not signature_of(held.func).plain:
        return None
    target = Target(f, wrt)
    inner = make(held.func, target.names if target.as_tuple else target.names[0])

    def call(*args, **kwargs):
        return inner(*held.prefix, *args, **{**held.keywords, **kwargs})

    functools.update_wrapper(call, held.func)
    del call.__wrapped__
    call._tangent_ad_structured = True          # not differentiated again (targets.target)
    call._tangent_ad_made_by = make.__name__
    return call


# ------------------------------------------------------------------ the generated code
def derivative(f, mode, wrt, checkpoint=None, optimize=True):
    """The derivative of a bound method or a partial for ``tad.derivative``: that of its
    function, for the parameters ``wrt`` names among those left to pass. Keyword-only
    parameters become ordinary ones; ``*args`` and ``**kwargs`` have no structure without a
    call, and are refused with what to do instead. For a bound method or a partial, the
    generated function with ``self`` (or what the partial fixes) already passed."""
    target = Target(f, wrt)
    layout = None
    if not target.signature.plain:
        if any(kind in ("vararg", "varkw") for _, kind in target.signature.kinds):
            callables.check_function(target.func)   # the fence's error: no call, no structure
        layout = (None,) * len(target.signature.kinds)      # keyword-only: ordinary parameters
    compiled = derivative_function(target.func, mode, target.names,
                                   tuple_output=target.as_tuple and mode == "reverse",
                                   checkpoint=checkpoint, optimize=bool(optimize), layout=layout)
    if target.held.simple:
        return compiled
    # called like the method or partial: self (and what the partial fixes) already given
    bound = functools.partial(compiled, *target.held.prefix, **target.held.keywords)
    bound.source, bound.__name__ = compiled.source, compiled.__name__
    bound._tangent_ad_info = compiled._tangent_ad_info
    return bound
