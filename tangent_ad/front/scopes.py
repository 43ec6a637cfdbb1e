"""Names and scopes of a function's tree, for the passes that move code between scopes.

A comprehension's loop variables, a lambda's parameters and a nested ``def``'s parameters
and assignments belong to a scope of their own: :func:`substitute` replaces the names
of the enclosing scope only, and :func:`outer_names` lists the names used in the
function's own scope.
"""
import copy

import gast

COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)


def target_names(target):
    """The names a loop or assignment target binds: ``i``, ``(i, v)``, ``((a, b), c)``."""
    return [n.id for n in gast.walk(target) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)]


def lambda_params(node):
    args = node.args
    return [a.id for a in list(getattr(args, "posonlyargs", None) or []) + args.args + args.kwonlyargs
            + [a for a in (args.vararg, args.kwarg) if a is not None]]


def bound_in(statements):
    """Names a block binds in its own scope (not inside nested functions or comprehensions)."""
    found = []

    def visit(node):
        if isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            found.append(node.name)
            return
        if isinstance(node, (gast.Lambda, *COMPREHENSIONS)):
            return
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            found.append(node.id)
        for child in gast.iter_child_nodes(node):
            visit(child)

    for statement in statements:
        visit(statement)
    return list(dict.fromkeys(found))


def substitute(node, mapping):
    """A copy of ``node`` with each free name of ``mapping`` replaced by a copy of its value
    (a ``gast`` expression: a name for a renaming, any expression for an argument)."""
    return _Substitute(mapping).visit(copy.deepcopy(node))


class _Substitute(gast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        value = self.mapping.get(node.id)
        if value is None:
            return node
        if isinstance(value, gast.Name):
            node.id = value.id
            return node
        return gast.copy_location(copy.deepcopy(value), node)

    def _inner(self, hidden):
        return _Substitute({k: v for k, v in self.mapping.items() if k not in hidden})

    def visit_Lambda(self, node):
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.body = self._inner(set(lambda_params(node))).visit(node.body)
        return node

    def visit_FunctionDef(self, node):
        renamed = self.mapping.get(node.name)
        if isinstance(renamed, gast.Name):
            node.name = renamed.id
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        inner = self._inner(set(lambda_params(node)) | set(bound_in(node.body)))
        node.body = [inner.visit(s) for s in node.body]
        return node

    def _comprehension(self, node, parts):
        current = self
        for generator in node.generators:
            generator.iter = current.visit(generator.iter)
            hidden = set(target_names(generator.target))
            current = current._inner(hidden)
            generator.ifs = [current.visit(c) for c in generator.ifs]
        for part in parts:
            setattr(node, part, current.visit(getattr(node, part)))
        return node

    def visit_ListComp(self, node):
        return self._comprehension(node, ["elt"])

    visit_GeneratorExp = visit_SetComp = visit_ListComp

    def visit_DictComp(self, node):
        return self._comprehension(node, ["key", "value"])


def outer_names(function):
    """Every name the function's own scope uses: not a comprehension's loop variable inside
    its comprehension, nor a lambda's parameter inside its lambda (a nested ``def``'s names
    all count: it may read the function's)."""
    found = set()

    def visit(node, hidden):
        if isinstance(node, gast.Name):
            if node.id not in hidden:
                found.add(node.id)
            return
        if isinstance(node, gast.Lambda):
            for default in node.args.defaults:
                visit(default, hidden)
            visit(node.body, hidden | set(lambda_params(node)))
            return
        if isinstance(node, COMPREHENSIONS):
            inner = hidden
            for index, generator in enumerate(node.generators):
                visit(generator.iter, hidden if index == 0 else inner)
                inner = inner | set(target_names(generator.target))
                for condition in generator.ifs:
                    visit(condition, inner)
            for part in ("elt", "key", "value"):
                if hasattr(node, part):
                    visit(getattr(node, part), inner)
            return
        if isinstance(node, gast.FunctionDef):
            found.add(node.name)
            found.update(lambda_params(node))
        for child in gast.iter_child_nodes(node):
            visit(child, hidden)

    for statement in function.body:
        visit(statement, frozenset())
    found.update(lambda_params(function))
    return found


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def located(node, like):
    """``node`` and every node in it without a position given ``like``'s."""
    for part in gast.walk(node):
        if isinstance(part, (gast.stmt, gast.expr)) and getattr(part, "lineno", None) is None:
            gast.copy_location(part, like)
            if getattr(like, "end_lineno", None) is not None:
                part.end_lineno, part.end_col_offset = like.end_lineno, like.end_col_offset
    return node
