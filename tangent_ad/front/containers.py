"""Lists and tuples of differentiated values, lowered to operations on whole lists.

A list is a value like an array: ``ys = [a, b]`` is one operation, and growing the
list makes a new one, so the list the reverse sweep saved stays as it was::

    ys = []                      ys = []
    for i in range(n):           for i in range(n):
        ys.append(x[i] ** 2)         t1 = x[i]; t2 = t1 ** 2
                                     ys = ys + [t2]        # ys.append(t2), as a new list

Reading ``ys[i]``, ``len(ys)``, ``for y in ys``, ``sum(ys)``, ``np.stack(ys)``,
``np.array(ys)`` and NumPy functions of the list then work as they do on arrays.

A list built up and then turned into an array under the same name
(``xs = np.array(xs)``) holds two kinds of value; while it is a list it is named
``xs_list`` in the derivative. What tangent_ad cannot follow is refused: a list
that another name shares while it grows (``zs = ys; ys.append(v)`` changes ``zs``
too), a list the caller gave (``.append`` would change the caller's list), a list
of differentiated values returned by a Python function (return a tuple). A list handed
to a Python function is a list there too: the helper's derivative is made for it.
"""
import ast
import contextlib
import contextvars
import inspect

import gast
import numpy as np

from .. import rules
from ..ir import nodes as ir
from ..ir.code import src
from .lower import Op
from .list_sharing import ListSharing, _growth
from .parsing import parse_function
from .renumber import _rename_statement

# the parameters of the helper being prepared that its caller passes lists to (plan.py)
_LIST_PARAMETERS = contextvars.ContextVar("list_parameters", default=())


_HELPER = contextvars.ContextVar("helper", default=False)


@contextlib.contextmanager
def list_parameters(names):
    """While a helper is prepared: its parameters ``names`` hold lists of differentiated values,
    and a list it returns (``return [a, b]``) is returned as its values, like a tuple: the caller
    holds them as the list (:meth:`ContainerLowering.split_tuple_call`)."""
    tokens = _LIST_PARAMETERS.set(tuple(names)), _HELPER.set(True)
    try:
        yield
    finally:
        _LIST_PARAMETERS.reset(tokens[0])
        _HELPER.reset(tokens[1])


def preparing_helper():
    """Whether the function being prepared is a helper another differentiated function calls."""
    return _HELPER.get()


class ContainerLowering(ListSharing):
    """Part of :class:`~tangent_ad.front.flatten.Flattener`: lists of differentiated values."""

    _lists = None

    def list_names(self):
        """Active names that hold a list or tuple of differentiated values."""
        if self._lists is None:
            self._lists = set()          # while the names are found, nothing is a list yet
            self._lists = self._find_lists()
        return self._lists

    def is_list_value(self, expr):
        return isinstance(expr, (gast.List, gast.Tuple)) or (
            isinstance(expr, gast.Name) and expr.id in self.list_names())

    # ------------------------------------------------------------ finding them
    def _find_lists(self):
        body = self.function.body
        lists = {grown[0] for s in ir.walk(body) if isinstance(s, ir.Raw)
                 for grown in [_growth(s.node) or self._element_store(s.node)] if grown} \
            & self.active - set(self.stacks or ())
        given = set(_LIST_PARAMETERS.get()) & set(self.function.params) & self.active
        lists |= given
        changed = True
        while changed:
            changed = False
            for s in ir.walk(body):
                if isinstance(s, ir.Assign) and s.index is None and s.target in self.active \
                        and s.target not in lists and s.target not in (self.stacks or ()) \
                        and self._makes_list(s.value, lists):
                    lists.add(s.target)
                    changed = True
        lists = {n for n in lists if n in given or self._holds_differentiated(n, lists)}
        for name_ in sorted(lists):
            if self._other_values(name_, lists):
                lists.discard(name_)
                lists.add(self._list_phase(name_, lists))
        for name_ in sorted(lists):
            self._check_list(name_, lists)
        return lists

    def _holds_differentiated(self, name_, lists):
        """A list some differentiated value goes into (not ``shapes = []`` of numbers)."""
        for s in ir.walk(self.function.body):
            if isinstance(s, ir.Assign) and s.target == name_ and self.is_active_expr(s.value):
                return True
            grown = (_growth(s.node) or self._element_store(s.node)) if isinstance(s, ir.Raw) else None
            if grown and grown[0] == name_ and self.is_active_expr(grown[2]):
                return True
        return False

    def _other_values(self, name_, lists):
        """The assignments that give ``name_`` something other than a list."""
        found = []
        for s in ir.walk(self.function.body):
            if isinstance(s, ir.Assign) and s.target == name_ and (
                    s.index is not None or not self._makes_list(s.value, lists)):
                found.append(s)
            elif isinstance(s, ir.Unpack) and name_ in s.targets or isinstance(s, ir.For) and s.target == name_:
                found.append(s)
        return found

    def _list_phase(self, name_, lists):
        """``xs = []; ...; xs = np.array(xs)``: the list ``xs`` is renamed ``xs_list`` up to
        the statement that turns it into something else, at the top of the function; a name
        holding a list and another value elsewhere is refused."""
        body = self.function.body
        others = self._other_values(name_, lists)
        for i, s in enumerate(body):
            if s in others:
                after = list(ir.walk(body[i + 1:]))
                if all(o is s or o in after for o in others) \
                        and not any(self._grows_or_lists(t, name_, lists) for t in after):
                    renamed = self.names.fresh(f"{name_}_list")
                    mapping, done = {name_: renamed}, set()
                    for t in ir.walk(body[:i]):
                        _rename_statement(t, mapping, done)
                    _rename_statement(ir.Assign(renamed, s.value), mapping, done)   # the value reads the list
                    self._renamed(name_, renamed)
                    return renamed
                break
        statement = self._other_values(name_, lists)[0]
        raise self.where.error(statement.origin, f"{name_} holding a list of differentiated values "
                               "in one place and another value in another",
                               f"give the list a name of its own ({name_}_list = [] ... "
                               f"{name_} = np.array({name_}_list))")

    def _makes_list(self, value, lists):
        """Whether ``value`` is a list or tuple: a display, a list name, lists joined with +,
        a slice of a list, ``list(...)`` / ``tuple(...)``, or a call returning several values."""
        if isinstance(value, gast.Call) and not value.keywords and len(value.args) == 1 \
                and self.flow.resolve_callee(value.func) in (list, tuple):
            return True
        return _makes_list(value, lists) or bool(self.tuple_size(value))

    def _grows_or_lists(self, s, name_, lists):
        if isinstance(s, ir.Raw):
            return (_growth(s.node) or ("",))[0] == name_
        return isinstance(s, ir.Assign) and s.target == name_ and self._makes_list(s.value, lists)

    def _renamed(self, old, new):
        self.new_active(new)
        self.flow.local_names.add(new)
        if old in self.flow.varied:
            self.flow.varied = self.flow.varied | {new}
        if old in self.flow.useful:
            self.flow.useful = self.flow.useful | {new}

    # ------------------------------------------------------------ lowering
    def grow_list(self, s):
        """``ys.append(v)`` / ``ys.extend(zs)`` of a list of differentiated values: ``ys = ys + [v]``
        (``ys + zs``), one operation; None for any other statement."""
        stored = self._element_store(s.node)
        if stored and stored[0] in self.list_names():
            return self._store_in_list(s.node, *stored)
        grown = _growth(s.node)
        if not grown or grown[0] not in self.list_names():
            return None
        name_, method, arg = grown
        added = gast.List(elts=[arg], ctx=gast.Load()) if method == "append" else arg
        if method == "extend" and not self.is_list_value(arg):
            raise self.where.error(s.node, f"{name_}.extend of something other than a list",
                                   f"extend it with a list ({name_}.extend([a, b])) or append the values")
        out = []
        value = gast.BinOp(left=ir.name(name_), op=gast.Add(), right=added)
        gast.copy_location(value, s.node)
        self.lower_into(name_, value, s.node, out)
        return out

    def changes_list(self, s):
        """Whether the statement ``s`` appends to or stores into a list of differentiated values."""
        changed = _growth(s.node) or self._element_store(s.node)
        return bool(changed) and changed[0] in self.list_names()

    def _element_store(self, node):
        """(list name, index, value, operator or None) for ``ys[i] = v`` / ``ys[i] += v`` into
        a Python list (a list display, ``[0.0] * n`` or ``list(...)`` somewhere); else None."""
        if isinstance(node, gast.Assign) and len(node.targets) == 1:
            target, value, operator = node.targets[0], node.value, None
        elif isinstance(node, gast.AugAssign):
            target, value, operator = node.target, node.value, node.op
        else:
            return None
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
                and target.value.id in self.containers():
            return target.value.id, target.slice, value, operator
        return None

    def _store_in_list(self, node, name_, index, value, operator):
        """``ys[i] = v`` as ``ys = list_set(ys, i, v)``: a new list with ``v`` at ``i``."""
        if isinstance(index, gast.Slice):
            raise self.where.error(node, f"assignment into a slice of the list {name_}",
                                   f"build the new list with + ({name_} = {name_}[:a] + [...] + {name_}[b:])")
        out = []
        if operator is not None:              # ys[i] += v: ys[i] = ys[i] + v
            read = gast.Subscript(value=ir.name(name_), slice=index, ctx=gast.Load())
            value = gast.BinOp(left=read, op=operator, right=value)
        index_atom = self.index_atom(index, node, out)
        item = self.atom(value, node, out)
        expr = gast.Call(func=ir.name("list_set"), args=[ir.name(name_), index_atom, item], keywords=[])
        op = self.make_op(rules.RULES["list_set"], {"a": ir.name(name_), "index": index_atom, "item": item})
        out.append(ir.Assign(name_, expr, origin=node, op=op))
        return out

    def list_operation(self, value, origin, out):
        """(expression, Op) of a list display, of ``+`` joining lists, or of ``list(...)``."""
        if isinstance(value, gast.Call):
            return self._list_call(value, origin, out)
        if isinstance(value, (gast.List, gast.Tuple)):
            for element in value.elts:
                if isinstance(element, gast.Starred):
                    raise self.where.error(element, "a starred value in a list of differentiated values",
                                           "join the lists with + instead")
            elements = [self.atom(e, origin, out) for e in value.elts]
            display = type(value)(elts=elements, ctx=gast.Load())
            rule = rules.RULES["list_display" if isinstance(value, gast.List) else "tuple_display"]
            bound = {"items": display, **{f"items.{k}": e for k, e in enumerate(elements)}}
            return display, self.make_op(rule, bound)
        if not isinstance(value.op, gast.Add) or not (self.is_list_value(value.left)
                                                       and self.is_list_value(value.right)):
            raise self.where.error(value, f"{'+ of a list and an array' if isinstance(value.op, gast.Add) else 'an operator other than +'} on a list of differentiated values",
                                   "stack the values into an array first (np.stack(ys)), or join two lists with +")
        left = self.atom(value.left, origin, out)
        if isinstance(value.right, gast.List) and len(value.right.elts) == 1:     # ys + [v]
            item = self.atom(value.right.elts[0], origin, out)
            expr = gast.BinOp(left=left, op=gast.Add(), right=gast.List(elts=[item], ctx=gast.Load()))
            return expr, self.make_op(rules.RULES["list_append"], {"a": left, "item": item})
        right = self.atom(value.right, origin, out)
        expr = gast.BinOp(left=left, op=gast.Add(), right=right)
        return expr, self.make_op(rules.RULES["list_concat"], {"a": left, "b": right})

    def tuple_size(self, value):
        """The number of values a call returns together: a Python function ending in
        ``return a, b``, or a NumPy function with several results (``np.split(x, 3)``,
        ``np.linalg.slogdet(a)``) whose number the call shows; None for any other value."""
        if not isinstance(value, gast.Call):
            return None
        callee = self.flow.resolve_callee(value.func)
        if callee is None:
            return None
        rule = rules.rule_for(callee)
        if isinstance(rule, rules.MultiOutput):
            return _outputs_of(rule, value)
        if not inspect.isfunction(callee) or rule is not None:
            return None
        sizes = self.__dict__.setdefault("_tuple_sizes", {})
        if callee not in sizes:
            try:
                node = parse_function(callee).node
            except Exception:           # no source: the call is refused where it is lowered
                node = None
            last = node.body[-1] if node is not None and node.body else None
            returned = last.value if isinstance(last, gast.Return) else None
            several = isinstance(returned, gast.Tuple) or isinstance(returned, gast.List) and returned.elts
            sizes[callee] = (len(returned.elts), type(returned)) if several else None
        return sizes[callee] and sizes[callee][0]

    def split_tuple_call(self, target, call, origin, out):
        """``t = helper(x)`` of a helper returning ``a, b``: ``t1, t2 = helper(x)`` and then
        ``t = (t1, t2)``, so that ``t[0]`` and ``a, b = t`` read the parts (a list for
        ``np.split``, which returns one)."""
        parts = [self.new_active(self.names.temp()) for _ in range(self.tuple_size(call))]
        out += self.unpack(ir.Unpack(parts, call, origin))
        callee = self.flow.resolve_callee(call.func)
        returned = self.__dict__.get("_tuple_sizes", {}).get(callee)       # (count, display) of a helper
        kind = gast.List if getattr(rules.rule_for(callee), "name", "").endswith("split") or (
            returned and returned[1] is gast.List) else gast.Tuple
        display = kind(elts=[ir.name(p) for p in parts], ctx=gast.Load())
        return self.lower_into(target, display, origin, out)

    def _list_call(self, value, origin, out):
        """``list(ys)`` / ``tuple(ys)``: a copy; ``list(x)`` of an array: its rows."""
        arg = self.atom(value.args[0], origin, out)
        expr = gast.Call(func=value.func, args=[arg], keywords=[])
        if self.is_list_value(arg):
            return expr, Op(None, {"x": arg}, ("x",), kind="copy")
        return expr, self.make_op(rules.RULES["list_rows"], {"a": arg})

    def is_list_operation(self, value):
        if isinstance(value, (gast.List, gast.Tuple)):
            return True
        if isinstance(value, gast.Call):
            return not value.keywords and len(value.args) == 1 \
                and self.flow.resolve_callee(value.func) in (list, tuple)
        return isinstance(value, gast.BinOp) and (self.is_list_value(value.left) or self.is_list_value(value.right))

    def list_atom(self, expr, origin, out):
        """A list-valued expression (``ys[1:]``, ``list(x)``) computed into a list temporary."""
        atom = self.atom(expr, origin, out)
        self.list_names().add(atom.id)
        return atom

    def list_as_array(self, arg, origin, out):
        """A list given to a NumPy function that reads it as an array (``np.mean(ys)``): stacked
        into one first, ``t1 = as_array(ys)``, so the function's rule sees an array."""
        if not (isinstance(arg, gast.Name) and arg.id in self.list_names()):
            return None
        value = gast.Call(func=ir.name("as_array"), args=[arg], keywords=[])
        target = self.new_active(self.names.temp())
        op = self.make_op(rules.RULES["as_array"], {"arrays": arg})
        out.append(ir.Assign(target, value, origin=origin, op=op))
        return ir.name(target)

    def index_builder(self, value):
        """``np.r_[a, b]`` as ``np.concatenate([np.atleast_1d(a), np.atleast_1d(b)])`` and
        ``np.c_[a, b]`` as ``np.column_stack([a, b])``, which NumPy's own rules differentiate;
        a slice in ``np.r_`` is the ``np.arange`` it stands for."""
        name_ = src(value.value)
        builder = self.flow.resolve_callee(value.value)
        module = value.value.value if isinstance(value.value, gast.Attribute) else None
        refused = (f"{name_}[...] with differentiated values",
                   "join arrays with np.concatenate([a, b]) (np.c_: np.column_stack, np.vstack for rows)")
        if builder not in (np.r_, np.c_) or module is None:
            raise self.where.error(value, *refused)
        elements = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        parts = []
        for element in elements:
            if isinstance(element, gast.Constant) and isinstance(element.value, str):
                raise self.where.error(element, f"the directive {element.value!r} in {name_}[...]", refused[1])
            if isinstance(element, gast.Slice):
                if builder is np.c_ or _imaginary(element.step):
                    raise self.where.error(element, f"a slice in {name_}[...] with differentiated values",
                                           refused[1])
                bounds = [element.lower or ir.constant(0), element.upper, element.step or ir.constant(1)]
                element = _numpy_call(module, "arange", bounds)
            parts.append(element if builder is np.c_ else _numpy_call(module, "atleast_1d", [element]))
        joined = _numpy_call(module, "column_stack" if builder is np.c_ else "concatenate",
                             [gast.List(elts=parts, ctx=gast.Load())])
        return gast.copy_location(joined, value)



def _numpy_call(module, function, args):
    return gast.Call(func=gast.Attribute(value=module, attr=function, ctx=gast.Load()), args=args, keywords=[])


def _imaginary(step):
    return isinstance(step, gast.Constant) and isinstance(step.value, complex)


def _outputs_of(rule, call):
    """How many values a NumPy function with several results gives at this call."""
    if getattr(rule, "outputs", None):          # eigh, svd, qr: a number the rule knows
        return rule.outputs
    tangent = ast.parse(rule.tangent, mode="eval").body
    if isinstance(tangent, ast.Tuple):
        return len(tangent.elts)
    sections = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg == "indices_or_sections"), None)
    if isinstance(sections, gast.Constant) and isinstance(sections.value, int):
        return sections.value
    if isinstance(sections, (gast.List, gast.Tuple)):
        return len(sections.elts) + 1
    return None


def _makes_list(value, lists):
    """Whether ``value`` is a list or tuple: a display, a list name, or lists joined with +."""
    if isinstance(value, (gast.List, gast.Tuple)):
        return True
    if isinstance(value, gast.Name):
        return value.id in lists
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add):
        return _makes_list(value.left, lists) and _makes_list(value.right, lists)
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):     # ys[1:]
        return _makes_list(value.value, lists)
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Mult):              # [0.0] * n
        return isinstance(value.left, (gast.List, gast.Tuple)) or isinstance(value.right, (gast.List, gast.Tuple))
    return False
