"""Activity analysis: which variables carry derivatives.

A variable is *active* when it depends on a differentiated argument (varied)
and the output depends on it (useful). Integers, flags, shapes, loop counters
and module constants are never active, so they get no tangents or adjoints.

The analysis is per variable name and ignores statement order (a name that is
active anywhere is active everywhere): simple, and never too small.
"""
import gast

from . import ir, rules


class Flow:
    """Which variables an expression's derivative flows from."""

    def __init__(self, resolve, local_names):
        self.resolve = resolve           # name -> object (globals, closure, builtins)
        self.local_names = local_names
        self.varied = self.useful = frozenset()

    def __call__(self, expr):
        return self.names(expr)

    def names(self, node):
        if node is None:
            return set()
        if isinstance(node, gast.Name):
            return {node.id} if node.id in self.local_names else set()
        if isinstance(node, (gast.Constant, gast.Compare, gast.Slice)):
            return set()
        if isinstance(node, gast.BinOp):
            if isinstance(node.op, (gast.FloorDiv, gast.BitAnd, gast.BitOr, gast.BitXor,
                                    gast.LShift, gast.RShift)):
                return set()
            return self.names(node.left) | self.names(node.right)
        if isinstance(node, gast.UnaryOp):
            return set() if isinstance(node.op, (gast.Not, gast.Invert)) else self.names(node.operand)
        if isinstance(node, gast.BoolOp):
            return set().union(*(self.names(v) for v in node.values))
        if isinstance(node, gast.Attribute):
            if node.attr in rules.NONDIFFERENTIABLE_ATTRIBUTES:
                return set()
            return self.names(node.value)
        if isinstance(node, gast.Subscript):
            return self.names(node.value)
        if isinstance(node, (gast.Tuple, gast.List)):
            return set().union(*(self.names(e) for e in node.elts)) if node.elts else set()
        if isinstance(node, gast.IfExp):
            return self.names(node.body) | self.names(node.orelse)
        if isinstance(node, gast.Call):
            return self.call(node)
        return set().union(*(self.names(c) for c in gast.iter_child_nodes(node)
                             if isinstance(c, gast.expr))) if list(gast.iter_child_nodes(node)) else set()

    def call(self, node):
        func = node.func
        if isinstance(func, gast.Attribute) and self.names(func.value) \
                and func.attr in rules.NONDIFFERENTIABLE_METHODS:
            return set()
        target = self.resolve_callee(func)
        if target is not None and rules.is_nondifferentiable(target):
            return set()
        rule = rules.rule_for(target) if target is not None else None
        shape_only = rule.shape_only if rule is not None else frozenset()
        params = [p for p, _ in rule.signature] if shape_only else []
        flows = set()
        for index, arg in enumerate(node.args):
            if index < len(params) and params[index] in shape_only:
                continue                  # read for its shape: no derivative flows from it
            flows |= self.names(arg)
        for keyword in node.keywords:
            if keyword.arg not in shape_only:
                flows |= self.names(keyword.value)
        if isinstance(func, gast.Attribute):
            flows |= self.names(func.value)      # a method call on a value
        return flows

    def resolve_callee(self, func):
        """The object a call's function expression refers to, if it is not a local value."""
        if isinstance(func, gast.Name):
            if func.id in self.local_names:
                return None
            return self.resolve(func.id)
        if isinstance(func, gast.Attribute):
            base = self.resolve_callee(func.value)
            if base is None:
                return None
            return getattr(base, func.attr, None)
        return None


def local_names(function):
    """Every name assigned in the function, and its parameters."""
    return set(function.params) | ir.writes(function.body)


def dependencies(function, flow):
    """Edges ``target <- source`` of derivative flow, for every assignment."""
    edges = []

    def visit(statements):
        for s in statements:
            if isinstance(s, ir.Assign):
                if ir.stack_pop(s.value) in function.stacks:
                    continue            # v = tape.pop() restores v: it is active as v is elsewhere
                edges.append((s.target, flow(s.value)))
            elif isinstance(s, ir.Unpack):
                sources = flow(s.value)
                for target in s.targets:
                    edges.append((target, sources))
            elif isinstance(s, ir.Raw):
                node = s.node
                if (ir.stack_push(node) or ("",))[0] in function.stacks:
                    continue            # tape.append(v): saved, to be popped back into v
                value = getattr(node, "value", None)
                sources = flow(value) if value is not None else set()
                if isinstance(node, gast.AugAssign) or (
                        isinstance(node, gast.Assign) and not all(
                            isinstance(t, (gast.Name, gast.Tuple, gast.List)) for t in node.targets)):
                    sources = sources | set(s.writes)   # x[i] = v keeps the rest of x
                for target in s.writes:
                    edges.append((target, sources))
            elif isinstance(s, ir.If):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ir.While):
                visit(s.body)
            elif isinstance(s, ir.For):
                targets = {s.target} if s.target else ir.written_names(s.origin.target)
                for target in targets:
                    edges.append((target, flow(s.iter)))
                visit(s.body)

    visit(function.body)
    return edges


def analyze(function, wrt, flow):
    """The set of active variable names of ``function`` for the arguments ``wrt``."""
    edges = dependencies(function, flow)
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for target, sources in edges:
            if target not in varied and sources & varied:
                varied.add(target)
                changed = True
    useful = set(function.results)
    changed = True
    while changed:
        changed = False
        for target, sources in edges:
            if target in useful:
                new = sources - useful
                if new:
                    useful |= new
                    changed = True
    flow.varied, flow.useful = varied, useful      # for checks that need one without the other
    return varied & useful
