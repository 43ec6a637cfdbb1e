"""What goes on the tape: the values the reverse sweep reads that may be overwritten before it
reads them, worked out from the adjoint expressions' trees.
"""
from ...ir import nodes as ir
from . import needed
from .nodes import Pop
from .trees import call, name, names_in_walk_order


class Tape:
    """The list the forward sweep saves values on, and what the reverse sweep reads of them."""

    def __init__(self, program):
        self.program = program
        self.pushes = 0
        self._reads = {}          # id(assignment) -> variables its reverse reads
        self._needed = None

    @property
    def name(self):
        return self.program.tape

    def push(self, var, code):
        code.line(f"{self.name}.append({var})")
        self.pushes += 1

    def save(self, variables, later, code):
        """Push the variables the reverse sweep reads here if they may be overwritten later;
        return the Pops restoring them, last pushed first.

        An array that a later store (``x[i] = v``) changes in place is pushed as a copy.
        """
        program = self.program
        pops = []
        for var in variables:
            if var in later or (not program.cleanups.tape_overwritten_only and var in program.locals
                                and var not in program.function.params):
                value = f"copy_of({var})" if var in program.stored else var
                code.line(f"{self.name}.append({value})")
                self.pushes += 1
                pops.insert(0, Pop(var))
        return pops

    def reads_of(self, s):
        """The primal variables the reverse of an assignment reads, in order."""
        if not isinstance(s, (ir.Assign, ir.Unpack)) or s.op is None:
            return []
        key = id(s)
        if key not in self._reads:
            program, op = self.program, s.op
            if op.kind == "constant":
                trees = []
            elif isinstance(s, ir.Unpack) and op.kind == "rule":
                # the parts' adjoints, or zeros shaped like the parts where none flowed back
                zeros = [call("zeros_like", name(t)) for t in s.targets]
                trees = [program.derivatives.parts_adjoint_tree(s, zeros)]
            elif isinstance(s, ir.Unpack) or op.kind == "call":
                targets = s.targets if isinstance(s, ir.Unpack) else []
                trees = list(op.bound.values()) + [name(t) for t in targets]
            elif op.kind == "rule":
                contributions, prelude = program.rule_adjoint(s)
                trees = [e.tree for _, e in contributions] + [line.tree for line in prelude]
            else:
                trees = []
            reads = []
            for tree in trees:
                for n in names_in_walk_order(tree):
                    if n in program.locals and n not in reads:
                        reads.append(n)
            self._reads[key] = reads
        return self._reads[key]

    def skipped(self, s):
        """Whether the forward sweep leaves ``s`` out (see ``needed.py``)."""
        program = self.program
        if not (program.cleanups.skip_unneeded and not program.checkpoint and needed.skippable(s)):
            return False
        if self._needed is None:
            outputs = [r for r in program.function.results
                       if program.keeps_value or (r in program.active and not program.scalar_output(r))]
            self._needed = needed.needed_values(program.function.body, outputs, self.reads_of)
        return s.target not in self._needed

    def later_in_block(self, statements, after):
        """For each statement of a block: the names written after it (``after`` included), and
        the variables a later statement of the block reads (and restores) before any write of them.

        The reverse sweep pops such a value there first, so an earlier read of the same
        value needs no tape entry of its own. Both are built in one pass over the block, so a
        block of n statements costs n steps, not n².
        """
        program = self.program
        count = len(statements)
        last_write = {}
        for index, s in enumerate(statements):
            for written in program.writes([s]):
                last_write[written] = index
        later = [WrittenAfter(after, last_write, index) for index in range(count)]
        covered = [frozenset()] * count
        if not program.cleanups.tape_overwritten_only:
            return later, covered
        for s in statements[1:]:        # in block order, as the adjoints' names are made
            self.reads_of(s)
        read_first = set()
        for index in range(count - 1, 0, -1):
            covered[index] = frozenset(read_first)
            s = statements[index]
            writes = program.writes([s])
            operands = ir.read_names(s.value) if isinstance(s, (ir.Assign, ir.Unpack)) else set()
            read_first = {v for v in read_first if v not in writes} | {
                v for v in self.reads_of(s) if v not in writes or v in operands}
        if count:
            covered[0] = frozenset(read_first)
        return later, covered


class WrittenAfter:
    """The names written after one statement of a block: ``after`` (written after the block)
    and each name whose last write in the block comes later. A lookup, where a set copied per
    statement made long blocks quadratic."""

    def __init__(self, after, last_write, index):
        self.after, self.last_write, self.index = after, last_write, index

    def __contains__(self, name_):
        return name_ in self.after or self.last_write.get(name_, -1) > self.index

    def __iter__(self):
        return iter(set(self.after) | {n for n, i in self.last_write.items() if i > self.index})

    def __or__(self, other):
        return set(self) | set(other)
