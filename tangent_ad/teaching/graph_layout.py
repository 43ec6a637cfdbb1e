"""Placing a computational graph's boxes, and writing it as SVG and as Graphviz DOT text.

The layout is written here, with no system package: the picture must come out the same
on a fresh machine. It is the layered drawing the chapter uses, left to right:

1. **layers** by longest path: an input is in layer 0, every other node one layer right
   of the furthest node it reads, so data always flows rightwards;
2. **order** within a layer by the barycentre heuristic: a few sweeps, each placing a
   node at the mean position of its neighbours in the layer before (then after), which
   removes most edge crossings of small graphs;
3. **sizes** from the label text: a monospaced font, so a box is as wide as its longest
   line; each column is as wide as its widest box, each column centred vertically.
"""
from typing import NamedTuple
from xml.sax.saxutils import escape

__all__ = ["Box", "layout", "to_svg", "to_dot", "COLOURS"]

FONT_SIZE = 12
CHAR_WIDTH = 7.2            # a 12px monospaced character
LINE_HEIGHT = 16
PAD_X, PAD_Y = 10, 8
GAP_X, GAP_Y = 56, 18
MARGIN = 16
SWEEPS = 4

COLOURS = {"input": "#dbe9f6", "operation": "#fff8dc", "output": "#d9f2d9", "elided": "#eeeeee"}
BORDERS = {"input": "#4a7ab0", "operation": "#b08a2e", "output": "#3b8f3b", "elided": "#888888"}


class Box(NamedTuple):
    """Where a node is drawn: its top-left corner, width and height, in pixels."""
    node: object
    x: float
    y: float
    width: float
    height: float


def _layers(nodes, edges):
    preds = {node.id: [] for node in nodes}
    for edge in edges:
        preds[edge.target].append(edge.source)
    layer = {}
    for node in nodes:                   # nodes come in an order where a source precedes its reader
        sources = [layer[p] for p in preds[node.id] if p in layer]
        layer[node.id] = 0 if node.kind == "input" or not sources else 1 + max(sources)
    for node in nodes:                   # the output is last, alone in its column
        if node.kind == "output":
            layer[node.id] = max(layer.values()) + (0 if len(nodes) == 1 else 1)
    return layer, preds


def _order(nodes, edges, layer, preds):
    succs = {node.id: [] for node in nodes}
    for edge in edges:
        succs[edge.source].append(edge.target)
    columns = {}
    for node in nodes:
        columns.setdefault(layer[node.id], []).append(node.id)
    count = max(columns) + 1 if columns else 0
    position = {}

    def renumber():
        for ids in columns.values():
            for i, node_id in enumerate(ids):
                position[node_id] = i

    renumber()
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        for c in (range(1, count) if forward else range(count - 2, -1, -1)):
            ids = columns.get(c, [])
            neighbours = preds if forward else succs

            def centre(node_id):
                near = [position[n] for n in neighbours[node_id] if layer[n] != c]
                return sum(near) / len(near) if near else position[node_id]

            ids.sort(key=lambda node_id: (centre(node_id), position[node_id]))
            renumber()
    return [columns.get(c, []) for c in range(count)]


def layout(nodes, edges):
    """``{node id: Box}`` and the picture's width and height."""
    if not nodes:
        return {}, 2 * MARGIN, 2 * MARGIN
    layer, preds = _layers(nodes, edges)
    columns = _order(nodes, edges, layer, preds)
    by_id = {node.id: node for node in nodes}
    sizes = {}
    for node in nodes:
        lines = node.lines()
        sizes[node.id] = (max(len(line) for line in lines) * CHAR_WIDTH + 2 * PAD_X,
                          len(lines) * LINE_HEIGHT + 2 * PAD_Y)
    heights = [sum(sizes[i][1] for i in ids) + GAP_Y * (len(ids) - 1) for ids in columns]
    total_height = max(heights)
    boxes, x = {}, MARGIN
    for ids, height in zip(columns, heights):
        width = max((sizes[i][0] for i in ids), default=0)
        y = MARGIN + (total_height - height) / 2
        for node_id in ids:
            w, h = sizes[node_id]
            boxes[node_id] = Box(by_id[node_id], x + (width - w) / 2, y, w, h)
            y += h + GAP_Y
        x += width + GAP_X
    return boxes, x - GAP_X + MARGIN, total_height + 2 * MARGIN


def _number(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _edge_path(a, b):
    x1, y1 = a.x + a.width, a.y + a.height / 2
    x2, y2 = b.x, b.y + b.height / 2
    bend = max((x2 - x1) / 2, 20)
    points = [x1, y1, x1 + bend, y1, x2 - bend, y2, x2, y2]
    n = [_number(p) for p in points]
    return f"M{n[0]},{n[1]} C{n[2]},{n[3]} {n[4]},{n[5]} {n[6]},{n[7]}"


def to_svg(nodes, edges, title=""):
    """The picture as SVG text: a ``<g class="node">`` per node, with its lines as ``<text>``."""
    boxes, width, height = layout(nodes, edges)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_number(width)}" '
           f'height="{_number(height)}" viewBox="0 0 {_number(width)} {_number(height)}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}">',
           f"<title>{escape(title)}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#555555"/></marker></defs>',
           f'<rect width="{_number(width)}" height="{_number(height)}" fill="white"/>']
    for edge in edges:
        a, b = boxes[edge.source], boxes[edge.target]
        out.append(f'<path class="edge" data-source="{edge.source}" data-target="{edge.target}" '
                   f'd="{_edge_path(a, b)}" fill="none" stroke="#555555" stroke-width="1.2" '
                   'marker-end="url(#arrow)"/>')
    for node in nodes:
        box = boxes[node.id]
        dash = ' stroke-dasharray="4,3"' if node.kind == "elided" else ""
        out.append(f'<g class="node {node.kind}" id="{node.id}">')
        out.append(f"<title>{escape(' | '.join(node.lines()))}</title>")
        out.append(f'<rect x="{_number(box.x)}" y="{_number(box.y)}" width="{_number(box.width)}" '
                   f'height="{_number(box.height)}" rx="6" fill="{COLOURS[node.kind]}" '
                   f'stroke="{BORDERS[node.kind]}" stroke-width="1.4"{dash}/>')
        for i, line in enumerate(node.lines()):
            weight = ' font-weight="bold"' if i == 0 else ""
            colour = ' fill="#666666"' if line == node.context and i > 0 else ""
            y = box.y + PAD_Y + (i + 1) * LINE_HEIGHT - 4
            out.append(f'<text x="{_number(box.x + PAD_X)}" y="{_number(y)}"{weight}{colour} '
                       f'xml:space="preserve">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _dot_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(nodes, edges, title=""):
    """The graph as Graphviz DOT text, laid out left to right like the chapter's drawing."""
    out = [f"digraph {_dot_string(title or 'graph')} {{",
           "  rankdir=LR;",
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=12];',
           '  edge [color="#555555"];']
    for node in nodes:
        label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in node.lines())
        style = ', style="rounded,filled,dashed"' if node.kind == "elided" else ""
        out.append(f'  {node.id} [label="{label}", fillcolor="{COLOURS[node.kind]}", '
                   f'color="{BORDERS[node.kind]}"{style}];')
    for edge in edges:
        out.append(f"  {edge.source} -> {edge.target};")
    out.append("}")
    return "\n".join(out) + "\n"
