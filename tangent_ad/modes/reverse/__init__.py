"""Reverse mode: a forward sweep that records, then a reverse sweep that replays backwards.

Control flow follows one pattern: record in the forward sweep, replay in the
reverse sweep. An ``if`` records which branch ran, a ``while`` counts its
iterations, a ``for`` over a range is run backwards, and a value the reverse
sweep needs is saved on the tape only when it may be overwritten before the
reverse sweep reads it.

Adjoints are assigned on first use (``x_bar = t1_bar``) and accumulated after
(``x_bar = x_bar + t2_bar``); where control flow joins paths that touched
different adjoints, the missing ones start from zero.

The parts, each with one job:

    program.py        the function, the derivative asked for, facts worked out once
    trees.py          generated expressions as trees; lines that know what they read
    nodes.py          the reverse sweep as nodes, which the forward sweep returns
    tape.py           what goes on the tape
    needed.py         what tad.grad leaves out of the forward sweep
    forward_sweep.py  the function as it runs, recording
    reverse_sweep.py  the nodes written backwards: adjoints assigned, then accumulated
    control.py        if and loops in the reverse sweep (the loop's fixed point)
    memory.py         adjoints updated in place (reuse.py), loop matmul terms (batching.py)
    checkpoint.py     checkpointed loops: snapshots, and stretches run again
    split.py          the two functions of a vjp
    generator.py      the parts put together: ReverseGenerator
"""
from .generator import ReverseGenerator

__all__ = ["ReverseGenerator"]
