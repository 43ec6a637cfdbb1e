"""Control flow in the reverse sweep: an ``if`` replays the branch that ran, a loop runs its
body's adjoints backwards.

Where paths join, an adjoint assigned on one path only starts from zero on the other; an
adjoint first assigned inside a loop is zeroed before it, so that every iteration can add
to it. Which adjoints are assigned at a loop's head is a fixed point over its body, worked
out from the nodes alone (``live``): a loop's code is written once.
"""
from . import batching
from .nodes import Adjoint, RevCheckpoint, RevIf, RevLoop
from .trees import Lines


class ControlFlow:
    def __init__(self, sweep):
        self.sweep = sweep            # the ReverseSweep writing the nodes around
        self.program = sweep.program
        self.memory = sweep.memory

    def branch(self, node, state, code):
        """The reverse of an ``if``: each branch's adjoints, under the recorded condition."""
        sweep, memory = self.sweep, self.memory
        body_code, orelse_code = Lines(), Lines()
        owned = set(memory.owned)
        with body_code.indented():
            body_state = sweep.run(node.body, set(state), body_code)
        body_owned, memory.owned = memory.owned, set(owned)
        with orelse_code.indented():
            orelse_state = sweep.run(node.orelse, set(state), orelse_code)
        joined = body_state | orelse_state
        # owned after the if: on both paths, and not zeroed below on either
        owned_after = (body_owned & memory.owned) - (joined - body_state) - (joined - orelse_state)
        with body_code.indented():
            for var in sorted(joined - body_state):
                sweep.zero(var, body_code)
        with orelse_code.indented():
            for var in sorted(joined - orelse_state):
                sweep.zero(var, orelse_code)
        memory.owned = owned_after
        has_body, has_orelse = bool(body_code.lines), bool(orelse_code.lines)
        if has_body:
            code.line(f"if {node.cond}:", (node.cond,))
            code.extend(body_code)
            if has_orelse:
                code.line("else:")
                code.extend(orelse_code)
        elif has_orelse:
            code.line(f"if not {node.cond}:", (node.cond,))
            code.extend(orelse_code)
        state.clear()
        state |= joined

    def loop(self, node, state, code):
        """The reverse of a loop: its body's adjoints, in a loop over the recorded iterations."""
        header, body, batches = self.loop_body(node.body, state, code, depth=1)
        if body.lines:
            for line in batches.opening_lines():
                code.line(*line)
            code.line(node.header, node.header_reads)
            code.extend(body)
            for line in batches.closing_lines():
                code.line(*line)
        state.clear()
        state |= header

    def loop_body(self, nodes, state, code, depth):
        """The reverse sweep of a loop body, for a loop written around it: (the adjoints alive at
        the loop head, the body's code indented ``depth`` levels, its lists of matmul terms).

        Adjoints first alive inside the loop are zeroed before it, into ``code``.
        """
        sweep, memory, program = self.sweep, self.memory, self.program
        header = self.loop_head(nodes, state)
        outer_batches = memory.batches
        accumulators = program.cleanups.loop_accumulators
        for var in sorted(header - state):
            sweep.zero(var, code, array=accumulators)
        # the adjoint of a value that never changes (a never-reassigned argument, a local assigned
        # once outside every loop), zeroed here as an array, is only ever added to in the loop
        owned = {v for v in header - state if program.single_valued(v)}
        outer = memory.in_place
        memory.in_place = outer | (owned if program.cleanups.loop_accumulators else set())
        memory.batches = batching.Batches(program.names, program.bar)
        memory.owned = set()      # ownership is not carried around the loop: each iteration starts afresh
        body = Lines()
        body.depth = depth
        end = sweep.run(nodes, set(header), body)
        for var in sorted(header - end):
            sweep.zero(var, body)
        memory.in_place, batches, memory.batches = outer, memory.batches, outer_batches
        memory.owned = set()
        body.depth = 0
        return header, body, batches

    def loop_head(self, nodes, state):
        """The adjoints assigned at the head of a loop over ``nodes`` entered with ``state``: those
        assigned before it, and those its body leaves assigned for the next iteration."""
        header = set(state)
        while True:                        # a fixed point: an iteration may assign what the next reads
            end = self.live(nodes, set(header))
            if end <= header:
                return header
            header |= end

    def live(self, nodes, state):
        """The adjoints assigned after the reverse sweep of ``nodes``, given those assigned before
        (``state``, updated in place): what ``ReverseSweep.run`` leaves in its state, worked out
        from the nodes' targets and contributions without writing code or making names."""
        first_use = self.program.cleanups.first_use
        for node in nodes:
            if isinstance(node, Adjoint):
                self._live_adjoint(node, state, first_use)
            elif isinstance(node, RevIf):
                joined = self.live(node.body, set(state)) | self.live(node.orelse, set(state))
                state.clear()
                state |= joined
            elif isinstance(node, (RevLoop, RevCheckpoint)):
                header = self.loop_head(node.body, state)
                state.clear()
                state |= header
        return state

    def _live_adjoint(self, node, state, first_use):
        """``ReverseSweep.adjoint``'s effect on ``state``."""
        # accumulate: an adjoint not yet assigned is assigned (with first use; else all start at zero)
        added = {var for var, _ in node.contributions} if first_use else set()
        if node.targets:                   # a, b = helper(x)
            flows = any(t in state for t in node.targets) and node.seeded_call is not None
            state -= set(node.targets)
            if flows:
                state |= added
            return
        target = node.target
        if target not in state or not node.contributions:
            state.discard(target)
            return
        spread = self.memory.spread_scalar(node)
        if spread is not None and spread[0] not in state:   # y = np.sum(t1): t1_bar is one number
            state.add(spread[0])
            state.discard(target)
            return
        state |= added - {target}
        own = any(var == target for var, _ in node.contributions)
        if not own and first_use:
            state.discard(target)
