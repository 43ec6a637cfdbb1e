"""The forward sweep: the function as it runs, recording on the tape what the reverse sweep
will read, and the reverse-sweep nodes of each statement (returned last first).

An ``if`` records which branch ran, a ``while`` counts its iterations, a ``for`` over a
range is run backwards, and a value is saved only when it may be overwritten before the
reverse sweep reads it.
"""
import gast

from ...ir import nodes as ir
from ...ir.code import LineQuoter, src
from . import checkpoint
from .nodes import Adjoint, Pop, RevIf, RevLoop
from .trees import Fragment, assignment, call, name


class ForwardSweep:
    def __init__(self, program, tape, memory):
        self.program = program
        self.tape = tape
        self.memory = memory
        self.quoter = LineQuoter(program.context.location)

    def block(self, statements, after, code, top=False):
        """Write a block; return its reverse-sweep nodes. ``after``: names written after it."""
        start = len(code.lines)
        reverse = self._statements(statements, after, code, top)
        if not top and all(line.lstrip().startswith("#") for line in code.lines[start:]):
            code.line("pass")       # every statement was left out (not needed for the gradient)
        return reverse

    def _statements(self, statements, after, code, top):
        program = self.program
        reverse = []
        later, covered = self.tape.later_in_block(statements, after)
        for index, s in enumerate(statements):
            if top and program.checkpoint and isinstance(s, (ir.For, ir.While)) and program.is_active(s):
                self.quote(s, code)
                reverse = checkpoint.forward_sweep(self, s, statements[:index], code) + reverse
                continue
            reverse = self.statement(s, later[index], code, covered[index]) + reverse
        return reverse

    def statement(self, s, later, code, covered=frozenset()):
        """Write ``s`` into the forward sweep; return its reverse-sweep nodes.

        ``later``: names written after ``s``; ``covered``: values a later statement pops first.
        """
        program = self.program
        if isinstance(s, ir.Push) or (isinstance(s, ir.Assign) and s.op is not None and s.op.kind == "pop"):
            raise program.context.location.error(
                s.origin, "reverse mode of a derivative's tape",
                "reverse mode over reverse-mode code is not supported; differentiate it in forward "
                "mode instead: tad.hvp, tad.hessian, tad.jacfwd or tad.jvp")
        self.quote(s, code)
        if isinstance(s, ir.Assign):
            if s.op is None:
                code.line(s.text)
                return []
            if self.tape.skipped(s):
                code.comment(f"not needed for the gradient: {s.text}")
                return self.assignment(s, later, code, covered, run=False)
            return self.assignment(s, later, code, covered)
        if isinstance(s, ir.Raw):
            code.line(src(s.node))
            return []
        if isinstance(s, ir.Unpack):
            return self.unpacking(s, later, code, covered)
        if isinstance(s, ir.Return):
            return []
        if not program.is_active(s):
            self.primal(s, code)
            return []
        if isinstance(s, ir.If):
            cond = program.records[id(s)]
            code.line(f"{cond} = {src(s.test)}")
            code.line(f"if {cond}:")
            with code.indented():
                body = self.block(s.body, later, code) if s.body else _pass(code)
            orelse = []
            if s.orelse:
                code.line("else:")
                with code.indented():
                    orelse = self.block(s.orelse, later, code)
            return self.tape.save([cond], later, code) + [RevIf(cond, body, orelse)]
        if isinstance(s, ir.While):
            counter = program.records[id(s)]
            code.line(f"{counter} = 0")
            code.line(f"while {src(s.test)}:")
            with code.indented():
                body = self.block(s.body, later | program.writes(s.body) | {counter}, code)
                code.line(f"{counter} += 1")
            unused = program.names.special('_')
            return self.tape.save([counter], later, code) + [
                RevLoop(f"for {unused} in range({counter}):", body, ("range", counter))]
        if isinstance(s, ir.For):
            code.line(f"for {s.target} in {src(s.iter)}:")
            with code.indented():
                inner = later | program.writes(s.body)
                if s.target not in program.writes(s.body):
                    inner.discard(s.target)      # the reversed loop header sets it again
                body = self.block(s.body, inner, code)
            needed = sorted(ir.read_names(s.iter) & program.locals)
            header = f"for {s.target} in reversed({src(s.iter)}):"
            reads = ("reversed",) + tuple(Fragment(s.iter).loads)
            return self.tape.save(needed, later, code) + [RevLoop(header, body, reads)]
        raise AssertionError(s)

    def quote(self, s, code):
        """A comment quoting the user's line that ``s`` comes from, where its code starts."""
        if isinstance(s, ir.Assign):
            self.quoter.quote(code, s.origin, s.text)
        elif isinstance(s, ir.Raw):
            self.quoter.quote(code, s.node, src(s.node))
        elif isinstance(s, ir.If):       # recorded as cond = <test>: quote the user's line
            self.quoter.quote(code, s.origin, None if self.program.is_active(s) else f"if {src(s.test)}:")
        elif isinstance(s, ir.While):
            self.quoter.quote(code, s.origin, f"while {src(s.test)}:")
        elif isinstance(s, ir.For):
            target = s.target if s.target is not None else src(s.origin.target)
            self.quoter.quote(code, s.origin, f"for {target} in {src(s.iter)}:")
        elif isinstance(s, ir.Unpack):
            self.quoter.quote(code, s.origin)

    def primal(self, s, code):
        """A statement as the primal runs it: nothing recorded."""
        if isinstance(s, ir.Assign):
            code.line(s.text)
        elif isinstance(s, ir.Unpack):
            code.line(f"{', '.join(s.targets)} = {src(s.value)}")
        elif isinstance(s, ir.Raw):
            code.line(src(s.node))
        elif isinstance(s, ir.Push):          # code that is a derivative itself: its own tape
            code.line(f"{s.stack}.append({src(s.value)})")
        elif isinstance(s, ir.If):
            code.line(f"if {src(s.test)}:")
            self.primal_block(s.body, code)
            if s.orelse:
                code.line("else:")
                self.primal_block(s.orelse, code)
        elif isinstance(s, ir.While):
            code.line(f"while {src(s.test)}:")
            self.primal_block(s.body, code)
        elif isinstance(s, ir.For):
            target = s.target if s.target is not None else src(s.origin.target)
            code.line(f"for {target} in {src(s.iter)}:")
            self.primal_block(s.body, code)

    def primal_block(self, statements, code, indent=True):
        """A block as the primal runs it, indented one level unless ``indent`` is false."""
        if indent:
            with code.indented():
                self.primal_block(statements, code, indent=False)
            return
        if not statements:
            code.line("pass")
        for s in statements:
            self.quote(s, code)
            self.primal(s, code)

    # ------------------------------------------------------------ assignments
    def _record(self, text, before, reads, later, code, covered, run=True):
        """Push the targets the statement overwrites while reading (``before``), run it, save
        what its reverse reads; return the Pops, in the order the reverse sweep runs them."""
        for var in before:
            self.tape.push(var, code)
        if run:
            code.line(text)
        pops = self.tape.save([v for v in reads if v not in before and v not in covered], later, code)
        return pops + [Pop(v) for v in reversed(before)]

    def assignment(self, s, later, code, covered, run=True):
        program = self.program
        op = s.op
        g = program.bar(s.target)
        prelude = []
        if op.kind == "constant":
            contributions = []
        elif op.kind == "copy":
            contributions = [(op.bound["x"].id, Fragment.name(g))]
        elif op.kind == "call":
            contributions, prelude = self.call_adjoint(s, g)
        else:
            contributions, prelude = program.rule_adjoint(s)
        reads = self.tape.reads_of(s)
        operands = ir.read_names(s.value)
        before = [s.target] if s.target in reads and s.target in operands else []
        pops = self._record(self._text(s, run), before, reads, later, code, covered, run)
        return [Adjoint(s.target, s.text, contributions, prelude, pops=pops, statement=s)]

    def _text(self, s, run):
        """``y = np.exp(t)``, or ``y = np.exp(t, out=reusable(t))`` where nothing reads ``t``'s
        values after it (``Memory.forward_into_operand``)."""
        t = self.memory.forward_into_operand(s) if run else None
        if t is None:
            return s.text
        self.memory.updated_in_place()
        call = s.text.split(" = ", 1)[1]
        return f"{s.target} = {call[:-1]}, out=reusable({t}))    # {t} is not read again: its array holds the result"

    def unpacking(self, s, later, code, covered):
        """``a, b = helper(x)``: the helper's derivative is seeded with the adjoint of each part."""
        program = self.program
        op = s.op
        if op.kind == "rule":
            return self.unpacking_rule(s, later, code, covered)
        if op.kind == "constant":           # nothing flows back through constants
            text = f"{', '.join(s.targets)} = {src(s.value)}"
            code.line(text)
            return [Adjoint(s.targets[0], text, [], targets=tuple(s.targets))]
        derived = program.context.request(op.callee, "reverse", op.active, s.value.func, op.lists)
        parts = [program.names.fresh(f"{program.bar(op.bound[p].id)}_from_{_short(derived.callee_name)}")
                 for p in op.active]

        def seeded_call(state):
            seeds = [gast.keyword(arg=seed, value=ir.name(program.bar(t)) if t in state else _zeros_like(t))
                     for seed, t in zip(derived.seeds, s.targets)]
            seeded = gast.Call(func=ir.name(derived.name), args=s.value.args,
                               keywords=list(s.value.keywords) + seeds)
            return assignment(parts, gast.gast_to_ast(seeded))

        arguments = [a.id for a in op.bound.values() if isinstance(a, gast.Name)]
        reads = self.tape.reads_of(s)
        before = [t for t in s.targets if t in arguments]
        text = f"{', '.join(s.targets)} = {src(s.value)}"
        pops = self._record(text, before, reads, later, code, covered)
        contributions = [(op.bound[p].id, Fragment.name(part)) for p, part in zip(op.active, parts)]
        return [Adjoint(s.targets[0], text, contributions, targets=tuple(s.targets), pops=pops,
                        seeded_call=seeded_call)]

    def unpacking_rule(self, s, later, code, covered):
        """``p, q = np.split(x, 2)``: x's adjoint is assembled from the parts' adjoints."""
        program = self.program
        op = s.op
        operand = op.bound[op.active[0]].id if op.active else None
        part = program.names.fresh(f"{program.bar(operand)}_from_{op.rule.name}") if operand else None

        def seeded_call(state):
            gs = [name(program.bar(t)) if t in state else call("zeros_like", name(t)) for t in s.targets]
            return assignment([part], program.derivatives.parts_adjoint_tree(s, gs))

        text = f"{', '.join(s.targets)} = {src(s.value)}"
        before = [t for t in s.targets if t in ir.read_names(s.value)]
        pops = self._record(text, before, self.tape.reads_of(s), later, code, covered)
        contributions = [(operand, Fragment.name(part))] if operand else []
        return [Adjoint(s.targets[0], text, contributions, targets=tuple(s.targets), pops=pops,
                        seeded_call=seeded_call)]

    def call_adjoint(self, s, g):
        """``y = helper(x)``: the helper's derivative, seeded with ``g``, gives each active
        argument's part."""
        program = self.program
        op = s.op
        derived = program.context.request(op.callee, "reverse", op.active, s.value.func, op.lists)
        parts = [program.names.fresh(f"{program.bar(op.bound[p].id)}_from_{_short(derived.callee_name)}")
                 for p in op.active]
        seeded = gast.Call(func=ir.name(derived.name), args=s.value.args,
                           keywords=list(s.value.keywords) + [gast.keyword(arg=derived.seed, value=ir.name(g))])
        prelude = [assignment(parts, gast.gast_to_ast(seeded))]
        return [(op.bound[p].id, Fragment.name(part)) for p, part in zip(op.active, parts)], prelude


def _zeros_like(var):
    """``zeros_like(var)`` as a gast tree."""
    return gast.Call(func=ir.name("zeros_like"), args=[ir.name(var)], keywords=[])


def _pass(code):
    code.line("pass")
    return []


def _short(name_):
    return name_.rsplit(".", 1)[-1]
