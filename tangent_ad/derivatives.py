"""Apply a rule to one operation: its tangent (forward) and its adjoint contributions (reverse)."""
import ast

import gast

from . import rules
from .code import src
from .templates import fill, fill_ast, free_names


class Derivatives:
    """Tangent and adjoint expressions, as source, for the operations of one function."""

    def __init__(self, shapes, np_alias, tangent_name, adjoint_name, local_names):
        self.shapes = shapes
        self.local_names = local_names
        self.np = np_alias
        self.tangent_name = tangent_name
        self.adjoint_name = adjoint_name

    def _values(self, assign, extra=()):
        op = assign.op
        values = {"np": self.np, "y": assign.target}
        for param, default in op.rule.signature:
            if param in op.bound:
                values[param] = self._as_expression(op.bound[param])
            elif default is not rules.REQUIRED:
                values[param] = default
        values.update(extra)
        return values

    def _as_expression(self, node):
        """Source of an operand; an index with slices is written ``np.s_[1:3]``."""
        if any(isinstance(n, gast.Slice) for n in gast.walk(node)):
            if isinstance(node, gast.Tuple):
                inner = ", ".join(src(e) for e in node.elts) + ("," if len(node.elts) == 1 else "")
            else:
                inner = src(node)
            return f"{self.np}.s_[{inner}]"
        return src(node)

    def _var(self, op, param):
        return op.bound[param].id

    # ------------------------------------------------------------------ forward
    # A tangent may be smaller than its value as long as it broadcasts to it (a scalar
    # tangent 1.0 of an array, x1_dot of t1 = x1 + x2): elementwise rules broadcast it
    # anyway, and it is expanded with broadcast_like only where a shape matters.

    def tangent(self, assign, full):
        """Source of the tangent of ``assign.target``; ``full(var)``: var's tangent has var's shape."""
        op, rule = assign.op, assign.op.rule
        dots = {}
        for p in op.active:
            var = self._var(op, p)
            dot = self.tangent_name(var)
            if rule.elementwise or isinstance(rule, rules.Where) or full(var):
                dots[f"{p}_dot"] = dot
            else:
                dots[f"{p}_dot"] = f"broadcast_like({dot}, {var})"
        if isinstance(rule, rules.Elementwise):
            template = " + ".join(f"({rule.partials[p]}) * {p}_dot" for p in op.active)
            return fill(template, self._values(assign, dots))
        if isinstance(rule, rules.Linear):
            p = op.active[0]
            return src(_replace(assign.value, op.bound[p], gast.parse(dots[f"{p}_dot"]).body[0].value))
        if isinstance(rule, rules.Where):
            a = dots.get("a_dot", "0.0")
            b = dots.get("b_dot", "0.0")
            return fill("np.where(condition, A, B)", self._values(assign, {"A": a, "B": b}))
        if isinstance(rule, rules.Bilinear):
            return " + ".join(fill(rule.tangents[p], self._values(assign, dots)) for p in op.active)
        raise AssertionError(rule)

    def tangent_is_full(self, assign, full):
        """Whether the tangent of ``assign`` provably has the target's shape."""
        op, rule = assign.op, assign.op.rule
        if not (rule.elementwise or isinstance(rule, rules.Where)):
            return True
        shape = frozenset()
        for p in op.active:
            var = self._var(op, p)
            partial_shape = frozenset()
            if rule.elementwise:
                partial = fill(rule.partials[p], self._values(assign))
                partial_shape = self.shapes.union(free_names(partial) & self.local_names)
            var_shape = self.shapes.var(var)
            # a smaller tangent times a partial of the value's full shape has that shape
            if full(var) or (var_shape and var_shape <= partial_shape):
                shape |= partial_shape | var_shape
            else:
                shape |= self.shapes.expr(None)
        if isinstance(rule, rules.Where):
            shape |= self.shapes.union(_names_of(op.bound["condition"]) & self.local_names)
        return shape == self.shapes.var(assign.target)

    # ------------------------------------------------------------------ reverse
    def contributions(self, assign, g):
        """[(operand variable, source of its adjoint contribution)] of one operation."""
        op, rule = assign.op, assign.op.rule
        out = []
        for p in op.active:
            var = self._var(op, p)
            if isinstance(rule, rules.Elementwise):
                expr = fill(f"g * ({rule.partials[p]})", self._values(assign, {"g": g}))
                out.append((var, self._unbroadcast(expr, assign, var)))
            elif isinstance(rule, rules.Linear):
                out.append((var, self._linear_adjoint(assign, g)))
            elif isinstance(rule, rules.Where):
                expr = fill(rule.adjoints[p], self._values(assign, {"g": g}))
                out.append((var, self._unbroadcast(expr, assign, var)))
            elif isinstance(rule, rules.Bilinear):
                out.append((var, fill(rule.adjoints[p], self._values(assign, {"g": g}))))
            else:
                raise AssertionError(rule)
        return out

    def _unbroadcast(self, expr, assign, var):
        if self.shapes.var(assign.target) == self.shapes.var(var):
            return expr
        return f"unbroadcast({expr}, {var})"

    def _linear_adjoint(self, assign, g):
        op, rule = assign.op, assign.op.rule
        template = ast.parse(rule.adjoint, mode="eval").body
        unbound = {p for p, _ in rule.signature if p not in op.bound}
        if isinstance(template, ast.Call):       # leave out arguments left at their default
            while template.args and isinstance(template.args[-1], ast.Name) \
                    and template.args[-1].id in unbound:
                template.args.pop()
            template.keywords = [k for k in template.keywords
                                 if not (isinstance(k.value, ast.Name) and k.value.id in unbound)]
        return ast.unparse(fill_ast(ast.unparse(template), self._values(assign, {"g": g})))


def _names_of(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def _replace(expr, old, new):
    """A copy of ``expr`` with the node ``old`` (by identity) replaced by ``new``."""
    if expr is old:
        return new
    if isinstance(expr, list):
        return [_replace(e, old, new) for e in expr]
    if not isinstance(expr, gast.AST):
        return expr
    fields = {f: _replace(getattr(expr, f), old, new) for f in expr._fields}
    clone = type(expr)(**fields)
    return clone
