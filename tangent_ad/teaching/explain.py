"""Run a generated derivative and show every value it computes, in the order it runs.

``explain(f, *args, mode=..., wrt=...)`` takes the code ``tangent_ad`` generates
for ``f`` (the same text ``tad.source`` prints), adds a recording call after every
assignment and around every loop and branch, runs it at ``args``, and returns an
:class:`Explanation`: one row per assigned name, with its value, the phase
("forward" or "reverse"), and a label saying which loop iteration and which branch
it ran in. Printing it gives the chapter's tables of values and tangents (forward
mode) or values and adjoints (reverse mode).

>>> import tangent_ad as tad
>>> from tangent_ad._doc_examples import poly
>>> trace = tad.explain(poly, 3.0, 2.0, mode="forward")
>>> [(row.name, row.value) for row in trace.rows]
[('t1', 5.0), ('t1_dot', 1.0), ('t2', 1.0), ('t2_dot', 1.0), ('y', 5.0), ('y_dot', 6.0)]
>>> trace.result
(5.0, 6.0)
>>> tad.explain(poly, 3.0, 2.0, mode="reverse", wrt=(0, 1)).values("reverse")["x2_bar"]
-4.0
"""
import ast
import copy
import html
import inspect
import io
import itertools
import linecache
import re
import tokenize
from typing import Any, NamedTuple

from .. import api, targets
from ..ir.code import source_lines

__all__ = ["explain", "Explanation", "Row"]

RECORDER = "__tangent_ad_explain__"
_counter = itertools.count(1)
_COUNTER_NAME = re.compile(r"iterations\d*$")


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


# ------------------------------------------------------------------ public API
def explain(f, *args, mode="reverse", wrt=0, tangents=None, checkpoint=None, optimize=True,
            show_tape=False, max_rows=10_000, **kwargs):
    """The evaluation trace of ``f``'s derivative at ``args``: an :class:`Explanation`.

    ``mode``, ``wrt``, ``checkpoint`` and ``optimize`` are those of :func:`tangent_ad.derivative`
    (``optimize=False`` traces the plain transformation, before its clean-ups). Reverse mode
    runs the gradient function (seeding the output adjoint with 1.0); forward mode
    runs the tangent function with ``tangents`` (one per ``wrt`` argument, as a
    tuple, a dict by name, or a single value; by default 1.0 for each, which for an
    array is the all-ones direction). Keyword arguments go to ``f``. Tape pushes and
    pops are left out unless ``show_tape=True``; at most ``max_rows`` rows are kept.
    """
    derived = api.derivative(f, mode, wrt, checkpoint, optimize)
    func = targets.unwrap(f)
    names = targets.wrt_names(func, wrt)[0]
    arguments = targets.bound_arguments(func, args, kwargs)
    for name in names:
        targets.check_differentiable(func, name, arguments[name])
    text = derived.source
    entry = derived.__name__
    seeds = _tangent_arguments(derived, tangents) if mode == "forward" else {}
    call_kwargs = dict(kwargs, **seeds)
    if mode != "forward" and tangents is not None:
        raise ValueError("tangents= is for forward mode; reverse mode seeds the output adjoint with 1.0")
    recorder = _Recorder(show_tape, max_rows)
    instrumented, statements = _instrument(text, entry)
    recorder.statements = statements
    filename = f"<tangent_ad.explain {entry} #{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, [line + "\n" for line in source_lines(text)], filename)
    namespace = dict(derived.__globals__)
    namespace[RECORDER] = recorder
    exec(compile(instrumented, filename, "exec"), namespace)
    result = _like_api(namespace[entry](*args, **call_kwargs), mode, wrt, names, arguments, seeds)
    call = _call_text(entry, derived, args, call_kwargs)
    return Explanation(recorder.rows, recorder.events, result, text, mode, names, call, entry,
                       recorder.truncated)


def _like_api(result, mode, wrt, names, arguments, seeds):
    """The result as tad.grad and tad.jvp give it: a float's derivative is a float."""
    values = [arguments[name] for name in names]
    if mode == "reverse":
        if isinstance(wrt, (tuple, list)):
            return tuple(targets.like_argument(g, v) for g, v in zip(result, values))
        return targets.like_argument(result, values[0])
    tangents = list(seeds.values()) or [1.0]
    if all(isinstance(v, float) for v in values + tangents):
        return result[0], targets.like_argument(result[1], 0.0)
    return result


def _tangent_arguments(derived, tangents):
    info = derived._tangent_ad_info.tangents          # parameter -> its tangent parameter
    if tangents is None:
        return {}
    if isinstance(tangents, dict):
        unknown = set(tangents) - set(info)
        if unknown:
            raise ValueError(f"tangents= names {sorted(unknown)}, which are not differentiated; "
                             f"wrt is {tuple(info)}")
        return {info[name]: value for name, value in tangents.items()}
    if not isinstance(tangents, (tuple, list)):
        tangents = (tangents,)
    if len(tangents) != len(info):
        raise ValueError(f"tangents= needs one tangent per differentiated argument {tuple(info)}; "
                         f"got {len(tangents)}")
    return {info[name]: value for name, value in zip(info, tangents)}


def _call_text(entry, derived, args, kwargs):
    try:
        bound = inspect.signature(derived).bind(*args, **kwargs)
        parts = [f"{k}={format_value(v)}" for k, v in bound.arguments.items()]
    except TypeError:
        parts = [format_value(a) for a in args] + [f"{k}={format_value(v)}" for k, v in kwargs.items()]
    return f"{entry}({', '.join(parts)})"


# ------------------------------------------------------------------ the result
class Explanation:
    """The trace of one run of a derivative.

    ``rows`` (a list of :class:`Row`) holds every value in the order it was
    computed; ``result`` is what the derivative returned (the gradient in reverse
    mode, ``(value, tangent)`` in forward mode); ``source`` is the generated code
    that ran. ``str()`` gives a readable table, ``_repr_html_`` an HTML one.
    """

    def __init__(self, rows, events, result, source, mode, wrt, call, entry, truncated=False):
        self.rows = rows
        self.result = result
        self.source = source
        self.mode = mode
        self.wrt = wrt
        self.call = call
        self.truncated = truncated
        self._events = events
        self._entry = entry

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def values(self, phase=None):
        """``{name: value}``, each name's last value, in the order those values were computed."""
        out = {}
        for row in self.rows:
            if phase is None or row.phase == phase:
                out.pop(row.name, None)
                out[row.name] = row.value
        return out

    def __repr__(self):
        return f"<Explanation of {self.call}: {len(self.rows)} rows>"

    # ---------------------------------------------------------- layout
    def _title(self):
        what = "tangents" if self.mode == "forward" else "adjoints"
        return f"{self.call}: {self.mode} mode ({what}) with respect to {', '.join(self.wrt)}"

    def _phase_title(self, phase, function=None):
        if self.mode == "forward":
            title = "values and tangents, from the inputs to the output"
        else:
            title = {"forward": "forward sweep: the values, recorded for the reverse sweep",
                     "reverse": "reverse sweep: the adjoints, from the output back to the inputs"}[phase]
        return title if function is None else f"{function}, {title.split(':')[0]}"

    def _layout(self):
        """Display items: (kind, depth, left, right), kind in phase/comment/control/row."""
        items = []
        phase = None
        inner = None                  # (helper function, phase) whose sweep title was shown last
        comments = {}
        for event in self._events:
            depth = event.depth
            if event.function == self._entry:
                if event.phase != phase:
                    phase = event.phase
                    items.append(("phase", 0, self._phase_title(phase), ""))
                    comments = {}
                inner = None
            elif self.mode == "reverse" and (event.function, event.phase) != inner:
                inner = (event.function, event.phase)
                items.append(("control", depth - 1, self._phase_title(event.phase, event.function), ""))
                comments = {d: c for d, c in comments.items() if d < depth}
            if event.kind == "row":
                row = event.row
                if comments.get(depth) != row.comment:
                    if row.comment:
                        items.append(("comment", depth, "# " + row.comment, ""))
                    comments[depth] = row.comment
                items.append(("row", depth, event.text, f"{row.name} = {format_value(row.value)}"))
            elif event.kind in ("control", "call"):
                items.append(("control", depth, event.text, ""))
                comments = {d: c for d, c in comments.items() if d <= depth}
                comments.pop(depth + 1, None)
            elif event.kind == "return":
                items.append(("row", depth, event.text, f"returns {format_value(event.value)}"))
        return items

    def __str__(self):
        items = self._layout()
        width = max([2 * depth + len(left.splitlines()[0] if left else "")
                     for kind, depth, left, _ in items if kind == "row"] + [20])
        width = min(width, 64)
        lines = [self._title()]
        for kind, depth, left, right in items:
            indent = "  " * (depth + 1)
            if kind == "phase":
                lines += ["", left]
            elif kind == "row":
                left = left.splitlines()[0] if left else ""
                lines.append(f"{indent}{left:<{max(width - 2 * depth, 0)}}  | {right}")
            else:
                lines.append(f"{indent}{left}")
        if self.truncated:
            lines += ["", f"(stopped recording after {len(self.rows)} rows; the run itself finished)"]
        lines += ["", f"result: {format_value(self.result)}"]
        return "\n".join(lines)

    def _repr_html_(self):
        esc = html.escape
        out = ["<table>", f"<caption>{esc(self._title())}</caption>",
               "<tr><th>statement</th><th>value</th></tr>"]
        for kind, depth, left, right in self._layout():
            pad = f'style="padding-left:{0.5 + 1.5 * depth}em; text-align:left"'
            if kind == "phase":
                out.append(f'<tr><th colspan="2" style="text-align:left">{esc(left)}</th></tr>')
            elif kind == "row":
                out.append(f"<tr><td {pad}><code>{esc(left)}</code></td><td><code>{esc(right)}</code></td></tr>")
            elif kind == "comment":
                out.append(f'<tr><td colspan="2" {pad}><code style="color:gray">{esc(left)}</code></td></tr>')
            else:
                out.append(f'<tr><td colspan="2" {pad}><em>{esc(left)}</em></td></tr>')
        if self.truncated:
            out.append(f'<tr><td colspan="2">(stopped recording after {len(self.rows)} rows)</td></tr>')
        out.append(f'<tr><th style="text-align:left">result</th>'
                   f"<td><code>{esc(format_value(self.result))}</code></td></tr>")
        out.append("</table>")
        return "\n".join(out)


# ------------------------------------------------------------------ values
def _number(value):
    text = repr(float(value))
    return text if len(text) <= 10 else f"{float(value):.6g}"


def format_value(value, limit=6):
    """A short text for a value: numbers in full when short, arrays as shape and a preview.

    >>> import numpy as np
    >>> format_value(np.array([1.0, 2.0, 3.0]))
    'array(shape=(3,), [1.0, 2.0, 3.0])'
    >>> format_value(np.arange(10.0))
    'array(shape=(10,), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, ...])'
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, complex):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v, limit) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"list(len={len(value)})"
    if isinstance(value, range):
        return repr(value)
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        import numpy as np
        if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.shape == ()):
            item = value.item()
            return _number(item) if isinstance(item, float) else format_value(item, limit)
        if isinstance(value, np.ndarray):
            flat = value.ravel()
            items = [format_value(v.item(), limit) for v in flat[:limit]]
            if flat.size > limit:
                items.append("...")
            return f"array(shape={tuple(value.shape)}, [{', '.join(items)}])"
        return f"{type(value).__name__}(shape={tuple(shape)}, dtype={dtype})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


class _Recorder:
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


# ------------------------------------------------------------------ instrumenting
def _call(method, *args):
    return ast.Call(func=ast.Attribute(value=ast.Name(id=RECORDER, ctx=ast.Load()), attr=method,
                                       ctx=ast.Load()),
                    args=list(args), keywords=[])


def _stmt(method, *args):
    return ast.Expr(value=_call(method, *args))


def _guarded(sid, enter_args, body):
    """``enter(...)`` then ``try: body finally: leave(sid)``: frames stay balanced across break/return."""
    return [_stmt("enter", ast.Constant(sid), *enter_args),
            ast.Try(body=body or [ast.Pass()], handlers=[], orelse=[],
                    finalbody=[_stmt("leave", ast.Constant(sid))])]


def _leaves(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _leaves(element)
    elif isinstance(target, ast.Starred):
        yield from _leaves(target.value)
    else:
        yield target


def _as_load(target):
    node = copy.deepcopy(target)
    for sub in ast.walk(node):
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()
    return node


def _is_tape_call(node, method):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == method and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "tape")


class _Instrumenter:
    def __init__(self, text):
        self.text = text
        self.lines = source_lines(text)      # indexed by the parser's line numbers
        self.statements = []
        self.function = None
        self.entry = None
        self.reverse_from = None     # first line of the current function's reverse sweep
        self.definitions = {}        # name -> the text of its one non-tape assignment

    def add(self, **info):
        self.statements.append(info)
        return len(self.statements) - 1

    def phase(self, node):
        if self.reverse_from is not None and node.lineno > self.reverse_from:
            return "reverse"
        return "forward"

    def segment(self, node):
        text = ast.get_source_segment(self.text, node)
        return text if text is not None else ast.unparse(node)

    def header(self, node):
        """The head of a compound statement, without its colon: ``while i < n``."""
        if isinstance(node, ast.For):
            return f"for {self.segment(node.target)} in {self.segment(node.iter)}"
        return f"{'while' if isinstance(node, ast.While) else 'if'} {self.segment(node.test)}"

    def note(self, node):
        """The comment at the end of a compound statement's first line, if any."""
        line = self.lines[node.lineno - 1]
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
        except (tokenize.TokenError, SyntaxError):
            return ""
        comments = [t.string[1:].strip() for t in tokens if t.type == tokenize.COMMENT]
        return comments[-1] if comments else ""

    def comment_above(self, node):
        """The comment on the line just above ``node``: None if there is none, "" at a phase marker."""
        line = self.lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        if not line.startswith("#"):
            return None
        text = line[1:].strip()
        return "" if text in ("forward sweep", "reverse sweep") else text

    # ---------------------------------------------------------------- module
    def module(self, tree, entry):
        self.entry = entry
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                self.function_def(node)

    def function_def(self, node):
        self.function = node.name
        self.reverse_from = None
        end = getattr(node, "end_lineno", len(self.lines))
        for number in range(node.lineno, end):
            if self.lines[number - 1].strip() == "# reverse sweep":
                self.reverse_from = number
        self.definitions = self._definitions(node)
        body = node.body
        docstring = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            docstring, body = body[:1], body[1:]
        sid = self.add(kind="function", text=node.name, entry=node.name == self.entry, phase="forward",
                       function=node.name)
        parameters = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        arguments = ast.Dict(keys=[ast.Constant(p) for p in parameters],
                             values=[ast.Name(id=p, ctx=ast.Load()) for p in parameters])
        node.body = docstring + _guarded(sid, [arguments], self.block(body))

    def _definitions(self, node):
        found = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                if not _is_tape_call(sub.value, "pop"):
                    found.setdefault(sub.targets[0].id, []).append(self.segment(sub.value))
        return {name: texts[0] for name, texts in found.items() if len(set(texts)) == 1}

    # ---------------------------------------------------------------- blocks
    def block(self, statements):
        out = []
        comment = ""
        for node in statements:
            above = self.comment_above(node)
            if above is not None:
                comment = above
            out.extend(self.statement(node, comment))
            if isinstance(node, (ast.If, ast.While, ast.For)):
                comment = ""                # a comment heads the simple statements up to a block
        return out

    def statement(self, node, comment):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return self.assignment(node, comment)
        if isinstance(node, ast.Expr) and _is_tape_call(node.value, "append"):
            sid = self.add(kind="push", text=self.segment(node), names=("tape[-1]",), phase=self.phase(node),
                           line=node.lineno, comment=comment, function=self.function, bookkeeping=True)
            last = ast.Subscript(value=ast.Name(id="tape", ctx=ast.Load()),
                                 slice=ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1)), ctx=ast.Load())
            return [node, _stmt("push", ast.Constant(sid), last)]
        if isinstance(node, ast.If):
            return self.if_(node)
        if isinstance(node, ast.While):
            return self.loop(node, target=None)
        if isinstance(node, ast.For):
            return self.loop(node, target=node.target)
        if isinstance(node, ast.Return) and node.value is not None:
            sid = self.add(kind="return", text=self.segment(node), phase=self.phase(node),
                           function=self.function)
            node.value = _call("returned", ast.Constant(sid), node.value)
            return [node]
        for field in ("body", "orelse", "finalbody"):       # any other block statement (try, with)
            if isinstance(getattr(node, field, None), list):
                setattr(node, field, self.block(getattr(node, field)))
        for handler in getattr(node, "handlers", []):
            handler.body = self.block(handler.body)
        return [node]

    def assignment(self, node, comment):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        leaves = [leaf for target in targets for leaf in _leaves(target)]
        names = tuple(leaf.id if isinstance(leaf, ast.Name) else ast.unparse(leaf) for leaf in leaves)
        bookkeeping = (_is_tape_call(node.value, "pop")
                       or (len(names) == 1 and names[0] == "tape")
                       or (len(names) == 1 and _COUNTER_NAME.match(names[0]) is not None
                           and (isinstance(node, ast.AugAssign)
                                or isinstance(node.value, ast.Constant))))
        sid = self.add(kind="assign", text=self.segment(node), names=names, phase=self.phase(node),
                       line=node.lineno, comment=comment, function=self.function, bookkeeping=bookkeeping)
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return [node]
        values = ast.Tuple(elts=[_as_load(leaf) for leaf in leaves], ctx=ast.Load())
        return [node, _stmt("assign", ast.Constant(sid), values)]

    def if_(self, node):
        test = self.header(node)
        if isinstance(node.test, ast.Name) and node.test.id in self.definitions:
            test = f"{test} ({self.definitions[node.test.id]})"
        sid = self.add(kind="if", text=test, phase=self.phase(node), function=self.function,
                       has_else=bool(node.orelse))
        node.body = _guarded(sid, [ast.Constant(True)], self.block(node.body))
        node.orelse = _guarded(sid, [ast.Constant(False)], self.block(node.orelse))
        return [node]

    def loop(self, node, target):
        replays = False
        target_text = None
        if target is not None:
            target_text = ast.unparse(target) if isinstance(target, ast.Name) else None
            it = node.iter
            replays = (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                       and len(it.args) == 1 and isinstance(it.args[0], ast.Name)
                       and _COUNTER_NAME.match(it.args[0].id) is not None)
        sid = self.add(kind="loop", text=self.header(node), phase=self.phase(node), replays=replays,
                       target=target_text, function=self.function, note=self.note(node))
        item = [_as_load(target)] if target_text else []
        body = [_stmt("iteration", ast.Constant(sid), *item)] + self.block(node.body)
        node.body = body
        node.orelse = self.block(node.orelse)
        if target is not None:
            node.iter = _call("items", ast.Constant(sid), node.iter)
        return _guarded(sid, [], [node])


def _instrument(text, entry):
    tree = ast.parse(text)
    instrumenter = _Instrumenter(text)
    instrumenter.module(tree, entry)
    ast.fix_missing_locations(tree)
    return tree, instrumenter.statements
