"""A module-level helper given a function, inlined where the differentiated function calls it.

``apply(sq, x)`` with ``def apply(fn, v): return fn(v) * 2.0`` and a local ``sq = lambda
t: t ** 2`` is differentiated as ``sq(x) * 2.0``, which ``local_functions.py`` inlines in
turn. The function given may be a local lambda or nested ``def``, a lambda written in the
call, a module-level ``def`` or a NumPy function: every ``fn(...)`` of the helper becomes a
call of that very function, and the rest of the helper is inlined as a local function is
(each other argument evaluated once, in order; the helper's own variables renamed).

Inlining keeps Python's meaning only when the helper calls the function by its parameter's
name (or gives it on to another such helper) and does nothing else with it; a helper that
stores, returns or rebinds the function, calls itself, reads a global that means something
else in the differentiated function, or whose source cannot be read, is refused at the
user's line with what to write instead. A function value never becomes a constant.
"""
import dis
import inspect
import os

import gast

from ..errors import TransformError
from ..rules import custom
from . import parsing
from .local_functions import Definition, inner_bound
from .scopes import bound_in, lambda_params

CONSTRUCT = "function given to a helper"
_HINT = ("call the function directly in the differentiated function, or make the helper call "
         "its function parameter by name and do nothing else with it")


class HelperCalls:
    """Finds and inlines the calls of module-level helpers that are given a function."""

    def __init__(self, rewriter, function):
        self.rewriter = rewriter
        self.where = rewriter.where
        self.names = rewriter.names
        self.resolve = rewriter.resolve
        self.local = self.locals_of(function)
        self.parsed = {}
        self.inlining = []
        self.entry = getattr(rewriter, "entry", None)
        self.reads = global_reads(self.entry)

    @staticmethod
    def locals_of(function):
        """Every name the function binds (in any of its scopes, to be safe)."""
        return set(lambda_params(function)) | {
            n.id for n in gast.walk(function) if isinstance(n, gast.Name)
            and not isinstance(n.ctx, gast.Load)} | {
            n.name for n in gast.walk(function) if isinstance(n, gast.FunctionDef)} | {
            a for n in gast.walk(function) if isinstance(n, gast.Lambda) for a in lambda_params(n)}

    # ----------------------------------------------------------------- finding
    def helper(self, call):
        """The module-level Python function ``call`` calls, or None."""
        func = call.func
        if not isinstance(func, gast.Name) or func.id in self.local \
                or func.id in self.rewriter.functions.known:
            return None
        target = self.resolve(func.id)
        return target if _user_helper(target) else None

    def function_value(self, node):
        """Whether ``node`` (an argument) is a function: a lambda, a local function, or a
        name or ``module.attribute`` of a function (not a class, nor another object that can
        be called, which a helper may use otherwise)."""
        if isinstance(node, gast.Lambda) or self.rewriter.functions.named(node):
            return True
        value = self._global(node)     # a function, not an object that may be called
        return inspect.isroutine(value) or type(value).__name__ == "ufunc"

    def _global(self, node):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id not in self.local:
            return self.resolve(node.id)
        if isinstance(node, gast.Attribute) and isinstance(node.ctx, gast.Load):
            base = self._global(node.value)
            if base is not None and inspect.ismodule(base):
                return getattr(base, node.attr, None)
        return None

    def inlines(self, node):
        """Whether ``node`` is a call of a helper given a function, which is inlined."""
        return isinstance(node, gast.Call) and self.helper(node) is not None and any(
            self.function_value(a) for a in list(node.args) + [k.value for k in node.keywords])

    # ---------------------------------------------------------------- inlining
    def inline(self, call, before):
        """The value of ``call``; the helper's statements appended to ``before``."""
        target = self.helper(call)
        name = call.func.id
        if target in self.inlining:
            raise self._refuse(call, name, "calls itself (directly or through another helper)",
                               "write the recursion as a loop")
        definition, free = self._definition(call, name, target)
        if any(isinstance(a, gast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords):
            raise self._refuse(call, name, "is given *args or **kwargs", "pass each argument by name")
        params = definition.params
        values = dict(zip(params, call.args))
        values.update({k.arg: k.value for k in call.keywords})
        missing = [p for p in params if p not in values and p not in definition.defaults]
        if missing and len(params) - len(target.__defaults__ or ()) <= params.index(missing[0]):
            raise self._refuse(call, name, f"leaves out {missing[0]}, whose default is not a "
                               "constant", f"pass {missing[0]} at the call")
        functions = {p for p, v in values.items() if p in params and self.function_value(v)}
        inner = inner_bound(definition.body)
        for param in functions:
            self._check_use(call, name, definition.body, param, self.parsed[target][0].resolve)
            read = {n.id for n in gast.walk(values[param]) if isinstance(n, gast.Name)}
            if read & inner:
                raise self._refuse(call, name, f"binds {sorted(read & inner)[0]} in an inner scope, "
                                   "which the function given reads", "rename the helper's variable")
        rest = [a for a in call.args if not self.function_value(a)]
        rest += [k.value for k in call.keywords if not self.function_value(k.value)]
        evaluated = iter(self.rewriter.operands(rest, before))
        positional = [a if self.function_value(a) else next(evaluated) for a in call.args]
        named = {k.arg: k.value if self.function_value(k.value) else next(evaluated)
                 for k in call.keywords}
        self.names.taken |= free
        self.inlining.append(target)
        try:
            return self.rewriter.functions.inline(call, positional, named, before,
                                                  definition=definition, functions=functions)
        finally:
            self.inlining.pop()

    def _refuse(self, call, name, problem, hint=_HINT):
        return self.where.error(call, CONSTRUCT, hint,
                                message=f"the helper {name}(), given a function here, {problem}, so it "
                                        "cannot be inlined and the function given cannot be "
                                        f"differentiated through it; {hint}")

    def _definition(self, call, name, target):
        """The helper's Definition (its body ending in its one return) and the global names
        it reads, each checked to mean the same in the differentiated function."""
        if target not in self.parsed:
            self.parsed[target] = self._parse(call, name, target)
        parsed, definition = self.parsed[target]
        body = definition.body
        bound = set(definition.params) | set(bound_in(body)) | inner_bound(body) | {
            n.id for s in body for n in gast.walk(s)
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
        free = {n.id for s in body for n in gast.walk(s) if isinstance(n, gast.Name)} - bound
        for read in sorted(free):
            mine = parsed.resolve(read)
            if mine is None or read in self.local or read in self.rewriter.functions.known \
                    or self.resolve(read) is not mine:
                raise self._refuse(call, name, f"reads the global {read}, which means something else "
                                   "(or nothing) where it is called",
                                   f"rename the variable {read} of the differentiated function, or "
                                   "pass the value to the helper as an argument")
            if read not in self.reads and read in target.__globals__:
                # a derivative is kept while the globals its function reads are unchanged:
                # one only the helper reads would not be watched (pipeline/freshness.py)
                raise self._refuse(call, name, f"reads the global {read}, which the differentiated "
                                   "function does not read itself (a derivative kept for later calls "
                                   f"would not see {read} change)",
                                   f"pass {read} to the helper as an argument")
        return definition, free

    def _parse(self, call, name, target):
        if getattr(target, "__wrapped__", None) is not None:
            raise self._refuse(call, name, "is decorated", "give an undecorated helper")
        try:
            parsed = parsing.parse_function(target)
        except TransformError as exc:
            raise self._refuse(call, name, f"cannot be read ({exc.detail or exc.construct})",
                               "define the helper with def in a .py file") from None
        if target.__code__.co_freevars or self.entry is None \
                or target.__globals__ is not self.entry.__globals__:
            raise self._refuse(call, name, "is a closure or is defined in another module than the "
                               "differentiated function", "define the helper with def at module "
                               "level, in the module of the differentiated function")
        node = parsed.node
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or getattr(args, "posonlyargs", None):
            raise self._refuse(call, name, "has *args, **kwargs, keyword-only or positional-only "
                               "parameters", "give the helper ordinary parameters")
        params = [a.id for a in args.args]
        defaults = {}
        for param, default in zip(params[len(params) - len(args.defaults):], args.defaults):
            if isinstance(default, gast.Constant):
                defaults[param] = default
        body = list(node.body)
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
            body = body[1:]          # docstring
        if any(isinstance(n, (gast.Global, gast.Nonlocal, gast.Yield, gast.YieldFrom))
               for s in body for n in gast.walk(s)):
            raise self._refuse(call, name, "has a global, nonlocal or yield statement",
                               "write the helper as a plain function of its arguments")
        functions = self.rewriter.functions
        where, functions.where = functions.where, parsed.location
        try:
            body = functions.one_return(node, body)
        except TransformError as exc:
            raise self._refuse(call, name, "has " + _problem(exc),
                               "return once, at the end of the helper") from None
        finally:
            functions.where = where
        for statement in body:      # the helper's lines are not the caller's: each call's line
            for part in gast.walk(statement):
                for field in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                    if hasattr(part, field):
                        setattr(part, field, None)
        return parsed, Definition(name, node, params, defaults, body)

    def _check_use(self, call, name, body, param, resolve):
        """The helper only calls ``param`` by name, or gives it on to another helper."""
        allowed = set()
        for statement in body:
            for node in gast.walk(statement):
                if isinstance(node, gast.Call):
                    if isinstance(node.func, gast.Name) and node.func.id == param:
                        allowed.add(id(node.func))
                    elif isinstance(node.func, gast.Name) and _user_helper(resolve(node.func.id)):
                        allowed.update(id(a) for a in list(node.args) + [k.value for k in node.keywords]
                                       if isinstance(a, gast.Name) and a.id == param)
        for statement in body:
            for node in gast.walk(statement):
                if isinstance(node, gast.Name) and node.id == param and id(node) not in allowed:
                    use = "rebinds" if not isinstance(node.ctx, gast.Load) else "stores, returns or passes on"
                    raise self._refuse(call, name, f"{use} its function parameter {param} "
                                       "instead of only calling it")


def global_reads(func):
    """The global names ``func``'s code loads (nested code included); none for no function."""
    code = getattr(func, "__code__", None)
    return set() if code is None else _loads(code)


def _loads(code):
    found = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for constant in code.co_consts:
        if inspect.iscode(constant):
            found |= _loads(constant)
    return found


def _user_helper(target):
    """A plain function of the user's code without a rule of its own: not tangent_ad's, nor an
    installed library's (site-packages), whose calls are handled as they were."""
    if not inspect.isfunction(target) or custom.registered(target) is not None:
        return False
    module = getattr(target, "__module__", None) or ""
    filename = target.__code__.co_filename
    return module.split(".")[0] != "tangent_ad" and not any(
        f"{os.sep}{folder}{os.sep}" in filename for folder in ("site-packages", "dist-packages"))


def given(parsed):
    """Whether ``parsed`` calls a module-level helper with a module-level function (the calls
    with a lambda or local function are found with those)."""
    class Plain:
        known = {}

        @staticmethod
        def named(node):
            return False

    finder = HelperCalls.__new__(HelperCalls)
    finder.rewriter = type("Rewriter", (), {"functions": Plain})
    finder.resolve = parsed.resolve
    node = parsed.node
    finder.local = HelperCalls.locals_of(node)
    return any(finder.inlines(n) for n in gast.walk(node))


def _problem(exc):
    text = exc.detail or exc.construct
    for marker in ("with a ", "whose "):
        if marker in text:
            return "a " + text.split(marker, 1)[1].split(" is not supported")[0]
    return text
