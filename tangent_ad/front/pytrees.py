"""Arguments that are dicts, lists and tuples (pytrees), and parameters beyond the plain ones.

A derivative is made for the *structure* of its arguments: ``params = {"W": W, "b": b}``
is described as ``("dict", (("W", "f"), ("b", "f")))``, and the function is rewritten,
before the fence, into one whose parameters are the leaves, named for where they sit:

    def loss(params, x):                     def loss(params_W, params_b, x):
        W, b = params["W"], params["b"]  ->      W, b = params_W, params_b
        return np.sum((x @ W + b) ** 2)          return np.sum((x @ W + b) ** 2)

The same rewriting gives keyword-only parameters, ``*args`` and ``**kwargs`` (their
structure is known at the call: ``args[0]`` becomes ``args_0``, ``helper(**kw)`` becomes
``helper(s=kw_s)``). The API flattens the argument values the same way
(:func:`flatten`) and rebuilds each gradient with its argument's structure (:func:`build`).

Only constant keys are followed. Any other use of a flattened parameter (iterating it,
``p.items()``, a computed key, passing the whole dict to a helper, assigning to it) is
refused with what to write instead: a value read from it is never silently a constant.

>>> describe({"W": 1.0, "b": [2.0, 3]}, deep=True)
('dict', (('W', 'f'), ('b', ('list', (('0', 'f'), ('1', 'c'))))))
>>> spec = describe((1.0, {"a": 2.0}), deep=True)
>>> flatten((1.0, {"a": 2.0}), spec)
[1.0, 2.0]
>>> build(spec, [10.0, 20.0])
(10.0, {'a': 20.0})
"""
import re

import gast

from .pytree_reads import Rewriter, Tree, parameter_nodes  # noqa: F401 - parameter_nodes is used from here

LEAF, CONSTANT = "f", "c"         # a differentiable leaf; a leaf that is not (an int, a string)
_KINDS = {tuple: "tuple", list: "list", dict: "dict"}
OBJECT = "instance of "     # + the class's name in the function's module


# ------------------------------------------------------------------ values
def is_float_like(value):
    """A Python float or an array of floats: what a derivative is taken with respect to."""
    if type(value) is float:
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind == "f" and not isinstance(value, (bool, int))


def describe(value, deep):
    """The structure of ``value``: its containers when ``deep`` (a dict's keys are strings or
    ints), each leaf ``"f"`` (a float or float array) or ``"c"`` (anything else)."""
    kind = kind_of(value)
    if kind is None or not deep:
        return LEAF if is_float_like(value) else CONSTANT
    if isinstance(kind, type):          # a namedtuple: its fields by name
        return kind, tuple((field, describe(item, deep)) for field, item in zip(kind._fields, value))
    if kind == "dict":
        for key in value:
            if type(key) not in (str, int):
                raise TypeError(f"a dict differentiated through has keys that are strings or ints; "
                                f"found the key {key!r}")
        return kind, tuple((key, describe(item, deep)) for key, item in value.items())
    return kind, tuple((str(i), describe(item, deep)) for i, item in enumerate(value))


def kind_of(value):
    """"tuple", "list", "dict", a namedtuple's class, or None for a leaf."""
    kind = _KINDS.get(type(value))
    if kind is None and isinstance(value, tuple) and isinstance(getattr(type(value), "_fields", None), tuple):
        return type(value)
    return kind


def is_tree(value):
    """A dict, list, tuple or namedtuple: an argument whose entries may be differentiated."""
    return kind_of(value) is not None


def kind_name(kind):
    return kind.__name__ if isinstance(kind, type) else kind


def is_object(spec):
    """An argument that is an instance of a class of the function's module (``self``): kept as
    it is, its method calls written as calls of the class's functions."""
    return isinstance(spec, str) and spec.startswith(OBJECT)


def is_container(spec):
    return isinstance(spec, tuple)


def flatten(value, spec):
    """The leaves of ``value`` in the order of ``spec`` (ValueError when ``value`` differs)."""
    if not is_container(spec):
        return [value]
    kind, children = spec
    if kind_of(value) != kind or len(value) != len(children):
        raise ValueError(f"expected a {kind_name(kind)} of {len(children)} item(s) with the structure of the "
                         f"primal; got {type(value).__name__} {_short(value)}")
    out = []
    for key, child in children:
        if kind == "dict":
            if key not in value:
                raise ValueError(f"expected a dict with the key {key!r}; got keys {list(value)}")
            item = value[key]
        else:
            item = getattr(value, key) if isinstance(kind, type) else value[int(key)]
        out += flatten(item, child)
    return out


def build(spec, leaves):
    """The value of structure ``spec`` holding ``leaves`` (in :func:`flatten`'s order)."""
    made = _build(spec, iter(leaves))
    return made


def _build(spec, leaves):
    if not is_container(spec):
        return next(leaves)
    kind, children = spec
    items = [(key, _build(child, leaves)) for key, child in children]
    if kind == "dict":
        return dict(items)
    values = [item for _, item in items]
    if isinstance(kind, type):
        return kind(*values)
    return tuple(values) if kind == "tuple" else values


def leaf_specs(spec):
    """The leaf markers of ``spec`` (``"f"`` or ``"c"``), in order."""
    if not is_container(spec):
        return [spec]
    return [leaf for _, child in spec[1] for leaf in leaf_specs(child)]


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


# ------------------------------------------------------------------ the rewriting
def flatten_parameters(parsed, layout):
    """Rewrite ``parsed`` (a ParsedFunction) for ``layout``, one entry per parameter (in
    :func:`parameter_nodes`' order): None keeps the parameter, a structure replaces it by its
    leaves. Returns {parameter: [leaf parameter names]} for the flattened ones."""
    node, where = parsed.node, parsed.location
    params = parameter_nodes(node.args)
    taken = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
    trees, new_params, leaves_of, objects = {}, [], {}, {}
    for (param, _), spec in zip(params, layout):
        if spec is None or is_object(spec):
            new_params.append(param)
            if spec is not None:
                objects[param.id] = spec[len(OBJECT):]       # self.part(x): Model.part(self, x)
            continue
        names = _leaf_names(param.id, spec, taken)
        trees[param.id] = Tree(spec, iter(names))
        leaves_of[param.id] = names
        new_params += [gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in names]
    Rewriter(trees, where, objects, parsed.namespace).rewrite(node)
    defaults = _literal_defaults(node.args, new_params)
    node.args = gast.arguments(args=new_params, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=defaults)
    parsed.params = [p.id for p in new_params]
    parsed.defaults = dict(zip(parsed.params[len(parsed.params) - len(defaults):], defaults))
    return leaves_of


def dict_return(parsed):
    """``return {"loss": a, "grad_norm": b}`` at the end (the only return): returned as the tuple
    ``a, b`` and the keys kept in ``parsed.output_keys``, so the API rebuilds the dict of values,
    tangents and cotangents. Any other function is left as it is (``output_keys`` None)."""
    node = parsed.node
    parsed.output_keys = None
    last = node.body[-1] if node.body else None
    if not (isinstance(last, gast.Return) and isinstance(last.value, gast.Dict) and last.value.keys):
        return
    keys = last.value.keys
    if not all(isinstance(k, gast.Constant) and type(k.value) is str for k in keys) or \
            len({k.value for k in keys}) != len(keys):
        return
    returns = [n for s in node.body for n in _walk_outside_functions(s) if isinstance(n, gast.Return)]
    if len(returns) != 1:
        return
    values = last.value.values
    last.value = values[0] if len(values) == 1 else gast.Tuple(elts=list(values), ctx=gast.Load())
    parsed.output_keys = tuple(k.value for k in keys)


def _walk_outside_functions(node):
    yield node
    if isinstance(node, (gast.FunctionDef, gast.Lambda)):
        return
    for child in gast.iter_child_nodes(node):
        yield from _walk_outside_functions(child)


def _literal_defaults(args, new_params):
    """The defaults the rewritten parameters keep: those written as literals (``scale=2.0``),
    for the last parameters that all have one (the API always passes every argument)."""
    positional = list(getattr(args, "posonlyargs", None) or []) + list(args.args)
    written = dict(zip([p.id for p in positional[len(positional) - len(args.defaults):]], args.defaults))
    written.update({p.id: d for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    kept = []
    for param in reversed(new_params):
        default = written.get(param.id)
        if not isinstance(default, gast.Constant):
            break
        kept.insert(0, default)
    return kept


def _leaf_names(base, spec, taken):
    names = []
    for path in _paths(spec):
        text = "_".join([base] + [re.sub(r"\W", "_", str(key)) for key in path])
        name_, n = text, 2
        while name_ in taken:
            name_, n = f"{text}{n}", n + 1
        taken.add(name_)
        names.append(name_)
    return names


def _paths(spec, prefix=()):
    if not is_container(spec):
        return [prefix]
    return [path for key, child in spec[1] for path in _paths(child, prefix + (key,))]
