"""Refusals: the checks that stop a derivative which would be silently wrong.

Each names the user's line and says what to write instead: a differentiated value
stored into a module-level array, an array changed in place while another name
shares its memory, a call made only for its effect on a differentiated array, a
constant-valued constructor given a differentiated fill value.
"""
import inspect

import gast
import numpy as np

from . import aliasing, escapes
from ..errors import AliasingError
from .. import rules
from ..ir import nodes as ir

# constructors whose result is taken as a constant: {function: number of leading shape arguments}
_VALUE_CONSTRUCTORS = {np.full_like: 1, np.full: 1, np.linspace: 0, np.arange: 0, np.logspace: 0, np.heaviside: 1,
                       np.geomspace: 0}


class Refusals:
    """Part of :class:`~tangent_ad.front.flatten.Flattener`: checks that raise TransformError."""

    _module_level = None      # the names the function binds itself (found when needed)
    _container_names = None   # names holding a list, dict or set (found when needed)

    def touches_active(self, expr, statement):
        """Whether ``expr`` may be (or share memory with) an array being differentiated."""
        names = {n.id for n in gast.walk(expr) if isinstance(n, gast.Name)} & self.flow.local_names
        return any(self.aliases.group(n, statement) & self.active for n in names)

    def check_in_place(self, statement, node, name_):
        """``x op= v`` or ``x[i] = v`` on memory that a differentiated array shares."""
        group = {n for n in self.aliases.group(name_, statement) if not n.startswith("@")}
        if len(group) > 1 and group & self.active:
            others = ", ".join(sorted(group - {name_}))
            params = sorted(group & set(self.function.params))
            kinds = f" (a Python float passed for {', '.join(params)} never is: tad.grad, tad.jvp and " \
                "tad.vjp build the derivative for the kinds a call passes)" if params else ""
            raise aliasing_error(
                self.where, node, "in-place update of an array that shares memory with another name",
                f"{name_} may be the same array as {others}{kinds}, and NumPy changes it in place; "
                f"write {name_} = {name_} + ... (a new array) or copy it first with np.copy")

    def check_call_mutation(self, call, callee):
        """A call to a helper that changes a parameter in place: refused when the caller passes
        memory that one of its names holds (``h(y)``, ``h(y[1:])``); a new array (``h(y * 2.0)``,
        ``h(np.zeros(3))``) or a scalar changes nothing the caller sees. Returns the parameters
        that get such a new array: the call hands them a copy (:func:`copied_argument`)."""
        changed = aliasing.mutated_parameters(callee)
        if not changed:
            return frozenset()
        try:
            bound = inspect.signature(callee).bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except TypeError:
            return frozenset()            # the call's own error is raised where it is bound
        for param, arg in bound.arguments.items():
            parts = arg if isinstance(arg, tuple) else list(arg.values()) if isinstance(arg, dict) else [arg]
            shared = set().union(*(self.aliases.sources(a) for a in parts)) if param in changed else set()
            if shared:
                name_ = callee.__name__
                raise aliasing_error(
                    self.where, call, f"call to {name_}, which changes its argument in place",
                    f"{name_} changes its parameter {param} in place, and the array passed for it is "
                    f"also {', '.join(sorted(shared))} here; pass a copy ({name_}(..., np.copy(...)) or "
                    f"make {name_} compute a new array ({param} = {param} + ..., not {param} += ...) "
                    "and return it")
        # the new array the helper changes is handed over as a copy: the derivative's own call
        # of the helper reads the value the caller computed
        return frozenset(p for p, arg in bound.arguments.items() if p in changed
                         and not aliasing.is_scalar(arg, self.aliases))

    def containers(self):
        """Local names that hold a Python list, dict or set somewhere (``d = {}``, ``l = [1.0]``):
        an index store into one is not an array store."""
        if self._container_names is None:
            self._container_names = set()
            for s in ir.walk(self.function.body):
                value = s.value if isinstance(s, ir.Assign) else getattr(getattr(s, "node", None), "value", None)
                targets = [s.target] if isinstance(s, ir.Assign) else \
                    [t.id for t in getattr(getattr(s, "node", None), "targets", []) if isinstance(t, gast.Name)]
                displays = (gast.List, gast.Dict, gast.Set, gast.ListComp, gast.DictComp)
                is_container = isinstance(value, displays) \
                    or (isinstance(value, gast.BinOp) and isinstance(value.left, displays)) \
                    or (isinstance(value, gast.Call) and self.flow.resolve_callee(value.func) in (list, dict, set))
                if is_container:
                    self._container_names |= set(targets)
        return self._container_names

    def check_escape(self, s):
        """A differentiated value leaves the function only through its result: stored into a
        module-level array or list, or handed to a helper that changes one, another function
        could read it back where no derivative follows it."""
        node = s.node if isinstance(s, ir.Raw) else s.value if isinstance(s, (ir.Assign, ir.Unpack)) \
            else s.test if isinstance(s, (ir.If, ir.While)) else s.iter if isinstance(s, ir.For) else None
        varied = self.flow.varied
        if node is None or not varied:
            return
        if self._module_level is None:
            self._module_level = escapes.bound_names(self.parsed.node)
        bound = self._module_level
        if isinstance(s, ir.Raw):
            for store, root in escapes.stored_roots(node):
                if root not in bound and self.flow(node.value) & varied:
                    raise self.where.error(store, f"store of a differentiated value into the "
                                           f"module-level {root}", "return the value and let the "
                                           "caller store it")
        for call in gast.walk(node):
            if not isinstance(call, gast.Call):
                continue
            operands = list(call.args) + [k.value for k in call.keywords]
            if not any(self.flow(a) & varied for a in operands):
                continue
            changed = escapes.changed_global(call, bound, self.parsed.resolve)
            callee = self.flow.resolve_callee(call.func)
            if changed is not None or (inspect.isfunction(callee) and rules.rule_for(callee) is None
                                       and escapes.leaks_arguments(callee)):
                what = f"the module-level {changed}" if changed else "a module-level value"
                raise self.where.error(call, f"call to {func_name(call.func)} that puts a "
                                       f"differentiated value into {what}",
                                       "return the value instead: tangent_ad follows a value only "
                                       "through the function's arguments and results")

    def check_no_mutation(self, statement):
        """A differentiated array must not be changed in place by a call whose result is unused."""
        node = statement.node
        for call in gast.walk(node):
            if isinstance(call, gast.Call):
                for keyword in call.keywords:
                    if keyword.arg == "out" and self.touches_active(keyword.value, statement):
                        raise self.where.error(call, "out= argument writing into a differentiated array",
                                               "assign the result to a new variable instead")
        if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
            call = node.value
            func = call.func
            if isinstance(func, gast.Attribute) and self.touches_active(func.value, statement) \
                    and self.flow.resolve_callee(func.value) is None:
                if func.attr in ("append", "extend", "insert"):
                    raise self.where.error(
                        call, f"a list of differentiated values built with .{func.attr}()",
                        "store into an array made before the loop (ys = np.zeros(n); ys[i] = x * i), "
                        "or list the values in one call (np.stack([a, b, c]))")
                raise self.where.error(call, f"in-place method .{func.attr}() of a differentiated "
                                       "array", "compute a new array instead of mutating it in place")
            arguments = list(call.args) + [k.value for k in call.keywords]
            if isinstance(func, gast.Attribute) and func.attr in ("append", "extend", "insert") \
                    and isinstance(func.value, gast.Name) and func.value.id in self.containers() \
                    and func.value.id not in self.active:
                return      # flags.append(v > 1.0), history.append(loss): a list no derivative needs
            if self.flow.resolve_callee(func) is not print and any(self.touches_active(a, statement) for a in arguments):
                raise self.where.error(
                    call, f"call to {func_name(func)} whose result is unused",
                    "a call made only for its effect may change a differentiated array in place "
                    "(np.copyto, ufunc.at, ...); assign its result to a new variable instead")

    def raw_error(self, s, name_):
        node = s.node
        targets = getattr(node, "targets", None) or [getattr(node, "target", node)]
        target = targets[0]
        stores = [t for t in in_place_stores(node) if ir.root_name(t) == name_]
        if stores:
            return self.where.error(stores[0], "assignment into an array being differentiated "
                                    "through a view", f"store with one subscript on {name_} itself "
                                    f"({name_}[i, j] = v, {name_}[:, 0] = v), or build a new array")
        return self.where.error(target, "tuple unpacking of a differentiated value",
                                "unpack a tuple written out in full (a, b = u, v), or index the "
                                "value (a = p[0])")

    def check_value_constructors(self, expr):
        """np.full_like(x, s), np.linspace(a, b, n), ...: results that carry no derivative, so a
        differentiated fill value, start or stop is refused rather than silently dropped."""
        for call in gast.walk(expr):
            if not isinstance(call, gast.Call):
                continue
            callee = self.flow.resolve_callee(call.func)
            shape_args = _VALUE_CONSTRUCTORS.get(callee) if callee is not None else None
            if shape_args is None:
                continue
            values = list(call.args[shape_args:]) + [k.value for k in call.keywords
                                                     if k.arg not in ("shape", "dtype", "num", "a")]
            if any(self.flow(v) & self.flow.varied for v in values):
                name_ = func_name(call.func)
                raise self.where.error(call, f"{name_} with a differentiated value",
                                       f"{name_} gives a constant array; write the dependence out, e.g. "
                                       "s * np.ones_like(x) or start + (stop - start) * np.linspace(0, 1, n)")


def copied_argument(atom):
    """``copy_of(t1)``: the argument of a helper that changes it in place, so that the primal
    call leaves ``t1`` as it was for the helper's derivative."""
    return gast.Call(func=gast.Name(id="copy_of", ctx=gast.Load(), annotation=None, type_comment=None),
                     args=[atom], keywords=[])


def aliasing_error(where, node, construct, hint):
    """A TransformError of the kind :class:`~tangent_ad.errors.AliasingError`: the API builds
    the derivative again for the scalars a call passes (``api.py``), which may settle it."""
    err = where.error(node, construct, hint)
    return AliasingError(construct, hint, filename=err.filename, lineno=err.lineno,
                         col_offset=err.col_offset, text=err.text)


def in_place_stores(node):
    """The ``x[i]`` and ``x.a`` targets a statement writes into."""
    targets = getattr(node, "targets", None) or ([node.target] if hasattr(node, "target") else [])
    found = []
    for target in targets:
        for part in gast.walk(target):
            if isinstance(part, (gast.Subscript, gast.Attribute)) and isinstance(part.ctx, gast.Store):
                found.append(part)
    return found


def func_name(func):
    """The called function as written, for messages: ``np.linalg.solve``."""
    if isinstance(func, gast.Name):
        return func.id
    if isinstance(func, gast.Attribute):
        return f"{func_name(func.value)}.{func.attr}"
    return "this function"
