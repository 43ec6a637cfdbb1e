"""Memory the reverse sweep saves: adjoints updated in place where nothing else refers to their
array (``reuse.py``), a full reduction's adjoint kept as one number until its reader spreads
it, and a loop's matmul adjoints summed in one product after it (``batching.py``).

Not in code that will be differentiated again (forward mode reads plain code): there
``program.reuse_memory`` is false and only the adjoints zeroed before a loop are added into.
"""
import ast

from ...ir import nodes as ir
from . import reuse
from .trees import Fragment


class Memory:
    """Which adjoints' arrays the sweep may change, as it writes them."""

    def __init__(self, program):
        self.program = program
        # variables whose adjoint holds an array of their full shape that only that name refers
        # to (made by sum_adjoint, ...): its last reader may update it in place
        self.owned = set()
        # variables whose adjoint is a number standing for every element (the adjoint of a full
        # np.sum): their one elementwise reader spreads it, g * partial (see spread_scalar)
        self.spread = set()
        self.in_place = set()    # adjoints zeroed right before the loop being emitted: safe to add into
        self.batches = None      # the loop being emitted: its lists of matmul terms

    def updated_in_place(self):
        """The code updates an adjoint in place: a plain twin is needed to differentiate it again."""
        self.program.context.has_plain_twin = True

    def adds_in_place(self, var):
        """Whether a contribution to ``var``'s adjoint may be added into its array."""
        return var in self.in_place or (var in self.owned and self.program.reuse_memory)

    def assigned(self, var, expr, owned=False):
        """``var``'s adjoint was just assigned ``expr`` (or its sum with an earlier value:
        ``owned`` false); keep whether it owns its array."""
        if self.program.reuse_memory and (owned or reuse.makes_full_array(expr.tree)):
            self.owned.add(var)
        else:
            self.owned.discard(var)

    def batched_product(self, var, expr):
        """``(W_bar_terms.append((g, h)), reads)`` for ``W_bar += matmul_adjoint_left(g, W, h)``
        in a loop (batching.py); None where the contribution is added as it comes."""
        if self.batches is None or not self.program.reuse_memory:
            return None
        line = self.batches.append(var, expr.tree)
        if line is not None:
            self.updated_in_place()
        return line

    def reuse_plan(self, node, own):
        """{contribution index: "in place" or "new"} for a node whose target's adjoint ``g`` is owned.

        Only for an elementwise rule, where every contribution ``g * partial`` has the
        target's full shape. "new": ``g * partial`` makes a new array of that shape, owned in
        turn. "in place": the last reader of ``g`` updates g's array and takes it over; allowed
        when ``g`` is not read after this node and every other reader makes a new value first
        (``a_bar = unbroadcast(g, a)`` may be ``g`` itself: then nothing is reused).
        """
        g = self.program.bar(node.target)
        if node.target in self.spread:      # g is a number: each g * partial is a new full array
            self.spread.discard(node.target)
            return {i: "new" for i, (_, expr) in enumerate(node.contributions) if expr.mentions(g)}
        if not (self.program.reuse_memory and node.elementwise and not node.prelude
                and node.target in self.owned):
            return {}
        readers = [i for i, (_, expr) in enumerate(node.contributions) if expr.mentions(g)]
        plan = {}
        for i in readers:
            form = reuse.in_place_form(node.contributions[i][1].tree, g)
            if form is not None and form[0] is not None:
                plan[i] = "new"
        last = node.contributions[readers[-1]][1].tree if readers else None
        if (not own and last is not None and reuse.in_place_form(last, g) is not None
                and all(reuse.is_new_value(node.contributions[i][1].tree) for i in readers[:-1])):
            plan[readers[-1]] = "in place"
        return plan

    def spread_scalar(self, node):
        """``(t1, value)`` when ``node`` is ``y = np.sum(t1)`` (or ``np.mean``) of a scalar ``y``,
        and t1's adjoint can stay one number until its only reader spreads it (``value``: a
        Fragment).

        ``t1_bar = sum_adjoint(y_bar, x)`` would fill an array with ``y_bar`` for the reader
        ``t2_bar = t1_bar * np.cos(t2)`` to multiply; ``t1_bar = y_bar`` and the same reader
        give the same array, without the filled one. Only when ``t1`` is a local assigned once
        by an elementwise operation in the same block, read by this reduction alone, and every
        partial of that operation has t1's full shape.
        """
        program = self.program
        s, target = node.statement, node.target
        if not (program.reuse_memory and s is not None and s.op is not None and s.op.kind == "rule"
                and len(node.contributions) == 1 and not node.prelude):
            return None
        var, expr = node.contributions[0]
        reduction = reuse.full_reduction_adjoint(expr.tree)
        shapes = program.derivatives.shapes
        if reduction is None or shapes.var(target) != frozenset() or var in program.function.params:
            return None
        definitions, reads, block_of = program.facts()
        definition = definitions.get(var, [None])
        d = definition[0]
        if len(definition) != 1 or reads.get(var) != 1 or block_of.get(id(d)) != block_of.get(id(s)) \
                or not (isinstance(d, ir.Assign) and d.index is None and d.op is not None
                        and d.op.kind == "rule" and d.op.rule.elementwise) or var in program.stored:
            return None
        g_var = program.bar(var)
        readers = [e for _, e in program.rule_adjoint(d)[0] if e.mentions(g_var)]
        for reader in readers:
            form = reuse.in_place_form(reader.tree, g_var)
            if form is None or form[0] is None:
                return None
            partial_names = set(Fragment(form[1]).loads) & program.locals
            if shapes.union(partial_names) != shapes.var(var):
                return None
        function, g, x = reduction
        if function == "sum_adjoint":
            return var, Fragment(g)
        value = ast.BinOp(left=g, op=ast.Div(), right=ast.Call(func=ast.Name(id="size_of", ctx=ast.Load()),
                                                                args=[x], keywords=[]))
        return var, Fragment(value, f"{ast.unparse(g)} / size_of({ast.unparse(x)})")
