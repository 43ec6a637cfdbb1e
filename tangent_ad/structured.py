"""Derivatives of functions as people hold and call them.

Arguments that are dicts, lists and tuples (pytrees), ``has_aux=True``, bound methods,
``functools.partial``, keyword-only parameters, ``*args`` and ``**kwargs``. The derivative
is made for the *structure* of the arguments of a call (``front/pytrees.py`` rewrites the
function so that each leaf is a parameter of its own); here the values of a call are
flattened the same way, and each gradient is rebuilt with its argument's structure.

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


# ------------------------------------------------------------------ forward mode
def jvp(f, primals, tangents, force=False):
    """``tad.jvp`` for a function as held and pytree primals: each tangent has its primal's
    structure (None: not differentiated; a None leaf inside a structure: a zero tangent).
    A function returning a dict gives dicts of values and tangents (``force``: plain arguments)."""
    target = Target(f, wrt=None)
    values = target.bind(primals, {})
    by_param, extra = {}, []
    for (param, index), tangent in zip(target.positions(len(primals)), tangents):
        if index is None:
            by_param[param] = tangent
        else:
            extra.append(tangent)           # an entry of *args
    if any(t is not None for t in extra):
        by_param[target.vararg] = tuple(extra)
    names = tuple(n for n in target.signature.names if by_param.get(n) is not None)
    if not names:
        from .runtime import zeros_like
        out = target.func(*target.held.prefix, *primals, **target.held.keywords)
        return out, zeros_like(out)
    call = Call(target, values, names, force)
    call.count(names)
    compiled = built(target, call, "forward", names)
    keys = list(compiled._tangent_ad_info.tangents.values())
    leaves = []
    for name in names:
        value_leaves, kinds = call.leaves(name)
        spec = call.specs[name]
        given = [by_param[name]] if spec is None else _tangent_leaves(name, by_param[name], spec, value_leaves)
        for value, kind, tangent in zip(value_leaves, kinds, given):
            if kind == pytrees.LEAF:
                leaves.append(_tangent_of(name, value, tangent))
    out, out_dot = compiled(*call.flat, **dict(zip(keys, leaves)))
    if all(type(v) is float for v in leaves):
        out_dot = like_argument(out_dot, 0.0)
    output_keys = compiled._tangent_ad_info.output_keys
    return _as_dict(output_keys, out), _as_dict(output_keys, out_dot)


def _as_dict(keys, value):
    """The dict a function returned, from the tuple its derivative returns (pytrees.dict_return)."""
    if keys is None:
        return value
    return dict(zip(keys, value if len(keys) > 1 else (value,)))


def _tangent_leaves(name, tangent, spec, value_leaves):
    if tangent is None:
        return [None] * len(value_leaves)
    try:
        return pytrees.flatten(tangent, spec)
    except ValueError as exc:
        raise ValueError(f"the tangent of {name} must have the structure of {name}: {exc}") from None


def _tangent_of(name, value, tangent):
    if tangent is None:
        return 0.0 if type(value) is float else np.zeros_like(value)
    if getattr(value, "shape", ()) != getattr(tangent, "shape", ()):
        raise ValueError(f"a tangent of {name} has shape {getattr(tangent, 'shape', ())}, but its primal "
                         f"has shape {getattr(value, 'shape', ())}; a tangent must have its primal's shape")
    return tangent


# ------------------------------------------------------------------ vjp
def vjp(f, primals, force=False):
    """``tad.vjp`` for a function as held and pytree primals: each cotangent has its primal's
    structure; a primal that holds no float gets None. For a function returning a dict,
    ``out`` is that dict and ``f_vjp`` takes a dict of cotangents with its keys."""
    target = Target(f, wrt=None)
    values = target.bind(primals, {})
    names = tuple(n for n, v in zip(target.signature.names, values) if _holds_floats(v))
    call = Call(target, values, names, force)
    positions = target.positions(len(primals))
    if not names:
        out = target.func(*target.held.prefix, *primals, **target.held.keywords)
        return out, lambda out_bar: tuple(None for _ in primals)
    refuse_reverse_over_tape(target.func)
    forward = built(target, call, "split", names)
    seeds = forward._tangent_ad_info.seeds
    out, saved = forward(*call.flat)
    output_keys = forward._tangent_ad_info.output_keys

    def f_vjp(out_bar):
        if output_keys is not None:
            if not isinstance(out_bar, dict) or set(out_bar) != set(output_keys):
                raise ValueError(f"f_vjp expected a dict of cotangents with the keys {list(output_keys)} "
                                 f"that {target.func.__name__} returns; got {out_bar!r:.80}")
            cotangents = tuple(out_bar[k] for k in output_keys)
        else:
            cotangents = tuple(out_bar) if len(seeds) > 1 else (out_bar,)
        if len(cotangents) != len(seeds):
            raise ValueError(f"f_vjp expected {len(seeds)} cotangents, one per output of "
                             f"{target.func.__name__}; found {len(cotangents)}")
        grads = dict(zip(names, call.rebuild(names, forward.backward(saved, **dict(zip(seeds, cotangents))))))
        result = []
        for param, index in positions:
            g = grads.get(param)
            result.append(g if index is None or g is None else g[index])
        return tuple(result)

    return _as_dict(output_keys, out), f_vjp


def retried(refusal, made_by, f, *args):
    """A function refused for plain arguments that returns a dict: made again for its structure
    (its return becomes a tuple, see pytrees.dict_return); any other refusal stands."""
    try:
        return made_by(f, *args, force=True)
    except Exception:       # noqa: BLE001 - the first refusal is the one that explains
        raise refusal.with_traceback(None) from None


def _holds_floats(value):
    if is_tree(value):
        items = value.values() if isinstance(value, dict) else value
        return any(_holds_floats(v) for v in items)
    return pytrees.is_float_like(value)


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
