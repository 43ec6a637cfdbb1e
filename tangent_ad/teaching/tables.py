"""Presenting a recorded run: the :class:`Explanation` that ``explain`` returns.

It holds the rows and events the recorder collected and lays them out as the
chapter's tables of values and tangents (forward mode) or values and adjoints
(reverse mode): ``str()`` gives the text table, ``_repr_html_`` the HTML one.
"""
import html

from .values import format_value

__all__ = ["Explanation"]


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
