"""The reverse sweep as nodes: what the forward sweep leaves for the reverse sweep to write.

The forward sweep walks the function first to last and returns these, last first; the
reverse sweep then writes them, knowing which adjoints are assigned so far.
"""
from dataclasses import dataclass, field


@dataclass
class Pop:
    """``var = tape.pop()``: a value restored before the adjoints that read it."""
    var: str


@dataclass
class Adjoint:
    """The adjoint of one assignment: contributions flow from ``target``'s adjoint to its operands."""
    target: str
    comment: str
    contributions: list           # [(operand variable, Fragment of its contribution)]
    prelude: list = field(default_factory=list)   # [Fragment]: statements computing parts (calls to helpers)
    targets: tuple = ()           # for a, b = helper(...): every target
    seeded_call: object = None    # state -> the Fragment calling the helper's derivative
    pops: list = field(default_factory=list)      # values it reads, restored from the tape first
    statement: object = None      # the forward statement (an ir.Assign)

    @property
    def elementwise(self):
        """An elementwise rule: each contribution has the target's shape."""
        op = getattr(self.statement, "op", None)
        return op is not None and op.kind == "rule" and op.rule.elementwise


@dataclass
class RevIf:
    cond: str                     # the variable recording which branch ran
    body: list
    orelse: list


@dataclass
class RevLoop:
    header: str                   # the loop running the body's adjoints backwards
    body: list
    header_reads: tuple = ()      # the names the header reads


@dataclass
class RevCheckpoint:
    """The reverse sweep of a checkpointed loop: restore, recompute recording, then reverse."""
    segments: str          # header of the loop over stretches, last first
    restore: str           # the line restoring the state at a stretch's start
    replay: str            # header of the recording loop over one stretch
    reverse: str           # header of the reversed loop over that stretch
    recording: object      # Code: the body with tape pushes (generated at depth 0)
    body: list             # the body's reverse-sweep nodes


def popped(nodes):
    """Variables some Pop in ``nodes`` restores."""
    found = set()
    for node in nodes:
        if isinstance(node, Pop):
            found.add(node.var)
        elif isinstance(node, Adjoint):
            found |= {pop.var for pop in node.pops}
        elif isinstance(node, RevIf):
            found |= popped(node.body) | popped(node.orelse)
        elif isinstance(node, (RevLoop, RevCheckpoint)):
            found |= popped(node.body)
    return found
