"""What every part of reverse mode reads: the function, the derivative asked for, and facts
about the function worked out once (its recorded branches and loops, what each statement
writes, the adjoint expressions of its operations as trees).
"""
from ...ir import nodes as ir
from ...ir.code import src
from .needed import statement_reads
from .trees import Fragment


class Program:
    """The function being differentiated and the settings of its derivative."""

    def __init__(self, context, function, wrt, active, return_value=False, tuple_output=False,
                 checkpoint=None):
        # the clean-ups that apply (cleanups.py); none: the plain transformation, where every
        # adjoint starts at zero, every value the reverse sweep reads is taped, nothing is folded
        self.cleanups = context.cleanups
        self.context = context
        self.function = function
        self.wrt = wrt
        self.active = active
        self.return_value = return_value
        # built for a call's numbers (Shapes.given): a scalar output's seed is the number the call
        # passes, and is not checked (generate.py sets it for the derivative a call asked for)
        self.seed_is_number = False
        self.checkpoint = checkpoint      # None, True (about sqrt(n) snapshots) or iterations per snapshot
        self.tuple_output = tuple_output or len(wrt) > 1
        self.keeps_value = return_value   # the value is returned too (value_and_grad, vjp)
        self.reruns = False               # the reverse sweep may run again on the same forward values (vjp)
        self.names = context.names
        self.derivatives = context.derivatives
        self.locals = context.local_names
        # a store into y (y[i] = v) also changes every value sharing y's memory (t1 = y[0], ...):
        # such values are saved as copies, and the store counts as writing them all
        self.viewers = function.in_place
        self.stored = {v for sharing in self.viewers.values() for v in sharing}
        # adjoints updated in place (reuse.py) and a loop's matmul terms summed after it
        # (batching.py); not in code that will be differentiated again (forward mode reads plain code)
        self.reuse_memory = self.cleanups.reuse_memory
        self.records = {}                 # id(If/While) -> the variable recording it
        self.originals = {}               # reassigned argument -> the name keeping it as passed
        self._adjoints = {}               # id(assignment) -> its adjoint as Fragments
        self._facts = None
        self._allocate_records(function.body)

    def bar(self, var):
        return self.names.adjoint(var)

    @property
    def tape(self):
        """The list the forward sweep saves values on: ``tape`` unless the function uses that name."""
        return self.names.special("tape")

    def _allocate_records(self, statements):
        for s in statements:
            if isinstance(s, ir.If) and self.is_active(s):
                self.records[id(s)] = self.names.fresh("cond")
            if isinstance(s, ir.While) and self.is_active(s):
                self.records[id(s)] = self.names.fresh("iterations")
            for block in ir.blocks(s):
                self._allocate_records(block)

    def is_active(self, s):
        if isinstance(s, (ir.Assign, ir.Unpack)):
            return s.op is not None
        return any(self.is_active(c) for block in ir.blocks(s) for c in block)

    def writes(self, statements):
        """Names the forward sweep assigns in ``statements``, recorded flags and counters included."""
        names = ir.writes(statements)
        for s in statements:
            if id(s) in self.records:
                names.add(self.records[id(s)])
            if isinstance(s, ir.Assign) and s.index is not None:
                names |= self.viewers.get(s.target, set())
            elif isinstance(s, ir.Raw):
                for written in s.writes:
                    names |= self.viewers.get(written, set())
            for block in ir.blocks(s):
                names |= self.writes(block)
        return names

    def top_level_writes(self):
        """Names the forward sweep always assigns: outside every branch and loop."""
        names = set()
        for s in self.function.body:
            if isinstance(s, ir.Assign):
                names.add(s.target)
            elif isinstance(s, ir.Unpack):
                names |= set(s.targets)
            elif id(s) in self.records:
                names.add(self.records[id(s)])
        return names

    def argument_never_reassigned(self, var):
        return var in self.function.params and var not in self.writes(self.function.body)

    def single_valued(self, var):
        """Whether ``var`` holds one value for the whole reverse sweep: a parameter never
        reassigned, or a local assigned once, by a statement outside every branch and loop
        (``inputs = xs @ U.T``). Its adjoint can then start as zeros of its shape before a
        loop and be added into there (``index_accumulate(inputs_bar, g, t)``), instead of a
        new array of its full shape on every iteration."""
        if var in self.function.params:
            return self.argument_never_reassigned(var)
        writers = [s for s in self.function.body if var in self.writes([s])]
        return (len(writers) == 1 and isinstance(writers[0], ir.Assign) and writers[0].target == var
                and writers[0].index is None and not list(ir.blocks(writers[0])))

    def original(self, p):
        """A name holding argument ``p`` as it was passed (p itself, unless p is reassigned)."""
        if p not in self.writes(self.function.body):
            return p
        if p not in self.originals:
            self.originals[p] = self.names.fresh(f"{p}_arg")
        return self.originals[p]

    def param(self, p):
        """A parameter as the derivative's signature writes it, with its default."""
        default = self.function.defaults.get(p)
        return p if default is None else f"{p}={src(default)}"

    def scalar_output(self, r):
        """Whether output ``r`` is known to be a scalar (``np.sum(x)``) and only the gradient
        is returned: its seed is then checked without reading ``r`` (``scalar_seed``)."""
        return (self.cleanups.scalar_seed and not self.keeps_value
                and self.derivatives.shapes.var(r) == frozenset())

    def rule_adjoint(self, s):
        """The adjoint of ``s = rule(...)`` given its target's adjoint: ([(operand, Fragment)],
        [Fragment of a prelude statement])."""
        key = id(s)
        if key not in self._adjoints:
            contributions, prelude = self.derivatives.adjoint_trees(s, self.bar(s.target))
            self._adjoints[key] = ([(var, Fragment(expr)) for var, expr in contributions],
                                   [Fragment(statement) for statement in prelude])
        return self._adjoints[key]

    def facts(self):
        """{variable: its assignments}, {variable: how many statements read it}, {statement: its block}."""
        if self._facts is None:
            definitions, reads, block_of = {}, {}, {}

            def visit(block):
                for s in block:
                    block_of[id(s)] = id(block)
                    if isinstance(s, ir.Assign):
                        definitions.setdefault(s.target, []).append(s)
                    elif isinstance(s, ir.Unpack):
                        for t in s.targets:
                            definitions.setdefault(t, []).append(s)
                    for n in statement_reads(s):
                        reads[n] = reads.get(n, 0) + 1
                    for inner in ir.blocks(s):
                        visit(inner)
            visit(self.function.body)
            self._facts = definitions, reads, block_of
        return self._facts
