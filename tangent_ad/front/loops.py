"""``for`` loops over differentiated values, lowered to the index loop a person would write.

``for row in X`` becomes ``for row_index in range(len(X)): row = X[row_index]``;
``for i, v in enumerate(x)`` becomes ``for i in range(len(x)): v = x[i]``, and
``for a, b in zip(x, y)`` becomes ``for index in range(min(len(x), len(y))): a = x[index]``,
``b = y[index]``. A loop with nothing differentiated in it stays as written.
"""
import builtins
import copy

import gast

from ..ir import nodes as ir
from ..ir.code import src


class LoopLowering:
    """Part of :class:`~tangent_ad.front.flatten.Flattener`: loops over values."""

    def for_loop(self, s):
        body_active = self._has_active(s.body) or (s.target in self.active)
        if not body_active:
            s.body = self.block(s.body)      # nothing to differentiate, but stores still get checked
            return [s]
        if s.target is None:
            return self.tuple_loop(s)
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
        of_values = isinstance(sequence, (gast.List, gast.Tuple)) or bool(self.tuple_size(sequence))
        if not isinstance(sequence, (gast.Name, gast.Attribute, gast.Subscript)) \
                and self.is_active_expr(sequence) and not of_values:
            raise self.where.error(s.origin, f"for loop over {src(sequence)} with differentiated values",
                                   "loop over range(len(x)) and index the arrays, or over the rows "
                                   "of one array (for row in x)")
        if not isinstance(sequence, gast.Name) or sequence.id in ir.writes(s.body):
            items = self.names.fresh("items")
            self.flow.local_names.add(items)
            if self.is_active_expr(sequence):
                self.new_active(items)
            seq_value = sequence if isinstance(sequence, (gast.Name, gast.Attribute, gast.Subscript)) \
                or of_values else gast.Call(func=ir.name("list"), args=[sequence], keywords=[])
            if of_values and self.is_active_expr(sequence):     # for p in np.split(x, 3): a list
                self.list_names().add(items)
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

    def tuple_loop(self, s):
        """``for i, v in enumerate(x)``, ``for a, b in zip(x, y)`` or ``for a, b in X``."""
        target, iterable = s.origin.target, s.iter
        names = [t.id for t in target.elts] if isinstance(target, (gast.Tuple, gast.List)) \
            and all(isinstance(t, gast.Name) for t in target.elts) else None
        callee = self.flow.resolve_callee(iterable.func) if isinstance(iterable, gast.Call) else None
        if names is None:
            raise self.where.error(s.origin, f"for loop with the target {src(target)} over differentiated "
                                   "values", "unpack one level in the loop (for i, v in enumerate(x)), "
                                   "and the rest in the body")
        out = []
        if callee is builtins.enumerate and len(names) == 2 and len(iterable.args) == 1 \
                and not iterable.keywords:
            sequence = self._loop_sequence(iterable.args[0], s, out)
            count, index = _length(sequence), names[0]
            if index in self.active and self._written_elsewhere(index, s):
                index = self._fresh_index(names[1])
                prologue = [ir.Assign(names[0], ir.name(index), origin=s.origin)]
            else:
                self.active.discard(index)        # a position: an int that carries no derivative
                prologue = []
            prologue.append(ir.Assign(names[1], _item(sequence, index), origin=s.origin))
            self._constant_target(names[1], sequence, s)
        elif callee is builtins.zip and len(names) == len(iterable.args) and not iterable.keywords:
            sequences = [self._loop_sequence(a, s, out) for a in iterable.args]
            lengths = [_length(q) for q in sequences]
            count = lengths[0] if len(lengths) == 1 else gast.Call(func=ir.name("min"), args=lengths,
                                                                    keywords=[])
            index = self._fresh_index("_".join(names))
            prologue = [ir.Assign(n, _item(q, index), origin=s.origin) for n, q in zip(names, sequences)]
            for name_, sequence in zip(names, sequences):
                self._constant_target(name_, sequence, s)
        elif callee is None and not isinstance(iterable, gast.Call):      # for a, b in X: rows unpacked
            sequence = self._loop_sequence(iterable, s, out)
            count, index = _length(sequence), self._fresh_index("_".join(names))
            prologue = [ir.Unpack(names, _item(sequence, index), origin=_unpacking(target, s.origin))]
        else:
            raise self.where.error(s.origin, f"for loop over {src(iterable)} with differentiated values",
                                   "loop over enumerate(x), zip(x, y), range(len(x)) or the rows of an "
                                   "array (for row in x)")
        loop_range = gast.Call(func=ir.name("range"), args=[count], keywords=[])
        body = self.block(prologue) + self.block(s.body)
        out.append(ir.For(index, loop_range, body, origin=s.origin))
        return out

    def _loop_sequence(self, sequence, s, out):
        """What the loop indexes: a name it does not reassign, a range, or a value taken once."""
        is_range = isinstance(sequence, gast.Call) and self.flow.resolve_callee(sequence.func) is builtins.range
        if (isinstance(sequence, gast.Name) or is_range) and not ir.read_names(sequence) & ir.writes(s.body):
            return sequence
        indexable = is_range or isinstance(sequence, (gast.Name, gast.Attribute, gast.Subscript))
        active = self.is_active_expr(sequence)
        if active and not indexable:
            raise self.where.error(s.origin, f"for loop over {src(sequence)} with differentiated values",
                                   "compute the array first, then loop over it")
        items = self.names.fresh("items")
        self.flow.local_names.add(items)
        if active:
            self.new_active(items)
        value = sequence if indexable else gast.Call(func=ir.name("list"), args=[sequence], keywords=[])
        out += self.statement(ir.Assign(items, value, origin=s.origin))
        return ir.name(items)

    def _constant_target(self, name_, sequence, loop):
        """A target set only by the loop, from values that carry no derivative, carries none."""
        if not self.is_active_expr(sequence) and not self._written_elsewhere(name_, loop):
            self.active.discard(name_)

    def _fresh_index(self, stem):
        index = self.names.fresh(f"{stem}_index")
        self.flow.local_names.add(index)
        return index

    def _written_elsewhere(self, name_, loop):
        """Whether ``name_`` is assigned outside the target of ``loop``."""
        count = 0
        for s in ir.walk(self.function.body):
            if s is loop:
                continue
            if name_ in ir.writes([s]) and not isinstance(s, (ir.If, ir.While, ir.For)):
                count += 1
            elif isinstance(s, ir.For) and (s.target == name_ or (
                    s.target is None and name_ in ir.written_names(s.origin.target))):
                count += 1
        return count > 0


def _length(sequence):
    return gast.Call(func=ir.name("len"), args=[copy.deepcopy(sequence)], keywords=[])


def _item(sequence, index):
    return gast.Subscript(value=copy.deepcopy(sequence), slice=ir.name(index), ctx=gast.Load())


def _unpacking(target, loop):
    """The ``a, b = ...`` statement that errors point at: the loop's line."""
    statement = gast.Assign(targets=[target], value=loop.iter, type_comment=None)
    return gast.copy_location(statement, loop)


def _is_range(expr):
    return isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and expr.func.id == "range"
