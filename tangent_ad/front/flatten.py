"""Split active assignments into one operation each, bound to the rule that differentiates it.

``y = np.sin(x ** 2) * w`` with ``x`` active becomes ``t1 = x ** 2``,
``t2 = np.sin(t1)``, ``y = t2 * w``, each carrying an :class:`Op`. Statements
that assign nothing active are left as written. This is also where calls are
resolved: to a rule, to another Python function (differentiated in turn), or
to an error naming the function.
"""
import copy
import inspect
from dataclasses import dataclass

import gast
import numpy as np

from . import escapes
from ..ir import nodes as ir
from .. import rules
from .aliasing import AliasGroups, mutates_arguments
from .renumber import renumber_temporaries
from ..ir.code import src


@dataclass
class Op:
    """One differentiable operation: ``target = <call or operator>``."""
    rule: object                 # a rules.Rule, or None for a call to a user function / a copy
    bound: dict                  # parameter -> atom (gast expression)
    active: tuple                # parameters whose atom is an active variable
    callee: object = None        # the user function called, for kind == "call"
    kind: str = "rule"           # "rule", "call", "copy" or "constant"


class Flattener:
    def __init__(self, function, active, flow, names):
        self.function = function
        self.active = active
        self.flow = flow
        self.names = names
        self.where = function.parsed.location
        self.parsed = function.parsed
        self.aliases = AliasGroups(function.body, self._resolve_global, params=function.params)
        self.stacks = function.stacks
        self._module_level = None      # the names the function binds itself (found when needed)
        self._container_names = None   # names holding a list, dict or set (found when needed)

    def run(self):
        self.function.body = self.block(self.function.body)
        self.function.in_place = self._changed_in_place()
        return self.function

    def _changed_in_place(self):
        """{array written in place: names that may share its memory}, for the reverse sweep:
        a value it saves that shares such memory must be saved as a copy."""
        written = set()
        for s in ir.walk(self.function.body):
            if isinstance(s, ir.Assign) and s.index is not None:
                written.add(s.target)
            elif isinstance(s, ir.Raw):
                written |= {ir.root_name(store) for store in _in_place_stores(s.node)} - {None}
                if isinstance(s.node, gast.AugAssign) and isinstance(s.node.target, gast.Name):
                    written.add(s.node.target.id)
        # the derivative works on copies of arguments it writes into: the caller's arrays stay as given
        self.function.stored_params |= written & set(self.function.params)
        sharing = {}
        for name_ in written:
            group = {name_}
            for state in self.aliases.at.values():
                group |= state.get(name_, frozenset())
            group |= {v for v, root in self.function.views.items() if root in group}
            sharing[name_] = {n for n in group if not n.startswith("@")}
        return sharing

    def _resolve_global(self, name_):
        if name_ in self.flow.local_names:
            return None
        return self.parsed.resolve(name_)

    def new_active(self, var):
        """A variable introduced here that carries derivatives."""
        self.active.add(var)
        self.flow.local_names.add(var)
        return var

    def new_temp(self):
        temp = self.names.temp()
        self.flow.local_names.add(temp)
        return temp

    def is_active_expr(self, expr):
        return bool(self.flow(expr) & self.active)

    # -------------------------------------------------------------- statements
    def block(self, statements):
        out = []
        for s in statements:
            out += self.statement(s)
        return out

    def statement(self, s):
        self._check_escape(s)
        targets = [s.target] if isinstance(s, ir.Assign) else s.targets if isinstance(s, ir.Unpack) else []
        if set(targets) & self.flow.useful:
            self._check_value_constructors(s.value)
        if isinstance(s, ir.Assign) and s.target in self.stacks:
            return [s]                      # tape = []: the list itself carries no derivative
        if isinstance(s, ir.Assign):
            if s.augmented:
                self._check_in_place(s, s.origin, s.target)
                if s.target not in self.active:      # kept as written: NumPy updates it in place
                    return [ir.Raw(s.origin, frozenset([s.target]))]
            if s.target not in self.active:
                return [s]
            out = []
            with self.flow.remembering():       # lowering asks about each part of the value again
                self.lower_into(s.target, s.value, s.origin, out)
            return out
        if isinstance(s, ir.Unpack):
            return self.unpack(s)
        if isinstance(s, ir.Raw):
            push = ir.stack_push(s.node)
            if push is not None and push[0] in self.stacks:
                out = []
                value = self.atom(push[1], s.node, out)
                return out + [ir.Push(push[0], value, origin=s.node)]
            for store in _in_place_stores(s.node):
                self._check_in_place(s, store, ir.root_name(store))
            hit = s.writes & self.active
            if hit:
                store = _index_store(s.node)
                if store is None:
                    raise self._raw_error(s, sorted(hit)[0])
                return self.index_store(s.node, *store)
            self._check_no_mutation(s)
            return [s]
        if isinstance(s, ir.If):
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            return [s]
        if isinstance(s, ir.While):
            s.body = self.block(s.body)
            return [s]
        if isinstance(s, ir.For):
            return self.for_loop(s)
        return [s]

    def index_store(self, node, target, index, value, op_type):
        """``x[i] = v`` or ``x[i] += v`` into an array being differentiated: one operation."""
        out = []
        name_ = target.id
        if name_ in self._containers() or (isinstance(index, gast.Constant) and isinstance(index.value, str)):
            raise self.where.error(node, f"store of a differentiated value into the list or dict {name_}",
                                   "store into a NumPy array made with np.zeros(...), or keep each "
                                   "value in a variable of its own")
        self.new_active(name_)
        index_atom = self._stored_index(self.index_atom(index, node, out), node, out)
        if op_type is not None and not isinstance(op_type, gast.Add):     # x[i] *= v: x[i] = x[i] * v
            read = gast.Subscript(value=ir.name(name_), slice=copy.deepcopy(index_atom), ctx=gast.Load())
            value = gast.BinOp(left=read, op=op_type, right=value)
            op_type = None
        value_atom = self.atom(value, node, out)
        add = op_type is not None
        rule = rules.RULES["setitem_add" if add else "setitem"]
        op = self.make_op(rule, {"a": ir.name(name_), "index": index_atom, "v": value_atom})
        out.append(ir.Assign(name_, value_atom, origin=node, op=op, augmented=add, index=index_atom))
        if name_ in self.function.params:
            self.function.stored_params.add(name_)
        return out

    def _stored_index(self, index, origin, out):
        """The index of a store, computed once before it: ``y[y > 0.5] = v`` must not have its
        mask computed again from the new values when the reverse sweep needs it."""
        def fixed(part):          # names and constants: nothing to compute
            return all(isinstance(n, (gast.Name, gast.Constant, gast.Slice, gast.UnaryOp, gast.USub,
                                      gast.expr_context)) for n in gast.walk(part))
        if isinstance(index, gast.Tuple):
            elements = [e if fixed(e) or isinstance(e, gast.Slice) else self._hoisted(e, origin, out)
                        for e in index.elts]
            return gast.Tuple(elts=elements, ctx=gast.Load())
        return index if fixed(index) or isinstance(index, gast.Slice) else self._hoisted(index, origin, out)

    def _hoisted(self, expr, origin, out):
        temp = self.new_temp()
        out.append(ir.Assign(temp, expr, origin=origin))
        return ir.name(temp)

    def unpack(self, s):
        """``a, b = helper(x)`` with a differentiated part: the helper is differentiated too."""
        if not set(s.targets) & self.active:
            return [ir.Raw(s.origin, frozenset(s.targets))]
        for target in s.targets:
            self.new_active(target)
        if not self.is_active_expr(s.value):       # a, b = pair(2.0): constants, reassigned later
            return [ir.Unpack(s.targets, s.value, s.origin, Op(None, {}, (), kind="constant"))]
        callee = self.flow.resolve_callee(s.value.func)
        rule = rules.rule_for(callee) if callee is not None else None
        if isinstance(rule, rules.MultiOutput):
            out = []
            bound = self.bind(rule, s.value.args, s.value.keywords, s.value, s.origin, out)
            expr = self._rule_call(s.value.func, rule, bound, s.value)
            out.append(ir.Unpack(s.targets, expr, s.origin, self.make_op(rule, bound)))
            return out
        if not inspect.isfunction(callee):
            raise self.where.error(s.origin.targets[0], "tuple unpacking of a differentiated value",
                                   "unpack a tuple written out in full (a, b = u, v), unpack the result "
                                   "of a Python function, or index the value (a = p[0])")
        out = []
        expr, op = self.user_call(s.value, callee, s.origin, out)
        out.append(ir.Unpack(s.targets, expr, s.origin, op))
        return out

    def touches_active(self, expr, statement):
        """Whether ``expr`` may be (or share memory with) an array being differentiated."""
        names = {n.id for n in gast.walk(expr) if isinstance(n, gast.Name)} & self.flow.local_names
        return any(self.aliases.group(n, statement) & self.active for n in names)

    def _check_in_place(self, statement, node, name_):
        """``x op= v`` or ``x[i] = v`` on memory that a differentiated array shares."""
        group = {n for n in self.aliases.group(name_, statement) if not n.startswith("@")}
        if len(group) > 1 and group & self.active:
            others = ", ".join(sorted(group - {name_}))
            raise self.where.error(
                node, "in-place update of an array that shares memory with another name",
                f"{name_} may be the same array as {others}, and NumPy changes it in place; "
                f"write {name_} = {name_} + ... (a new array) or copy it first with np.copy")

    def _containers(self):
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

    def _check_escape(self, s):
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
                raise self.where.error(call, f"call to {_func_name(call.func)} that puts a "
                                       f"differentiated value into {what}",
                                       "return the value instead: tangent_ad follows a value only "
                                       "through the function's arguments and results")

    def _check_no_mutation(self, statement):
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
            if self.flow.resolve_callee(func) is not print and any(self.touches_active(a, statement) for a in arguments):
                raise self.where.error(
                    call, f"call to {_func_name(func)} whose result is unused",
                    "a call made only for its effect may change a differentiated array in place "
                    "(np.copyto, ufunc.at, ...); assign its result to a new variable instead")

    def _raw_error(self, s, name_):
        node = s.node
        targets = getattr(node, "targets", None) or [getattr(node, "target", node)]
        target = targets[0]
        stores = [t for t in _in_place_stores(node) if ir.root_name(t) == name_]
        if stores:
            return self.where.error(stores[0], "assignment into an array being differentiated "
                                    "through a view", f"store with one subscript on {name_} itself "
                                    f"({name_}[i, j] = v, {name_}[:, 0] = v), or build a new array")
        return self.where.error(target, "tuple unpacking of a differentiated value",
                                "unpack a tuple written out in full (a, b = u, v), or index the "
                                "value (a = p[0])")

    def for_loop(self, s):
        body_active = self._has_active(s.body) or (s.target in self.active)
        if not body_active:
            s.body = self.block(s.body)      # nothing to differentiate, but stores still get checked
            return [s]
        if s.target is None:
            raise self.where.error(s.origin, "for loop with a tuple target over differentiated values",
                                   "loop over range(len(...)) and index each array")
        out = []
        if _is_range(s.iter):
            iterable = s.iter
            if ir.read_names(iterable) & ir.writes(s.body):
                steps = self.names.fresh("steps")
                self.flow.local_names.add(steps)
                out.append(ir.Assign(steps, iterable, origin=s.origin))
                iterable = ir.name(steps)
            out.append(ir.For(s.target, iterable, self.block(s.body), origin=s.origin))
            return out
        # for row in X  ->  for row_index in range(len(X)): row = X[row_index]
        sequence = s.iter
        if not isinstance(sequence, (gast.Name, gast.Attribute, gast.Subscript)) \
                and self.is_active_expr(sequence):
            raise self.where.error(s.origin, f"for loop over {src(sequence)} with differentiated values",
                                   "loop over range(len(x)) and index the arrays, or over the rows "
                                   "of one array (for row in x)")
        if not isinstance(sequence, gast.Name) or sequence.id in ir.writes(s.body):
            items = self.names.fresh("items")
            self.flow.local_names.add(items)
            if self.is_active_expr(sequence):
                self.new_active(items)
            seq_value = sequence if isinstance(sequence, (gast.Name, gast.Attribute, gast.Subscript)) \
                else gast.Call(func=ir.name("list"), args=[sequence], keywords=[])
            out += self.statement(ir.Assign(items, seq_value, origin=s.origin))
            sequence = ir.name(items)
        index = self.names.fresh(f"{s.target}_index")
        self.flow.local_names.add(index)
        length = gast.Call(func=ir.name("len"), args=[copy.deepcopy(sequence)], keywords=[])
        iterable = gast.Call(func=ir.name("range"), args=[length], keywords=[])
        row = gast.Subscript(value=copy.deepcopy(sequence), slice=ir.name(index), ctx=gast.Load())
        body = self.statement(ir.Assign(s.target, row, origin=s.origin)) + self.block(s.body)
        out.append(ir.For(index, iterable, body, origin=s.origin))
        return out

    def _has_active(self, statements):
        for s in statements:
            if isinstance(s, ir.Assign) and s.target in self.active:
                return True
            if isinstance(s, ir.Unpack) and set(s.targets) & self.active:
                return True
            if isinstance(s, ir.Raw) and s.writes & self.active:      # x[i] = v
                return True
            push = ir.stack_push(s.node) if isinstance(s, ir.Raw) else None
            if push is not None and push[0] in self.stacks and self.is_active_expr(push[1]):
                return True                                             # tape.append(v)
            if isinstance(s, ir.If) and (self._has_active(s.body) or self._has_active(s.orelse)):
                return True
            if isinstance(s, (ir.While, ir.For)) and self._has_active(s.body):
                return True
            if isinstance(s, ir.For) and s.target in self.active:
                return True
        return False

    # ------------------------------------------------------------- expressions
    def lower_into(self, target, value, origin, out):
        """Append assignments computing ``value`` into ``target``, one operation each; returns
        the target. With ``target`` None the value goes into a new temporary, named only once
        its operands are computed, so that temporaries are numbered in the order they print."""
        if ir.stack_pop(value) in self.stacks:          # y = tape.pop(): y's tangent was pushed too
            target = target or self.new_active(self.names.temp())
            out.append(ir.Assign(target, value, origin=origin, op=Op(None, {}, (), kind="pop")))
            return target
        if not self.is_active_expr(value):
            target = target or self.new_active(self.names.temp())
            out.append(ir.Assign(target, value, origin=origin,
                                 op=Op(None, {}, (), kind="constant")))
            return target
        if isinstance(value, gast.Name):
            target = target or self.new_active(self.names.temp())
            out.append(ir.Assign(target, value, origin=origin,
                                 op=Op(None, {"x": value}, ("x",), kind="copy")))
            return target
        expr, op = self.operation(value, origin, out)
        target = target or self.new_active(self.names.temp())
        if op.kind == "rule" and not op.active:      # only shape-only operands were active
            op = Op(None, {}, (), kind="constant")
        self._note_view(target, op)
        if op.rule is not None and op.rule.uses_result and \
                target in {a.id for a in op.bound.values() if isinstance(a, gast.Name)}:
            temp = self.new_active(self.names.temp())   # the rule needs the old value and the result
            out.append(ir.Assign(temp, expr, origin=origin, op=op))
            out.append(ir.Assign(target, ir.name(temp), origin=origin,
                                 op=Op(None, {"x": ir.name(temp)}, ("x",), kind="copy")))
            return target
        out.append(ir.Assign(target, expr, origin=origin, op=op))
        return target

    def atom(self, expr, origin, out):
        """An operand: an active expression is computed into a temporary first."""
        if not self.is_active_expr(expr):
            return self.inactive_atom(expr, origin, out)
        if isinstance(expr, gast.Name):
            return expr
        return ir.name(self.lower_into(None, expr, origin, out))

    def inactive_atom(self, expr, origin, out):
        if _is_simple(expr):
            return expr
        temp = self.new_temp()
        out.append(ir.Assign(temp, expr, origin=origin))
        root = ir.root_name(expr) if isinstance(expr, (gast.Subscript, gast.Attribute)) else None
        if root is not None:                 # t1 = y[0]: a view of y
            self.function.views[temp] = self.function.views.get(root, root)
        return ir.name(temp)

    def operation(self, value, origin, out):
        """(single-operation expression, Op) for an active expression."""
        if isinstance(value, gast.BinOp):
            rule = rules.RULES.get(rules.OPERATORS.get(type(value.op).__name__, ""))
            if isinstance(value.op, gast.Mod) and isinstance(value.left, gast.Constant) \
                    and isinstance(value.left.value, str):
                rule = None             # "%s" % x formats a string
            if rule is None:
                raise self.where.error(value, f"operator {_op_symbol(value.op)} on differentiated values",
                                       "use + - * / ** % @ or a NumPy function with a derivative rule")
            left = self.atom(value.left, origin, out)
            right = self.atom(value.right, origin, out)
            expr = gast.BinOp(left=left, op=value.op, right=right)
            return expr, self.make_op(rule, {"a": left, "b": right})
        if isinstance(value, gast.UnaryOp):
            if isinstance(value.op, gast.UAdd):
                return self.operation(value.operand, origin, out) if not isinstance(value.operand, gast.Name) \
                    else (value.operand, Op(None, {"x": value.operand}, ("x",), kind="copy"))
            operand = self.atom(value.operand, origin, out)
            expr = gast.UnaryOp(op=value.op, operand=operand)
            return expr, self.make_op(rules.RULES["negative"], {"x": operand})
        if isinstance(value, gast.Attribute):
            rule_name = rules.ATTRIBUTES.get(value.attr)
            if rule_name is None:
                raise self.where.error(value, f"attribute .{value.attr} of a differentiated value",
                                       "use .T, .shape, .ndim, .size or a NumPy function")
            operand = self.atom(value.value, origin, out)
            expr = gast.Attribute(value=operand, attr=value.attr, ctx=gast.Load())
            return expr, self.make_op(rules.RULES[rule_name], {"a": operand})
        if isinstance(value, gast.Subscript):
            if self.is_active_expr(value.slice) and self.flow.resolve_callee(value.value) is not None:
                name_ = src(value.value)      # np.r_[a, b]: an object that builds a value from the index
                raise self.where.error(value, f"{name_}[...] with differentiated values",
                                       "join arrays with np.concatenate([a, b]) (np.c_: np.column_stack, "
                                       "np.vstack for rows)")
            operand = self.atom(value.value, origin, out)
            index = self.index_atom(value.slice, origin, out)
            expr = gast.Subscript(value=operand, slice=index, ctx=gast.Load())
            return expr, self.make_op(rules.RULES["getitem"], {"a": operand, "index": index})
        if isinstance(value, gast.Call):
            return self.call(value, origin, out)
        if isinstance(value, gast.BoolOp):
            raise self.where.error(value, "and/or on differentiated values",
                                   "use an if statement or np.where")
        if isinstance(value, (gast.Tuple, gast.List)):
            raise self.where.error(value, "a tuple or list of differentiated values",
                                   "keep each value in its own variable")
        raise self.where.error(value, f"{type(value).__name__} expression on differentiated values",
                               "use arithmetic operators and NumPy functions")

    def index_atom(self, index, origin, out):
        if self.is_active_expr(index):
            raise self.where.error(index, "an index computed from differentiated values",
                                   "compute integer indices from non-differentiated values")
        if _is_simple_index(index):
            return index
        if isinstance(index, gast.Tuple):       # x[np.array([1, 0]), 1:]: slices stay inline
            elements = [e if _is_simple_index(e) else self.inactive_atom(e, origin, out)
                        for e in index.elts]
            return gast.Tuple(elts=elements, ctx=gast.Load())
        return self.inactive_atom(index, origin, out)

    def _check_value_constructors(self, expr):
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
                name_ = _func_name(call.func)
                raise self.where.error(call, f"{name_} with a differentiated value",
                                       f"{name_} gives a constant array; write the dependence out, e.g. "
                                       "s * np.ones_like(x) or start + (stop - start) * np.linspace(0, 1, n)")

    def _note_view(self, target, op):
        """Remember that ``target`` may view another array's memory (y[0], y.T, y.reshape(...)),
        so that a later store into that array also counts as changing ``target``."""
        if op.rule is not None and op.rule.name in rules.VIEW_RULES:
            operand = op.bound.get(op.rule.signature[0][0])
            if isinstance(operand, gast.Name):
                views = self.function.views
                views[target] = views.get(operand.id, operand.id)

    def make_op(self, rule, bound):
        def is_active(atom):
            return isinstance(atom, gast.Name) and atom.id in self.active
        active = []
        for p in rule.differentiable:
            if p == rule.sequence_param and isinstance(bound.get(p), (gast.List, gast.Tuple)):
                active += [f"{p}.{k}" for k, e in enumerate(bound[p].elts) if is_active(e)]
            elif is_active(bound.get(p)):
                active.append(p)
        return Op(rule, bound, tuple(active))

    # ------------------------------------------------------------------ calls
    def call(self, value, origin, out):
        func = value.func
        if isinstance(func, gast.Attribute) and self._is_value(func.value):
            return self.method_call(value, origin, out)
        target = self.flow.resolve_callee(func)
        name_ = _func_name(func)
        rule = rules.rule_for(target) if target is not None else None
        unsupported = rules.RUNTIME_UNSUPPORTED.get(target) if target is not None and rule is None else None
        if unsupported:
            raise self.where.error(
                value, f"derivative of a derivative through {unsupported}",
                f"tangent_ad has no second-derivative rule for {unsupported} yet ({name_} in the "
                "first derivative's code); differentiate this part once, or register a rule with "
                "tangent_ad.custom_rule")
        if isinstance(rule, rules.MultiOutput):
            raise self.where.error(value, f"{name_} used as one value",
                                   f"{name_} returns several arrays: unpack them where it is called, "
                                   f"for example a, b = {name_}(...)")
        if rule is not None and rule.sequence_param and value.args \
                and not isinstance(value.args[0], (gast.List, gast.Tuple)) and rule.name == "array":
            rule = rules.RULES["identity"]          # np.array(x) of one array: a copy
        if rule is not None:
            bound = self.bind(rule, value.args, value.keywords, value, origin, out)
            return self._rule_call(func, rule, bound, value), self.make_op(rule, bound)
        if inspect.isfunction(target):
            return self.user_call(value, target, origin, out)
        if target is None and isinstance(func, gast.Name):
            raise self.where.error(
                value, f"call to {name_}, a function held in a variable",
                f"tangent_ad cannot see which function {name_} is or what it captured (a closure or "
                "lambda made elsewhere); call a module-level function by its name and pass every "
                "value it uses as an argument")
        raise self.where.error(
            value, f"call to {name_}",
            f"tangent_ad has no derivative rule for {name_} and no Python source to differentiate; "
            "use a supported NumPy function, or register a rule with tangent_ad.custom_rule",
            message=f"call to {name_}: tangent_ad has no derivative rule for {name_} and it has no "
                    "Python source to differentiate; rewrite it with supported NumPy functions "
                    "(python -m tangent_ad --list-rules lists them), register a rule with "
                    f"tangent_ad.custom_rule({name_}, jvp=..., vjp=...), or keep it out of the "
                    "differentiated computation")

    def method_call(self, value, origin, out):
        """``x.sum(axis=0)``: the receiver is the rule's first operand."""
        func = value.func
        rule_name = rules.METHODS.get(func.attr)
        if rule_name is None:
            raise self.where.error(value, f"method .{func.attr}() of a differentiated value",
                                   "call the NumPy function instead, e.g. np.sum(x); "
                                   "python -m tangent_ad --list-rules lists the methods supported")
        receiver = self.atom(func.value, origin, out)
        rule = rules.RULES[rule_name]
        args = list(value.args)
        if rule_name in ("reshape", "transpose") and len(args) > 1:
            args = [gast.Tuple(elts=args, ctx=gast.Load())]       # x.reshape(2, 3)
        bound = self.bind(rule, [receiver] + args, value.keywords, value, origin, out, lowered=1)
        params = [p for p, _ in rule.signature]
        expr = gast.Call(func=gast.Attribute(value=receiver, attr=func.attr, ctx=gast.Load()),
                         args=[bound[p] for p in params[1:1 + len(args)]],
                         keywords=[gast.keyword(arg=k.arg, value=bound[k.arg]) for k in value.keywords])
        return expr, self.make_op(rule, bound)

    def _rule_call(self, func, rule, bound, value):
        """The call as the primal computes it, on the flattened operands."""
        params = [p for p, default in rule.signature if default is not rules.VARIADIC]
        positional = [bound[p] for p in params[:len(value.args)]]
        variadic = rule.sequence_param
        if variadic and dict(rule.signature)[variadic] is rules.VARIADIC:
            positional += bound[variadic].elts
        keywords = [gast.keyword(arg=k.arg, value=bound[k.arg]) for k in value.keywords]
        return gast.Call(func=func, args=positional, keywords=keywords)

    def _is_value(self, expr):
        """Whether ``expr`` is data (so ``expr.f(...)`` is a method call), not a module or class."""
        obj = self.flow.resolve_callee(expr)
        return obj is None or not (inspect.ismodule(obj) or inspect.isclass(obj))

    def bind(self, rule, args, keywords, node, origin, out, lowered=0):
        """Operands of a rule call by parameter name, each an atom (a list of atoms for a list)."""
        signature = rule.signature
        fixed = [(p, d) for p, d in signature if d is not rules.VARIADIC]
        variadic = [p for p, d in signature if d is rules.VARIADIC]
        if len(args) > len(fixed) and not variadic:
            raise self.where.error(node, f"call to {rule.name} with {len(args)} positional arguments",
                                   f"{rule.name} takes {', '.join(p for p, _ in signature)}")
        bound = {}
        for index, (arg, (param, _)) in enumerate(zip(args, fixed)):
            bound[param] = arg if index < lowered else self.operand(rule, param, arg, origin, out)
        if variadic:
            elements = [self.atom(a, origin, out) for a in args[len(fixed):]]
            bound[variadic[0]] = gast.List(elts=elements, ctx=gast.Load())
        for keyword in keywords:
            if keyword.arg not in dict(signature):
                raise self.where.error(keyword.value, f"argument {keyword.arg}= of {rule.name}",
                                       f"{rule.name} is differentiated with the arguments "
                                       f"{', '.join(p for p, _ in signature)}")
            bound[keyword.arg] = self.operand(rule, keyword.arg, keyword.value, origin, out)
        for param, default in signature:
            if param not in bound and default is rules.REQUIRED:
                raise self.where.error(node, f"call to {rule.name} without {param}",
                                       f"pass {param}")
        for param, _ in signature:
            if isinstance(bound.get(param), (gast.List, gast.Tuple)) and param == rule.sequence_param:
                for k, element in enumerate(bound[param].elts):
                    bound[f"{param}.{k}"] = element
        return bound

    def operand(self, rule, param, arg, origin, out):
        if param in rule.shape_only:          # read for its shape: kept as it is, never differentiated
            if _is_simple(arg) or (isinstance(arg, (gast.List, gast.Tuple))
                                   and all(_is_simple(e) for e in arg.elts)):
                return arg
            temp = self.new_temp()
            out.append(ir.Assign(temp, arg, origin=origin))
            return ir.name(temp)
        if param == rule.sequence_param:
            if isinstance(arg, (gast.List, gast.Tuple)):
                elements = [self.atom(e, origin, out) for e in arg.elts]
                return type(arg)(elts=elements, ctx=gast.Load())
            if self.is_active_expr(arg):
                raise self.where.error(arg, f"{rule.name} of a list of differentiated arrays held in a "
                                       "variable", f"write the arrays out in the call: "
                                       f"{rule.name}([a, b, c])")
            return self.inactive_atom(arg, origin, out)
        if param in rule.differentiable:
            return self.atom(arg, origin, out)
        if self.is_active_expr(arg):
            raise self.where.error(arg, f"differentiated value as the {param} argument of {rule.name}",
                                   f"{param} must not depend on the differentiated arguments")
        return self.inactive_atom(arg, origin, out)

    def user_call(self, value, target, origin, out):
        if mutates_arguments(target):
            raise self.where.error(value, f"call to {target.__name__}, which changes its argument in place",
                                   f"make {target.__name__} compute a new array (p = p * 2.0, not p *= 2.0) "
                                   "and return it")
        try:
            signature = inspect.signature(target)
            binding = signature.bind(*value.args, **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            raise self.where.error(value, f"call to {target.__name__}", str(exc)) from None
        bound = {}
        for param, arg in binding.arguments.items():
            bound[param] = self.atom(arg, origin, out)
        positional = [bound[p] for p in list(binding.arguments)[:len(value.args)]]
        keywords = [gast.keyword(arg=k.arg, value=bound[k.arg]) for k in value.keywords]
        expr = gast.Call(func=value.func, args=positional, keywords=keywords)
        active = tuple(p for p, a in bound.items() if isinstance(a, gast.Name) and a.id in self.active)
        return expr, Op(None, bound, active, callee=target, kind="call")


# constructors whose result is taken as a constant: {function: number of leading shape arguments}
_VALUE_CONSTRUCTORS = {np.full_like: 1, np.full: 1, np.linspace: 0, np.arange: 0, np.logspace: 0, np.heaviside: 1,
                       np.geomspace: 0}


def stacks(function_node):
    """Names used only as stacks: ``tape = []``, ``tape.append(v)`` and ``v = tape.pop()``.

    A derivative's own code keeps its tape this way; differentiating it again
    carries each saved value's tangent along on the same tape. Only code that
    tangent_ad generated is read this way: there every value is popped back into
    the variable it was pushed from.
    """
    candidates, uses = set(), {}
    allowed = set()
    for node in gast.walk(function_node):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and isinstance(node.value, gast.List) and not node.value.elts:
            candidates.add(node.targets[0].id)
            allowed.add(id(node.targets[0]))
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and node.func.attr in ("append", "pop") and isinstance(node.func.value, gast.Name):
            allowed.add(id(node.func.value))
        if isinstance(node, gast.Name):
            uses.setdefault(node.id, []).append(id(node))
    return {name_ for name_ in candidates if all(u in allowed for u in uses.get(name_, []))}


def _index_store(node):
    """(array name, index, value, operator or None) for ``x[i] = v`` / ``x[i] op= v``; else None."""
    if isinstance(node, gast.Assign) and len(node.targets) == 1:
        target, op_type = node.targets[0], None
    elif isinstance(node, gast.AugAssign):
        target, op_type = node.target, node.op
    else:
        return None
    if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
        return target.value, target.slice, node.value, op_type
    return None


def _in_place_stores(node):
    """The ``x[i]`` and ``x.a`` targets a statement writes into."""
    targets = getattr(node, "targets", None) or ([node.target] if hasattr(node, "target") else [])
    found = []
    for target in targets:
        for part in gast.walk(target):
            if isinstance(part, (gast.Subscript, gast.Attribute)) and isinstance(part.ctx, gast.Store):
                found.append(part)
    return found


def _is_range(expr):
    return isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and expr.func.id == "range"


def _is_simple(expr):
    """Operands kept inline: names, constants, module attributes, negated constants, tuples of those."""
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    if isinstance(expr, gast.Attribute):
        return _is_simple(expr.value)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        return isinstance(expr.operand, gast.Constant)
    if isinstance(expr, gast.Tuple):
        return all(_is_simple(e) for e in expr.elts)
    return False


def _is_simple_index(expr):
    """Indices kept inline: names, constants, slices and arithmetic on them (no calls)."""
    return not any(isinstance(n, (gast.Call, gast.Subscript)) for n in gast.walk(expr))


def _func_name(func):
    if isinstance(func, gast.Name):
        return func.id
    if isinstance(func, gast.Attribute):
        return f"{_func_name(func.value)}.{func.attr}"
    return "this function"


def _op_symbol(op):
    return {"FloorDiv": "//", "Mod": "%", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
            "LShift": "<<", "RShift": ">>"}.get(type(op).__name__, type(op).__name__)


def flatten(function, active, flow, names):
    Flattener(function, active, flow, names).run()
    renumber_temporaries(function, active, flow, names)
    return function
