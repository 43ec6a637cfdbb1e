"""Memory the reverse sweep saves: adjoints updated in place where nothing else refers to their
array (``reuse.py``), a forward value's array taken over by the adjoint of its last reader
(``t1_bar = np.cos(t1, out=reusable(t1))``), a full reduction's adjoint kept as one number
until its reader spreads it, and a loop's matmul adjoints summed in one product after it
(``batching.py``).

Not in code that will be differentiated again (forward mode reads plain code): there
``program.reuse_memory`` is false and only the adjoints zeroed before a loop are added into.
"""
import ast

import gast

from ...ir import nodes as ir
from .needed import statement_reads
from . import reuse
from .trees import Fragment


class Memory:
    """Which adjoints' arrays the sweep may change, as it writes them."""

    def __init__(self, program, reads_of):
        self.program = program
        self.reads_of = reads_of      # statement -> the primal variables its reverse reads (tape.py)
        self._reverse_readers = None  # variable -> how many statements' reverses read it
        self._shape_only_readers = None   # ... read it for its shape and dtype alone
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

    def value_taken_over(self, node, index):
        """``(call, g)`` when contribution ``index`` of ``node`` can be computed in the array of the
        operand ``t`` it is the adjoint of, read here for the last time: then ``t_bar = call`` and,
        unless ``g`` is None, ``t_bar *= g`` give t's adjoint without a new array, as a gradient
        written by hand does (``np.cos(g, out=g)``).

        ``g * np.F(t)``, ``np.F`` a unary ufunc: ``call`` is ``np.F(t, out=reusable(t))``.
        ``g / t``: ``call`` is ``np.divide(g, t, out=reusable(t))`` and ``g`` None.
        Only where the statement's other operands are numbers, so that its result, and the
        adjoint ``g`` of it, have at most ``t``'s shape, and ``t``'s array is not read after this
        (``lendable``). ``reusable`` (runtime) gives None for a number or an array of integers:
        a new array then.
        """
        program = self.program
        var, expr = node.contributions[index]
        tree, s = expr.tree, node.statement
        if not (self._reuses_values() and isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Mult, ast.Div))
                and isinstance(tree.left, ast.Name) and tree.left.id == program.bar(node.target)):
            return None
        if isinstance(tree.op, ast.Mult):
            t = reuse.unary_ufunc_operand(tree.right, program.derivatives.np)
        else:
            t = tree.right.id if isinstance(tree.right, ast.Name) else None
        if t is None or t != var or not self._only_array_operand(s, t) or not self.lendable(t, s):
            return None
        occurrences = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == t)
        if occurrences != 1 or self.reverse_readers().get(t) != 1:
            return None
        out = ast.keyword(arg="out", value=_call("reusable", ast.Name(id=t, ctx=ast.Load())))
        if isinstance(tree.op, ast.Mult):
            return ast.Call(func=tree.right.func, args=tree.right.args, keywords=[out]), tree.left
        divide = ast.Attribute(value=ast.Name(id=program.derivatives.np, ctx=ast.Load()), attr="divide",
                               ctx=ast.Load())
        return ast.Call(func=divide, args=[tree.left, tree.right], keywords=[out]), None

    def forward_into_operand(self, s):
        """``t`` when the forward statement ``s`` is ``y = np.F(t)``, ``np.F`` a unary ufunc, and
        may write ``y`` into t's array (``y = np.F(t, out=reusable(t))``): ``t`` is read by ``s``
        alone, and the reverse sweep reads it only for its shape and dtype (``size_of(t)``,
        ``unbroadcast(g, t)``), which ``np.F(t)`` has too. None otherwise."""
        program = self.program
        value = s.value
        if not (self._reuses_values() and isinstance(s, ir.Assign) and s.index is None and s.op is not None
                and s.op.kind == "rule" and isinstance(value, gast.Call) and not value.keywords
                and len(value.args) == 1 and isinstance(value.args[0], gast.Name)):
            return None
        call = gast.gast_to_ast(value)
        t = reuse.unary_ufunc_operand(call, program.derivatives.np)
        if t is None or t == s.target or not self.lendable(t, s):
            return None
        shape_only = self.shape_only_readers()
        if self.reverse_readers().get(t, 0) != shape_only.get(t, 0):
            return None
        return t

    def lendable(self, t, s):
        """Whether nothing but ``s`` (and shape reads) can see forward value ``t``'s array after
        ``s`` reads it: a local assigned once, at the top of the function, by arithmetic or a
        ufunc (a new array, never an argument or a view of one); read in the forward sweep by
        ``s`` alone, itself at the top; neither returned, nor taped, nor stored into."""
        program = self.program
        f = program.function
        definitions, reads, block_of = program.facts()
        definition = definitions.get(t, [])
        if (len(definition) != 1 or t in f.params or t in f.results or t in program.stored
                or t in program.originals or t in f.views or t in f.views.values()
                or program.derivatives.shapes.var(t) == frozenset()):      # a number: no array to lend
            return False
        d = definition[0]
        if not (isinstance(d, ir.Assign) and d.index is None and d.op is not None and d.op.kind == "rule"
                and d.op.rule is not None and d.op.rule.elementwise
                and reuse.makes_new_array(d.value, program.derivatives.np)):
            return False
        top = id(f.body)
        return (block_of.get(id(d)) == top and s is not None and block_of.get(id(s)) == top
                and reads.get(t) == 1 and t in statement_reads(s))

    def _reuses_values(self):
        """Forward values' arrays may be reused: not in code whose reverse sweep runs again on the
        same values (a vjp's backward function) or recomputes them (checkpoints), nor in code
        that will be differentiated again."""
        program = self.program
        return program.reuse_memory and not program.reruns and not program.checkpoint

    def _only_array_operand(self, s, t):
        """Whether every operand of ``s`` but ``t`` is a number: its result has t's shape."""
        shapes = self.program.derivatives.shapes
        others = [a for a in s.op.bound.values() if not (isinstance(a, gast.Name) and a.id == t)]
        return all(reuse.is_number_literal(a) or (isinstance(a, gast.Name) and shapes.var(a.id) == frozenset())
                   for a in others)

    def reverse_readers(self):
        """{variable: how many statements' reverses read it}."""
        if self._reverse_readers is None:
            counts = {}
            for s in ir.walk(self.program.function.body):
                for v in self.reads_of(s):
                    counts[v] = counts.get(v, 0) + 1
            self._reverse_readers = counts
        return self._reverse_readers

    def shape_only_readers(self):
        """{variable: how many statements' reverses read it only for its shape and dtype}."""
        if self._shape_only_readers is None:
            counts = {}
            for s in ir.walk(self.program.function.body):
                if isinstance(s, ir.Assign) and s.op is not None and s.op.kind == "rule":
                    contributions, prelude = self.program.rule_adjoint(s)
                    trees = [e.tree for _, e in contributions] + [line.tree for line in prelude]
                    for v in reuse.read_for_shape_only(trees, set(self.reads_of(s))):
                        counts[v] = counts.get(v, 0) + 1
            self._shape_only_readers = counts
        return self._shape_only_readers

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


def _call(function, *args):
    return ast.Call(func=ast.Name(id=function, ctx=ast.Load()), args=list(args), keywords=[])
