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
    def tangent(self, assign):
        """Source of the tangent of ``assign.target``."""
        op, rule = assign.op, assign.op.rule
        dots = {f"{p}_dot": self.tangent_name(self._var(op, p)) for p in op.active}
        if isinstance(rule, rules.Elementwise):
            terms, names = [], set()
            for p in op.active:
                term = fill(f"({rule.partials[p]}) * {p}_dot", self._values(assign, dots))
                terms.append(term)
                names |= free_names(fill(rule.partials[p], self._values(assign))) | {self._var(op, p)}
            return self._broadcast(" + ".join(terms), names, assign)
        if isinstance(rule, rules.Linear):
            p = op.active[0]
            return src(_replace(assign.value, op.bound[p], gast.Name(
                id=dots[f"{p}_dot"], ctx=gast.Load(), annotation=None, type_comment=None)))
        if isinstance(rule, rules.Where):
            a = dots.get("a_dot", "0.0")
            b = dots.get("b_dot", "0.0")
            expr = fill("np.where(condition, A, B)", self._values(assign, {"A": a, "B": b}))
            names = {self._var(op, p) for p in op.active} | _names_of(op.bound["condition"])
            return self._broadcast(expr, names, assign)
        if isinstance(rule, rules.Bilinear):
            terms = [fill(rule.tangents[p], self._values(assign, dots)) for p in op.active]
            return " + ".join(terms)
        raise AssertionError(rule)

    def _broadcast(self, expr, names, assign):
        if self.shapes.union(names & self.local_names) == self.shapes.var(assign.target):
            return expr
        return f"broadcast_like({expr}, {assign.target})"

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
        if isinstance(template, ast.Call):       # leave out trailing arguments left at their default
            while template.args and isinstance(template.args[-1], ast.Name) \
                    and template.args[-1].id in unbound:
                template.args.pop()
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
