"""Forward mode and vjp of functions as people hold and call them (see ``structured.py``).

``tad.jvp`` and ``tad.vjp`` for dict, list, tuple and namedtuple primals, bound methods,
partials, keyword-only parameters, ``*args`` and ``**kwargs``: tangents and cotangents have
their primals' structure, and a function returning a dict gives dicts.

>>> import tangent_ad as tad
>>> def energy(p, x):
...     return p["k"] * x ** 2
>>> tad.jvp(energy, ({"k": 2.0}, 3.0), ({"k": 1.0}, None))
(18.0, 9.0)
>>> tad.vjp(energy, {"k": 2.0}, 3.0)[1](1.0)
({'k': 9.0}, 12.0)
"""
import numpy as np

from .front import pytrees
from .structured import Call, Target, built, is_tree
from .targets import like_argument, refuse_reverse_over_tape


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
