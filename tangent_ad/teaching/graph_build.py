"""The nodes and edges of a computational graph, from the one-operation-per-line form.

With arguments the graph is built from a run (what ``tad.explain`` records): one node
per operation as it ran, so a loop is unrolled as it ran and a branch shows the path
taken; each node carries the value and the tangent (forward mode) or the adjoint
(reverse mode) ``tad.explain`` printed for it. Without arguments it is built from the
lowered source: one node per statement, labelled with the loop or branch it sits in.
"""
import ast
import re
from typing import NamedTuple

from .. import targets
from ..ir import nodes as ir
from ..pipeline import prepare
from .values import format_value

__all__ = ["Node", "Edge", "from_run", "from_source", "DEFAULT_MAX_NODES"]

DEFAULT_MAX_NODES = 60


class Node(NamedTuple):
    """One box of the picture: an input, an operation, the output, or the operations elided."""
    id: str             # "n0", "n1", ... in the order the nodes were made
    kind: str           # "input", "operation", "output" or "elided"
    label: str          # "x1", "u1 = x1 + x2", "output y", "... 40 more operations not drawn"
    name: str = ""      # the variable the node defines ("" for the elision node)
    value: str = ""     # "u1 = 5.0" (with arguments)
    derivative: str = ""  # "u1_dot = 1.0" (forward) or "u1_bar = 1.0" (reverse), with arguments
    context: str = ""   # "iteration 2 of while i < n / if x > 0: taken"; "" at top level

    def lines(self):
        """The text lines the box shows, first the label."""
        return [line for line in (self.label, self.value, self.derivative, self.context) if line]


class Edge(NamedTuple):
    """Data flow: ``source``'s value is read by ``target``."""
    source: str
    target: str


def _base(name):
    return re.split(r"[\[.]", name, maxsplit=1)[0]


def _reads(statement):
    """The names a statement reads (a store into ``y[i]`` reads ``y`` and ``i``)."""
    try:
        tree = ast.parse(statement.strip())
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.append(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            inner = node.value
            while isinstance(inner, (ast.Subscript, ast.Attribute)):
                inner = inner.value
            if isinstance(inner, ast.Name):
                names.append(inner.id)
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


class _Builder:
    """Nodes in the order they are made; names resolved to the node that last defined them."""

    def __init__(self, max_nodes):
        self.max_nodes = max_nodes
        self.nodes = []
        self.edges = []
        self.defined = {}
        self.operations = 0
        self.elided = 0
        self.elided_id = None

    def add(self, kind, label, name="", value="", derivative="", context="", reads=()):
        node_id = f"n{len(self.nodes)}"
        sources = [self.defined[r] for r in reads if r in self.defined]
        if kind == "operation":
            self.operations += 1
            if self.operations > self.max_nodes:
                self.elided += 1
                if self.elided_id is None:
                    self.elided_id = node_id
                    self.nodes.append(None)
                for source in sources:
                    self._edge(source, self.elided_id)
                if name:
                    self.defined[name] = self.elided_id
                return self.elided_id
        self.nodes.append(Node(node_id, kind, label, name, value, derivative, context))
        for source in sources:
            self._edge(source, node_id)
        if name:
            self.defined[name] = node_id
        return node_id

    def _edge(self, source, target):
        edge = Edge(source, target)
        if source != target and edge not in self.edges:
            self.edges.append(edge)

    def finish(self, truncated=False):
        if self.elided_id is not None:
            index = int(self.elided_id[1:])
            more = f"over {self.elided}" if truncated else str(self.elided)   # the trace stopped
            self.nodes[index] = Node(
                self.elided_id, "elided",
                f"... {more} more operations not drawn (node limit {self.max_nodes})")
        return self.nodes, self.edges


def _flat(func, names_wrt):
    parsed = prepare.parse(func, names_wrt)
    prepare.fence(parsed)
    normalized = prepare.normalize(parsed)
    analysis = prepare.analyze(normalized, parsed.wrt)
    return ast.parse(ir.to_source(prepare.lower(normalized, analysis))).body[0]


def _returned(function_def):
    for statement in reversed(function_def.body):
        if isinstance(statement, ast.Return) and statement.value is not None:
            return ast.unparse(statement.value), _reads(ast.unparse(statement))
    return "", []


def _inputs(builder, params, values=None, derivatives=None):
    for name in params:
        value = f"{name} = {format_value(values[name])}" if values and name in values else ""
        derivative = derivatives.get(name, "") if derivatives else ""
        builder.add("input", name, name, value, derivative)


def _output(builder, returned):
    """The output node: it shows the value (and derivative) of the one name it returns."""
    text, reads = returned
    value = derivative = ""
    sources = [builder.defined[r] for r in reads if r in builder.defined]
    if len(reads) == 1 and sources:
        source = builder.nodes[int(sources[0][1:])]
        if source is not None and source.kind != "elided":
            value, derivative = source.value, source.derivative
    node_id = builder.add("output", f"output {text}", "", value, derivative, "", reads)
    if not sources and builder.elided_id is not None:      # the run stopped among the elided
        builder._edge(builder.elided_id, node_id)


# ------------------------------------------------------------------ without arguments
def from_source(func, wrt=0, max_nodes=DEFAULT_MAX_NODES):
    """Nodes and edges of the lowered source: each statement once, in the order written."""
    func = targets.unwrap(func)
    names_wrt, _ = targets.wrt_names(func, wrt)
    function_def = _flat(func, names_wrt)
    builder = _Builder(max_nodes)
    _inputs(builder, targets.parameters(func))

    def walk(body, context):
        for statement in body:
            if isinstance(statement, (ast.While, ast.For, ast.If)):
                head = ast.unparse(statement).splitlines()[0].rstrip(":")
                if isinstance(statement, ast.If):
                    walk(statement.body, _join(context, f"{head}: taken"))
                    walk(statement.orelse, _join(context, f"{head}: not taken"))
                else:
                    walk(statement.body, _join(context, f"in the loop {head}"))
            elif isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                text = ast.unparse(statement)
                targets_ = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = [_base(ast.unparse(t)) for t in targets_]
                builder.add("operation", text, names[0], "", "", context, _reads(text))
                for other in names[1:]:
                    builder.defined[other] = builder.defined[names[0]]

    walk(function_def.body, "")
    _output(builder, _returned(function_def))
    return builder.finish()


def _join(context, part):
    return f"{context} / {part}" if context else part


# ------------------------------------------------------------------ with arguments
def _key(label):
    """The loop iterations a forward row ran in, or a reverse row replays: a tuple of numbers."""
    numbers = []
    for part in label.split(" / "):
        replay = re.search(r"replaying forward iteration (\d+)", part)
        forward = re.match(r"iteration (\d+)", part)
        if replay:
            numbers.append(int(replay.group(1)))
        elif forward:
            numbers.append(int(forward.group(1)))
    return tuple(numbers)


def _adjoints(rows):
    """``{(statement, iteration key): {adjoint name: value}}`` when the reverse sweep reaches
    the adjoints of that statement: the adjoints of the value it defined are complete then."""
    current, found, previous = {}, {}, None
    for row in rows:
        if row.phase != "reverse":
            continue
        group = (row.comment, _key(row.label))
        if group != previous and group not in found:
            found[group] = dict(current)
        previous = group
        current[row.name] = row.value
    return found, current


def _primal(statement, suffix, primal):
    """A forward-mode call of a helper's derivative as the call it differentiates:
    ``u, u_dot = helper_jvp_a(x, y, a_dot=x_dot)`` is ``u = helper(x, y)``."""
    try:
        tree = ast.parse(statement.strip())
    except SyntaxError:
        return statement
    node = tree.body[0] if tree.body else None
    if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and re.search(r"_jvp(_\w+)?$", node.value.func.id)):
        return statement
    target = node.targets[0]
    if isinstance(target, ast.Tuple):
        kept = [t for t in target.elts if _derivative_of(ast.unparse(t), suffix) is None]
        target = kept[0] if len(kept) == 1 else ast.Tuple(kept, ast.Store())
    call = node.value
    call.func = ast.Name(re.sub(r"_jvp(_\w+)?$", "", call.func.id), ast.Load())
    call.keywords = [k for k in call.keywords if not (k.arg or "").endswith(suffix)]
    return ast.unparse(ast.Assign([target], call, lineno=0))


def _derivative_of(name, suffix):
    """``u1`` for ``u1_dot`` or ``u1_bar``, and for ``u1_dot2`` (renamed away from a global)."""
    match = re.fullmatch(rf"(.+){suffix}\d*", name)
    return match.group(1) if match else None


def _is_derivative(name, suffix, primal):
    return _derivative_of(name, suffix) in primal


def _tangents(name, values, columns):
    """``u2_dot = 1.0``; with one tangent column per input, ``u2_dot = 1.0 (d/dx1), -1.0 (d/dx2)``."""
    if len(columns) < 2 or len(values) != len(columns):
        return f"{name} = {format_value(values[0])}"
    return f"{name} = " + ", ".join(f"{format_value(v)} (d/d{c})" for v, c in zip(values, columns))


def from_run(func, args, kwargs, trace, mode, wrt, max_nodes=DEFAULT_MAX_NODES):
    """Nodes and edges of the run ``trace`` (an Explanation of ``func`` at ``args``)."""
    func = targets.unwrap(func)
    params = targets.parameters(func)
    arguments = targets.bound_arguments(func, args, kwargs)
    names_wrt = list(trace.wrt) if hasattr(trace, "wrt") else list(targets.wrt_names(func, wrt)[0])
    function_def = _flat(func, names_wrt)
    builder = _Builder(max_nodes)
    suffix = "_dot" if mode == "forward" else "_bar"
    rows = trace.rows
    derivatives = {}
    columns = list(dict.fromkeys(getattr(row, "column", "") for row in rows if row.phase == "forward"))
    entry = getattr(trace, "entry", None) or getattr(trace, "_entry", None)   # the derivative run
    by_column = [[row for row in rows if getattr(row, "column", "") == c and row.function == entry]
                 for c in columns] or [[]]       # a helper's call is one node: its own rows are not
    if mode == "forward":
        for name in params:
            if name in names_wrt or isinstance(arguments.get(name), float):
                seeds = [1.0 if name == c or (len(columns) < 2 and name in names_wrt) else 0.0
                         for c in columns or [""]]
                derivatives[name] = _tangents(f"{name}{suffix}", seeds, columns)
        adjoints, final = {}, {}
    else:
        adjoints, final = _adjoints(rows)
        for adjoint, value in final.items():
            if _derivative_of(adjoint, suffix) in names_wrt:
                derivatives[_derivative_of(adjoint, suffix)] = f"{adjoint} = {format_value(value)}"
    _inputs(builder, [p for p in params if p in arguments], arguments, derivatives)
    primal = set(params)
    for index, row in enumerate(by_column[0]):
        if row.phase != "forward" or not row.statement or _is_derivative(row.name, suffix, primal):
            continue
        name = _base(row.name)
        primal.add(name)
        derivative = ""
        if mode == "forward":
            found = {}
            for column in by_column:
                for other in column[max(index - 1, 0):index + 2]:
                    if other.label == row.label and _derivative_of(other.name, suffix) == name:
                        found.setdefault(other.name, []).append(other.value)
            for tangent, values in found.items():
                derivative = _tangents(tangent, values, columns)
        else:
            seen = adjoints.get((row.statement, _key(row.label)), {})
            for adjoint, value in seen.items():
                if _derivative_of(adjoint, suffix) == name:
                    derivative = f"{adjoint} = {format_value(value)}"
        statement = _primal(row.statement, suffix, primal)
        builder.add("operation", statement, name, f"{row.name} = {format_value(row.value)}",
                    derivative, row.label, _reads(statement))
    _output(builder, _returned(function_def))
    return builder.finish(getattr(trace, "truncated", False))
