"""The reverse sweep: the forward sweep's nodes written last first, sending each output's
adjoint back to the operands.

Adjoints are assigned on first use (``x_bar = t1_bar``) and accumulated after
(``x_bar = x_bar + t2_bar``); where control flow joins paths that touched different
adjoints, the missing ones start from zero (``control.py``). ``state`` is the set of
variables whose adjoint is assigned at the point being written.
"""
from . import checkpoint, reuse
from .control import ControlFlow
from .nodes import Adjoint, Pop, RevCheckpoint, RevIf, RevLoop, popped
from .trees import Fragment, Lines


class ReverseSweep:
    def __init__(self, program, tape, memory):
        self.program = program
        self.tape = tape
        self.memory = memory
        self.control = ControlFlow(self)
        # an adjoint started at 0.0 (not an array of its value's shape): the gradients returned
        # are then given their argument's shape and dtype (gradient_like)
        self.zero_placeholder = False

    def write(self, code, nodes, seed):
        """The whole reverse sweep, from the seeds to the return of the gradients."""
        program = self.program
        f = program.function
        result = f.result
        # the reverse sweep restores older values, and a checkpointed loop runs its stretches again
        recomputes = any(isinstance(node, RevCheckpoint) for node in nodes)
        if program.return_value and (result in popped(nodes) or recomputes):
            result = program.names.fresh("value")
            code.line(f"{result} = {f.result}", reads=(f.result,))
        code.comment("reverse sweep")
        state = set()
        for r in f.results:
            bar = program.bar(r)
            if r in program.active and program.seed_is_number and program.derivatives.shapes.var(r) == frozenset():
                state.add(r)        # y_bar is the number given (1.0): nothing to check, as in the chapter
            elif r in program.active and program.scalar_output(r):
                code.line(f"{bar} = scalar_seed({bar})", reads=("scalar_seed", bar))
                state.add(r)
            elif r in program.active:
                code.line(f"{bar} = seed_adjoint({r}, {bar})", reads=("seed_adjoint", r, bar))
                state.add(r)
        if state and not program.cleanups.first_use:          # every adjoint starts at zero
            others = sorted(program.active - state)
            if others:
                code.line(f"{' = '.join(program.bar(v) for v in others)} = 0.0")
            state |= set(others)
            self.zero_placeholder = True
        if state:
            self.run(nodes, state, code)
        grads, reads = [], [result] if program.return_value else []
        for p in program.wrt:
            if p in state and self.zero_placeholder:
                bar, original = program.bar(p), program.original(p)
                grads.append(f"gradient_like({bar}, {original})")
                reads += ["gradient_like", bar, original]
            elif p in state:
                grads.append(program.bar(p))
                reads.append(program.bar(p))
            else:
                original = program.original(p)
                grads.append(f"zeros_like({original})")
                reads += ["zeros_like", original]
        grads_text = ", ".join(grads)
        if program.tuple_output and len(grads) == 1:
            grads_text += ","
        if program.return_value:
            grads_text = f"({grads_text})" if program.tuple_output else grads_text
            code.line(f"return {result}, {grads_text}", reads)
        else:
            code.line(f"return {grads_text}", reads)

    def run(self, nodes, state, code):
        """Write ``nodes`` given the adjoints assigned so far (``state``, updated in place)."""
        for node in nodes:
            if isinstance(node, Pop):
                self._pop(node, code)
            elif isinstance(node, Adjoint):
                self.adjoint(node, state, code)
            elif isinstance(node, RevIf):
                self.control.branch(node, state, code)
            elif isinstance(node, RevLoop):
                self.control.loop(node, state, code)
            elif isinstance(node, RevCheckpoint):
                checkpoint.reverse_sweep(self, node, state, code)
        return state

    def loop_body(self, nodes, state, code, depth):
        """The reverse sweep of a loop body (see ``ControlFlow.loop_body``)."""
        return self.control.loop_body(nodes, state, code, depth)

    def _pop(self, pop, code):
        code.line(f"{pop.var} = {self.tape.name}.pop()", reads=(self.tape.name,))

    def restore(self, node, code):
        """Restore from the tape the values an adjoint reads."""
        for pop in node.pops:
            self._pop(pop, code)

    def adjoint(self, node, state, code):
        program, memory = self.program, self.memory
        if node.targets:
            self.adjoint_of_parts(node, state, code)
            return
        target = node.target
        if target not in state or not node.contributions:
            # nothing flows back (the adjoint is zero here, or the value came from constants)
            self.restore(node, code)
            state.discard(target)
            return
        spread = memory.spread_scalar(node)
        if spread is not None and spread[0] not in state:   # y = np.sum(t1): t1_bar is one number
            var, value = spread
            code.comment(node.comment)
            self.restore(node, code)
            code.line(f"{program.bar(var)} = {value.text}    # the same number for every element of {var}",
                      value.loads)
            state.add(var)
            memory.spread.add(var)
            memory.owned.discard(var)
            memory.owned.discard(target)
            state.discard(target)
            return
        block = Lines()
        self.restore(node, block)
        for line in node.prelude:
            block.line(line.text, line.loads)
        g = program.bar(target)
        own = [e for v, e in node.contributions if v == target]
        plan = memory.reuse_plan(node, own)
        for index, (var, expr) in enumerate(node.contributions):
            if var == target:
                continue
            if plan.get(index) == "in place":       # the last read of g: take over its array
                operator, rest, value = reuse.in_place_form(expr.tree, g)
                if operator is not None:
                    self.update_in_place(node.target, g, operator, rest, block)
                self.accumulate(var, Fragment(value), state, block, owned=True)
            elif var not in state and program.cleanups.first_use \
                    and (taken := memory.value_taken_over(node, index)) is not None:
                self.take_over(var, *taken, state, block)
            else:
                self.accumulate(var, expr, state, block, owned=plan.get(index) == "new")
        memory.owned.discard(target)
        if own:
            text = " + ".join(e.text for e in own)
            if text != g:
                block.line(f"{g} = {text}", [n for e in own for n in e.loads])
        elif not program.cleanups.first_use:
            block.line(f"{g} = 0.0    # {target} is assigned here: its earlier value gets its own adjoint")
        else:
            state.discard(target)
        if block.lines:         # x = x + 1.0 leaves x_bar as it is: nothing to write
            code.comment(node.comment)
            code.extend(block)

    def adjoint_of_parts(self, node, state, code):
        """``a, b = helper(x)``: the helper's derivative, seeded with the parts' adjoints."""
        if not any(t in state for t in node.targets) or node.seeded_call is None:
            self.restore(node, code)
            for t in node.targets:
                state.discard(t)
            return
        code.comment(node.comment)
        self.restore(node, code)
        call = node.seeded_call(state)
        code.line(call.text, call.loads)
        for t in node.targets:
            state.discard(t)
            self.memory.owned.discard(t)       # the helper's derivative may keep its seeds
        for var, expr in node.contributions:
            self.accumulate(var, expr, state, code)

    def update_in_place(self, target, g, operator, rest, code):
        """``g *= rest`` (or ``/=``), ``g`` an array of ``target``'s full shape; ``g *= c * n``
        for a number ``c`` and an ``n`` of that shape is written ``g *= n`` and ``g *= c``,
        which makes no array ``c * n``."""
        split = reuse.constant_times_name(rest) if operator == "*" else None
        shapes = self.program.derivatives.shapes
        if split is not None and shapes.var(split[1].id) == shapes.var(target):
            for factor in reversed(split):
                factor = Fragment(factor)
                code.line(f"{g} *= {factor.text}", factor.loads)
        else:
            rest = Fragment(rest)
            code.line(f"{g} {operator}= {rest.text}", rest.loads)
        self.memory.updated_in_place()

    def take_over(self, var, call, g, state, code):
        """``t_bar = np.F(t, out=reusable(t))`` and ``t_bar *= g`` (or ``t_bar = np.divide(g, t,
        out=reusable(t))``): the adjoint of ``t``, read for the last time, computed in t's own
        array (``Memory.value_taken_over``)."""
        bar = self.program.bar(var)
        call = Fragment(call)
        code.line(f"{bar} = {call.text}    # {var} is not read again: its array holds the result", call.loads)
        if g is not None:
            g = Fragment(g)
            code.line(f"{bar} *= {g.text}", g.loads)
        state.add(var)
        self.memory.owned.add(var)
        self.memory.updated_in_place()

    def accumulate(self, var, expr, state, code, owned=False):
        """Add ``expr`` (a Fragment) to ``var``'s adjoint (assign it, the first time). ``owned``:
        ``expr`` is an array of var's full shape that no other name refers to."""
        program, memory = self.program, self.memory
        bar = program.bar(var)
        if var in state and memory.adds_in_place(var):
            # an array this sweep made (zeros_like before a loop, or an owned adjoint) that nothing
            # else refers to: add into it (a row read x[t] adds into that row only)
            batched = memory.batched_product(var, expr) if var in memory.in_place else None
            index_read = reuse.index_adjoint_call(expr.tree, var, program.derivatives.shapes.same_shape_source(var))
            spread = reuse.broadcast_sum_adjoint(expr.tree)
            if batched is not None:
                code.line(*batched)
            elif index_read is not None:
                g, index = (Fragment(part) for part in index_read)
                code.line(f"index_accumulate({bar}, {g.text}, {index.text})",
                          ("index_accumulate", bar, *g.loads, *index.loads))
            elif spread is not None and program.reuse_memory:
                spread = Fragment(spread)
                code.line(f"{bar} += {spread.text}    # spread over the summed axes by broadcasting",
                          spread.loads)
            else:
                code.line(f"{bar} += {expr.text}", expr.loads)
            memory.updated_in_place()           # forward mode differentiates the plain twin instead
        elif var in state or not program.cleanups.first_use:
            code.line(f"{bar} = {bar} + {expr.text}", (bar, *expr.loads))
            # a new array, of var's full shape when expr is one (x_bar + index_adjoint(g, x, i))
            memory.assigned(var, expr)
        else:
            code.line(f"{bar} = {expr.text}", expr.loads)
            state.add(var)
            memory.assigned(var, expr, owned)

    def zero(self, var, code, array=False):
        """A zero adjoint for ``var``, where control flow joins paths that did not touch it.
        ``array``: before a loop, where a local that holds one value gets zeros of its shape
        too, to be added into (``Program.single_valued``)."""
        self.memory.owned.discard(var)
        bar = self.program.bar(var)
        if self.program.argument_never_reassigned(var) or (array and self.program.single_valued(var)):
            code.line(f"{bar} = zeros_like({var})", ("zeros_like", var))
        else:
            self.zero_placeholder = True
            code.line(f"{bar} = 0.0")
