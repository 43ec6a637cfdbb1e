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
import gast

from .. import runtime
from ..front import activity, fence as fences, normalize as normalizing, parsing
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


def parse(func, wrt):
    """The function's tree, read from its source (``parsing.py``); ``wrt`` as renamed there."""
    parsed = parsing.parse_function(func)
    parsed.wrt = tuple(parsed.renamed.get(p, p) for p in wrt)     # a parameter named np is np2
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


def analyze(normalized, wrt):
    """The active variables for the arguments ``wrt`` (``activity.py``)."""
    function = normalized.function
    flow = activity.Flow(normalized.parsed.resolve, set(activity.local_names(function)))
    active = activity.analyze(function, wrt, flow, activity.alias_groups(function, flow))
    return Analysis(flow, active)


def lower(normalized, analysis):
    """One differentiated operation per line, each bound to its rule (``flatten.py``).

    The normalized function is lowered in place and returned."""
    return flatten(normalized.function, analysis.active, analysis.flow, normalized.names)


class Prepared:
    """A function through the front half of the pipeline, for one set of differentiated arguments."""

    def __init__(self, parsed, normalized, analysis):
        self.parsed = parsed
        self.names = normalized.names
        self.function = normalized.function
        self.active = analysis.active
        self.flow = analysis.flow
        self.local_names = activity.local_names(self.function)
        self.shapes = Shapes(self.function)
        self.wrt = parsed.wrt


def prepare(func, wrt):
    """parse -> fence -> normalize -> analyze -> lower, on ``func`` for the arguments ``wrt``."""
    parsed = parse(func, wrt)
    fence(parsed)
    normalized = normalize(parsed)
    analysis = analyze(normalized, parsed.wrt)
    lower(normalized, analysis)
    return Prepared(parsed, normalized, analysis)
