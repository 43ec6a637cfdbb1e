"""Checkpointed loops: keep a snapshot of the loop's state every few iterations, not a tape entry
for every value of every iteration, and recompute one stretch at a time in the reverse sweep.

With ``checkpoint=True`` a ``for`` loop over ``n`` steps keeps about sqrt(n) snapshots and
records at most sqrt(n) iterations at a time, so the memory the reverse sweep needs grows
like sqrt(n) instead of n, for about one extra forward sweep of time. The generated code
reads like this::

    snapshots = []
    for start in range(0, len(steps), period):
        snapshots.append((h, W))            # the state before this stretch
        for t in steps[start:start + period]:
            ...                             # the loop body, recording nothing
    ...
    for start in reversed(range(0, len(steps), period)):
        h, W = snapshots.pop()              # back to the stretch's start
        for t in steps[start:start + period]:
            ...                             # the body again, recording what its reverse reads
        for t in reversed(steps[start:start + period]):
            ...                             # the body's adjoints
"""
import gast

from ...ir import nodes as ir
from ...ir.code import Code, src
from .nodes import RevCheckpoint


def loop_state(program, s, before):
    """Names the loop body reads or writes that exist when a stretch starts (its snapshot)."""
    f = program.function
    body_names = set()
    for statement in ir.walk(s.body):
        for node in _nodes(statement):
            body_names |= ir.read_names(node)
    body_names |= ir.writes(s.body)
    existing = set(f.params) | ir.writes(before)
    return sorted(body_names & existing & (program.locals | set(f.params)))


def _nodes(statement):
    if isinstance(statement, (ir.Assign, ir.Unpack)):
        return [statement.value] + ([statement.index] if getattr(statement, "index", None) is not None else [])
    if isinstance(statement, ir.Raw):
        return [statement.node]
    if isinstance(statement, (ir.If, ir.While)):
        return [statement.test]
    if isinstance(statement, ir.For):
        return [statement.iter]
    return []


def forward_sweep(sweep, s, before, code):
    """Write the checkpointed loop ``s`` into the forward sweep (a ``ForwardSweep``), after the
    statements ``before`` it; return its reverse-sweep node."""
    program = sweep.program
    names = program.names
    state = loop_state(program, s, before)
    snapshot = ", ".join(f"copy_of({n})" if n in program.stored else n for n in state)
    snapshot = f"({snapshot}{',' if len(state) == 1 else ''})"
    restore = f"{', '.join(state)}{',' if len(state) == 1 else ''} = {{snapshots}}.pop()"
    snapshots, period, start = names.fresh("snapshots"), names.fresh("period"), names.fresh("start")
    recording, body_nodes = Code(), None
    later = program.writes(s.body)
    if isinstance(s, ir.For):
        steps = s.iter.id if isinstance(s.iter, gast.Name) else names.fresh("steps")
        if steps != getattr(s.iter, "id", None):
            code.line(f"{steps} = {src(s.iter)}")
        code.line(f"{period} = checkpoint_period(len({steps}), {program.checkpoint!r})")
        code.line(f"{snapshots} = []")
        code.line(f"for {start} in range(0, len({steps}), {period}):")
        with code.indented():
            code.line(f"{snapshots}.append({snapshot})    # the loop's state before this stretch")
            stretch = f"{steps}[{start}:{start} + {period}]"
            code.line(f"for {s.target} in {stretch}:")
            sweep.primal_block(s.body, code)
        inner = set(later)
        if s.target not in program.writes(s.body):
            inner.discard(s.target)
        body_nodes = sweep.block(s.body, inner, recording)
        return [RevCheckpoint(f"for {start} in reversed(range(0, len({steps}), {period})):",
                              restore.format(snapshots=snapshots), f"for {s.target} in {stretch}:",
                              f"for {s.target} in reversed({stretch}):", recording, body_nodes)]
    counter = names.fresh("iterations")
    unused = names.special("_")
    every = program.checkpoint if isinstance(program.checkpoint, int) \
        and not isinstance(program.checkpoint, bool) else None
    code.line(f"{period} = checkpoint_period(None, {every!r})")
    code.line(f"{snapshots} = []")
    code.line(f"{counter} = 0")
    code.line(f"while {src(s.test)}:")
    with code.indented():
        code.line(f"if {counter} % {period} == 0:")
        with code.indented():
            code.line(f"{snapshots}.append({snapshot})    # the loop's state before this stretch")
        sweep.primal_block(s.body, code, indent=False)
        code.line(f"{counter} += 1")
    body_nodes = sweep.block(s.body, later, recording)
    count = f"min({period}, {counter} - {start})"
    return [RevCheckpoint(f"for {start} in reversed(range(0, {counter}, {period})):",
                          restore.format(snapshots=snapshots), f"for {unused} in range({count}):",
                          f"for {unused} in range({count}):", recording, body_nodes)]


def reverse_sweep(sweep, node, state, code):
    """Write the reverse sweep of a checkpointed loop (adjoints live across stretches) with
    ``sweep`` (a ``ReverseSweep``). Its lines do not say what they read (the vjp split, which
    needs that, never checkpoints)."""
    # as in a plain loop: an input's adjoint zeroed here is added into in place, and its
    # matmul terms are summed once per stretch (the terms of one stretch at a time)
    header, body, batches = sweep.loop_body(node.body, state, code, depth=2)
    code.line(node.segments, reads=None)
    with code.indented():
        code.line(node.restore + "    # back to the state at the stretch's start", reads=None)
        code.line(node.replay + "    # run the stretch again, recording", reads=None)
        with code.indented():
            code.extend(node.recording if node.recording.lines else _pass())
        for text, reads in batches.opening_lines("stretch"):
            code.line(text, reads)
        code.line(node.reverse, reads=None)
    code.extend(body if len(body.lines) else _indented_pass())
    with code.indented():
        for text, reads in batches.closing_lines():
            code.line(text, reads)
    state.clear()
    state |= header


def _pass():
    code = Code()
    code.line("pass")
    return code


def _indented_pass():
    code = Code()
    with code.indented():
        with code.indented():
            code.line("pass")
    return code
