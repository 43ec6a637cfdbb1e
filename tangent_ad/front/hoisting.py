"""Comprehensions and local functions, written out as the statements a person would write.

Before the function is desugared, every list comprehension and generator expression
becomes a ``for`` loop (``comprehensions.py``) and every call of a lambda or nested
``def`` of the function is inlined (``local_functions.py``), with the module-level helpers
given a function (``function_arguments.py``). Both need statements where
the user wrote an expression: this module walks each statement's expressions in the order
Python evaluates them and puts those statements just before the statement. An operand
evaluated before the one that needs statements, and that may call something, is first
kept in a variable of its own, so the order of the calls does not change. Where the
statements would not run exactly when Python evaluates the expression (a ``while`` test,
an ``assert``'s message, a default value), the construct is refused; in a branch of ``a if
c else b`` or a later operand of ``and`` / ``or``, the statements go in an ``if``
statement, which runs them only where Python evaluates them.
"""
import gast

from . import comprehensions, function_arguments, local_functions
from .scopes import load, located, store

_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp)


class Rewriter:
    """Rewrites one function's statements; ``functions`` and ``lists`` do the two kinds of work."""

    def __init__(self, parsed, names):
        self.where = parsed.location
        self.names = names
        self.resolve = parsed.resolve
        self.entry = parsed.func
        self.functions = local_functions.LocalFunctions(self, parsed.node)
        self.lists = comprehensions.Comprehensions(self, parsed.node)
        self.helpers = function_arguments.HelperCalls(self, parsed.node)

    # -------------------------------------------------------------- statements
    def block(self, statements):
        out = []
        for statement in statements:
            out += self.statement(statement)
        return out

    def statement(self, node):
        if isinstance(node, gast.FunctionDef) or self.functions.defines(node):
            return self.functions.define(node)
        if isinstance(node, (gast.Assign, gast.AnnAssign, gast.AugAssign)):
            return self.assignment(node)
        if isinstance(node, (gast.Return, gast.Expr)):
            before = []
            if node.value is not None:
                node.value = self.expression(node.value, before)
            return before + [node]
        if isinstance(node, gast.If):
            before = []
            node.test = self.expression(node.test, before)
            node.body, node.orelse = self.block(node.body), self.block(node.orelse)
            return before + [node]
        if isinstance(node, gast.While):
            node.test = self.in_place(node.test, node.test, "in a while loop's test",
                                      "compute the value before the loop and again at the end "
                                      "of its body, into a variable the test reads")
            node.body = self.block(node.body)
            return [node]
        if isinstance(node, gast.For):
            before = []
            node.iter = self.expression(node.iter, before)
            node.body = self.block(node.body)
            return before + [node]
        if isinstance(node, gast.Assert):
            before = []
            node.test = self.expression(node.test, before)
            if node.msg is not None:
                node.msg = self.in_place(node.msg, node.msg, "in an assert's message",
                                         "compute the message before the assert")
            return before + [node]
        if isinstance(node, gast.Raise) and node.exc is not None:
            before = []
            node.exc = self.expression(node.exc, before)
            return before + [node]
        return [node]

    def assignment(self, node):
        if node.value is None:
            return [node]
        before = []
        target = node.targets[0] if isinstance(node, gast.Assign) and len(node.targets) == 1 \
            else getattr(node, "target", None)
        into = target.id if isinstance(target, gast.Name) and not isinstance(node, gast.AugAssign) \
            else None
        node.value = self.expression(node.value, before, into=into)
        if into is not None and isinstance(node.value, gast.Name) and node.value.id == into \
                and before:
            return before           # the loop built the value in the variable itself
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        for index, part in enumerate(targets):
            targets[index] = self.in_place(part, part, "in an assignment's target",
                                           "compute the index into a variable first")
        return before + [node]

    # ------------------------------------------------------------- expressions
    def needs(self, node):
        """Whether ``node`` holds something this module rewrites."""
        for part in gast.walk(node):
            if isinstance(part, (*_COMPREHENSIONS, gast.Lambda)) or self.functions.named(part) \
                    or self.helpers.inlines(part):
                return True
        return False

    def in_place(self, node, at, context, hint):
        """``node`` rewritten where no statement can go before it; refused if it needs one."""
        if not self.needs(node):
            return node
        before = []
        construct, where = self.construct_of(at)
        node = self.expression(node, before)
        if before:
            raise self.where.error(where, construct, hint,
                                   message=f"a {construct} {context} is not supported in "
                                           "differentiated code (the statements it is written "
                                           f"out as would not run when Python evaluates it); {hint}")
        return node

    def construct_of(self, node):
        """The construct in ``node`` that needs statements, and where it is."""
        for part in gast.walk(node):
            if isinstance(part, gast.Lambda):
                return "lambda", part
            if isinstance(part, gast.ListComp):
                return "list comprehension", part
            if isinstance(part, gast.GeneratorExp):
                return "generator expression", part
        for part in gast.walk(node):
            if isinstance(part, gast.Call) and self.functions.named(part.func):
                return "call of a local function", part
            if self.helpers.inlines(part):
                return function_arguments.CONSTRUCT, part
        return "call of a local function", node

    def expression(self, node, before, into=None):
        """``node`` rewritten, the statements it needs appended to ``before``.

        ``into``: the variable the value is assigned to, which a loop may build directly."""
        if not self.needs(node):
            return node
        if isinstance(node, gast.Call):
            if self.helpers.inlines(node):
                return self.helpers.inline(node, before)
            if self.functions.callee(node) is not None:
                args = self.operands(list(node.args) + [k.value for k in node.keywords], before)
                keywords = [k.arg for k in node.keywords]
                positional = args[:len(node.args)]
                named = dict(zip(keywords, args[len(node.args):]))
                return self.functions.inline(node, positional, named, before)
            if any(isinstance(a, _COMPREHENSIONS) for a in node.args):
                consumed = self.lists.consume(node, before, into)
                if consumed is not None:
                    return consumed
        if isinstance(node, gast.ListComp):
            return self.lists.build(node, before, into)
        if isinstance(node, gast.GeneratorExp):
            raise self.where.error(node, "generator expression",
                                   "write a list comprehension [...] where a list is needed, or "
                                   "give the generator to sum(), max(), min(), any(), all(), "
                                   "list(), tuple() or sorted() directly",
                                   message="a generator expression kept as a value is not "
                                           "supported in differentiated code; write a list "
                                           "comprehension [...] where a list is needed, or give "
                                           "the generator to sum(), max(), min(), any(), all(), "
                                           "list(), tuple() or sorted() directly")
        if isinstance(node, gast.Lambda):
            raise self.functions.as_value(node)
        if self.functions.named(node):
            raise self.functions.as_value(node)
        if isinstance(node, gast.BoolOp):
            return self.short_circuit(node, before, into)
        if isinstance(node, gast.IfExp):
            return self.conditional(node, before, into)
        slots = _slots(node)
        values = self.operands([get() for get, _ in slots], before)
        for (_, put), value in zip(slots, values):
            put(value)
        return node

    def conditional(self, node, before, into):
        """``a if c else b``: an if statement when a branch needs statements, so that only the
        branch taken runs them."""
        test = self.expression(node.test, before)
        name = self._chosen(node, into)
        branches = [self._branch(branch, name) for branch in (node.body, node.orelse)]
        if not any(statements for _, statements in branches):
            node.test, node.body, node.orelse = test, branches[0][0], branches[1][0]
            return node
        body, orelse = (statements + _assigned(name, value) for value, statements in branches)
        before.append(located(gast.If(test=test, body=body, orelse=orelse), node))
        return load(name)

    def short_circuit(self, node, before, into):
        """``a and b`` / ``a or b``: when a later operand needs statements, they run in an if
        statement, only where Python evaluates that operand."""
        first = self.expression(node.values[0], before)
        name = self._chosen(node, into)
        rest = [self._branch(value, name) for value in node.values[1:]]
        if not any(statements for _, statements in rest):
            node.values = [first] + [value for value, _ in rest]
            return node
        before += [located(s, node) for s in _assigned(name, first)]
        for value, statements in rest:
            test = load(name) if isinstance(node.op, gast.And) else \
                gast.UnaryOp(op=gast.Not(), operand=load(name))
            before.append(located(gast.If(test=test, body=statements + _assigned(name, value),
                                          orelse=[]), node))
        return load(name)

    def _chosen(self, node, into):
        """The variable that holds the value chosen: the one assigned, where nothing reads it."""
        read = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
        if into is not None and into not in read and not read & set(self.functions.known) \
                and not any(isinstance(n, gast.Lambda) for n in gast.walk(node)):
            return into
        return self.names.fresh("value")

    def _branch(self, node, name):
        statements = []
        return self.expression(node, statements, into=name), statements

    def operands(self, nodes, before):
        """The operands ``nodes`` (in the order Python evaluates them) rewritten. When one needs
        statements, each operand before it that may call something is first kept in a variable,
        so that the calls run in the order written."""
        out = []
        for node in nodes:
            mark = len(before)
            node = self.expression(node, before)
            if len(before) > mark:
                kept = []
                for index, earlier in enumerate(out):
                    if _may_call(earlier):
                        name = self.names.fresh("first")
                        kept.append(located(gast.Assign(targets=[store(name)], value=earlier,
                                                        type_comment=None), earlier))
                        out[index] = load(name)
                before[mark:mark] = kept
            out.append(node)
        return out


# ------------------------------------------------------------------ helpers
def _assigned(name, value):
    """``name = value``, unless ``value`` is ``name`` already."""
    if isinstance(value, gast.Name) and value.id == name:
        return []
    return [gast.Assign(targets=[store(name)], value=value, type_comment=None)]


def _slots(node):
    """``[(get, put)]`` for the expression children of ``node``, in evaluation order."""
    slots = []
    if isinstance(node, gast.Dict):       # key, value, key, value, ...
        for index in range(len(node.keys)):
            for field in ("keys", "values"):
                slots.append(_item_slot(getattr(node, field), index))
        return [s for s in slots if s[0]() is not None]
    for field, value in gast.iter_fields(node):
        if isinstance(value, gast.expr):
            slots.append(_field_slot(node, field))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, gast.expr):
                    slots.append(_item_slot(value, index))
                elif isinstance(item, gast.keyword):
                    slots.append(_field_slot(item, "value"))
    return slots


def _field_slot(node, field):
    return (lambda: getattr(node, field)), (lambda value: setattr(node, field, value))


def _item_slot(items, index):
    return (lambda: items[index]), (lambda value: items.__setitem__(index, value))


def _may_call(node):
    return any(isinstance(n, gast.Call) for n in gast.walk(node))


def rewrite(parsed, names):
    """Rewrite ``parsed.node`` in place: comprehensions as loops, local functions inlined."""
    node = parsed.node
    if not any(isinstance(n, (*_COMPREHENSIONS, gast.Lambda, gast.FunctionDef)) and n is not node
               for n in gast.walk(node)) and not function_arguments.given(parsed):
        return
    rewriter = Rewriter(parsed, names)
    for default in node.args.defaults:
        if rewriter.needs(default):
            construct, where = rewriter.construct_of(default)
            raise parsed.location.error(where, construct, "compute the default in the body",
                                        message=f"a {construct} in a default value is not supported "
                                                "in differentiated code; compute the default in the "
                                                "body (give the parameter the default None)")
    if rewriter.needs(node) or rewriter.functions.any:
        node.body = rewriter.block(node.body)
