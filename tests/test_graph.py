"""tad.graph: the chapter's computational graph, as DOT, SVG and PNG, from the API, the CLI and the example.

The DOT text of the chapter's example is compared with tests/golden/graph/; regenerate with
    TANGENT_AD_UPDATE_GOLDEN=1 python -m pytest tests/test_graph.py
and read the diff before committing it.
"""
import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import tangent_ad as tad
import numpy as np

from tangent_ad.teaching.graph_layout import curves, layout, place
from tangent_ad.teaching.values import format_value

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "graph"
IMAGES = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT / "examples"))

import seed  # noqa: E402
from quickstart import f as chapter_f  # noqa: E402  (u1 = x1 + x2; u2 = x1 - x2; y = u1 * u2)

SVG = "{http://www.w3.org/2000/svg}"

# The chapter's tables: (label, value, tangent) forward seeding x1_dot = 1, x2_dot = 0 ...
FORWARD = [("x1", "x1 = 3.0", "x1_dot = 1.0"), ("x2", "x2 = 2.0", "x2_dot = 0.0"),
           ("u1 = x1 + x2", "u1 = 5.0", "u1_dot = 1.0"), ("u2 = x1 - x2", "u2 = 1.0", "u2_dot = 1.0"),
           ("y = u1 * u2", "y = 5.0", "y_dot = 6.0"), ("output y", "y = 5.0", "y_dot = 6.0")]
# ... and (label, value, adjoint) in reverse mode, seeding y_bar = 1.
REVERSE = [("x1", "x1 = 3.0", "x1_bar = 6.0"), ("x2", "x2 = 2.0", "x2_bar = -4.0"),
           ("u1 = x1 + x2", "u1 = 5.0", "u1_bar = 1.0"), ("u2 = x1 - x2", "u2 = 1.0", "u2_bar = 5.0"),
           ("y = u1 * u2", "y = 5.0", "y_bar = 1.0"), ("output y", "y = 5.0", "y_bar = 1.0")]
TABLES = {"forward": FORWARD, "reverse": REVERSE}
CHAPTER_EDGES = [("x1", "u1 = x1 + x2"), ("x2", "u1 = x1 + x2"), ("x1", "u2 = x1 - x2"),
                 ("x2", "u2 = x1 - x2"), ("u1 = x1 + x2", "y = u1 * u2"),
                 ("u2 = x1 - x2", "y = u1 * u2"), ("y = u1 * u2", "output y")]


def chapter_graph(mode):
    return tad.graph(chapter_f, 3.0, 2.0, mode=mode, wrt="x1" if mode == "forward" else ("x1", "x2"))


def labelled_edges(g):
    label = {node.id: node.label for node in g.nodes}
    return [(label[e.source], label[e.target]) for e in g.edges]


def svg_boxes(text):
    """{node id: (kind, [its lines of text])} from the SVG, parsed as XML."""
    root = ET.fromstring(text)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class").split()
        assert kind[0] == "node"
        assert group.get("id").endswith("-" + group.get("data-node"))
        boxes[group.get("data-node")] = (kind[1], [t.text for t in group.iter(f"{SVG}text")])
    return root, boxes


# ------------------------------------------------------------ the chapter's graph
@pytest.mark.parametrize("mode,table", [("forward", FORWARD), ("reverse", REVERSE)])
def test_chapter_graph_has_the_chapters_values(mode, table):
    g = chapter_graph(mode)
    assert [(n.label, n.value, n.derivative) for n in g.nodes] == table
    assert [n.kind for n in g.nodes] == ["input", "input", "operation", "operation", "operation", "output"]
    assert labelled_edges(g) == CHAPTER_EDGES


def test_forward_mode_with_several_wrt_shows_one_tangent_per_input():
    g = tad.graph(chapter_f, 3.0, 2.0, mode="forward", wrt=("x1", "x2"))
    assert [n.derivative for n in g.nodes] == [
        "x1_dot = 1.0 (d/dx1), 0.0 (d/dx2)", "x2_dot = 0.0 (d/dx1), 1.0 (d/dx2)",
        "u1_dot = 1.0 (d/dx1), 1.0 (d/dx2)", "u2_dot = 1.0 (d/dx1), -1.0 (d/dx2)",
        "y_dot = 6.0 (d/dx1), -4.0 (d/dx2)", "y_dot = 6.0 (d/dx1), -4.0 (d/dx2)"]
    assert labelled_edges(g) == CHAPTER_EDGES     # one graph, not one per input


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_graph_values_are_those_explain_prints(mode):
    wrt = "x1" if mode == "forward" else ("x1", "x2")
    text = str(tad.explain(chapter_f, 3.0, 2.0, mode=mode, wrt=wrt))
    for node in chapter_graph(mode).nodes:
        if node.kind == "operation":
            assert node.value in text and node.derivative in text


@pytest.mark.parametrize("name,g", [
    ("chapter_forward", lambda: chapter_graph("forward")),
    ("chapter_reverse", lambda: chapter_graph("reverse")),
    ("chapter_structure", lambda: tad.graph(chapter_f)),
])
def test_dot_text_is_the_expected_file(name, g):
    text = g().dot
    path = GOLDEN / f"{name}.dot"
    if os.environ.get("TANGENT_AD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("mode,table", [("forward", FORWARD), ("reverse", REVERSE)])
def test_svg_shows_every_label_and_value(mode, table):
    g = chapter_graph(mode)
    root, boxes = svg_boxes(g.svg())
    assert root.tag == f"{SVG}svg"
    assert [lines for _, lines in boxes.values()] == [list(row) for row in table]
    assert [kind for kind, _ in boxes.values()] == [n.kind for n in g.nodes]
    edges = [(p.get("data-source"), p.get("data-target")) for p in root.iter(f"{SVG}path")
             if p.get("class") == "edge"]
    assert edges == [tuple(e) for e in g.edges]
    assert g._repr_svg_() == g.svg()
    # the forward and reverse pictures can share one HTML page: no id of one is an id of the other
    other = chapter_graph("reverse" if mode == "forward" else "forward").svg()
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert ids and not ids & {e.get("id") for e in ET.fromstring(other).iter() if e.get("id")}


def test_layout_is_layered_left_to_right_without_overlaps():
    g = chapter_graph("reverse")
    boxes, width, height = layout(g.nodes, g.edges)
    x = {node.label: boxes[node.id].x + boxes[node.id].width / 2 for node in g.nodes}   # column centres
    assert x["x1"] == x["x2"] < x["u1 = x1 + x2"] == x["u2 = x1 - x2"] < x["y = u1 * u2"] < x["output y"]
    for edge in g.edges:                         # data flows rightwards
        assert boxes[edge.source].x + boxes[edge.source].width < boxes[edge.target].x
    placed = list(boxes.values())
    for i, a in enumerate(placed):
        assert 0 < a.x and a.x + a.width < width and 0 < a.y and a.y + a.height < height
        assert a.width >= 7 * max(len(line) for line in a.node.lines())   # sized from the text
        for b in placed[i + 1:]:
            assert (a.x + a.width <= b.x or b.x + b.width <= a.x
                    or a.y + a.height <= b.y or b.y + b.height <= a.y)


def wide(x, y):
    a = np.sin(x) * y
    b = a + x ** 2
    c = np.exp(b) / (1 + a)
    d = np.log(c + y) - np.tanh(a * b)
    return d * y + c


def test_edges_that_skip_columns_run_between_the_boxes():
    g = tad.graph(wide, 0.5, 1.5, mode="reverse", wrt=(0, 1))
    boxes, routes, width, height = place(g.nodes, g.edges)
    assert [n.label for n in g.nodes][:2] == ["x", "y"]          # inputs in parameter order
    assert boxes["n0"].y < boxes["n1"].y
    long = [edge for edge, points in routes.items() if len(points) > 2]
    assert long, "y is read five columns later"
    for edge, points in routes.items():
        assert points[0][0] == boxes[edge.source].x + boxes[edge.source].width
        assert points[-1][0] == boxes[edge.target].x
        for segment in curves(points):
            for x, y in segment:
                assert not any(b.x < x < b.x + b.width and b.y < y < b.y + b.height
                               for b in boxes.values()), (edge, x, y)


def test_structure_only_without_arguments():
    g = tad.graph(chapter_f, mode="forward")
    assert [n.lines() for n in g.nodes] == [["x1"], ["x2"], ["u1 = x1 + x2"], ["u2 = x1 - x2"],
                                            ["y = u1 * u2"], ["output y"]]
    assert labelled_edges(g) == CHAPTER_EDGES
    looped = tad.graph(seed.loop)
    contexts = {n.label: n.context for n in looped.nodes}
    assert contexts["t1 = np.sin(x)"] == "in the loop while i < n / if x > 0: taken"
    assert contexts["t3 = 0.1 * x"] == "in the loop while i < n / if x > 0: not taken"


# ------------------------------------------------------------ control flow: the path taken
def test_loop_is_unrolled_as_it_ran_with_each_iterations_adjoint():
    g = tad.graph(seed.loop, 0.7, 2, mode="reverse")
    steps = [n for n in g.nodes if n.label == "x = x - t2"]
    assert [n.context for n in steps] == ["iteration 1 of while i < n / if cond (x > 0): taken",
                                          "iteration 2 of while i < n / if cond (x > 0): taken"]
    trace = tad.explain(seed.loop, 0.7, 2, mode="reverse")
    x_bars = [r.value for r in trace.rows if r.name == "x_bar"]
    # the last step's adjoint is y_bar; the first's is d x2 / d x1; the input's is the gradient
    assert steps[1].derivative == "x_bar = 1.0"
    assert steps[0].derivative == f"x_bar = {format_value(x_bars[1])}"
    assert g.nodes[0].derivative == f"x_bar = {format_value(x_bars[-1])}"
    assert not any("not taken" in n.context for n in g.nodes)
    other = tad.graph(seed.loop, -0.7, 2, mode="forward")
    assert "t4 = t3 * x" in [n.label for n in other.nodes]
    assert "t1 = np.sin(x)" not in [n.label for n in other.nodes]
    # each iteration reads the x the one before it wrote
    ids = [n.id for n in other.nodes if n.label == "x = x + t4"]
    assert ids[0] in [e.source for e in other.edges if e.target in
                      [n.id for n in other.nodes if n.label == "t3 = 0.1 * x"][1:]]


def helper(a, b):
    c = a * b
    return np.sin(c)


def calls(x, y):
    u = helper(x, y)
    v = helper(u, x)
    return u + v


def summed(x):
    return np.sum(x * x)


@pytest.mark.parametrize("mode,suffix", [("forward", "_dot"), ("reverse", "_bar")])
def test_a_helpers_call_is_one_node_and_the_output_is_drawn(mode, suffix):
    g = tad.graph(calls, 0.5, 1.5, mode=mode)
    assert [n.label for n in g.nodes] == ["x", "y", "u = helper(x, y)", "v = helper(u, x)",
                                          "out = u + v", "output out"]
    if mode == "reverse":
        assert g.nodes[-1].derivative == "out_bar = 1.0"
    assert all(n.value and n.derivative for n in g.nodes[2:])
    # the reverse sweep needs no output value; the graph shows it all the same
    s = tad.graph(summed, np.array([1.0, 2.0]), mode=mode)
    assert [n.label for n in s.nodes] == ["x", "t1 = x * x", "y = np.sum(t1)", "output y"]
    assert s.nodes[-1].value == "y = 5.0" and s.nodes[-1].derivative.startswith(f"y{suffix} = ")


def test_loop_past_the_node_limit_is_elided_and_labelled():
    g = tad.graph(seed.loop, 0.7, 100, mode="forward", max_nodes=20)
    kinds = [n.kind for n in g.nodes]
    assert kinds.count("operation") == 20 and kinds.count("elided") == 1
    elided = next(n for n in g.nodes if n.kind == "elided")
    # 1 (i = 0) + 100 iterations of 4 operations + y = x, of which 20 are drawn
    assert elided.label == "... 382 more operations not drawn (node limit 20)"
    assert g.nodes[-1].kind == "output"
    assert (elided.id, g.nodes[-1].id) in [tuple(e) for e in g.edges]
    _, boxes = svg_boxes(g.svg())
    assert boxes[elided.id] == ("elided", [elided.label])
    assert "382 more operations not drawn" in g.dot


def test_a_trace_that_stopped_says_so():
    g = tad.graph(seed.loop, 0.7, 5000, mode="forward")      # tad.explain keeps 10,000 rows
    elided = next(n for n in g.nodes if n.kind == "elided")
    assert elided.label.startswith("... over ") and elided.label.endswith("(node limit 60)")
    assert (elided.id, g.nodes[-1].id) in [tuple(e) for e in g.edges]


# ------------------------------------------------------------ files: .dot, .svg, .png
def test_save_by_suffix(tmp_path):
    g = chapter_graph("reverse")
    g.save(tmp_path / "g.dot")
    g.save(tmp_path / "g.svg")
    assert (tmp_path / "g.dot").read_text() == g.dot
    assert (tmp_path / "g.svg").read_text() == g.svg()
    with pytest.raises(ValueError, match=r"\.dot, \.svg or \.png"):
        g.save(tmp_path / "g.txt")


def test_png_with_matplotlib(tmp_path):
    import matplotlib  # noqa: F401  (in the test extra: this test always runs)
    g = chapter_graph("forward")
    g.save(tmp_path / "g.png")
    data = (tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    _, width, height = layout(g.nodes, g.edges)
    assert int.from_bytes(data[16:20], "big") == round(width)
    assert int.from_bytes(data[20:24], "big") == round(height)


def test_png_without_matplotlib_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; sys.path.insert(0, 'examples'); "
            "import tangent_ad as tad; from quickstart import f\n"
            f"try:\n    tad.graph(f).save({str(tmp_path / 'g.png')!r})\n"
            "except ImportError as e:\n    print(e)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert "pip install" in done.stdout and "[teaching]" in done.stdout, done.stderr


# ------------------------------------------------------------ the CLI and the chapter's pictures
def test_cli_graph(tmp_path):
    svg, dot = tmp_path / "g.svg", tmp_path / "g.dot"
    done = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f",
                           "--graph", str(svg), "--explain", "3", "2", "--wrt", "x1,x2"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"graph written to {svg}" in done.stdout and "x2_bar = -4.0" in done.stdout
    assert svg.read_text() == chapter_graph("reverse").svg()
    done = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f",
                           "--graph", str(dot), "--mode", "forward"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert dot.read_text() == tad.graph(chapter_f, mode="forward").dot
    bad = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f",
                          "--graph", str(tmp_path / "g.txt")], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and ".dot, .svg or .png" in bad.stderr


def test_chapter_example_regenerates_the_committed_pictures(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "examples/chapter.py", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for mode in ("forward", "reverse"):
        name = f"chapter_graph_{mode}.svg"
        assert f"written to {tmp_path / name}" in done.stdout
        assert (tmp_path / name).read_text() == (IMAGES / name).read_text()
        _, boxes = svg_boxes((IMAGES / name).read_text())
        assert [lines for _, lines in boxes.values()] == [list(row) for row in TABLES[mode]]
