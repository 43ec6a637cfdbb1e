"""The pipeline, from a function to its compiled derivative, in one place.

    source -> parse -> fence -> desugar -> activity -> flatten -> shapes
           -> forward | reverse -> source text -> compile

One generated module holds the derivative of the function asked for and of
every plain Python function it calls; its source is the code that runs.
"""
import ast
import builtins
import inspect
import itertools
import os
import linecache
import re
import sys
import threading
import types
import weakref

import gast
import numpy

from ..front import activity, depth, fence, normalize, parsing
from . import caches, freshness
from .. import runtime
from ..ir.code import is_module_path, is_name, source_lines, string_text
from ..modes.derivatives import Derivatives
from ..errors import InternalError, TransformError
from ..front.flatten import flatten, stacks
from ..modes.forward import ForwardGenerator
from ..ir.naming import Names
from ..modes.reverse import ReverseGenerator
from ..front.shapes import Shapes

RESERVED = set(runtime.__all__) | {"derivative", "registered_rule"}


class Prepared:
    """A function normalized and analyzed for one set of differentiated arguments."""

    def __init__(self, func, wrt):
        self.parsed = parsing.parse_function(func)
        wrt = [self.parsed.renamed.get(p, p) for p in wrt]     # a parameter named np is np2 here
        fence.check_function(self.parsed)
        tree_names = {n.id for n in gast.walk(self.parsed.node) if isinstance(n, gast.Name)}
        self.names = Names(tree_names | RESERVED)
        self.function = normalize.desugar(self.parsed, self.names)
        if is_generated(func):          # a derivative being differentiated again: it has a tape
            self.function.stacks = stacks(self.parsed.node)
        local_names = activity.local_names(self.function)
        self.flow = activity.Flow(self.parsed.resolve, set(local_names))
        self.active = activity.analyze(self.function, wrt, self.flow, activity.alias_groups(self.function, self.flow))
        flatten(self.function, self.active, self.flow, self.names)
        self.local_names = activity.local_names(self.function)
        self.shapes = Shapes(self.function)
        self.wrt = tuple(wrt)


def is_generated(func):
    """Whether ``func`` is code tangent_ad wrote (a derivative, a helper's derivative, ...)."""
    return func.__code__.co_filename.startswith("<tangent_ad ")


class Derived:
    """What a caller needs to know about a generated derivative function."""

    def __init__(self, name, callee_name, seeds=None, tangents=None):
        self.name = name
        self.callee_name = callee_name
        self.seeds = seeds              # reverse: names of the output-adjoint parameters
        self.seed = seeds[0] if seeds else None
        self.tangents = tangents        # forward: parameter -> tangent parameter name


class Context:
    """What the generators of one function share: names, rules, and the module they write into."""

    def __init__(self, module, prepared):
        self.module = module
        self.optimize = module.optimize
        self.location = prepared.parsed.location
        node = prepared.parsed.node
        # it goes into the generated docstrings: a file name may hold quotes and line breaks
        self.where_defined = string_text(f"{os.path.basename(self.location.filename)}, line {node.lineno}")
        self.names = prepared.names
        self.local_names = prepared.local_names
        self.names.reserve(module.np_alias)
        for taken in module.function_names.taken:
            self.names.reserve(taken)
        self.derivatives = Derivatives(prepared.shapes, module.np_alias, self.names, prepared.local_names,
                                       module.external_name, self.location, module.optimize)

    def request(self, callee, mode, wrt, func_expr):
        try:
            return self.module.derive(callee, mode, wrt, func_expr=func_expr)
        except TransformError as exc:
            if exc.construct != f"function {callee.__qualname__}":
                raise
            name_ = callee.__name__     # its source is unreadable: point at the call instead
            raise self.location.error(
                func_expr, f"call to {name_}", "",
                message=f"call to {name_}: the source of {name_} cannot be read and tangent_ad has no "
                        f"derivative rule for it; define {name_} with def in a .py file, or keep it "
                        "out of the differentiated computation") from None


class Module:
    """The generated source for one requested derivative and the helpers it calls."""

    def __init__(self, entry, optimize=True, plain=False):
        self.entry = entry
        self.optimize = optimize
        # plain: code that forward mode differentiates again, so adjoints are never updated in
        # place and loops never collect matmul adjoints in lists
        self.plain = plain
        self.has_plain_twin = False      # whether the code does either, so a plain twin exists
        self.namespace = parsing.function_namespace(entry)
        self.np_alias, self.import_numpy = _numpy_alias(self.namespace)
        self.function_names = Names(set(self.namespace) | RESERVED | {self.np_alias})
        self.derived = {}
        self.texts = []
        self.header = []
        self.externals = {}            # id(object) -> its name in the generated code
        self.sources = []              # the functions whose source this module was built from
        self.helper_derivatives = []   # (helper of another module, its compiled derivative)
        self.renamed = {}              # a user's global renamed apart from a runtime helper -> its name

    def external_name(self, obj, preferred, owner, attribute):
        """The name the generated code calls ``obj`` by: a custom rule's jvp or vjp.

        A function the user's module already holds is imported from there like any
        other global; otherwise the source looks it up in the rule registry.
        """
        if id(obj) in self.externals:
            return self.externals[id(obj)]
        if self.namespace.get(preferred) is obj:
            name_ = preferred
        else:
            name_ = self.function_names.fresh(preferred)
            owner_name = next((k for k, v in self.namespace.items() if v is owner and is_name(k)), None)
            if owner_name is None:
                raise InternalError(f"the function {preferred} of a custom rule is not reachable "
                                    "from the differentiated function's module")
            self.namespace[name_] = obj
            self.header.append(f"{name_} = registered_rule({owner_name}).{attribute}")
        self.externals[id(obj)] = name_
        return name_

    def derive(self, func, mode, wrt, return_value=False, func_expr=None, tuple_output=False,
               checkpoint=None):
        key = (func, mode, tuple(wrt), return_value, tuple_output, checkpoint)
        if key in self.derived:
            return self.derived[key]
        if func is not self.entry and func.__globals__ is not self.entry.__globals__:
            return self._external(func, mode, wrt, func_expr)
        prepared = Prepared(func, wrt)
        self.sources.append(func)
        for new, old in prepared.parsed.renamed_globals.items():     # see hygiene.py
            self.namespace[new] = prepared.parsed.namespace[new]
            self.renamed[new] = old
        # the names of helpers' derivatives (g_grad) must not be a local of this function
        self.function_names.taken |= prepared.names.taken
        self._bind_defaults(func, prepared.function)
        context = Context(self, prepared)
        suffix = {"reverse": "value_and_grad" if return_value else "grad", "forward": "jvp",
                  "split": "vjp"}[mode]
        if func is not self.entry and prepared.wrt != tuple(prepared.function.params):
            suffix += "_" + "_".join(wrt)      # a helper differentiated for some of its arguments
        name_ = self.function_names.fresh(f"{func.__name__}_{suffix}")
        function = prepared.function
        if mode == "reverse":
            derived = Derived(name_, func.__name__,
                              seeds=[prepared.names.adjoint(r) for r in function.results])
            self.derived[key] = derived
            generator = ReverseGenerator(context, function, prepared.wrt, prepared.active, return_value,
                                         tuple_output, checkpoint=checkpoint)
            code, _ = generator.generate(name_)
        elif mode == "split":          # vjp: the forward sweep once, the backward sweep as often as asked
            derived = Derived(f"{name_}_forward", func.__name__,
                              seeds=[prepared.names.adjoint(r) for r in function.results])
            derived.backward = self.function_names.fresh(f"{name_}_backward")
            self.derived[key] = derived
            generator = ReverseGenerator(context, function, prepared.wrt, prepared.active, tuple_output=True)
            code = generator.generate_split(derived.name, derived.backward)
        else:
            tangents = {p: prepared.names.tangent(q) for p, q in zip(wrt, prepared.wrt)}
            derived = Derived(name_, func.__name__, tangents=tangents)
            self.derived[key] = derived
            code, _ = ForwardGenerator(context, function, prepared.wrt, prepared.active).generate(name_)
        self.texts.append((func is self.entry, code))
        return derived

    def _bind_defaults(self, func, function):
        """Defaults as Python stored them when ``func`` was defined: a default written as an
        expression (``s=SCALE``, ``noise=np.random.randn(3)``) is never evaluated again. The
        derivative's signature reads it from a name bound to the stored value (``s=f_default_s``);
        a literal that still matches its stored value (``n=3``) stays as written."""
        values = func.__defaults__ or ()
        params = function.params
        for index, (p, value) in enumerate(zip(params[len(params) - len(values):], values)):
            node = function.defaults.get(p)
            if isinstance(node, gast.Constant) and type(node.value) is type(value) and node.value == value:
                continue
            name_ = self.function_names.fresh(f"{func.__name__}_default_{p}")
            self.namespace[name_] = value
            function.defaults[p] = gast.Name(id=name_, ctx=gast.Load(), annotation=None, type_comment=None)
            if self.entry.__globals__.get(func.__name__) is func:      # so the printed source runs too
                self.header.append(f"{name_} = {func.__name__}.__defaults__[{index}]    "
                                   f"# the default of {p}, as {func.__name__} stored it")

    def _external(self, func, mode, wrt, func_expr):
        """A helper from another module: its derivative lives in a module of its own."""
        from ..ir.code import src
        compiled = derivative_function(func, mode, tuple(wrt), optimize=self.optimize)
        self.helper_derivatives.append((func, compiled))
        name_ = self.function_names.fresh(compiled.__name__)
        wrt_text = repr(wrt[0]) if len(wrt) == 1 else repr(tuple(wrt))
        raw = "" if self.optimize else ", optimize=False"
        self.header.append(f"{name_} = derivative({src(func_expr)}, mode={mode!r}, wrt={wrt_text}{raw})")
        info = compiled._tangent_ad_info
        derived = Derived(name_, func.__name__, seeds=info.seeds, tangents=info.tangents)
        self.derived[(func, mode, tuple(wrt), False, False, None)] = derived
        return derived

    def source(self):
        ordered = [code for is_entry, code in self.texts if is_entry] + \
                  [code for is_entry, code in self.texts if not is_entry]
        body = "\n\n\n".join(code.text() for code in ordered)
        used = sorted(set(runtime.__all__) & _called_names(body))
        lines = self._imports(body + "\n" + "\n".join(self.header))
        if used:
            lines.append(f"from tangent_ad.runtime import {', '.join(used)}")
        if self.header:
            helpers = [n for n in ("derivative", "registered_rule") if any(n + "(" in h for h in self.header)]
            if helpers:
                lines.append(f"from tangent_ad import {', '.join(helpers)}")
            lines += self.header
        head = "\n".join(lines)
        return (head + "\n\n\n" if head else "") + body + "\n"


    def _imports(self, body):
        """Imports that let the source run in a fresh namespace: modules, and the user's globals."""
        free = _free_names(body) - set(runtime.__all__) - {"derivative", "registered_rule"}
        lines, from_user = [], []
        if self.import_numpy and self.np_alias in free:
            lines.append(f"import numpy as {self.np_alias}")
        home = sys.modules.get(self.entry.__module__)
        importable = (home is not None and self.entry.__module__ != "__main__"
                      and is_module_path(self.entry.__module__)
                      and getattr(home, "__dict__", None) is self.entry.__globals__)
        for name_ in sorted(free):
            if name_ not in self.namespace or hasattr(builtins, name_):
                continue
            value = self.namespace[name_]
            if inspect.ismodule(value):
                module_name = value.__name__
                if not is_module_path(module_name):
                    continue        # no import line can name it; the namespace holds it
                lines.append(f"import {module_name}" if module_name == name_
                             else f"import {module_name} as {name_}")
            elif importable and self.renamed.get(name_, name_) in self.entry.__globals__:
                old = self.renamed.get(name_, name_)
                from_user.append(name_ if old == name_ else f"{old} as {name_}")
        if from_user:
            lines.append(f"from {self.entry.__module__} import {', '.join(from_user)}")
        return lines


def _free_names(text):
    """Names the generated code reads but never binds."""
    tree = ast.parse(text)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
            bound |= {a.arg for a in node.args.args}
    return loaded - bound


def _called_names(text):
    """Every name the text calls (``name(``): one scan, whatever the number of runtime helpers."""
    return set(re.findall(r"\b(\w+)\(", text))


def _numpy_alias(namespace):
    if namespace.get("np") is numpy:
        return "np", False
    for key, value in namespace.items():
        if value is numpy and key.isidentifier():
            return key, False
    alias = "np" if "np" not in namespace else "numpy_"
    return alias, True


# ------------------------------------------------------------------ compile
_counter = itertools.count(1)
_lock = threading.RLock()


def derivative_function(func, mode, wrt, return_value=False, tuple_output=False, checkpoint=None,
                        optimize=True, plain=False):
    """The compiled derivative of ``func`` (cached per function, mode and wrt).

    A cached derivative is used only while everything it was built from is unchanged
    (``freshness.py`` lists what that is): redefine a helper or a constant, edit a
    function (IPython's autoreload), rebind a closure variable, and it is generated again.
    The cache is kept on ``func`` itself, so it does not keep ``func`` alive.

    Reverse-mode code may update adjoints in place and add up a loop's matmul adjoints in
    one product after the loop; ``plain=True`` asks for code that does neither. Forward mode
    over generated code that does reads its plain twin instead.
    """
    func = _plain_twin(func) or func
    key = (mode, tuple(wrt), return_value, tuple_output, checkpoint, optimize, plain)
    with _lock:
        per_function = caches.cache(func, "derivatives")
        per_function = {} if per_function is None else per_function
        cached = per_function.get(key)
        if cached is not None and freshness.holds(cached, func):
            return cached
        try:
            with depth.room_for_nesting(func):      # a 2000-term sum needs some 8000 frames
                compiled = _compile(func, mode, tuple(wrt), return_value, tuple_output, checkpoint,
                                    optimize, plain)
        except TransformError:
            raise
        except Exception as exc:   # noqa: BLE001 - a transformer bug must say so
            raise InternalError(f"{type(exc).__name__}: {exc} while differentiating "
                                f"{func.__qualname__}") from exc
        per_function[key] = compiled
        return compiled


def compile_source(text, name_, namespace, label):
    """Define the function ``name_`` by running ``text``, with its lines kept for tracebacks,
    ``inspect.getsource`` and further differentiation."""
    filename = f"<tangent_ad {label} #{next(_counter)}>"
    lines = [line + "\n" for line in source_lines(text)]       # numbered as the compiler does
    linecache.cache[filename] = (len(text), None, lines, filename)
    code = compile(text, filename, "exec")
    namespace = _read_by(code, namespace)
    exec(code, namespace)
    function = namespace[name_]
    function.source = text
    return function


def _compile(func, mode, wrt, return_value, tuple_output, checkpoint=None, optimize=True,
             plain=False):
    module = Module(func, optimize, plain)
    derived = module.derive(func, mode, wrt, return_value, tuple_output=tuple_output, checkpoint=checkpoint)
    text = module.source()
    function = compile_source(text, derived.name, module.namespace,
                              f"{mode} {func.__module__}.{func.__qualname__}")
    function._tangent_ad_info = derived
    function._tangent_ad_source_function = weakref.ref(func)
    if mode == "split":
        function.backward = function.__globals__[derived.backward]
    if module.has_plain_twin:      # how to ask for the same derivative in plain code
        function._tangent_ad_plain = (mode, wrt, return_value, tuple_output, checkpoint, optimize)
    function._tangent_ad_built_from = freshness.record(func, module.sources, module.helper_derivatives)
    return function


def _read_by(code, namespace):
    """The entries of ``namespace`` that ``code`` may read (any name it loads or looks up as an
    attribute): a derivative keeps those alive, not every global of the user's module."""
    names, pending = {"__name__", "__builtins__"}, [code]
    while pending:
        current = pending.pop()
        names.update(current.co_names)
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return {name_: namespace[name_] for name_ in names if name_ in namespace}


def _plain_twin(compiled):
    """The same derivative as ``compiled`` in plain code, to differentiate again; None when
    ``compiled`` is plain already (or is not generated code)."""
    request = getattr(compiled, "_tangent_ad_plain", None)
    func = compiled._tangent_ad_source_function() if request is not None else None
    return derivative_function(func, *request, plain=True) if func is not None else None


def still_current(compiled):
    """Whether everything a compiled derivative was built from is unchanged (see freshness.py)."""
    func_ref = getattr(compiled, "_tangent_ad_source_function", None)
    func = func_ref() if func_ref is not None else None
    return func is not None and freshness.holds(compiled, func)
