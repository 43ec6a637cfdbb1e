"""Recording a run of instrumented generated code: the rows of values and the events the tables show.

The instrumented code (see ``instrumenting``) calls a :class:`Recorder` after every
assignment, around every loop iteration and branch, at every call of a helper
function and at every ``return``. The recorder keeps one :class:`Row` per assigned
name (its value copied, labelled with the loop iteration and branch it ran in) and
the events the printed tables are laid out from.
"""
from typing import Any, NamedTuple

from .values import format_value

__all__ = ["Row", "Recorder"]


class Row(NamedTuple):
    """One value the derivative computed: ``name`` was assigned ``value`` by ``statement``."""
    phase: str          # "forward" (values, tangents, the forward sweep) or "reverse" (the reverse sweep)
    label: str          # where it ran: "iteration 2 of while i < n / if x > 0: taken"; "" at top level
    statement: str      # the statement of the generated code, as printed by tad.source
    name: str           # the name (or target, such as "y[i]") it assigned
    value: Any          # the value just after the statement (arrays are copied)
    line: int = 0       # the statement's line in the generated source
    comment: str = ""   # the comment heading its group in the generated source
    function: str = ""  # the generated function it ran in
    column: str = ""    # forward mode with several wrt: the input whose tangent was seeded 1 ("" otherwise)


def _snapshot(value):
    """A copy of an array (later stores must not change what the trace shows)."""
    if hasattr(value, "shape") and hasattr(value, "copy") and getattr(value, "shape", ()) != ():
        try:
            return value.copy()
        except Exception:          # noqa: BLE001 - a value that cannot be copied is shown as is
            return value
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    return value


# ------------------------------------------------------------------ recording
class _Event(NamedTuple):
    kind: str            # "row", "control", "call" or "return"
    depth: int
    phase: str
    function: str
    text: str = ""
    value: Any = None
    row: Row = None
    line: int = 0        # the statement's line in the generated source (0: none)


class _Frame:
    def __init__(self, text, loop=False, replays=False):
        self.text = text
        self.loop = loop
        self.replays = replays
        self.count = 0
        self.total = None
        self.item = None

    def label(self):
        if not self.loop or self.count == 0:
            return self.text
        number = f"{self.count}/{self.total}" if self.total is not None else str(self.count)
        label = f"iteration {number} of {self.text}"
        if self.item is not None:
            label += f" ({self.item})"
        if self.replays and self.total is not None:
            label += f", replaying forward iteration {self.total - self.count + 1}"
        return label


class Recorder:
    """Called by the instrumented code; collects the rows and the events the printout shows."""

    def __init__(self, show_tape, max_rows):
        self.show_tape = show_tape
        self.max_rows = max_rows
        self.rows = []
        self.events = []
        self.frames = []
        self.statements = []
        self.truncated = False
        self.phase = "forward"
        self.function = None

    def _depth(self):
        return len(self.frames) - 1        # the entry function's own frame is level 0

    def _label(self):
        return " / ".join(frame.label() for frame in self.frames if frame.label())

    def _event(self, kind, info, depth, **fields):
        if self.truncated or len(self.events) >= 4 * self.max_rows:
            self.truncated = True
            return
        phase = fields.pop("phase", info.get("phase"))
        function = fields.pop("function", info.get("function"))
        self.phase, self.function = phase, function
        fields.setdefault("line", info.get("line", 0))
        self.events.append(_Event(kind, depth, phase, function, **fields))

    # called by the instrumented code
    def assign(self, sid, values):
        info = self.statements[sid]
        if info["bookkeeping"] and not self.show_tape:
            return
        if len(self.rows) >= self.max_rows:
            self.truncated = True
            return
        label = self._label()
        for number, (name, value) in enumerate(zip(info["names"], values)):
            row = Row(info["phase"], label, info["text"], name, _snapshot(value), info["line"],
                      info["comment"], info["function"])
            self.rows.append(row)
            self._event("row", info, self._depth(), row=row, text="" if number else row.statement)

    def push(self, sid, value):
        if self.show_tape:
            self.assign(sid, (value,))

    def enter(self, sid, argument=None):
        info = self.statements[sid]
        if info["kind"] == "if":
            branch = "taken" if argument else ("not taken (else)" if info["has_else"] else "not taken")
            frame = _Frame(f"{info['text']}: {branch}")
            self._event("control", info, self._depth(), text=frame.text)
        elif info["kind"] == "function":
            frame = _Frame("" if info["entry"] else f"in {info['text']}")
            if not info["entry"]:
                call = ", ".join(f"{k}={format_value(v)}" for k, v in argument.items())
                self._event("call", info, self._depth(), text=f"call {info['text']}({call})",
                            phase=self.phase, function=self.function)
        else:
            frame = _Frame(info["text"], loop=True, replays=info["replays"])
        self.frames.append(frame)

    def leave(self, sid):
        self.frames.pop()

    def items(self, sid, iterable):
        items = list(iterable)
        self.frames[-1].total = len(items)
        return items

    def iteration(self, sid, item=None):
        info = self.statements[sid]
        frame = self.frames[-1]
        frame.count += 1
        if info["target"] and info["target"] != "_":
            frame.item = f"{info['target']} = {format_value(item)}"
        text = frame.label()
        if frame.count == 1 and info["note"]:
            text += f"    # {info['note']}"
        self._event("control", info, self._depth() - 1, text=text)

    def returned(self, sid, value):
        info = self.statements[sid]
        self._event("return", info, self._depth(), text=info["text"], value=_snapshot(value))
        return value
