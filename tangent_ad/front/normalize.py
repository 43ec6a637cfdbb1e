"""Desugar a parsed function into structured IR both modes share.

``break``, ``continue`` and early ``return`` become flags; augmented
assignment becomes plain assignment; tuple unpacking of a tuple becomes one
assignment per name; ``a if c else b`` becomes an ``if`` statement; a ``for``
loop that breaks or returns becomes a ``while`` loop over an index. What
remains is assignments, ``if``, ``while``, ``for`` and a final ``return``.
"""
import copy

import gast

from ..ir import nodes as ir
from .containers import preparing_helper
from . import hoisting


class _Loop:
    """Flags of the innermost loop being desugared."""

    def __init__(self, broke=None, continued=None):
        self.broke = broke
        self.continued = continued


class Desugarer:
    def __init__(self, parsed, names):
        self.parsed = parsed
        self.where = parsed.location
        self.names = names
        self.returned = None      # flag name, when some return is not in tail position
        self.result = None        # the variable holding the return value

    # ------------------------------------------------------------------ entry
    def run(self):
        node = self.parsed.node
        body = list(node.body)
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]     # docstring
        returns = [n for s in body for n in gast.walk(s) if isinstance(n, gast.Return)]
        if not returns:
            raise self.where.error(node, f"function {node.name} without a return statement",
                                   "return the value to differentiate",
                                   message=f"function {node.name} without a return statement: it "
                                           "returns nothing; return the value to differentiate")
        last = body[-1]
        for ret in returns:
            if ret.value is None:
                raise self.where.error(ret, "return without a value", "return the value to differentiate")
            if isinstance(ret.value, gast.Tuple) and (len(returns) > 1 or ret is not last):
                raise self.where.error(ret.value, "returning a tuple from more than one place",
                                       "assign the parts to variables and return the tuple once, "
                                       "at the end")
        if isinstance(last, gast.Return) and (isinstance(last.value, gast.Tuple) or isinstance(
                last.value, gast.List) and last.value.elts and preparing_helper()):   # return [a, b]: a, b
            return self._tuple_return(node, body, last)
        simple_tail = (len(returns) == 1 and isinstance(last, gast.Return)
                       and isinstance(last.value, gast.Name)
                       and last.value.id not in self.parsed.params)
        self.result = last.value.id if simple_tail else self.names.first_free("y", "out", "result")
        statements = self.block(body, loop=None, tail=True)
        if self.returned:
            statements.insert(0, ir.Assign(self.returned, ir.constant(False)))
        statements.append(ir.Return(self.result, origin=returns[-1]))
        return ir.Function(name=node.name, params=list(self.parsed.params),
                           defaults=dict(self.parsed.defaults), body=statements,
                           result=self.result, parsed=self.parsed)

    def _tuple_return(self, node, body, last):
        """``return a, b`` at the end: each part is a result of its own."""
        results, statements = [], self.block(body[:-1], loop=None, tail=False)
        for element in last.value.elts:
            if isinstance(element, gast.Name) and element.id not in self.parsed.params \
                    and element.id not in results:
                results.append(element.id)
            else:
                name_ = self.names.fresh("y")
                statements += self.hoist_assign(name_, element, last)
                results.append(name_)
        statements.append(ir.Return(results[0], origin=last))
        return ir.Function(name=node.name, params=list(self.parsed.params),
                           defaults=dict(self.parsed.defaults), body=statements,
                           result=results[0], parsed=self.parsed, results=results)

    # ------------------------------------------------------------------ blocks
    def block(self, statements, loop, tail):
        out = []
        for index, statement in enumerate(statements):
            rest = statements[index + 1:]
            is_last = not rest
            if isinstance(statement, gast.Return):
                value = statement.value
                if not (isinstance(value, gast.Name) and value.id == self.result):
                    out += self.hoist_assign(self.result, value, statement)
                if not tail:
                    out.append(ir.Assign(self._returned_flag(), ir.constant(True), origin=statement))
                return out
            if isinstance(statement, gast.Break):
                out.append(ir.Assign(loop.broke, ir.constant(True), origin=statement))
                return out
            if isinstance(statement, gast.Continue):
                out.append(ir.Assign(loop.continued, ir.constant(True), origin=statement))
                return out
            out += self.statement(statement, loop, tail and is_last)
            flags = self._flags_set_by(statement, loop, tail and is_last)
            if flags and rest:
                guarded = self.block(rest, loop, tail)
                if guarded:
                    out.append(ir.If(_none_set(flags), guarded, [], origin=statement))
                return out
        return out

    def _flags_set_by(self, statement, loop, tail):
        """Flags a statement may set that must stop the statements after it."""
        flags = []
        kinds = _jumps(statement)
        if loop is not None and "break" in kinds:
            flags.append(loop.broke)
        if loop is not None and "continue" in kinds:
            flags.append(loop.continued)
        if "return" in kinds and self.returned and not tail:
            flags.append(self.returned)
        return flags

    def _returned_flag(self):
        if self.returned is None:
            self.returned = self.names.fresh("returned")
        return self.returned

    # -------------------------------------------------------------- statements
    def statement(self, node, loop, tail):
        if isinstance(node, gast.Assign):
            return self.assign(node)
        if isinstance(node, gast.AugAssign):
            if isinstance(node.target, gast.Name):
                value = gast.BinOp(left=ir.name(node.target.id), op=node.op, right=node.value)
                gast.copy_location(value, node)
                statements = self.hoist_assign(node.target.id, value, node)
                statements[-1].augmented = True
                return statements
            return [self.raw(node)]
        if isinstance(node, gast.AnnAssign):
            if node.value is None:
                return []
            return self.assign(gast.Assign(targets=[node.target], value=node.value, type_comment=None))
        if isinstance(node, gast.If):
            return [ir.If(node.test, self.block(node.body, loop, tail),
                          self.block(node.orelse, loop, tail), origin=node)]
        if isinstance(node, gast.While):
            return self.while_loop(node)
        if isinstance(node, gast.For):
            return self.for_loop(node)
        if isinstance(node, gast.Pass):
            return []
        if isinstance(node, gast.Expr) and isinstance(node.value, gast.Constant):
            return []
        if isinstance(node, (gast.Expr, gast.Assert, gast.Raise)):
            return [self.raw(node)]
        raise self.where.error(node, type(node).__name__ + " statement",
                               "see the list of supported statements in the documentation")

    def raw(self, node):
        return ir.Raw(node, frozenset(ir.written_names(node)))

    def assign(self, node):
        out = []
        value = node.value
        targets = node.targets
        first, others = targets[-1], targets[:-1]
        out += self.assign_one(first, value, node)
        # a = b = value: later targets copy the first
        source = first.id if isinstance(first, gast.Name) else None
        for target in others:
            if source is None:
                return [self.raw(node)]
            out += self.assign_one(target, ir.name(source), node)
        return out

    def assign_one(self, target, value, node):
        if isinstance(target, gast.Name):
            return self.hoist_assign(target.id, value, node)
        if _is_pattern(target) and _matches(target, value):
            # a, b = b, a  /  (q, w), k = (a, b), 2.0: one assignment per name, every value
            # evaluated first where a later one reads a name assigned before it
            pairs = _pairs(target, value)
            read = set().union(*(ir.read_names(v) for _, v in pairs)) if pairs else set()
            out = []
            if read & {name_ for name_, _ in pairs}:
                temps = [self.names.temp() for _ in pairs]
                for temp, (_, element) in zip(temps, pairs):
                    out += self.hoist_assign(temp, element, node)
                for (name_, _), temp in zip(pairs, temps):
                    out.append(ir.Assign(name_, ir.name(temp), origin=node))
                return out
            for name_, element in pairs:
                out += self.hoist_assign(name_, element, node)
            return out
        statement = gast.Assign(targets=[target], value=value, type_comment=None)
        gast.copy_location(statement, node)
        if isinstance(target, (gast.Tuple, gast.List)) and all(isinstance(t, gast.Name) for t in target.elts) \
                and isinstance(value, (gast.Call, gast.Name, gast.Attribute, gast.Subscript)):
            # a, b = helper(x), or a, b, c = x: the flattening step binds it (or keeps it as written)
            before = []
            value = self._hoist_ifexp(value, before, node)
            return before + [ir.Unpack([t.id for t in target.elts], value, origin=statement)]
        return [self.raw(statement)]

    def hoist_assign(self, target, value, node):
        """``target = value`` with conditional expressions pulled out into if statements."""
        before = []
        value = self._hoist_ifexp(value, before, node)
        return before + [ir.Assign(target, value, origin=node)]

    def _hoist_ifexp(self, expr, before, node):
        if isinstance(expr, gast.IfExp):
            temp = self.names.temp()
            body = self.hoist_assign(temp, expr.body, node)
            orelse = self.hoist_assign(temp, expr.orelse, node)
            before.append(ir.If(expr.test, body, orelse, origin=expr))
            return ir.name(temp)
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.expr):
                setattr(expr, field, self._hoist_ifexp(value, before, node))
            elif isinstance(value, list):
                setattr(expr, field, [self._hoist_ifexp(v, before, node) if isinstance(v, gast.expr)
                                      else v for v in value])
        return expr

    # ------------------------------------------------------------------- loops
    def _loop_flags(self, node):
        kinds = _loop_jumps(node.body)
        return _Loop(self.names.fresh("broke") if "break" in kinds else None,
                     self.names.fresh("continued") if "continue" in kinds else None)

    def _loop_body(self, body, loop, prologue=()):
        statements = list(prologue)
        if loop.continued:
            statements.append(ir.Assign(loop.continued, ir.constant(False)))
        return statements + self.block(body, loop, tail=False)

    def _stop_flags(self, loop, node):
        flags = [loop.broke] if loop.broke else []
        if any(isinstance(n, gast.Return) for n in gast.walk(node)):
            flags.append(self._returned_flag())
        return flags

    def while_loop(self, node):
        loop = self._loop_flags(node)
        stop = self._stop_flags(loop, node)
        body = self._loop_body(node.body, loop)
        test = node.test
        if stop:
            test = gast.BoolOp(op=gast.And(), values=[_none_set(stop), test])
        out = [ir.Assign(loop.broke, ir.constant(False))] if loop.broke else []
        return out + [ir.While(test, body, origin=node)]

    def for_loop(self, node):
        loop = self._loop_flags(node)
        stop = self._stop_flags(loop, node)
        if not stop:
            if isinstance(node.target, gast.Name):
                return [ir.For(node.target.id, node.iter, self._loop_body(node.body, loop), origin=node)]
            # for a, b in ...: kept for the flattening step to accept (nothing differentiated) or reject
            return [ir.For(None, node.iter, self._loop_body(node.body, loop), origin=node)]
        # a loop that breaks or returns becomes a while loop over an index
        items = self.names.fresh("items")
        index = self.names.fresh("index")
        out = self.hoist_assign(items, _as_sequence(node.iter), node) + [
            ir.Assign(index, ir.constant(0))]
        if loop.broke:
            out.append(ir.Assign(loop.broke, ir.constant(False)))
        more = gast.Compare(left=ir.name(index), ops=[gast.Lt()],
                            comparators=[_call("len", ir.name(items))])
        test = gast.BoolOp(op=gast.And(), values=[_none_set(stop), more])
        element = gast.Subscript(value=ir.name(items), slice=ir.name(index), ctx=gast.Load())
        prologue = self.assign_one(node.target, element, node) + [
            ir.Assign(index, gast.BinOp(left=ir.name(index), op=gast.Add(), right=ir.constant(1)))]
        body = self._loop_body(node.body, loop, prologue)
        return out + [ir.While(test, body, origin=node)]


# ------------------------------------------------------------------- helpers
def _is_pattern(target):
    """A name, or a tuple or list of patterns: ``(q, w), k``."""
    return isinstance(target, gast.Name) or (
        isinstance(target, (gast.Tuple, gast.List)) and all(_is_pattern(t) for t in target.elts))


def _matches(target, value):
    """Whether ``value`` is written out with the shape of the tuple ``target``."""
    if isinstance(target, gast.Name):
        return True
    return isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts) \
        and all(_matches(t, v) for t, v in zip(target.elts, value.elts))


def _pairs(target, value):
    """``[(name, value)]`` of a pattern and the tuple written out for it, in order."""
    if isinstance(target, gast.Name):
        return [(target.id, value)]
    return [pair for t, v in zip(target.elts, value.elts) for pair in _pairs(t, v)]


def _jumps(node):
    """Jumps a statement may take out of the current block: 'break', 'continue', 'return'."""
    found = set()

    def visit(n, in_loop):
        if isinstance(n, gast.Return):
            found.add("return")
        elif isinstance(n, gast.Break) and not in_loop:
            found.add("break")
        elif isinstance(n, gast.Continue) and not in_loop:
            found.add("continue")
        for child in gast.iter_child_nodes(n):
            visit(child, in_loop or isinstance(n, (gast.For, gast.While)))

    visit(node, False)
    return found


def _loop_jumps(body):
    found = set()
    for statement in body:
        found |= _jumps(statement)
    return found


def _none_set(flags):
    """``not a and not b``: none of the flags is set."""
    tests = [gast.UnaryOp(op=gast.Not(), operand=ir.name(flag)) for flag in flags]
    return tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.And(), values=tests)


def _call(func, *args):
    return gast.Call(func=ir.name(func), args=list(args), keywords=[])


def _as_sequence(iterable):
    """A range or a named array stays as it is; any other iterable is made a list once."""
    if isinstance(iterable, (gast.Name, gast.Attribute, gast.Subscript)):
        return iterable
    if isinstance(iterable, gast.Call) and isinstance(iterable.func, gast.Name) \
            and iterable.func.id == "range":
        return iterable
    return _call("list", copy.deepcopy(iterable))


def desugar(parsed, names):
    hoisting.rewrite(parsed, names)     # comprehensions as loops, local functions inlined
    return Desugarer(parsed, names).run()
