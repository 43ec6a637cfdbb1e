"""The generated module: what the derivatives of one request share.

One module holds the derivative asked for and the derivatives of the plain Python
helpers it calls. They share one namespace (the user's globals and closure variables),
one set of function names, and the header lines (defaults, custom rules, derivatives
of helpers from other modules) that the source puts above them.
"""
import os
import re

import gast
import numpy

from ..errors import InternalError
from ..front import parsing
from ..front.lambdas import readable_name
from ..ir.code import is_name, string_text
from ..ir.naming import Names
from ..modes.cleanups import Cleanups
from ..modes.derivatives import Derivatives
from .prepare import RESERVED


def _installed(func):
    """Whether ``func`` comes from an installed library (site-packages), not the user's code."""
    filename = getattr(getattr(func, "__code__", None), "co_filename", "") or ""
    return any(part in filename for part in (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}"))


class Request:
    """What derivative is asked for: the mode, the arguments, and its variants."""

    def __init__(self, mode, wrt, return_value=False, tuple_output=False, checkpoint=None,
                 optimize=True, plain=False, layout=None, has_aux=False):
        self.mode = mode                    # "forward", "reverse" or "split" (vjp)
        self.wrt = tuple(wrt)
        # the structure of the arguments, one entry per parameter (front/pytrees.py): None
        # for a function called with plain arguments only
        self.layout = layout
        self.has_aux = has_aux              # f returns (value, aux): only value is differentiated
        self.return_value = return_value
        self.tuple_output = tuple_output
        self.checkpoint = checkpoint
        self.optimize = optimize            # False: skip the clean-ups (see stages())
        # plain: code that forward mode differentiates again, so adjoints are never updated in
        # place and loops never collect matmul adjoints in lists
        self.plain = plain

    def key(self):
        key = (self.mode, self.wrt, self.return_value, self.tuple_output, self.checkpoint,
               self.optimize, self.plain)
        return key if self.layout is None and not self.has_aux else key + (self.layout, self.has_aux)


class Derived:
    """What a caller needs to know about a generated derivative function."""

    def __init__(self, name, callee_name, seeds=None, tangents=None):
        self.name = name
        self.callee_name = callee_name
        self.seeds = seeds              # reverse: names of the output-adjoint parameters
        self.seed = seeds[0] if seeds else None
        self.tangents = tangents        # forward: parameter -> tangent parameter name


class Context:
    """What the generators of one function share: names, rules, the clean-ups that apply,
    and the derivatives of the helpers it calls (planned before it is generated)."""

    def __init__(self, module, prepared, callees):
        self.cleanups = module.cleanups
        self.has_plain_twin = False     # set by reverse mode when its code updates memory in place
        self.tape = None                # the name of the list reverse mode saves values on, if any
        self.location = prepared.parsed.location
        node = prepared.parsed.node
        # it goes into the generated docstrings: a file name may hold quotes and line breaks
        self.where_defined = string_text(f"{_file_label(self.location.filename)}, line {node.lineno}")
        self.names = prepared.names
        self.local_names = prepared.local_names
        self.names.reserve(module.np_alias)
        for taken in module.function_names.taken:
            self.names.reserve(taken)
        self.derivatives = Derivatives(prepared.shapes, module.np_alias, self.names, prepared.local_names,
                                       module.external_name, self.location, module.cleanups)
        self.callees = callees          # (callee, mode, wrt) -> a plan entry (plan.py)
        self.used = []                  # the entries this function's code calls

    def request(self, callee, mode, wrt, func_expr, lists=()):
        """The derivative of the helper ``callee`` for the arguments ``wrt``: made by the plan
        before this function is generated; a helper that could not be made raises here,
        where its call is differentiated."""
        entry = self.callees.get((callee, mode, tuple(wrt), tuple(lists)))
        if entry is None:
            raise InternalError(f"the derivative of {callee.__qualname__} ({mode}, wrt={wrt}) was not planned")
        if entry.error is not None:
            exc = entry.error
            if _installed(callee) and exc.filename != self.location.filename:
                raise self._refused_library_call(callee, exc, func_expr) from None
            if exc.construct != f"function {callee.__qualname__}":
                raise exc
            name_ = callee.__name__     # its source is unreadable: point at the call instead
            raise self.location.error(
                func_expr, f"call to {name_}", "",
                message=f"call to {name_}: the source of {name_} cannot be read and tangent_ad has no "
                        f"derivative rule for it; define {name_} with def in a .py file, or keep it "
                        "out of the differentiated computation") from None
        if entry not in self.used:
            self.used.append(entry)
        return entry.derived

    def _refused_library_call(self, callee, exc, func_expr):
        """A function of an installed library (SciPy's) whose own code tangent_ad refuses: the
        error points at the user's call, says why, and how to give the function a rule."""
        name_ = callee.__name__
        inside = f"{os.path.basename(exc.filename or '?')}, line {exc.lineno}"
        return self.location.error(
            func_expr, f"call to {name_}", "",
            message=f"call to {name_}: tangent_ad has no derivative rule for {name_}, and its own code "
                    f"({inside}) has {exc.construct}, which tangent_ad does not differentiate; register "
                    f"a rule with tangent_ad.custom_rule({name_}, jvp=..., vjp=...), or use the NumPy "
                    "functions it is made of (python -m tangent_ad --list-rules lists them)")


class Module:
    """The namespace, names and header lines of one generated module."""

    def __init__(self, entry, request):
        self.entry = entry
        self.optimize = request.optimize      # helpers of other modules are built alike
        self.cleanups = Cleanups.for_request(request.optimize, request.plain)
        self.namespace = parsing.function_namespace(entry)
        self.np_alias, self.import_numpy = _numpy_alias(self.namespace)
        self.function_names = Names(set(self.namespace) | RESERVED | {self.np_alias})
        self.header = []
        self.externals = {}            # id(object) -> its name in the generated code
        self.renamed = {}              # a user's global renamed apart from a runtime helper -> its name

    def adopt(self, prepared):
        """Take in a prepared function's renamed globals and names (see hygiene.py)."""
        for new, old in prepared.parsed.renamed_globals.items():
            self.namespace[new] = prepared.parsed.namespace[new]
            self.renamed[new] = old
        # the names of helpers' derivatives (g_grad) must not be a local of this function
        self.function_names.taken |= prepared.names.taken

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

    def bind_defaults(self, func, function):
        """Defaults as Python stored them when ``func`` was defined: a default written as an
        expression (``s=SCALE``, ``noise=np.random.randn(3)``) is never evaluated again. The
        derivative's signature reads it from a name bound to the stored value (``s=f_default_s``);
        a literal that still matches its stored value (``n=3``) stays as written."""
        if getattr(function.parsed, "layout", None) is not None:
            return      # its parameters are the leaves of its arguments: always passed (pytrees.py)
        values = func.__defaults__ or ()
        params = function.params
        for index, (p, value) in enumerate(zip(params[len(params) - len(values):], values)):
            node = function.defaults.get(p)
            if isinstance(node, gast.Constant) and type(node.value) is type(value) and node.value == value:
                continue
            name_ = self.function_names.fresh(f"{readable_name(func)}_default_{p}")
            self.namespace[name_] = value
            function.defaults[p] = gast.Name(id=name_, ctx=gast.Load(), annotation=None, type_comment=None)
            if self.entry.__globals__.get(func.__name__) is func:      # so the printed source runs too
                self.header.append(f"{name_} = {func.__name__}.__defaults__[{index}]    "
                                   f"# the default of {p}, as {func.__name__} stored it")


def _file_label(filename):
    """The file a function comes from, as its derivative's docstring names it. Generated code
    is named without the number that keeps its file name unique in one process
    (``<tangent_ad reverse mod.f #3>``), so the same derivative always reads the same."""
    if filename.startswith("<tangent_ad "):
        return re.sub(r" #\d+>$", ">", filename)
    return os.path.basename(filename)


def _numpy_alias(namespace):
    if namespace.get("np") is numpy:
        return "np", False
    for key, value in namespace.items():
        if value is numpy and key.isidentifier():
            return key, False
    alias = "np" if "np" not in namespace else "numpy_"
    return alias, True
