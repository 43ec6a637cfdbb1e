"""Lowering: an active expression computed one operation per line.

``np.sin(x ** 2) * w`` becomes ``t1 = x ** 2``, ``t2 = np.sin(t1)`` and then the
product, each assignment carrying an :class:`Op` that names the rule which
differentiates it. Operands that carry no derivative are kept inline when they are
simple, or computed once into a temporary before the operation that reads them.
"""
from dataclasses import dataclass

import gast

from .. import rules
from ..ir import nodes as ir


@dataclass
class Op:
    """One differentiable operation: ``target = <call or operator>``."""
    rule: object                 # a rules.Rule, or None for a call to a user function / a copy
    bound: dict                  # parameter -> atom (gast expression)
    active: tuple                # parameters whose atom is an active variable
    callee: object = None        # the user function called, for kind == "call"
    kind: str = "rule"           # "rule", "call", "copy" or "constant"
    lists: tuple = ()            # for a call: the active parameters given a list (containers.py)


class ExpressionLowering:
    """Part of :class:`~tangent_ad.front.flatten.Flattener`: expressions to single operations.

    Calls are bound by :class:`~tangent_ad.front.bind.CallBinding` (``self.call``)."""

    def lower_into(self, target, value, origin, out):
        """Append assignments computing ``value`` into ``target``, one operation each; returns
        the target. With ``target`` None the value goes into a new temporary, named only once
        its operands are computed, so that temporaries are numbered in the order they print."""
        if ir.stack_pop(value) in self.stacks:          # y = tape.pop(): y's tangent was pushed too
            expr, op = value, Op(None, {}, (), kind="pop")
        elif not self.is_active_expr(value):
            expr, op = value, Op(None, {}, (), kind="constant")
        elif isinstance(value, gast.Name):
            expr, op = value, Op(None, {"x": value}, ("x",), kind="copy")
        else:
            expr, op = self.operation(value, origin, out)
            if op.kind == "rule" and not op.active:      # only shape-only operands were active
                op = Op(None, {}, (), kind="constant")
        target = target or self.new_active(self.names.temp())
        self._note_view(target, op)
        if op.rule is not None and op.rule.uses_result and \
                target in {a.id for a in op.bound.values() if isinstance(a, gast.Name)}:
            temp = self.new_active(self.names.temp())   # the rule needs the old value and the result
            out.append(ir.Assign(temp, expr, origin=origin, op=op))
            out.append(ir.Assign(target, ir.name(temp), origin=origin,
                                 op=Op(None, {"x": ir.name(temp)}, ("x",), kind="copy")))
            return target
        out.append(ir.Assign(target, expr, origin=origin, op=op))
        return target

    def atom(self, expr, origin, out):
        """An operand: an active expression is computed into a temporary first."""
        if not self.is_active_expr(expr):
            return self.inactive_atom(expr, origin, out)
        if isinstance(expr, gast.Name):
            return expr
        return ir.name(self.lower_into(None, expr, origin, out))

    def inactive_atom(self, expr, origin, out):
        if is_simple(expr):
            return expr
        temp = self.new_temp()
        out.append(ir.Assign(temp, expr, origin=origin))
        root = ir.root_name(expr) if isinstance(expr, (gast.Subscript, gast.Attribute)) else None
        if root is not None:                 # t1 = y[0]: a view of y
            self.function.views[temp] = self.function.views.get(root, root)
        return ir.name(temp)

    def operation(self, value, origin, out):
        """(single-operation expression, Op) for an active expression."""
        if self.is_list_operation(value):            # [a, b], ys + [v]: containers.py
            return self.list_operation(value, origin, out)
        if isinstance(value, gast.BinOp):
            rule = rules.RULES.get(rules.OPERATORS.get(type(value.op).__name__, ""))
            if isinstance(value.op, gast.Mod) and isinstance(value.left, gast.Constant) \
                    and isinstance(value.left.value, str):
                rule = None             # "%s" % x formats a string
            if rule is None:
                raise self.where.error(value, f"operator {_op_symbol(value.op)} on differentiated values",
                                       "use + - * / ** % @ or a NumPy function with a derivative rule")
            left = self.atom(value.left, origin, out)
            right = self.atom(value.right, origin, out)
            expr = gast.BinOp(left=left, op=value.op, right=right)
            return expr, self.make_op(rule, {"a": left, "b": right})
        if isinstance(value, gast.UnaryOp):
            if isinstance(value.op, gast.UAdd):
                return self.operation(value.operand, origin, out) if not isinstance(value.operand, gast.Name) \
                    else (value.operand, Op(None, {"x": value.operand}, ("x",), kind="copy"))
            operand = self.atom(value.operand, origin, out)
            expr = gast.UnaryOp(op=value.op, operand=operand)
            return expr, self.make_op(rules.RULES["negative"], {"x": operand})
        if isinstance(value, gast.Attribute):
            rule_name = rules.ATTRIBUTES.get(value.attr)
            if rule_name is None:
                raise self.where.error(value, f"attribute .{value.attr} of a differentiated value",
                                       "use .T, .shape, .ndim, .size or a NumPy function")
            operand = self.atom(value.value, origin, out)
            expr = gast.Attribute(value=operand, attr=value.attr, ctx=gast.Load())
            return expr, self.make_op(rules.RULES[rule_name], {"a": operand})
        if isinstance(value, gast.Subscript):
            if self.is_active_expr(value.slice) and self.flow.resolve_callee(value.value) is not None:
                # np.r_[a, b]: an object that builds a value from the index (containers.py)
                return self.operation(self.index_builder(value), origin, out)
            if self.tuple_size(value.value) and self.is_active_expr(value.value):   # helper(x)[0]
                whole = ir.name(self.split_tuple_call(None, value.value, origin, out))
                value = gast.Subscript(value=whole, slice=value.slice, ctx=gast.Load())
            operand = self.atom(value.value, origin, out)
            index = self.index_atom(value.slice, origin, out)
            expr = gast.Subscript(value=operand, slice=index, ctx=gast.Load())
            return expr, self.make_op(rules.RULES["getitem"], {"a": operand, "index": index})
        if isinstance(value, gast.Call):
            return self.call(value, origin, out)
        if isinstance(value, gast.BoolOp):
            raise self.where.error(value, "and/or on differentiated values",
                                   "use an if statement or np.where")
        raise self.where.error(value, f"{type(value).__name__} expression on differentiated values",
                               "use arithmetic operators and NumPy functions")

    def index_atom(self, index, origin, out):
        if self.is_active_expr(index):
            raise self.where.error(index, "an index computed from differentiated values",
                                   "compute integer indices from non-differentiated values")
        if is_simple_index(index):
            return index
        if isinstance(index, gast.Tuple):       # x[np.array([1, 0]), 1:]: slices stay inline
            elements = [e if is_simple_index(e) else self.inactive_atom(e, origin, out)
                        for e in index.elts]
            return gast.Tuple(elts=elements, ctx=gast.Load())
        return self.inactive_atom(index, origin, out)

    def _note_view(self, target, op):
        """Remember that ``target`` may view another array's memory (y[0], y.T, y.reshape(...)),
        so that a later store into that array also counts as changing ``target``."""
        if op.rule is not None and op.rule.name in rules.VIEW_RULES:
            operand = op.bound.get(op.rule.signature[0][0])
            if isinstance(operand, gast.Name):
                views = self.function.views
                views[target] = views.get(operand.id, operand.id)

    def make_op(self, rule, bound):
        """The Op of a rule applied to ``bound``, listing which operands carry a derivative."""
        def is_active(atom):
            return isinstance(atom, gast.Name) and atom.id in self.active
        active = []
        for p in rule.differentiable:
            if p == rule.sequence_param and isinstance(bound.get(p), (gast.List, gast.Tuple)):
                active += [f"{p}.{k}" for k, e in enumerate(bound[p].elts) if is_active(e)]
            elif is_active(bound.get(p)):
                active.append(p)
        return Op(rule, bound, tuple(active))


def is_simple(expr):
    """Operands kept inline: names, constants, module attributes, negated constants, tuples of those."""
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    if isinstance(expr, gast.Attribute):
        return is_simple(expr.value)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        return isinstance(expr.operand, gast.Constant)
    if isinstance(expr, gast.Tuple):
        return all(is_simple(e) for e in expr.elts)
    return False


def is_simple_index(expr):
    """Indices kept inline: names, constants, slices and arithmetic on them (no calls)."""
    return not any(isinstance(n, (gast.Call, gast.Subscript)) for n in gast.walk(expr))


def _op_symbol(op):
    return {"FloorDiv": "//", "Mod": "%", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
            "LShift": "<<", "RShift": ">>"}.get(type(op).__name__, type(op).__name__)
