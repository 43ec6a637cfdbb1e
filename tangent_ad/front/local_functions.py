"""Lambdas and nested ``def``s of a differentiated function, inlined where they are called.

``sq = lambda t: t ** 2`` then ``np.sum(sq(x))`` is differentiated as ``np.sum(x ** 2)``;
a nested ``def`` whose body ends in its one ``return`` has its statements put before the
statement that calls it. Each call binds the arguments as Python does: an argument that
is a name or a constant, or an expression without calls read once, takes the
parameter's place; any other is evaluated once, in order, into a variable named after
the parameter. The body's own variables get fresh names (``s`` becomes ``s2`` where the
function has an ``s``); the names it reads from the function (a closure: ``lambda t: t *
y``) are read at the call, which is when Python reads them too.

A local function must be called by its name (or at once: ``(lambda v: v * v)(x)``), or
given to a module-level helper that calls it, which is inlined with it
(``function_arguments.py``): one otherwise given to a function, returned, stored or bound
twice, and one that calls itself, is refused with what to write instead. It is never a
constant.
"""
import copy

import gast

from . import scopes
from .scopes import bound_in, lambda_params, load, located, store, substitute, target_names

_VALUE_HINT = ("call it directly by its name, or give it to a module-level helper of yours that "
               "only calls it, or define it with def at module level and pass that function")


class Definition:
    """A lambda or nested def: its parameters, constant defaults and body (ending in a return)."""

    def __init__(self, name, node, params, defaults, body):
        self.name, self.node, self.params, self.defaults, self.body = name, node, params, defaults, body


class LocalFunctions:
    def __init__(self, rewriter, function):
        self.rewriter = rewriter
        self.where = rewriter.where
        self.names = rewriter.names
        self.known = {}
        self.calling = []
        definitions = [s for s in _statements(function.body)
                       if isinstance(s, gast.FunctionDef) or self.defines(s)]
        bindings = {name: [function] for name in lambda_params(function)}
        for node in _bindings(function.body):
            bindings.setdefault(node[0], []).append(node[1])
        for statement in definitions:
            name = statement.name if isinstance(statement, gast.FunctionDef) else statement.targets[0].id
            if len(bindings.get(name, ())) > 1:
                again = [n for n in bindings[name] if n is not statement][0]
                raise self.where.error(
                    again if again is not function else statement, "local function",
                    f"give each function its own name: {name} is a local function",
                    message=(f"{name} is a parameter, and a local function (a lambda or nested def) "
                             "bound to it here" if again is function else
                             f"{name} is a local function (a lambda or nested def) and is bound "
                             "again here") + ", which is not supported in differentiated code; give "
                            "each function its own name")
            self.known[name] = self._definition(statement)
        self.any = bool(definitions)
        # the names of the local functions' own variables are free for their first inlining
        own, elsewhere = set(), {n.id for s in _outside(function.body) for n in gast.walk(s)
                                 if isinstance(n, gast.Name)} | set(lambda_params(function))
        for statement in definitions:
            names = self._own_names(statement)
            own |= names
            elsewhere |= {n.id for n in gast.walk(statement) if isinstance(n, gast.Name)} - names
        self.names.taken -= own - elsewhere - set(self.known)

    # ------------------------------------------------------------- definitions
    @staticmethod
    def defines(statement):
        """Whether ``statement`` is ``name = lambda ...``."""
        return isinstance(statement, gast.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], gast.Name) and isinstance(statement.value, gast.Lambda)

    def define(self, statement):
        """A definition is read where it is called: the statement itself goes."""
        name = statement.name if isinstance(statement, gast.FunctionDef) else statement.targets[0].id
        node = statement if isinstance(statement, gast.FunctionDef) else statement.value
        if name not in self.known:      # a definition inside an inlined body
            self.known[name] = self._definition(statement)
        elif self.known[name].node is not node:
            raise self.where.error(statement, "local function", "give each function its own name",
                                   message=f"a local function bound twice ({name}) is not supported "
                                           "in differentiated code; give each function its own name")
        return []

    def _definition(self, statement):
        if isinstance(statement, gast.FunctionDef):
            node, name = statement, statement.name
            body = list(node.body)
            if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
                body = body[1:]      # docstring
            body = self.one_return(node, body)
        else:
            node, name = statement.value, statement.targets[0].id
            body = [located(gast.Return(value=node.body), node.body)]
        return Definition(name, node, *self._signature(node, name), body)

    def _signature(self, node, name):
        args = node.args
        what = "lambda" if isinstance(node, gast.Lambda) else "nested function definition"
        for extra, kind in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
            if extra is not None:
                raise self.where.error(extra, what, "list each parameter by name",
                                       message=f"a {what} ({name}) with a {kind} parameter is not "
                                               "supported in differentiated code; list each "
                                               "parameter by name")
        if args.kwonlyargs or getattr(args, "posonlyargs", None):
            raise self.where.error(node, what, "use ordinary parameters",
                                   message=f"a {what} ({name}) with keyword-only or positional-only "
                                           "parameters is not supported in differentiated code; use "
                                           "ordinary parameters")
        params = [a.id for a in args.args]
        defaults = {}
        for param, default in zip(params[len(params) - len(args.defaults):], args.defaults):
            if not isinstance(default, gast.Constant):
                raise self.where.error(
                    default, what, "pass the value at the call, or read the variable in the body",
                    message=f"a {what} ({name}) whose default value of {param} is computed when "
                            "the function is made is not supported in differentiated code; pass "
                            "the value at the call, or read the variable in the body")
            defaults[param] = default
        return params, defaults

    def one_return(self, node, body):
        """The def's body ending in its one return: ``if c: return a`` then ``return b`` is
        ``if c: result = a`` / ``else: result = b`` then ``return result``."""
        if node.decorator_list:
            raise self.where.error(node.decorator_list[0], "nested function definition",
                                   "call the decorated function's work directly",
                                   message=f"a decorated nested def ({node.name}) is not supported "
                                           "in differentiated code; define it at module level")
        returns = [n for s in body for n in _own_nodes(s) if isinstance(n, gast.Return)]
        if body and isinstance(body[-1], gast.Return) and len(returns) == 1 \
                and body[-1].value is not None:
            return body
        in_loops = [n for s in body for loop in _own_nodes(s) if isinstance(loop, (gast.For, gast.While))
                    for n in _own_nodes(loop) if isinstance(n, gast.Return)]
        if in_loops or any(r.value is None for r in returns):
            where = "inside a loop" if in_loops else "without a value"
            raise self.where.error(
                node, "nested function definition", "return once, after the loop",
                message=f"a nested function definition ({node.name}) with a return {where} is not "
                        "supported in differentiated code; keep the value in a variable, leave "
                        "the loop with break, and return the value after it")
        used = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
        result = next(f"result{k}" if k else "result" for k in range(len(used) + 2)
                      if (f"result{k}" if k else "result") not in used)
        statements, falls = _single_exit(body, result)
        if falls:
            raise self.where.error(
                node, "nested function definition", "end every path with a return",
                message=f"a nested function definition ({node.name}) with a path that ends "
                        "without a return (which returns None) is not supported in "
                        "differentiated code; end every path with a return of a value")
        return statements + [located(gast.Return(value=load(result)), returns[-1])]

    def _own_names(self, statement):
        node = statement if isinstance(statement, gast.FunctionDef) else statement.value
        body = node.body if isinstance(node, gast.FunctionDef) else [node.body]
        return set(lambda_params(node)) | set(bound_in(body))

    # ------------------------------------------------------------------- calls
    def named(self, node):
        return isinstance(node, gast.Name) and node.id in self.known and isinstance(node.ctx, gast.Load)

    def callee(self, call):
        func = call.func
        if isinstance(func, gast.Lambda):
            return Definition("lambda", func, *self._signature(func, "lambda"),
                              [located(gast.Return(value=func.body), func.body)])
        return self.known.get(func.id) if self.named(func) else None

    def as_value(self, node):
        if isinstance(node, gast.Lambda):
            return self.where.error(node, "lambda", _VALUE_HINT,
                                    message="a lambda used as a value (returned, stored, or "
                                            "given to a function other than a module-level "
                                            "helper that only calls it) is not supported in "
                                            "differentiated code; give it a name and call it "
                                            "(f = lambda t: ...; f(x)), or define a function "
                                            "with def at module level and pass that")
        return self.where.error(node, "local function", _VALUE_HINT,
                                message=f"the local function {node.id} is used as a value (returned, "
                                        "stored, or given to a function other than a "
                                        "module-level helper that only calls it), which is not "
                                        "supported in differentiated code; call it directly "
                                        f"({node.id}(...)), or define it with def at module "
                                        "level and pass that function")

    def inline(self, call, positional, named, before, definition=None, functions=()):
        """The value of ``call``; the statements of the function's body appended to ``before``.

        ``definition``: the function called (a helper, ``function_arguments.py``), where it is
        not the callee; ``functions``: its parameters given a function, which takes their
        place in the body as written (a function value has no effect when evaluated)."""
        definition = definition or self.callee(call)
        if any(d is definition for d in self.calling) or (
                isinstance(call.func, gast.Name) and any(d.name == call.func.id for d in self.calling)):
            raise self.where.error(call, "recursive local function", "write the recursion as a loop",
                                   message=f"a recursive local function ({definition.name} calls "
                                           "itself) is not supported in differentiated code; write "
                                           "the recursion as a loop")
        values = self._bind(call, definition, positional, named)
        body = definition.body
        own = set(bound_in(body))
        stored = {n.id for s in body for part in gast.walk(s) for t in _targets(part)
                  for n in gast.walk(t) if isinstance(n, gast.Name)}
        mapping = {}
        inner = inner_bound(body)
        for param in definition.params:
            value = values[param]
            if param in functions:
                mapping[param] = value
                continue
            captured = {n.id for n in gast.walk(value) if isinstance(n, gast.Name)} & inner
            if not captured and _substitutable(value, param, body, own | stored):
                mapping[param] = value
            else:
                name = self.names.fresh(param)
                before.append(located(gast.Assign(targets=[store(name)], value=value,
                                                  type_comment=None), call))
                mapping[param] = load(name)
        for name in own - set(definition.params):
            mapping[name] = load(self.names.fresh(name))
        body = [located(substitute(s, mapping), call) for s in body]
        self.calling.append(definition)
        try:
            before += self.rewriter.block(body[:-1])
            return self.rewriter.expression(body[-1].value, before)
        finally:
            self.calling.pop()

    def _bind(self, call, definition, positional, named):
        params = definition.params
        problem = None
        values = dict(zip(params, positional))
        if len(positional) > len(params):
            problem = f"passes {len(positional)} arguments to {len(params)} parameters"
        for keyword, value in named.items():
            if keyword not in params or keyword in values:
                problem = f"passes {keyword} twice or to no parameter"
            values[keyword] = value
        for param in params:
            if param not in values:
                if param not in definition.defaults:
                    problem = f"leaves out {param}"
                    break
                values[param] = copy.deepcopy(definition.defaults[param])
        if problem:
            raise self.where.error(call, "call of a local function", "pass each parameter once",
                                   message=f"a call of a local function ({definition.name}) that "
                                           f"{problem} is not supported (Python raises a TypeError "
                                           "there); pass each parameter once")
        return values


# ------------------------------------------------------------------ helpers
def _substitutable(value, param, body, assigned):
    """Whether ``value`` may take ``param``'s place in ``body``, read where the body reads it."""
    if param in assigned:
        return False
    if isinstance(value, (gast.Name, gast.Constant)):
        return True
    if any(isinstance(n, gast.Call) for n in gast.walk(value)):
        return False
    uses = sum(isinstance(n, gast.Name) and n.id == param for s in body for n in gast.walk(s))
    return uses <= 1


def inner_bound(body):
    """Names bound in the scopes inside ``body`` (comprehensions, lambdas, nested defs): an
    argument that reads one of them cannot take a parameter's place there."""
    bound = set()
    for statement in body:
        for node in gast.walk(statement):
            if isinstance(node, scopes.COMPREHENSIONS):
                bound.update(n for g in node.generators for n in target_names(g.target))
            elif isinstance(node, (gast.Lambda, gast.FunctionDef)):
                bound.update(lambda_params(node))
                if isinstance(node, gast.FunctionDef):
                    bound.update(bound_in(node.body))
    return bound


def _single_exit(statements, result):
    """(``statements`` with each ``return v`` as ``result = v`` and what followed it in the
    branches that reach it, whether some path falls off the end)."""
    out = []
    for index, statement in enumerate(statements):
        if isinstance(statement, gast.Return):
            return out + [located(gast.Assign(targets=[store(result)], value=statement.value,
                                              type_comment=None), statement)], False
        if isinstance(statement, gast.If) and any(isinstance(n, gast.Return) for n in _own_nodes(statement)):
            rest = statements[index + 1:]
            body, falls = _single_exit(statement.body + rest, result)
            orelse, falls_too = _single_exit(statement.orelse + copy.deepcopy(rest), result)
            statement.body, statement.orelse = body, orelse
            return out + [statement], falls or falls_too
        out.append(statement)
    return out, True


def _targets(statement):
    if isinstance(statement, gast.Assign):
        return statement.targets
    if isinstance(statement, (gast.AugAssign, gast.AnnAssign, gast.For)):
        return [statement.target]
    return []


def _own_nodes(node):
    """The nodes of ``node`` outside nested functions."""
    yield node
    for child in gast.iter_child_nodes(node):
        if not isinstance(child, (gast.FunctionDef, gast.Lambda)):
            yield from _own_nodes(child)


def _outside(body):
    """The parts of the function's statements outside its local functions' definitions."""
    for statement in body:
        if isinstance(statement, gast.FunctionDef):
            yield from statement.args.defaults
        elif LocalFunctions.defines(statement):
            yield from statement.value.args.defaults
        elif isinstance(statement, (gast.If, gast.For, gast.While)):
            yield from (getattr(statement, f) for f in ("test", "iter", "target") if hasattr(statement, f))
            yield from _outside(statement.body)
            yield from _outside(statement.orelse)
        else:
            yield statement


def _statements(body):
    """Every statement of the function's own scope, in nested blocks too."""
    for statement in body:
        yield statement
        if not isinstance(statement, (gast.FunctionDef, gast.ClassDef)):
            for field in ("body", "orelse"):
                yield from _statements(getattr(statement, field, None) or [])


def _bindings(body):
    """``(name, node)`` for each binding of a name in the function's own scope."""
    for statement in _statements(body):
        if isinstance(statement, gast.FunctionDef):
            yield statement.name, statement
            continue
        for target in _targets(statement):
            for n in gast.walk(target):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    yield n.id, statement
