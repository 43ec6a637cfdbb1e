"""Callees first: every derivative one generated module needs, before any code is written.

The lowered function names each call of a plain Python helper that carries a derivative
(``Op.kind == "call"``, with the helper and its differentiated arguments). The plan walks
those calls in the order they are written, depth first, and prepares each helper's
derivative (name, seeds, tangents) before any generator runs; a generator then looks the
helper up (``Context.request``) instead of calling back into the driver.

A helper defined in another module gets a derivative of its own, built by its own
pipeline (``cache.derivative_function``), and is imported in the header. A helper that
cannot be prepared (its source is unreadable, it uses an unsupported construct) keeps its
error, raised where the call is differentiated: a call the generator never differentiates
(dead code) costs nothing.
"""
from ..errors import TransformError
from ..front import lambdas
from ..front.containers import list_parameters
from ..front.lambdas import readable_name
from ..ir import nodes as ir
from .module import Context, Derived
from .prepare import prepare

# the mode a helper's derivative is made in, for each mode of its caller
CALLEE_MODE = {"forward": "forward", "reverse": "reverse", "split": "reverse"}


class Entry:
    """One derivative in the plan: the function, how it is made, and what it needs."""

    def __init__(self, func, mode, wrt, request=None):
        self.func = func
        self.mode = mode
        self.wrt = tuple(wrt)
        self.request = request          # the entry's own request; None for a helper
        self.prepared = None
        self.context = None
        self.derived = None
        self.error = None               # a TransformError, raised where the helper is called
        self.external = None            # the compiled derivative of a helper of another module
        self.func_expr = None           # how the caller names that helper (other.g)
        self.code = None                # the generated code (generate.py)

    @property
    def is_entry(self):
        return self.request is not None


class Plan:
    """The entries of one module in the order they are planned (the entry first)."""

    def __init__(self, module, func, request, external):
        self.module = module
        self.external = external        # builds a helper of another module: derivative_function
        self.entries = {}
        self.order = []
        self.entry = self._visit(func, request.mode, request.wrt, request)

    def callees_first(self):
        """The entries of functions in this module, each after the helpers it calls."""
        planned = _callees_first(self.entry, lambda e: e.context.callees.values() if e.context else ())
        return [entry for entry in planned if entry.prepared is not None]

    def used(self):
        """The module's entries the entry's code calls, directly or through helpers, in the
        order their code was finished (a helper before the code calling it)."""
        return _callees_first(self.entry, lambda e: e.context.used if e.context else ())

    def _visit(self, func, mode, wrt, request=None, func_expr=None, lists=()):
        key = (func, mode, tuple(wrt), tuple(lists))
        if request is None and key in self.entries:
            return self.entries[key]
        entry = Entry(func, mode, wrt, request)
        if request is None:
            self.entries[key] = entry
        self.order.append(entry)
        module = self.module
        if func is not module.entry and func.__globals__ is not module.entry.__globals__:
            self._external(entry, func_expr)
            return entry
        try:
            if request is None and lambdas.is_lambda(func.__code__):
                raise lambdas.refused_as_helper(func)
            if request is None:
                with list_parameters(lists):        # parameters the caller passes lists to
                    entry.prepared = prepare(func, wrt)
            else:
                entry.prepared = prepare(func, wrt, request.layout, request.has_aux)
        except TransformError as exc:
            if request is not None:
                raise
            entry.error = exc
            return entry
        module.adopt(entry.prepared)
        module.bind_defaults(func, entry.prepared.function)
        callees = {}
        entry.context = Context(module, entry.prepared, callees)
        entry.derived = self._name(entry)
        callee_mode = CALLEE_MODE[mode]
        for op, func_expr in _calls(entry.prepared.function.body):
            callee_key = (op.callee, callee_mode, tuple(op.active), op.lists)
            if callee_key not in callees:
                callees[callee_key] = self._visit(op.callee, callee_mode, op.active, func_expr=func_expr,
                                                  lists=op.lists)
        return entry

    def _name(self, entry):
        """The derivative's name (``f_grad``, ``g_jvp_x``) and the names of its seeds or tangents."""
        func, prepared, request = entry.func, entry.prepared, entry.request
        function = prepared.function
        if entry.mode == "reverse":
            suffix = "value_and_grad" if request is not None and request.return_value else "grad"
        else:
            suffix = {"forward": "jvp", "split": "vjp"}[entry.mode]
        if not entry.is_entry and prepared.wrt != tuple(function.params):
            suffix += "_" + "_".join(entry.wrt)      # a helper differentiated for some of its arguments
        name_ = self.module.function_names.fresh(f"{readable_name(func)}_{suffix}")
        if entry.mode == "forward":
            differentiated = prepared.wrt if prepared.parsed.layout is not None else entry.wrt
            tangents = {p: prepared.names.tangent(q) for p, q in zip(differentiated, prepared.wrt)}
            return Derived(name_, readable_name(func), tangents=tangents)
        seeds = [prepared.names.adjoint(r) for r in function.results]
        if entry.mode == "split":     # vjp: the forward sweep once, the backward sweep as often as asked
            derived = Derived(f"{name_}_forward", readable_name(func), seeds=seeds)
            derived.backward = self.module.function_names.fresh(f"{name_}_backward")
            return derived
        return Derived(name_, readable_name(func), seeds=seeds)

    def _external(self, entry, func_expr):
        """A helper from another module: its derivative lives in a module of its own, and
        the header imports it (``g_grad = derivative(other.g, mode='reverse', wrt='x')``)."""
        try:
            compiled = self.external(entry.func, entry.mode, entry.wrt)
        except TransformError as exc:
            entry.error = exc
            return
        entry.external = compiled
        entry.func_expr = func_expr
        info = compiled._tangent_ad_info
        name_ = self.module.function_names.fresh(compiled.__name__)
        entry.derived = Derived(name_, entry.func.__name__, seeds=info.seeds, tangents=info.tangents)


def _callees_first(root, callees):
    """``root`` and every entry reachable through ``callees(entry)``, each after its callees."""
    seen, ordered = set(), []

    def visit(entry):
        if id(entry) in seen:
            return
        seen.add(id(entry))
        for callee in callees(entry):
            visit(callee)
        ordered.append(entry)

    visit(root)
    return ordered


def _calls(statements):
    """(operation, the called expression) for each call of a user's helper, in written order."""
    for s in statements:
        op = getattr(s, "op", None) if isinstance(s, (ir.Assign, ir.Unpack)) else None
        if op is not None and op.kind == "call":
            yield op, s.value.func
        for block in ir.blocks(s):
            yield from _calls(block)
