"""Split active assignments into one operation each, bound to the rule that differentiates it.

``y = np.sin(x ** 2) * w`` with ``x`` active becomes ``t1 = x ** 2``,
``t2 = np.sin(t1)``, ``y = t2 * w``, each carrying an :class:`~tangent_ad.front.lower.Op`.
Statements that assign nothing active are left as written. This module walks the
statements (loops, unpacking, stores into arrays) and is the entry point,
:func:`flatten`; the work is shared out to

- ``lower.py``: an expression lowered to one operation per line,
- ``loops.py``: ``for`` loops over arrays, ``enumerate`` and ``zip`` lowered to index loops,
- ``bind.py``: a call bound to a rule, to a Python function (differentiated in
  turn), or to an error naming the function,
- ``refusals.py``: the checks that refuse code whose derivative would be wrong,
- ``renumber.py``: temporaries numbered in the order they are printed.
"""
import copy
import inspect

import gast

from .. import rules
from ..ir import nodes as ir
from .aliasing import AliasGroups, scalars_of
from .bind import CallBinding
from .containers import ContainerLowering
from .loops import LoopLowering
from .lower import ExpressionLowering, Op
from .refusals import Refusals, in_place_stores
from .renumber import renumber_temporaries


class Flattener(ExpressionLowering, CallBinding, LoopLowering, ContainerLowering, Refusals):
    """One function flattened: its statements walked in order, each active one lowered.

    Expressions are lowered in ``lower.py``, calls bound in ``bind.py``, and the checks
    that refuse code live in ``refusals.py``; this class holds the state they share."""

    def __init__(self, function, active, flow, names):
        self.function = function
        self.active = active
        self.flow = flow
        self.names = names
        self.where = function.parsed.location
        self.parsed = function.parsed
        self.aliases = AliasGroups(function.body, self._resolve_global, params=function.params,
                                   scalars=scalars_of(function.parsed.func))    # the call's scalars
        self.stacks = function.stacks

    def run(self):
        self.list_names()           # found (and a list renamed) before any statement is lowered
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
                written |= {ir.root_name(store) for store in in_place_stores(s.node)} - {None}
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
        self.check_escape(s)
        targets = [s.target] if isinstance(s, ir.Assign) else s.targets if isinstance(s, ir.Unpack) else []
        if set(targets) & self.flow.useful:
            self.check_value_constructors(s.value)
        if isinstance(s, ir.Assign) and s.target in self.stacks:
            return [s]                      # tape = []: the list itself carries no derivative
        if isinstance(s, ir.Assign):
            if s.augmented and s.target in self.list_names():
                s.augmented = False                 # ys += [v]: the list is no other name's (containers.py)
            if s.augmented:
                self.check_in_place(s, s.origin, s.target)
                if s.target not in self.active:      # kept as written: NumPy updates it in place
                    return [ir.Raw(s.origin, frozenset([s.target]))]
            if s.target not in self.active:
                return [s]
            out = []
            with self.flow.remembering():       # lowering asks about each part of the value again
                if self.tuple_size(s.value) and self.is_active_expr(s.value):   # t = helper(x), a tuple
                    self.split_tuple_call(s.target, s.value, s.origin, out)
                else:
                    self.lower_into(s.target, s.value, s.origin, out)
            return out
        if isinstance(s, ir.Unpack):
            return self.unpack(s)
        if isinstance(s, ir.Raw):
            grown = self.grow_list(s)           # ys.append(v): ys = ys + [v]; ys[i] = v
            if grown is not None:
                return grown
            push = ir.stack_push(s.node)
            if push is not None and push[0] in self.stacks:
                out = []
                value = self.atom(push[1], s.node, out)
                return out + [ir.Push(push[0], value, origin=s.node)]
            for store in in_place_stores(s.node):
                self.check_in_place(s, store, ir.root_name(store))
            hit = s.writes & self.active
            if hit:
                store = _index_store(s.node)
                if store is None:
                    raise self.raw_error(s, sorted(hit)[0])
                return self.index_store(s.node, *store)
            self.check_no_mutation(s)
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
        if name_ in self.containers() or (isinstance(index, gast.Constant) and isinstance(index.value, str)):
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
        if not isinstance(s.value, gast.Call):     # a, b, c = x: the rows of an array
            return self.unpack_rows(s)
        callee = self.flow.resolve_callee(s.value.func)
        rule = rules.rule_for(callee) if callee is not None else None
        if isinstance(rule, rules.MultiOutput):
            out = []
            bound = self.bind(rule, s.value.args, s.value.keywords, s.value, s.origin, out)
            expr = self.rule_call(s.value.func, rule, bound, s.value)
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

    def unpack_rows(self, s):
        """``a, b, c = x`` of a differentiated array: ``a = x[0]``, ``b = x[1]``, ``c = x[2]``,
        after the check Python makes that ``x`` has exactly that many rows."""
        rows = s.value
        if isinstance(rows, gast.Name) and rows.id in self.tuple_names() and rows.id not in self.list_names():
            raise self.where.error(s.origin.targets[0], f"tuple unpacking of {rows.id}, which holds the "
                                   "tuple a function returned", f"unpack the call itself: "
                                   f"{', '.join(s.targets)} = helper(...)")
        out = []
        if not isinstance(rows, gast.Name) or rows.id in s.targets:
            rows = ir.name(self.lower_into(None, rows, s.origin, out))
        count = gast.Compare(left=gast.Call(func=ir.name("len"), args=[rows], keywords=[]),
                             ops=[gast.Eq()], comparators=[ir.constant(len(s.targets))])
        check = gast.Assert(test=count, msg=ir.constant(f"{len(s.targets)} values to unpack"))
        gast.copy_location(check, s.origin)
        out.append(ir.Raw(check, frozenset()))
        for k, target in enumerate(s.targets):
            row = gast.Subscript(value=copy.deepcopy(rows), slice=ir.constant(k), ctx=gast.Load())
            out += self.statement(ir.Assign(target, row, origin=s.origin))
        return out

    def tuple_names(self):
        """Names assigned the result of a call to a Python function: they may hold a tuple."""
        names = set()
        for s in ir.walk(self.function.body):
            if isinstance(s, ir.Assign) and isinstance(s.value, gast.Call) \
                    and inspect.isfunction(self.flow.resolve_callee(s.value.func)):
                names.add(s.target)
        return names

    def _has_active(self, statements):
        for s in statements:
            if isinstance(s, ir.Assign) and s.target in self.active:
                return True
            if isinstance(s, ir.Unpack) and set(s.targets) & self.active:
                return True
            if isinstance(s, ir.Raw) and s.writes & self.active:      # x[i] = v
                return True
            if isinstance(s, ir.Raw) and self.changes_list(s):            # ys.append(v): ys = ys + [v]
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


def flatten(function, active, flow, names):
    """Lower ``function`` in place (one differentiated operation per line) and return it."""
    Flattener(function, active, flow, names).run()
    renumber_temporaries(function, active, flow, names)
    return function
