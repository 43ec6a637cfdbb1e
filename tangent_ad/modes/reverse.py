"""Reverse mode: a forward sweep that records, then a reverse sweep that replays backwards.

Control flow follows one pattern: record in the forward sweep, replay in the
reverse sweep. An ``if`` records which branch ran, a ``while`` counts its
iterations, a ``for`` over a range is run backwards, and a value the reverse
sweep needs is saved on the tape only when it may be overwritten before the
reverse sweep reads it.

Adjoints are assigned on first use (``x_bar = t1_bar``) and accumulated after
(``x_bar = x_bar + t2_bar``); where control flow joins paths that touched
different adjoints, the missing ones start from zero.
"""
from dataclasses import dataclass, field

import gast

from . import batching, checkpoint, needed, reuse
from ..ir import nodes as ir
from ..ir.code import Code, LineQuoter, src


# ----------------------------------------------------------- reverse-sweep nodes
@dataclass
class Pop:
    var: str


@dataclass
class Adjoint:
    """The adjoint of one assignment: contributions flow from ``target``'s adjoint to its operands."""
    target: str
    comment: str
    contributions: list           # [(operand variable, expression source)]
    prelude: list = field(default_factory=list)   # lines computing parts (calls to helpers)
    targets: tuple = ()           # for a, b = helper(...): every target
    seeded_call: object = None    # state -> the line calling the helper's derivative
    pops: list = field(default_factory=list)      # values it reads, restored from the tape first
    statement: object = None      # the forward statement (an ir.Assign)

    @property
    def elementwise(self):
        """An elementwise rule: each contribution has the target's shape."""
        op = getattr(self.statement, "op", None)
        return op is not None and op.kind == "rule" and op.rule.elementwise


@dataclass
class RevIf:
    cond: str
    body: list
    orelse: list


@dataclass
class RevLoop:
    header: str
    body: list


class _WrittenAfter:
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


class ReverseGenerator:
    def __init__(self, context, function, wrt, active, return_value=False, tuple_output=False,
                 checkpoint=None):
        # optimize=False writes the plain transformation: every adjoint starts at zero and is
        # accumulated, every value the reverse sweep reads goes on the tape, nothing is folded
        self.optimize = context.optimize
        self.context = context
        self.function = function
        self.wrt = wrt
        self.active = active
        self.return_value = return_value
        self.checkpoint = checkpoint      # None, True (about sqrt(n) snapshots) or iterations per snapshot
        self.tuple_output = tuple_output or len(wrt) > 1
        self.names = context.names
        self.derivatives = context.derivatives
        self.locals = context.local_names
        self.records = {}                 # id(If/While) -> the variable recording it
        self._reads = {}                  # id(assignment) -> variables its reverse reads
        self.originals = {}               # reassigned argument -> the name keeping it as passed
        self.quoter = LineQuoter(context.location)
        self.pushes = 0
        self.zero_placeholder = False
        # a store into y (y[i] = v) also changes every value sharing y's memory (t1 = y[0], ...):
        # such values are saved as copies, and the store counts as writing them all
        self.viewers = function.in_place
        self.stored = {v for sharing in self.viewers.values() for v in sharing}
        self.in_place = set()    # adjoints zeroed right before the loop being emitted: safe to add into
        self.keeps_value = return_value   # the value is returned too (value_and_grad, vjp)
        # adjoints updated in place (reuse.py) and a loop's matmul terms summed after it
        # (batching.py); not in code that will be differentiated again (forward mode reads plain code)
        self.reuse_memory = self.optimize and not context.module.plain
        self.batches = None      # the loop being emitted: its lists of matmul terms
        # variables whose adjoint holds an array of their full shape that only that name refers
        # to (made by sum_adjoint, ...): its last reader may update it in place
        self.owned = set()
        # variables whose adjoint is a number standing for every element (the adjoint of a full
        # np.sum): their one elementwise reader spreads it, g * partial (see _spread_scalar)
        self.spread = set()
        self._facts = None
        self._needed = None
        self._allocate_records(function.body)

    def bar(self, var):
        return self.names.adjoint(var)

    @property
    def tape(self):
        """The list the forward sweep saves values on: ``tape`` unless the function uses that name."""
        return self.names.special("tape")

    # --------------------------------------------------------------- analysis
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

    # ------------------------------------------------- what the derivative reads
    def scalar_output(self, r):
        """Whether output ``r`` is known to be a scalar (``np.sum(x)``) and only the gradient
        is returned: its seed is then checked without reading ``r`` (``scalar_seed``)."""
        return (self.optimize and not self.keeps_value
                and self.derivatives.shapes.var(r) == frozenset())

    def skipped(self, s):
        """Whether the forward sweep leaves ``s`` out (see ``needed.py``)."""
        if not (self.optimize and not self.checkpoint and needed.skippable(s)):
            return False
        if self._needed is None:
            outputs = [r for r in self.function.results
                       if self.keeps_value or (r in self.active and not self.scalar_output(r))]
            self._needed = needed.needed_values(self.function.body, outputs, self.reads_of)
        return s.target not in self._needed

    # --------------------------------------------------------------- generate
    def generate(self, name_):
        f = self.function
        seed = ", ".join(self.bar(r) for r in f.results)
        forward = Code()
        with forward.indented():
            reverse_nodes = self.sweep_block(f.body, set(), forward, top=True)
        params = [self._param(p) for p in f.params] + [f"{self.bar(r)}=1.0" for r in f.results]
        code = Code()
        code.line(f"def {name_}({', '.join(params)}):")
        with code.indented():
            self._docstring(code, seed)
            if self.pushes:
                code.line(f"{self.tape} = []")
            code.comment("forward sweep")
        reverse = Code()
        with reverse.indented():
            self.reverse_sweep(reverse, reverse_nodes, seed)
        with code.indented():
            for p, original in self.originals.items():
                code.line(f"{original} = {p}    # the argument, before {p} is reassigned")
            for line in ir.stored_argument_lines(f):
                code.line(line)
        code.extend(forward)
        code.extend(reverse)
        return code, seed

    def generate_split(self, forward_name, backward_name):
        """Two functions for tad.vjp: the forward sweep, returning the output and what the
        reverse sweep needs; and the reverse sweep, which can run again with new seeds."""
        self.keeps_value = True
        f = self.function
        seed = ", ".join(self.bar(r) for r in f.results)
        forward = Code()
        with forward.indented():
            reverse_nodes = self.sweep_block(f.body, set(), forward, top=True)
        reverse = Code()
        with reverse.indented():
            self.reverse_sweep(reverse, reverse_nodes, seed)
        known = self.locals | set(f.params) | set(self.records.values()) | set(self.originals.values())
        if self.pushes:
            known.add(self.tape)
        # every name the reverse sweep reads (one it also pops may be read first on another branch)
        saved = [n for n in _loaded_names(reverse.text()) if n in known]
        defined = set(f.params) | set(self.originals.values()) | {self.tape} | self._top_level_writes()
        maybe = [n for n in saved if n not in defined]
        outs = ", ".join(f.results) if len(f.results) == 1 else f"({', '.join(f.results)})"
        code = Code()
        code.line(f"def {forward_name}({', '.join(self._param(p) for p in f.params)}):")
        with code.indented():
            code.line(f'"""Forward sweep of {f.name} ({self.context.where_defined}) for its vector-Jacobian '
                      "product.")
            code.blank()
            code.line(f"Returns ({outs}, saved): the value, and what {backward_name} needs to send "
                      f"adjoints back to {', '.join(self.wrt)}.")
            code.line('"""')
            if maybe:
                code.line(f"{' = '.join(maybe)} = None    # read by the reverse sweep; set below only "
                          "where their code runs")
            if self.pushes:
                code.line(f"{self.tape} = []")
            for p, original in self.originals.items():
                code.line(f"{original} = {p}    # the argument, before {p} is reassigned")
            for line in ir.stored_argument_lines(f):
                code.line(line)
        code.extend(forward)
        with code.indented():
            code.line(f"return {outs}, ({', '.join(saved)}{',' if len(saved) == 1 else ''})")
        code.blank()
        code.blank()
        code.line(f"def {backward_name}(saved, {', '.join(f'{self.bar(r)}=1.0' for r in f.results)}):")
        with code.indented():
            grads = ", ".join(self.bar(p) for p in self.wrt)
            code.line(f'"""Reverse sweep of {f.name}: given what {forward_name} saved and the adjoint '
                      f"{seed} of the output, returns ({grads}{',' if len(self.wrt) == 1 else ''}).")
            code.blank()
            code.line("It can run any number of times on the same saved values.")
            code.line('"""')
            if saved:
                code.line(f"{', '.join(saved)}, = saved")
            if self.pushes:
                code.line(f"{self.tape} = list({self.tape})    # pop from a copy: the saved tape stays whole for the next call")
        code.extend(reverse)
        return code

    def _top_level_writes(self):
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

    def _param(self, p):
        default = self.function.defaults.get(p)
        return p if default is None else f"{p}={src(default)}"

    def _docstring(self, code, seed):
        f = self.function
        grads = ", ".join(self.bar(p) for p in self.wrt)
        code.line(f'"""Reverse mode (adjoints) of {f.name} ({self.context.where_defined}) '
                  f'with respect to {", ".join(self.wrt)}.')
        code.blank()
        grads = f"({grads}{',' if len(self.wrt) == 1 else ''})" if self.tuple_output else grads
        returns = f"({f.result}, {grads})" if self.return_value else grads
        outputs = ", ".join(f.results)
        code.line(f"Given {seed}, the adjoint{'s' if len(f.results) > 1 else ''} of the output "
                  f"{outputs} (1.0 for a scalar), returns {returns}.")
        code.line('"""')

    # ---------------------------------------------------------- forward sweep
    def sweep_block(self, statements, after, code, top=False):
        start = len(code.lines)
        reverse = self._sweep_statements(statements, after, code, top)
        if not top and all(line.lstrip().startswith("#") for line in code.lines[start:]):
            code.line("pass")       # every statement was left out (not needed for the gradient)
        return reverse

    def _sweep_statements(self, statements, after, code, top):
        reverse = []
        later, covered = self._later_in_block(statements, after)
        for index, s in enumerate(statements):
            if top and self.checkpoint and isinstance(s, (ir.For, ir.While)) and self.is_active(s):
                self._quote(s, code)
                reverse = checkpoint.forward_sweep(self, s, statements[:index], code) + reverse
                continue
            reverse = self.sweep(s, later[index], code, covered[index]) + reverse
        return reverse

    def _later_in_block(self, statements, after):
        """For each statement of a block: the names written after it (``after`` included), and
        the variables a later statement of the block reads (and restores) before any write of them.

        The reverse sweep pops such a value there first, so an earlier read of the same
        value needs no tape entry of its own. Both are built in one pass over the block, so a
        block of n statements costs n steps, not n².
        """
        count = len(statements)
        last_write = {}
        for index, s in enumerate(statements):
            for written in self.writes([s]):
                last_write[written] = index
        later = [_WrittenAfter(after, last_write, index) for index in range(count)]
        covered = [frozenset()] * count
        if not self.optimize:
            return later, covered
        for s in statements[1:]:        # in block order, as the adjoints' names are made
            self.reads_of(s)
        read_first = set()
        for index in range(count - 1, 0, -1):
            covered[index] = frozenset(read_first)
            s = statements[index]
            writes = self.writes([s])
            operands = ir.read_names(s.value) if isinstance(s, (ir.Assign, ir.Unpack)) else set()
            read_first = {v for v in read_first if v not in writes} | {
                v for v in self.reads_of(s) if v not in writes or v in operands}
        if count:
            covered[0] = frozenset(read_first)
        return later, covered

    def reads_of(self, s):
        """The primal variables the reverse of an assignment reads, in order."""
        if not isinstance(s, (ir.Assign, ir.Unpack)) or s.op is None:
            return []
        key = id(s)
        if key not in self._reads:
            op = s.op
            if op.kind == "constant":
                texts = []
            elif isinstance(s, ir.Unpack) and op.kind == "rule":
                # the parts' adjoints, or zeros shaped like the parts where none flowed back
                texts = [self.derivatives.parts_adjoint(s, [f"zeros_like({t})" for t in s.targets])]
            elif isinstance(s, ir.Unpack) or op.kind == "call":
                arguments = [src(a) for a in op.bound.values()]
                targets = s.targets if isinstance(s, ir.Unpack) else []
                texts = arguments + [t for t in targets if t not in arguments]
            elif op.kind == "rule":
                contributions, prelude = self.derivatives.adjoint(s, self.bar(s.target))
                texts = [e for _, e in contributions] + prelude
            else:
                texts = []
            reads = []
            for text in texts:
                for n in _ordered_names(text):
                    if n in self.locals and n not in reads:
                        reads.append(n)
            self._reads[key] = reads
        return self._reads[key]

    def sweep(self, s, later, code, covered=frozenset()):
        """Write ``s`` into the forward sweep; return its reverse-sweep nodes."""
        if isinstance(s, ir.Push) or (isinstance(s, ir.Assign) and s.op is not None and s.op.kind == "pop"):
            raise self.context.location.error(
                s.origin, "reverse mode of a derivative's tape",
                "reverse mode over reverse-mode code is not supported; differentiate it in forward "
                "mode instead: tad.hvp, tad.hessian, tad.jacfwd or tad.jvp")
        self._quote(s, code)
        if isinstance(s, ir.Assign):
            if s.op is None:
                code.line(s.text)
                return []
            if self.skipped(s):
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
        if not self.is_active(s):
            self.primal(s, code)
            return []
        if isinstance(s, ir.If):
            cond = self.records[id(s)]
            code.line(f"{cond} = {src(s.test)}")
            code.line(f"if {cond}:")
            with code.indented():
                body = self.sweep_block(s.body, later, code) if s.body else self._pass(code)
            orelse = []
            if s.orelse:
                code.line("else:")
                with code.indented():
                    orelse = self.sweep_block(s.orelse, later, code)
            return self.save([cond], later, code) + [RevIf(cond, body, orelse)]
        if isinstance(s, ir.While):
            counter = self.records[id(s)]
            code.line(f"{counter} = 0")
            code.line(f"while {src(s.test)}:")
            with code.indented():
                body = self.sweep_block(s.body, later | self.writes(s.body) | {counter}, code)
                code.line(f"{counter} += 1")
            return self.save([counter], later, code) + [RevLoop(f"for {self.names.special('_')} in range({counter}):", body)]
        if isinstance(s, ir.For):
            code.line(f"for {s.target} in {src(s.iter)}:")
            with code.indented():
                inner = later | self.writes(s.body)
                if s.target not in self.writes(s.body):
                    inner.discard(s.target)      # the reversed loop header sets it again
                body = self.sweep_block(s.body, inner, code)
            needed = sorted(ir.read_names(s.iter) & self.locals)
            header = f"for {s.target} in reversed({src(s.iter)}):"
            return self.save(needed, later, code) + [RevLoop(header, body)]
        raise AssertionError(s)

    def _pass(self, code):
        code.line("pass")
        return []

    def save(self, variables, later, code):
        """Push the variables the reverse sweep reads here if they may be overwritten later.

        An array that a later store (``x[i] = v``) changes in place is pushed as a copy.
        """
        pops = []
        for var in variables:
            if var in later or (not self.optimize and var in self.locals and var not in self.function.params):
                value = f"copy_of({var})" if var in self.stored else var
                code.line(f"{self.tape}.append({value})")
                self.pushes += 1
                pops.insert(0, Pop(var))
        return pops

    def _quote(self, s, code):
        if isinstance(s, ir.Assign):
            self.quoter.quote(code, s.origin, s.text)
        elif isinstance(s, ir.Raw):
            self.quoter.quote(code, s.node, src(s.node))
        elif isinstance(s, ir.If):       # recorded as cond = <test>: quote the user's line
            self.quoter.quote(code, s.origin, None if self.is_active(s) else f"if {src(s.test)}:")
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
            self._primal_block(s.body, code)
            if s.orelse:
                code.line("else:")
                self._primal_block(s.orelse, code)
        elif isinstance(s, ir.While):
            code.line(f"while {src(s.test)}:")
            self._primal_block(s.body, code)
        elif isinstance(s, ir.For):
            target = s.target if s.target is not None else src(s.origin.target)
            code.line(f"for {target} in {src(s.iter)}:")
            self._primal_block(s.body, code)

    def _primal_block(self, statements, code, indent=True):
        if indent:
            with code.indented():
                self._primal_block(statements, code, indent=False)
            return
        if not statements:
            code.line("pass")
        for s in statements:
            self._quote(s, code)
            self.primal(s, code)

    def assignment(self, s, later, code, covered, run=True):
        op = s.op
        g = self.bar(s.target)
        prelude = []
        if op.kind == "constant":
            contributions = []
        elif op.kind == "copy":
            contributions = [(op.bound["x"].id, g)]
        elif op.kind == "call":
            contributions, prelude = self.call_adjoint(s, g)
        else:
            contributions, prelude = self.derivatives.adjoint(s, g)
        reads = self.reads_of(s)
        operands = ir.read_names(s.value)
        before = [s.target] if s.target in reads and s.target in operands else []
        for var in before:
            code.line(f"{self.tape}.append({var})")
            self.pushes += 1
        if run:
            code.line(s.text)
        pops = self.save([v for v in reads if v not in before and v not in covered], later, code)
        pops += [Pop(v) for v in reversed(before)]
        return [Adjoint(s.target, s.text, contributions, prelude, pops=pops, statement=s)]

    def unpacking(self, s, later, code, covered):
        """``a, b = helper(x)``: the helper's derivative is seeded with the adjoint of each part."""
        op = s.op
        if op.kind == "rule":
            return self.unpacking_rule(s, later, code, covered)
        if op.kind == "constant":           # nothing flows back through constants
            text = f"{', '.join(s.targets)} = {src(s.value)}"
            code.line(text)
            return [Adjoint(s.targets[0], text, [], targets=tuple(s.targets))]
        derived = self.context.request(op.callee, "reverse", op.active, s.value.func)
        parts = [self.names.fresh(f"{self.bar(op.bound[p].id)}_from_{_short(derived.callee_name)}")
                 for p in op.active]

        def seeded_call(state):
            seeds = [gast.keyword(arg=seed, value=ir.name(self.bar(t) if t in state else f"zeros_like({t})"))
                     for seed, t in zip(derived.seeds, s.targets)]
            call = gast.Call(func=ir.name(derived.name), args=s.value.args,
                             keywords=list(s.value.keywords) + seeds)
            return f"{', '.join(parts)} = {src(call)}"

        arguments = [a.id for a in op.bound.values() if isinstance(a, gast.Name)]
        reads = self.reads_of(s)
        before = [t for t in s.targets if t in arguments]
        for var in before:
            code.line(f"{self.tape}.append({var})")
            self.pushes += 1
        text = f"{', '.join(s.targets)} = {src(s.value)}"
        code.line(text)
        pops = self.save([v for v in reads if v not in before and v not in covered], later, code)
        pops += [Pop(v) for v in reversed(before)]
        contributions = [(op.bound[p].id, part) for p, part in zip(op.active, parts)]
        return [Adjoint(s.targets[0], text, contributions, targets=tuple(s.targets), pops=pops,
                               seeded_call=seeded_call)]

    def unpacking_rule(self, s, later, code, covered):
        """``p, q = np.split(x, 2)``: x's adjoint is assembled from the parts' adjoints."""
        op = s.op
        operand = op.bound[op.active[0]].id if op.active else None
        part = self.names.fresh(f"{self.bar(operand)}_from_{op.rule.name}") if operand else None

        def seeded_call(state):
            gs = [self.bar(t) if t in state else f"zeros_like({t})" for t in s.targets]
            return f"{part} = {self.derivatives.parts_adjoint(s, gs)}"

        text = f"{', '.join(s.targets)} = {src(s.value)}"
        before = [t for t in s.targets if t in ir.read_names(s.value)]
        for var in before:
            code.line(f"{self.tape}.append({var})")
            self.pushes += 1
        code.line(text)
        reads = self.reads_of(s)
        pops = self.save([v for v in reads if v not in before and v not in covered], later, code)
        pops += [Pop(v) for v in reversed(before)]
        contributions = [(operand, part)] if operand else []
        return [Adjoint(s.targets[0], text, contributions, targets=tuple(s.targets), pops=pops,
                        seeded_call=seeded_call)]

    def call_adjoint(self, s, g):
        op = s.op
        derived = self.context.request(op.callee, "reverse", op.active, s.value.func)
        parts = [self.names.fresh(f"{self.bar(op.bound[p].id)}_from_{_short(derived.callee_name)}")
                 for p in op.active]
        call = gast.Call(func=ir.name(derived.name), args=s.value.args,
                         keywords=list(s.value.keywords) + [gast.keyword(arg=derived.seed, value=ir.name(g))])
        prelude = [f"{', '.join(parts)} = {src(call)}"]
        return [(op.bound[p].id, part) for p, part in zip(op.active, parts)], prelude

    # ---------------------------------------------------------- reverse sweep
    def reverse_sweep(self, code, nodes, seed):
        f = self.function
        result = f.result
        # the reverse sweep restores older values, and a checkpointed loop runs its stretches again
        recomputes = any(isinstance(node, checkpoint.RevCheckpoint) for node in nodes)
        if self.return_value and (result in _popped(nodes) or recomputes):
            result = self.names.fresh("value")
            code.line(f"{result} = {f.result}")
        code.comment("reverse sweep")
        state = set()
        for r in f.results:
            if r in self.active and self.scalar_output(r):
                code.line(f"{self.bar(r)} = scalar_seed({self.bar(r)})")
                state.add(r)
            elif r in self.active:
                code.line(f"{self.bar(r)} = seed_adjoint({r}, {self.bar(r)})")
                state.add(r)
        if state and not self.optimize:          # every adjoint starts at zero
            others = sorted(self.active - state)
            if others:
                code.line(f"{' = '.join(self.bar(v) for v in others)} = 0.0")
            state |= set(others)
            self.zero_placeholder = True
        if state:
            self.run(nodes, state, code)
        grads = []
        for p in self.wrt:
            if p in state:
                grad = self.bar(p)
                if self.zero_placeholder:
                    grad = f"gradient_like({grad}, {self.original(p)})"
            else:
                grad = f"zeros_like({self.original(p)})"
            grads.append(grad)
        grads_text = ", ".join(grads)
        if self.tuple_output and len(grads) == 1:
            grads_text += ","
        if self.return_value:
            grads_text = f"({grads_text})" if self.tuple_output else grads_text
            code.line(f"return {result}, {grads_text}")
        else:
            code.line(f"return {grads_text}")

    def original(self, p):
        """A name holding argument ``p`` as it was passed (p itself, unless p is reassigned)."""
        if p not in self.writes(self.function.body):
            return p
        if p not in self.originals:
            self.originals[p] = self.names.fresh(f"{p}_arg")
        return self.originals[p]

    def run(self, nodes, state, code):
        """Emit ``nodes`` given the adjoints assigned so far (``state``, updated in place)."""
        for node in nodes:
            if isinstance(node, Pop):
                code.line(f"{node.var} = {self.tape}.pop()")
            elif isinstance(node, Adjoint):
                self.adjoint(node, state, code)
            elif isinstance(node, RevIf):
                self.rev_if(node, state, code)
            elif isinstance(node, RevLoop):
                self.rev_loop(node, state, code)
            elif isinstance(node, checkpoint.RevCheckpoint):
                checkpoint.reverse_sweep(self, node, state, code)
        return state

    def restore(self, node, code):
        for pop in node.pops:
            code.line(f"{pop.var} = {self.tape}.pop()")

    def adjoint(self, node, state, code):
        if node.targets:
            self.adjoint_of_parts(node, state, code)
            return
        target = node.target
        if target not in state or not node.contributions:
            # nothing flows back (the adjoint is zero here, or the value came from constants)
            self.restore(node, code)
            state.discard(target)
            return
        spread = self._spread_scalar(node)
        if spread is not None and spread[0] not in state:   # y = np.sum(t1): t1_bar is one number
            var, value = spread
            code.comment(node.comment)
            self.restore(node, code)
            code.line(f"{self.bar(var)} = {value}    # the same number for every element of {var}")
            state.add(var)
            self.spread.add(var)
            self.owned.discard(var)
            self.owned.discard(target)
            state.discard(target)
            return
        block = Code()
        self.restore(node, block)
        for line in node.prelude:
            block.line(line)
        g = self.bar(target)
        own = [e for v, e in node.contributions if v == target]
        plan = self._reuse_plan(node, own)
        for index, (var, expr) in enumerate(node.contributions):
            if var == target:
                continue
            if plan.get(index) == "in place":       # the last read of g: take over its array
                operator, rest, value = reuse.in_place_form(expr, g)
                if operator is not None:
                    block.line(f"{g} {operator}= {rest}")
                    self.context.module.has_plain_twin = True
                self.accumulate(var, value, state, block, owned=True)
            else:
                self.accumulate(var, expr, state, block, owned=plan.get(index) == "new")
        self.owned.discard(target)
        if own:
            expr = " + ".join(own)
            if expr != g:
                block.line(f"{g} = {expr}")
        elif not self.optimize:
            block.line(f"{g} = 0.0    # {target} is assigned here: its earlier value gets its own adjoint")
        else:
            state.discard(target)
        if block.lines:         # x = x + 1.0 leaves x_bar as it is: nothing to write
            code.comment(node.comment)
            code.extend(block)

    def _reuse_plan(self, node, own):
        """{contribution index: "in place" or "new"} for a node whose target's adjoint ``g`` is owned.

        Only for an elementwise rule, where every contribution ``g * partial`` has the
        target's full shape. "new": ``g * partial`` makes a new array of that shape, owned in
        turn. "in place": the last reader of ``g`` updates g's array and takes it over; allowed
        when ``g`` is not read after this node and every other reader makes a new value first
        (``a_bar = unbroadcast(g, a)`` may be ``g`` itself: then nothing is reused).
        """
        g = self.bar(node.target)
        if node.target in self.spread:      # g is a number: each g * partial is a new full array
            self.spread.discard(node.target)
            return {i: "new" for i, (_, expr) in enumerate(node.contributions) if reuse.mentions(expr, g)}
        if not (self.reuse_memory and node.elementwise and not node.prelude and node.target in self.owned):
            return {}
        readers = [i for i, (_, expr) in enumerate(node.contributions) if reuse.mentions(expr, g)]
        plan = {}
        for i in readers:
            form = reuse.in_place_form(node.contributions[i][1], g)
            if form is not None and form[0] is not None:
                plan[i] = "new"
        last = node.contributions[readers[-1]][1] if readers else None
        if (not own and last is not None and reuse.in_place_form(last, g) is not None
                and all(reuse.is_new_value(node.contributions[i][1]) for i in readers[:-1])):
            plan[readers[-1]] = "in place"
        return plan

    def _spread_scalar(self, node):
        """``(t1, value)`` when ``node`` is ``y = np.sum(t1)`` (or ``np.mean``) of a scalar ``y``,
        and t1's adjoint can stay one number until its only reader spreads it.

        ``t1_bar = sum_adjoint(y_bar, x)`` would fill an array with ``y_bar`` for the reader
        ``t2_bar = t1_bar * np.cos(t2)`` to multiply; ``t1_bar = y_bar`` and the same reader
        give the same array, without the filled one. Only when ``t1`` is a local assigned once
        by an elementwise operation in the same block, read by this reduction alone, and every
        partial of that operation has t1's full shape.
        """
        s, target = node.statement, node.target
        if not (self.reuse_memory and s is not None and s.op is not None and s.op.kind == "rule"
                and len(node.contributions) == 1 and not node.prelude):
            return None
        var, expr = node.contributions[0]
        reduction = reuse.full_reduction_adjoint(expr)
        shapes = self.derivatives.shapes
        if reduction is None or shapes.var(target) != frozenset() or var in self.function.params:
            return None
        definitions, reads, block_of = self._program_facts()
        definition = definitions.get(var, [None])
        d = definition[0]
        if len(definition) != 1 or reads.get(var) != 1 or block_of.get(id(d)) != block_of.get(id(s)) \
                or not (isinstance(d, ir.Assign) and d.index is None and d.op is not None
                        and d.op.kind == "rule" and d.op.rule.elementwise) or var in self.stored:
            return None
        g_var = self.bar(var)
        readers = [e for _, e in self.derivatives.adjoint(d, g_var)[0] if reuse.mentions(e, g_var)]
        for reader in readers:
            form = reuse.in_place_form(reader, g_var)
            if form is None or form[0] is None:
                return None
            partial_names = set(_ordered_names(form[1])) & self.locals
            if shapes.union(partial_names) != shapes.var(var):
                return None
        function, g, x = reduction
        if function == "sum_adjoint":
            return var, g
        return var, f"{g} / size_of({x})"

    def _program_facts(self):
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
                    for n in needed.statement_reads(s):
                        reads[n] = reads.get(n, 0) + 1
                    for inner in ir.blocks(s):
                        visit(inner)
            visit(self.function.body)
            self._facts = definitions, reads, block_of
        return self._facts

    def adjoint_of_parts(self, node, state, code):
        if not any(t in state for t in node.targets) or node.seeded_call is None:
            self.restore(node, code)
            for t in node.targets:
                state.discard(t)
            return
        code.comment(node.comment)
        self.restore(node, code)
        code.line(node.seeded_call(state))
        for t in node.targets:
            state.discard(t)
            self.owned.discard(t)       # the helper's derivative may keep its seeds
        for var, expr in node.contributions:
            self.accumulate(var, expr, state, code)

    def accumulate(self, var, expr, state, code, owned=False):
        """Add ``expr`` to ``var``'s adjoint (assign it, the first time). ``owned``: ``expr`` is an
        array of var's full shape that no other name refers to."""
        bar = self.bar(var)
        in_place = var in self.in_place or (var in self.owned and self.reuse_memory)
        if var in state and in_place:
            # an array this sweep made (zeros_like before a loop, or an owned adjoint) that nothing
            # else refers to: add into it (a row read x[t] adds into that row only)
            batched = self._batched_product(var, expr) if var in self.in_place else None
            index_read = _index_adjoint_call(expr, var)
            spread = reuse.broadcast_sum_adjoint(expr)
            if batched is not None:
                code.line(batched)
            elif index_read is not None:
                code.line(f"index_accumulate({bar}, {index_read[0]}, {index_read[1]})")
            elif spread is not None and self.reuse_memory:
                code.line(f"{bar} += {spread}    # spread over the summed axes by broadcasting")
            else:
                code.line(f"{bar} += {expr}")
            if var not in self.in_place:
                self.context.module.has_plain_twin = True
        elif var in state or not self.optimize:
            code.line(f"{bar} = {bar} + {expr}")
            # a new array, of var's full shape when expr is one (x_bar + index_adjoint(g, x, i))
            if self.reuse_memory and reuse.makes_full_array(expr):
                self.owned.add(var)
            else:
                self.owned.discard(var)
        else:
            code.line(f"{bar} = {expr}")
            state.add(var)
            if self.reuse_memory and (owned or reuse.makes_full_array(expr)):
                self.owned.add(var)
            else:
                self.owned.discard(var)

    def _batched_product(self, var, expr):
        """``W_bar_terms.append((g, h))`` for ``W_bar += matmul_adjoint_left(g, W, h)`` in a loop
        (batching.py); None where the contribution is added as it comes."""
        if self.batches is None or not self.reuse_memory:
            return None
        line = self.batches.append(var, expr)
        if line is not None:
            self.context.module.has_plain_twin = True
        return line

    def _argument_never_reassigned(self, var):
        return var in self.function.params and var not in self.writes(self.function.body)

    def zero(self, var):
        """A zero adjoint for ``var``, where control flow joins paths that did not touch it."""
        self.owned.discard(var)
        if self._argument_never_reassigned(var):
            return f"{self.bar(var)} = zeros_like({var})"
        self.zero_placeholder = True
        return f"{self.bar(var)} = 0.0"

    def rev_if(self, node, state, code):
        body_code, orelse_code = Code(), Code()
        owned = set(self.owned)
        with body_code.indented():
            body_state = self.run(node.body, set(state), body_code)
        body_owned, self.owned = self.owned, set(owned)
        with orelse_code.indented():
            orelse_state = self.run(node.orelse, set(state), orelse_code)
        joined = body_state | orelse_state
        # owned after the if: on both paths, and not zeroed below on either
        owned_after = (body_owned & self.owned) - (joined - body_state) - (joined - orelse_state)
        with body_code.indented():
            for var in sorted(joined - body_state):
                body_code.line(self.zero(var))
        with orelse_code.indented():
            for var in sorted(joined - orelse_state):
                orelse_code.line(self.zero(var))
        self.owned = owned_after
        has_body, has_orelse = bool(body_code.lines), bool(orelse_code.lines)
        if not has_body and not has_orelse:
            state.clear()
            state |= joined
            return
        if has_body:
            code.line(f"if {node.cond}:")
            code.extend(body_code)
            if has_orelse:
                code.line("else:")
                code.extend(orelse_code)
        else:
            code.line(f"if not {node.cond}:")
            code.extend(orelse_code)
        state.clear()
        state |= joined

    def rev_loop(self, node, state, code):
        header, body, batches = self.loop_body(node.body, state, code, depth=1)
        if body.lines:
            for line in batches.opening_lines():
                code.line(line)
            code.line(node.header)
            code.extend(body)
            for line in batches.closing_lines():
                code.line(line)
        state.clear()
        state |= header

    def loop_body(self, nodes, state, code, depth):
        """The reverse sweep of a loop body, for a loop written around it: (the adjoints alive at
        the loop head, the body's code indented ``depth`` levels, its lists of matmul terms).

        Adjoints first alive inside the loop are zeroed before it, into ``code``.
        """
        header = set(state)
        outer_batches, self.batches = self.batches, None
        while True:                        # adjoints live at the loop head: a fixed point
            self.owned = set()
            end = self.run(nodes, set(header), Code())
            if end <= header:
                break
            header |= end
        for var in sorted(header - state):
            code.line(self.zero(var))
        # a never-reassigned argument's adjoint zeroed here is only ever added to in the loop
        owned = {v for v in header - state if self._argument_never_reassigned(v)}
        outer = self.in_place
        self.in_place = outer | (owned if self.optimize else set())
        self.batches = batching.Batches(self.names, self.bar)
        self.owned = set()      # ownership is not carried around the loop: each iteration starts afresh
        body = Code()
        body.depth = depth
        end = self.run(nodes, set(header), body)
        for var in sorted(header - end):
            body.line(self.zero(var))
        self.in_place, batches, self.batches = outer, self.batches, outer_batches
        self.owned = set()
        body.depth = 0
        return header, body, batches

def _index_adjoint_call(expr, var):
    """(g, index) sources when ``expr`` is ``index_adjoint(g, var, index)``; else None."""
    import ast
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "index_adjoint" \
            and len(tree.args) == 3 and isinstance(tree.args[1], ast.Name) and tree.args[1].id == var:
        return ast.unparse(tree.args[0]), ast.unparse(tree.args[2])
    return None


def _popped(nodes):
    """Variables some Pop in ``nodes`` restores."""
    found = set()
    for node in nodes:
        if isinstance(node, Pop):
            found.add(node.var)
        elif isinstance(node, Adjoint):
            found |= {pop.var for pop in node.pops}
        elif isinstance(node, RevIf):
            found |= _popped(node.body) | _popped(node.orelse)
        elif isinstance(node, (RevLoop, checkpoint.RevCheckpoint)):
            found |= _popped(node.body)
    return found


def _ordered_names(text):
    """Names in an expression or statement, in order of first appearance."""
    import ast
    tree = ast.parse(text)
    seen = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id not in seen:
            seen.append(n.id)
    return seen


def _loaded_names(text):
    """Names an indented block of code reads, in order of first appearance."""
    import ast
    import textwrap
    tree = ast.parse(textwrap.dedent(text))
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            stored = not isinstance(n.ctx, ast.Load)
            # a target is written after its statement's value is read
            found.append((n.lineno, 1 if stored else 0, n.col_offset, n.id, stored))
    order = []
    for *_, name_, stored in sorted(found):
        if not stored and name_ not in order:
            order.append(name_)
    return order


def _short(name_):
    return name_.rsplit(".", 1)[-1]
