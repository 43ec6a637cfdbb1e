"""List comprehensions and generator expressions, written out as the loops a person writes.

``s = sum(x[i] ** 2 for i in range(n))`` becomes::

    s = 0
    for i in range(n):
        s = s + x[i] ** 2

(``sum(gen, start)`` starts from ``start``), and ``np.stack([g(v) for v in xs])``::

    values = []
    for v in xs:
        values.append(g(v))
    ... np.stack(values) ...

with an ``if`` per filter and a loop per ``for``, in the comprehension's order. A loop
variable keeps its name unless the function uses that name outside the comprehension (a
comprehension's variables do not leak in Python 3): then it gets a fresh one, ``i2``.
A generator expression is accepted where it is read whole at once: by ``sum``, ``max``,
``min``, ``sorted``, ``list`` and ``tuple``; ``any`` and ``all`` become a flag and a loop
that stops (``break``) at the first element that decides them, as Python stops there.
"""
import builtins

import gast

from .scopes import load, located, outer_names, store, substitute, target_names

_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp)
# builtins that read a whole iterable at once: a list holds the same items
_READ_WHOLE = {builtins.max, builtins.min, builtins.sorted, builtins.list, builtins.tuple}
# (any and all of a generator stop at the element that decides them: Comprehensions.search)


class Comprehensions:
    def __init__(self, rewriter, function):
        self.rewriter = rewriter
        self.names = rewriter.names
        self.outside = outer_names(function)      # names a loop variable must not take
        self.local = {n.id for n in gast.walk(function) if isinstance(n, gast.Name)
                      and isinstance(n.ctx, gast.Store)}
        self.active = []                           # loop variables of the loops being written

    def builtin(self, func):
        """The builtin ``func`` names, unless the function or its module rebinds the name."""
        if isinstance(func, gast.Name) and func.id not in self.local:
            found = self.rewriter.resolve(func.id)
            if found is getattr(builtins, func.id, None):
                return found
        return None

    def consume(self, call, before, into):
        """A call given a comprehension: ``sum`` adds up in a loop; the builtins that read a
        whole iterable get a list; None when the call is left to the ordinary walk."""
        callee = self.builtin(call.func)
        first = call.args[0] if call.args else None
        if callee is builtins.sum and isinstance(first, _COMPREHENSIONS) and len(call.args) <= 2 \
                and all(k.arg == "start" for k in call.keywords) \
                and len(call.args) + len(call.keywords) <= 2:
            start = call.args[1] if len(call.args) == 2 else \
                call.keywords[0].value if call.keywords else gast.Constant(value=0, kind=None)
            return self.accumulate(first, start, before, into)
        if callee in (builtins.any, builtins.all) and isinstance(first, gast.GeneratorExp) \
                and len(call.args) == 1 and not call.keywords:      # a list is made whole first
            return self.search(first, callee is builtins.any, before, into)
        for index, arg in enumerate(call.args):
            if isinstance(arg, gast.GeneratorExp):
                if callee not in _READ_WHOLE:
                    what = f"{_text(call.func)}()" if isinstance(call.func, (gast.Name, gast.Attribute)) \
                        else "a call"
                    raise self.rewriter.where.error(
                        arg, "generator expression", "write a list comprehension [...] instead",
                        message=f"generator expression given to {what} is not supported in "
                                "differentiated code; write a list comprehension [...] instead "
                                "(sum, max, min, any, all, sorted, list and tuple take a "
                                "generator)")
                call.args[index] = located(gast.ListComp(elt=arg.elt, generators=arg.generators), arg)
        if callee in (builtins.list,) and len(call.args) == 1 and not call.keywords \
                and isinstance(call.args[0], gast.ListComp):
            return self.build(call.args[0], before, into)     # list(v for v in xs): the list itself
        return None

    # ------------------------------------------------------------------ the loops
    def build(self, node, before, into=None):
        """``[elt for ...]``: an empty list, appended to in the loops; the list's name."""
        name = self._result(node, into, "values", ())
        before.append(located(gast.Assign(targets=[store(name)], value=gast.List(elts=[], ctx=gast.Load()),
                                          type_comment=None), node))

        def innermost(elt):
            append = gast.Attribute(value=load(name), attr="append", ctx=gast.Load())
            return [gast.Expr(value=gast.Call(func=append, args=[elt], keywords=[]))]

        before += self.loops(node, innermost)
        if into is not None and name != into:
            # x = [... for v in x]: a copy, so that the list built has one name only
            return gast.Call(func=load("list"), args=[load(name)], keywords=[])
        return load(name)

    def search(self, node, wanted, before, into):
        """``any(...)`` / ``all(...)``: a flag, and a loop that stops at the first element that
        decides it, as Python stops reading the generator there."""
        if len(node.generators) > 1:
            raise self.rewriter.where.error(
                node, "generator expression", "write the loops, with a flag and break",
                message="a generator expression with several for clauses given to any() or all() "
                        "is not supported in differentiated code; write the loops, with a flag set "
                        "before break")
        name = self._result(node, into, "found", ())
        start = gast.Constant(value=not wanted, kind=None)
        before.append(located(gast.Assign(targets=[store(name)], value=start, type_comment=None), node))

        def innermost(elt):
            test = elt if wanted else gast.UnaryOp(op=gast.Not(), operand=elt)
            found = gast.Assign(targets=[store(name)], value=gast.Constant(value=wanted, kind=None),
                                type_comment=None)
            return [gast.If(test=test, body=[found, gast.Break()], orelse=[])]

        before += self.loops(node, innermost)
        return load(name)

    def accumulate(self, node, start, before, into):
        """``sum(elt for ...)``: a total that starts at ``start`` and adds each element."""
        name = self._result(node, into, "total", (start,))
        # the generator's first iterable is made before the start value is read
        first = node.generators[0]
        if _may_call(start) and _may_call(first.iter):
            items = self.names.fresh("items")
            iterable = self.rewriter.expression(first.iter, before)
            before.append(located(gast.Assign(targets=[store(items)], value=iterable,
                                              type_comment=None), node))
            first.iter = load(items)
        start = self.rewriter.expression(start, before)
        before.append(located(gast.Assign(targets=[store(name)], value=start, type_comment=None), node))

        def innermost(elt):
            total = gast.BinOp(left=load(name), op=gast.Add(), right=elt)
            return [gast.Assign(targets=[store(name)], value=total, type_comment=None)]

        before += self.loops(node, innermost)
        return load(name)

    def _result(self, node, into, base, others):
        """The variable the loop builds: the one assigned, unless the comprehension reads it."""
        read = {n.id for part in (node, *others) for n in gast.walk(part) if isinstance(n, gast.Name)}
        # a local function called in it may read the variable too (a closure): not built in place
        calls = read & set(self.rewriter.functions.known) or any(
            isinstance(n, gast.Lambda) for part in (node, *others) for n in gast.walk(part))
        return into if into is not None and into not in read and not calls else self.names.fresh(base)

    def loops(self, node, innermost):
        """The ``for`` loops (with an ``if`` per filter) of ``node``, their statements rewritten."""
        mapping, generators = {}, []
        for generator in node.generators:
            iterable = substitute(generator.iter, mapping)
            for name in target_names(generator.target):
                taken = name in self.outside or name in self.active or name in mapping
                mapping[name] = load(self.names.fresh(name) if taken else name)
            target = substitute(generator.target, mapping)
            conditions = [substitute(c, mapping) for c in generator.ifs]
            generators.append((target, iterable, conditions))
        body = innermost(substitute(node.elt, mapping))
        for target, iterable, conditions in reversed(generators):
            for condition in reversed(conditions):
                body = [gast.If(test=condition, body=body, orelse=[])]
            body = [gast.For(target=target, iter=iterable, body=body, orelse=[], type_comment=None)]
        loop = located(body[0], node)
        variables = [m.id for m in mapping.values()]
        self.active += variables
        try:
            return self.rewriter.statement(loop)
        finally:
            del self.active[len(self.active) - len(variables):]


def _may_call(node):
    return any(isinstance(n, gast.Call) for n in gast.walk(node))


def _text(node):
    if isinstance(node, gast.Name):
        return node.id
    return f"{_text(node.value)}.{node.attr}" if isinstance(node, gast.Attribute) else "..."
