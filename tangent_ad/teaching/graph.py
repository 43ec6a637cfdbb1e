"""The computational graph of a function, as a picture: ``tad.graph(f, *args, mode=..., wrt=...)``.

One node per input, one per operation of the one-operation-per-line form (labelled with
its statement, ``u1 = x1 + x2``) and one for the output; an edge for each value an
operation reads. Given arguments, the graph is that of the run: each node shows its value
and its tangent (forward mode) or adjoint (reverse mode), the numbers ``tad.explain``
prints, and a loop is unrolled as it ran (up to ``max_nodes`` operations, then one node
saying how many more were left out).

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> g = tad.graph(poly, 3.0, 2.0, mode="reverse", wrt=(0, 1))
>>> [node.label for node in g.nodes]
['x1', 'x2', 't1 = x1 + x2', 't2 = x1 - x2', 'y = t1 * t2', 'output y']
>>> [node.derivative for node in g.nodes][:3]
['x1_bar = 6.0', 'x2_bar = -4.0', 't1_bar = 1.0']
>>> g.dot.splitlines()[0]
'digraph "poly, reverse mode" {'
>>> g.svg().startswith("<svg")
True

Without arguments the graph shows the structure only: each statement once.
"""
import os

from .. import targets
from . import graph_build
from .graph_layout import to_dot, to_svg

__all__ = ["graph", "Graph"]

class Graph:
    """A computational graph: ``nodes`` and ``edges``, drawn as ``.dot``, ``.svg()`` or ``.save(path)``.

    ``nodes`` is a list of :class:`~tangent_ad.teaching.graph_build.Node` (``id``, ``kind``
    — ``"input"``, ``"operation"``, ``"output"`` or ``"elided"`` — ``label``, ``value``,
    ``derivative``, ``context``); ``edges`` a list of ``(source id, target id)`` pairs.
    """

    def __init__(self, nodes, edges, title="", mode="reverse"):
        self.nodes = list(nodes)
        self.edges = list(edges)
        self.title = title
        self.mode = mode

    @property
    def dot(self):
        """Graphviz DOT text (``dot -Tpng`` draws it, where Graphviz is installed)."""
        return to_dot(self.nodes, self.edges, self.title)

    def svg(self):
        """SVG text, laid out here (no system package needed)."""
        return to_svg(self.nodes, self.edges, self.title)

    def _repr_svg_(self):
        return self.svg()

    def save(self, path):
        """Write the graph to ``path``: ``.dot``, ``.svg`` or ``.png`` (PNG needs matplotlib)."""
        suffix = os.path.splitext(str(path))[1].lower()
        if suffix == ".dot":
            text = self.dot
        elif suffix == ".svg":
            text = self.svg()
        elif suffix == ".png":
            from .graph_png import save_png
            return save_png(self.nodes, self.edges, path)
        else:
            raise ValueError(f"can save a graph as .dot, .svg or .png, not {suffix or 'no suffix'!r} "
                             f"({path})")
        with open(path, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        return None

    def __repr__(self):
        return f"<Graph {self.title!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def graph(f, *args, mode="reverse", wrt=0, max_nodes=graph_build.DEFAULT_MAX_NODES, **kwargs):
    """The computational graph of ``f``: a :class:`Graph`.

    With arguments, the graph of the call ``f(*args, **kwargs)``: the operations as they ran
    (a loop unrolled, the branch taken), each with its value and its tangent (``mode="forward"``,
    seeding 1.0 for each ``wrt`` argument) or its adjoint (``mode="reverse"``, seeding the
    output's adjoint with 1.0). At most ``max_nodes`` operations are drawn; the rest become
    one node saying how many were left out. Without arguments: the structure only.
    """
    targets.check_mode(mode)
    if mode not in ("forward", "reverse"):
        raise ValueError(f"tad.graph draws forward or reverse mode, not {mode!r}")
    func = targets.unwrap(f)
    name = getattr(func, "__name__", "f")
    if not args and not kwargs:
        nodes, edges = graph_build.from_source(func, wrt, max_nodes)
        return Graph(nodes, edges, f"{name}, structure", mode)
    from .explain import explain
    # reverse mode runs the plain transformation: the clean-ups drop an output's last operation
    # when only its adjoint is needed, and the graph must show it (the numbers are the same)
    trace = explain(f, *args, mode=mode, wrt=wrt, optimize=mode == "forward", **kwargs)
    nodes, edges = graph_build.from_run(func, args, kwargs, trace, mode, wrt, max_nodes)
    return Graph(nodes, edges, f"{name}, {mode} mode", mode)

