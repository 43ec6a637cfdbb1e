"""The front half of the pipeline: a user function made ready to differentiate.

    parse -> fence -> normalize -> analyze -> lower

Each step is a function taking the previous step's output; :func:`prepare` runs them in
order, and ``tad.stages()`` calls the same functions to show each output.

>>> from tangent_ad._doc_examples import poly
>>> from tangent_ad.ir import nodes
>>> parsed = parse(poly, ["x1"])
>>> fence(parsed)
>>> normalized = normalize(parsed)
>>> analysis = analyze(normalized, ["x1"])
>>> sorted(analysis.active)
['x1', 'y']
>>> print(nodes.to_source(lower(normalized, analysis)), end="")
def poly(x1, x2):
    t1 = x1 + x2
    t2 = x1 - x2
    y = t1 * t2
    return y
"""
import contextlib

import gast

from .. import runtime
from ..front import activity, aliasing, fence as fences, normalize as normalizing, parsing, pytrees
from ..front.flatten import flatten, stacks
from ..front.shapes import Shapes
from ..ir.naming import Names

# names the generated code needs for itself: never a user's name in a derivative
RESERVED = set(runtime.__all__) | {"derivative", "registered_rule"}


class Normalized:
    """A parsed function desugared (``normalize.py``), with the names it may use from now on."""

    def __init__(self, parsed, function, names):
        self.parsed = parsed
        self.function = function
        self.names = names


class Analysis:
    """Which variables carry a derivative (``activity.py``), and how names flow."""

    def __init__(self, flow, active):
        self.flow = flow
        self.active = active


def parse(func, wrt, layout=None):
    """The function's tree, read from its source (``parsing.py``); ``wrt`` as renamed there.

    With a ``layout`` (the structure of the arguments of one call, ``pytrees.py``), a dict,
    list or tuple argument that is differentiated, ``*args`` and ``**kwargs`` become one
    parameter per leaf, and ``wrt`` the differentiable leaves."""
    parsed = parsing.parse_function(func)
    parsed.layout = layout
    wrt = tuple(parsed.renamed.get(p, p) for p in wrt)     # a parameter named np is np2
    if layout is not None:
        nodes = pytrees.parameter_nodes(parsed.node.args)
        specs = {node.id: spec for (node, _), spec in zip(nodes, layout)}
        leaves = parsed.leaves = pytrees.flatten_parameters(parsed, layout)
        pytrees.dict_return(parsed)
        wrt = tuple(leaf for p in wrt for leaf, kind in
                    (zip(leaves[p], pytrees.leaf_specs(specs[p])) if p in leaves else [(p, pytrees.LEAF)])
                    if kind == pytrees.LEAF)
    parsed.wrt = wrt
    return parsed


def fence(parsed):
    """Raise TransformError at the first construct outside the supported subset (``fence.py``)."""
    fences.check_function(parsed)


def normalize(parsed):
    """One return at the end, flags for break and continue (``normalize.py``)."""
    tree_names = {n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)}
    names = Names(tree_names | RESERVED)
    function = normalizing.desugar(parsed, names)
    if parsed.func.__code__.co_filename.startswith("<tangent_ad "):
        function.stacks = stacks(parsed.node)      # a derivative differentiated again: its tape
    return Normalized(parsed, function, names)


def analyze(normalized, wrt, has_aux=False):
    """The active variables for the arguments ``wrt`` (``activity.py``).

    ``has_aux``: the function returns ``(value, aux)``; only what the value needs carries a
    derivative, and aux is computed as it is, never differentiated."""
    function = normalized.function
    flow = activity.Flow(normalized.parsed.resolve, set(activity.local_names(function)))
    results = function.results
    if has_aux:
        _check_aux(normalized)
        function.results = results[:1]
    try:
        active = activity.analyze(function, wrt, flow, activity.alias_groups(function, flow))
    finally:
        function.results = results
    return Analysis(flow, active)


def _check_aux(normalized):
    function = normalized.function
    if len(function.results) != 2:
        returned = function.body[-1]
        node = getattr(returned, "origin", None) or normalized.parsed.node
        raise normalized.parsed.location.error(
            node, "has_aux=True with a function that does not end in return value, aux",
            "end the function with one return of two values: return loss, aux (aux may be a "
            "tuple or a dict: return loss, (a, b))")


def lower(normalized, analysis):
    """One differentiated operation per line, each bound to its rule (``flatten.py``).

    The normalized function is lowered in place and returned."""
    return flatten(normalized.function, analysis.active, analysis.flow, normalized.names)


class Prepared:
    """A function through the front half of the pipeline, for one set of differentiated arguments."""

    def __init__(self, parsed, normalized, analysis, numbers=frozenset()):
        self.parsed = parsed
        self.names = normalized.names
        self.function = normalized.function
        self.active = analysis.active
        self.flow = analysis.flow
        self.local_names = activity.local_names(self.function)
        # the parameters the call passes a number to: shaped () (see front/shapes.py)
        self.shapes = Shapes(self.function, numbers)
        self.wrt = parsed.wrt


def prepare(func, wrt, layout=None, has_aux=False):
    """parse -> fence -> normalize -> analyze -> lower, on ``func`` for the arguments ``wrt``
    (``layout`` and ``has_aux``: see :func:`parse` and :func:`analyze`)."""
    parsed = parse(func, wrt, layout)
    with _leaf_scalars(func, parsed):
        fence(parsed)
        normalized = normalize(parsed)
        analysis = analyze(normalized, parsed.wrt, has_aux)
        lower(normalized, analysis)
        numbers = {parsed.renamed.get(p, p) for p in aliasing.scalars_of(func) if isinstance(p, str)}
    return Prepared(parsed, normalized, analysis, numbers)


def _leaf_scalars(func, parsed):
    """The scalars a call passes, as the leaf parameters name them: ``"params[1]"`` (the second
    leaf of params, see structured.py) is ``params_b`` here (pipeline/cache.py, aliasing.py)."""
    scalars = aliasing.scalars_of(func)
    leaves = getattr(parsed, "leaves", None)
    if not leaves or not scalars:
        return contextlib.nullcontext()
    named = set()
    for entry in scalars:
        if isinstance(entry, str) and entry.endswith("]") and "[" in entry:
            param, index = entry[:-1].split("[")
            named.add(leaves[parsed.renamed.get(param, param)][int(index)])
        else:
            named.add(entry)
    return aliasing.scalar_parameters(func, frozenset(named))
