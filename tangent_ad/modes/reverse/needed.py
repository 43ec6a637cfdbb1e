"""Which forward statements ``tad.grad`` needs: it returns no value, so work only the value
needs is left out.

A NumPy operation (no user code, no store into an array) whose result neither the reverse
sweep, nor control flow, nor a returned value, nor any statement kept reads is skipped:
the gradient of ``np.sum(np.sin(x))`` reads ``cos(x)``, never ``sin(x)`` or the sum.
"""
from ...ir import nodes as ir
from ... import rules


def skippable(s):
    """Whether ``s`` may be left out when nothing reads its result: a NumPy operation or a copy."""
    return (isinstance(s, ir.Assign) and s.index is None and s.op is not None
            and s.op.kind in ("rule", "copy") and not isinstance(s.op.rule, rules.Custom))


def needed_values(body, outputs, reads_of):
    """Variables whose values the derivative reads: ``outputs``, the reverse sweep's reads
    (``reads_of(statement)``), what control flow and the statements kept read, and what
    computes all those (a fixed point)."""
    needed = set(outputs)
    candidates = []
    for s in ir.walk(body):
        needed |= set(reads_of(s))
        if skippable(s):
            candidates.append(s)
        else:
            needed |= statement_reads(s)
    # Last statement first: a value is needed by what comes after it, so one pass settles
    # straight-line code (a 2000-term sum), where first-to-last took a pass per statement.
    operands_of = [(s.target, ir.read_names(s.value)) for s in reversed(candidates)]
    changed = True
    while changed:
        changed = False
        for target, reads in operands_of:
            if target in needed:
                operands = reads - needed
                if operands:
                    needed |= operands
                    changed = True
    return needed


def statement_reads(s):
    """Names one statement reads itself (its test or iterable, not its nested blocks)."""
    if isinstance(s, (ir.Assign, ir.Unpack)):
        names = ir.read_names(s.value)
        if isinstance(s, ir.Assign) and s.index is not None:     # y[i] = v reads y and i
            names |= {s.target} | ir.read_names(s.index)
        return names
    if isinstance(s, (ir.If, ir.While)):
        return ir.read_names(s.test)
    if isinstance(s, ir.For):
        return ir.read_names(s.iter)
    if isinstance(s, ir.Raw):
        return ir.read_names(s.node)
    if isinstance(s, ir.Push):
        return ir.read_names(s.value)
    return set()
