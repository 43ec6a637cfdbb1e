"""tad.explain: the trace of a derivative's run, row by row, checked against the chapter."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tangent_ad as tad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
sys.path.insert(0, EXAMPLES)

import seed  # noqa: E402
from quickstart import f as chapter_f  # noqa: E402  (u1 = x1 + x2; u2 = x1 - x2; y = u1 * u2)

CHAPTER_FORWARD = [("u1", 5.0), ("u1_dot", 1.0), ("u2", 1.0), ("u2_dot", 1.0), ("y", 5.0), ("y_dot", 6.0)]
CHAPTER_REVERSE = [("y_bar", 1.0), ("u1_bar", 1.0), ("u2_bar", 5.0), ("x1_bar", 6.0), ("x2_bar", -4.0)]


def named_rows(trace, phase=None):
    return [(row.name, row.value) for row in trace.rows if phase is None or row.phase == phase]


# ------------------------------------------------------------ the chapter, exactly
def test_forward_mode_is_the_chapters_table():
    trace = tad.explain(chapter_f, 3.0, 2.0, mode="forward", wrt="x1")
    assert named_rows(trace) == CHAPTER_FORWARD
    assert {row.phase for row in trace.rows} == {"forward"}
    assert [row.statement for row in trace.rows] == [
        "u1 = x1 + x2", "u1_dot = x1_dot", "u2 = x1 - x2", "u2_dot = x1_dot",
        "y = u1 * u2", "y_dot = u2 * u1_dot + u1 * u2_dot"]
    assert trace.result == (5.0, 6.0)


def test_reverse_mode_is_the_chapters_table():
    trace = tad.explain(chapter_f, 3.0, 2.0, mode="reverse", wrt=("x1", "x2"))
    # The forward sweep computes the values, as in the chapter's 前向阶段.
    assert named_rows(trace, "forward") == [("u1", 5.0), ("u2", 1.0), ("y", 5.0)]
    # Each adjoint's final value, in the order they are completed: the chapter's 反向阶段.
    assert list(trace.values("reverse").items()) == CHAPTER_REVERSE
    # x1_bar and x2_bar are sums of two terms; the trace shows the first term, then the sum.
    assert named_rows(trace, "reverse") == [
        ("y_bar", 1.0), ("u1_bar", 1.0), ("u2_bar", 5.0),
        ("x1_bar", 5.0), ("x2_bar", -5.0),         # u2_bar * du2/dx1, u2_bar * du2/dx2
        ("x1_bar", 6.0), ("x2_bar", -4.0)]         # + u1_bar * du1/dx1, + u1_bar * du1/dx2
    assert trace.result == (6.0, -4.0)


def test_seed_function_matches_the_chapter_with_generated_names():
    # examples/seed.py writes f as one expression; the normalizer names its parts t1, t2,
    # which are the chapter's u1, u2 in order of appearance.
    rename = {"t1": "u1", "t2": "u2", "t1_dot": "u1_dot", "t2_dot": "u2_dot",
              "t1_bar": "u1_bar", "t2_bar": "u2_bar"}
    forward = tad.explain(seed.f, 3.0, 2.0, mode="forward")
    assert [(rename.get(n, n), v) for n, v in named_rows(forward)] == CHAPTER_FORWARD
    reverse = tad.explain(seed.f, 3.0, 2.0, mode="reverse", wrt=(0, 1))
    assert [(rename.get(n, n), v) for n, v in reverse.values("reverse").items()] == CHAPTER_REVERSE


def test_printed_table_shows_statements_values_and_phases():
    text = str(tad.explain(chapter_f, 3.0, 2.0, mode="reverse", wrt=("x1", "x2")))
    assert "forward sweep" in text and "reverse sweep" in text
    assert text.index("forward sweep") < text.index("reverse sweep")
    for line in ("u1 = x1 + x2", "u1 = 5.0", "u2_bar = y_bar * u1", "u2_bar = 5.0", "x2_bar = -4.0"):
        assert line in text
    assert "result: (6.0, -4.0)" in text
    forward_text = str(tad.explain(chapter_f, 3.0, 2.0, mode="forward"))
    assert "y_dot = 6.0" in forward_text and "reverse sweep" not in forward_text


def test_html_table():
    html = tad.explain(chapter_f, 3.0, 2.0, mode="reverse", wrt=(0, 1))._repr_html_()
    assert html.startswith("<table>") and html.rstrip().endswith("</table>")
    assert "<code>u2_bar = 5.0</code>" in html
    assert "x1 + x2" in html
    looped = tad.explain(seed.loop, 0.7, 2, mode="reverse")._repr_html_()
    assert "iteration 1 of while i &lt; n" in looped and "i < n" not in looped


# ------------------------------------------------------------ control flow
def test_while_and_if_labels_and_values():
    x0, n = 0.7, 3
    trace = tad.explain(seed.loop, x0, n, mode="reverse")
    forward = [row for row in trace.rows if row.phase == "forward"]
    # The forward sweep: one x per iteration, each labelled with its iteration and branch.
    updates = [row for row in forward if row.statement == "x = x - t2"]
    assert [row.label for row in updates] == [
        f"iteration {k} of while i < n / if cond (x > 0): taken" for k in (1, 2, 3)]
    x = x0
    for row in updates:
        x = x - 0.1 * np.sin(x)
        assert row.value == pytest.approx(x, rel=1e-15)
    # The recorded branch is a row of its own.
    assert [row.value for row in forward if row.name == "cond"] == [True, True, True]
    # The reverse sweep replays the iterations backwards.
    reverse = [row for row in trace.rows if row.phase == "reverse" and row.name == "t2_bar"]
    assert [row.label.split(" / ")[0] for row in reverse] == [
        f"iteration {k}/3 of for _ in range(iterations), replaying forward iteration {4 - k}" for k in (1, 2, 3)]
    assert trace.result == pytest.approx(tad.grad(seed.loop)(x0, n), rel=1e-15)
    text = str(trace)
    assert "iteration 2 of while i < n" in text and "if cond (x > 0): taken" in text


def test_branch_not_taken_and_else():
    trace = tad.explain(seed.loop, -0.7, 2, mode="forward")
    labels = {row.label for row in trace.rows if row.name == "x"}
    assert labels == {"iteration 1 of while i < n / if x > 0: not taken (else)",
                      "iteration 2 of while i < n / if x > 0: not taken (else)"}
    assert trace.result[1] == pytest.approx(tad.jvp(seed.loop, (-0.7, 2), (1.0, None))[1], rel=1e-15)
    assert "if x > 0: not taken (else)" in str(trace)


def test_for_loop_labels_show_the_loop_variable():
    trace = tad.explain(_store_squares, np.array([1.0, 2.0, 3.0]), mode="reverse")
    forward_labels = [row.label for row in trace.rows if row.phase == "forward" and row.name == "y[i]"]
    assert forward_labels == [f"iteration {k + 1}/3 of for i in range(3) (i = {k})" for k in range(3)]
    reverse_labels = [row.label for row in trace.rows if row.phase == "reverse" and row.name == "t1_bar"]
    assert reverse_labels == [f"iteration {k}/3 of for i in reversed(range(3)) (i = {3 - k})" for k in (1, 2, 3)]
    # y[i] = t1 stores into y; each row shows the element just stored
    assert [row.value for row in trace.rows if row.name == "y[i]"] == [1.0, 4.0, 9.0]
    np.testing.assert_allclose(trace.result, 3 * np.array([1.0, 2.0, 3.0]) ** 2)


def _store_squares(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[i]
    return np.sum(y * x)


def test_helper_calls_are_traced_inside():
    trace = tad.explain(_outer, 0.7, 5.0, mode="reverse")
    inner = [row for row in trace.rows if row.function != trace.rows[0].function]
    assert inner and all(row.label.startswith("in _inner_grad") for row in inner)
    assert "call _inner_grad" in str(trace)
    assert trace.result == pytest.approx(tad.grad(_outer)(0.7, 5.0), rel=1e-15)


def _inner(a, b):
    return a * b + np.sin(a)


def _outer(x, y):
    u = _inner(x, y)
    return u * x


# ------------------------------------------------------------ arrays, values, tapes
def test_arrays_are_previewed_and_snapshotted():
    trace = tad.explain(seed.square_sum, np.array([2.0, 3.0]), mode="reverse")
    values = trace.values()
    np.testing.assert_array_equal(values["x_bar"], [4.0, 6.0])
    assert "x_bar = array(shape=(2,), [4.0, 6.0])" in str(trace)
    long = tad.explain(seed.square_sum, np.arange(100.0), mode="forward")
    assert "t1 = array(shape=(100,), [0.0, 1.0, 4.0, 9.0, 16.0, 25.0, ...])" in str(long)
    matrix = tad.explain(seed.square_sum, np.ones((2, 3)), mode="reverse")
    assert "array(shape=(2, 3), [2.0, 2.0, 2.0, 2.0, 2.0, 2.0])" in str(matrix)
    # Values are copies: the store into y in a later iteration does not change an earlier row.
    snapshots = [row.value for row in tad.explain(_store_squares, np.array([1.0, 2.0, 3.0]), mode="reverse").rows
                 if row.name == "y_bar"]
    assert len({tuple(v) for v in snapshots}) == len(snapshots)


def test_tape_bookkeeping_hidden_unless_asked():
    quiet = tad.explain(seed.loop, 0.7, 2, mode="reverse")
    assert not any("tape" in row.statement or row.name.startswith("iterations") for row in quiet.rows)
    loud = tad.explain(seed.loop, 0.7, 2, mode="reverse", show_tape=True)
    pushes = [row for row in loud.rows if row.statement.startswith("tape.append")]
    pops = [row for row in loud.rows if row.statement.endswith("tape.pop()")]
    assert pushes and pops and len(loud.rows) > len(quiet.rows)


def test_reverse_values_equal_grad_and_forward_values_equal_jvp():
    rng = np.random.default_rng(1)
    for x in (0.3, -1.2, 2.5):
        trace = tad.explain(seed.sin_square, x, mode="reverse")
        assert trace.result == tad.grad(seed.sin_square)(x)
        assert trace.values()["x_bar"] == trace.result
        out, out_dot = tad.jvp(seed.sin_square, (x,), (1.0,))
        forward = tad.explain(seed.sin_square, x, mode="forward")
        assert forward.values()["y"] == out and forward.values()["y_dot"] == out_dot
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    forward = tad.explain(seed.square_sum, x, mode="forward", tangents=(v,))
    out, out_dot = tad.jvp(seed.square_sum, (x,), (v,))
    assert forward.result == (out, out_dot)
    by_name = tad.explain(seed.z, 1.0, 2.0, mode="forward", wrt=("x", "y"), tangents={"x": 1.0, "y": 0.5})
    assert by_name.result[1] == tad.jvp(seed.z, (1.0, 2.0), (1.0, 0.5))[1] == 9.0


def test_rows_are_named_tuples_with_the_documented_fields():
    row = tad.explain(chapter_f, 3.0, 2.0, mode="forward").rows[0]
    assert (row.phase, row.label, row.statement, row.name, row.value) == ("forward", "", "u1 = x1 + x2", "u1", 5.0)
    assert row._fields[:5] == ("phase", "label", "statement", "name", "value")


def test_max_rows_truncates_the_record_not_the_run():
    trace = tad.explain(seed.loop, 0.7, 200, mode="reverse", max_rows=10)
    assert len(trace.rows) == 10 and trace.truncated
    assert trace.result == tad.grad(seed.loop)(0.7, 200)
    assert "stopped recording" in str(trace)


def test_errors():
    with pytest.raises(ValueError, match="tangents"):
        tad.explain(chapter_f, 3.0, 2.0, mode="reverse", tangents=(1.0,))
    with pytest.raises(ValueError, match="one tangent per"):
        tad.explain(chapter_f, 3.0, 2.0, mode="forward", tangents=(1.0, 2.0))
    with pytest.raises(ValueError, match="mode"):
        tad.explain(chapter_f, 3.0, 2.0, mode="sideways")


# ------------------------------------------------------------ command line
def _cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "tangent_ad", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_line_explain():
    done = _cli("examples/seed.py:f", "--explain", "3", "2", "--mode", "reverse", "--wrt", "x1,x2")
    assert done.returncode == 0, done.stderr
    assert "t2_bar = 5.0" in done.stdout and "result: (6.0, -4.0)" in done.stdout
    loop = _cli("examples/seed.py:loop", "--explain", "-0.7", "2", "--mode", "forward")
    assert loop.returncode == 0, loop.stderr
    assert "iteration 2 of while i < n" in loop.stdout


def test_command_line_explain_wrong_argument_count():
    done = _cli("examples/seed.py:f", "--explain", "3", "--mode", "reverse")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "takes 2 argument(s)" in done.stderr
    bad = _cli("examples/seed.py:f", "--explain", "3", "two")
    assert bad.returncode == 2 and "not a number" in bad.stderr


def test_integer_arguments_are_refused_like_grad():
    with pytest.raises(TypeError, match="not differentiable"):
        tad.explain(chapter_f, 3, 2, mode="reverse")
    assert tad.explain(seed.loop, 0.7, 2, mode="reverse").result == tad.grad(seed.loop)(0.7, 2)


def test_checkpointed_loops_are_traced():
    trace = tad.explain(seed.loop, 0.7, 5, mode="reverse", checkpoint=2)
    assert trace.result == pytest.approx(tad.grad(seed.loop)(0.7, 5), rel=1e-15)
    recomputed = [row for row in trace.rows if row.phase == "reverse" and row.name == "t2"]
    assert len(recomputed) == 5                       # each step run again, one stretch at a time
    assert "run the stretch again, recording" in str(trace)
    restored = [row for row in trace.rows if row.statement == "i, x = snapshots.pop()"]
    assert [row.name for row in restored] == ["i", "x"] * 3


# ------------------------------------------------------------ the documentation stays current
def _printed_outputs():
    """(page, code, text): a Python block of the tutorial pages followed directly by the text it prints."""
    import re
    fence = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.S | re.M)
    for page in ("tutorial.md", "how-it-works.md"):
        text = open(os.path.join(ROOT, "docs", page), encoding="utf-8").read()
        blocks = list(fence.finditer(text))
        number = 0
        for block, after in zip(blocks, blocks[1:]):
            adjacent = not text[block.end():after.start()].strip()
            if block.group(1) == "python" and after.group(1) == "text" and adjacent:
                number += 1
                yield pytest.param(block.group(2), after.group(2), id=f"{page}-{number}")


@pytest.mark.parametrize("code, printed", list(_printed_outputs()))
def test_documented_output_is_what_the_code_prints(code, printed, tmp_path):
    """The text shown under a block is (part of) what the block prints today: regenerate it if not."""
    script = tmp_path / "block.py"
    script.write_text(code)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert printed in done.stdout, f"the documented output is stale; the block now prints:\n{done.stdout}"


def test_documented_outputs_exist():
    assert len(list(_printed_outputs())) >= 8


# ------------------------------------------------------------ seeds and one column per input
def test_forward_table_starts_with_the_seed_row():
    trace = tad.explain(chapter_f, 3.0, 2.0, mode="forward", wrt="x1")
    assert trace.seeds == [{"x1_dot": 1.0, "x2_dot": 0.0}]           # the chapter: ẋ1 = 1, ẋ2 = 0
    lines = str(trace).splitlines()
    first = lines.index("values and tangents, from the inputs to the output")
    assert lines[first + 1].split("|") == ["  x1_dot  (seed)                     ", " x1_dot = 1.0"]
    assert lines[first + 2].split("|") == ["  x2_dot  (seed, x2 held constant)   ", " x2_dot = 0.0"]
    assert named_rows(trace) == CHAPTER_FORWARD                    # the seeds are not computed rows
    assert "<code>x2_dot = 0.0</code>" in trace._repr_html_()
    # an integer parameter is not a real input: it has no seed
    assert tad.explain(seed.loop, 0.7, 2, mode="forward").seeds == [{"x_dot": 1.0}]
    # explicit tangents are the seeds shown
    assert tad.explain(chapter_f, 3.0, 2.0, mode="forward", wrt=(0, 1),
                       tangents=(0.5, 2.0)).seeds == [{"x1_dot": 0.5, "x2_dot": 2.0}]


def test_forward_mode_with_several_wrt_has_one_tangent_column_per_input():
    trace = tad.explain(chapter_f, 3.0, 2.0, mode="forward", wrt=("x1", "x2"))
    assert trace.columns == ["x1", "x2"]
    assert trace.seeds == [{"x1_dot": 1.0, "x2_dot": 0.0}, {"x1_dot": 0.0, "x2_dot": 1.0}]
    assert trace.result == (5.0, (6.0, -4.0))                      # ẏ = 6 for x1, -4 for x2
    assert list(trace.values(column="x1").items()) == CHAPTER_FORWARD
    assert trace.values(column="x2") == {"u1": 5.0, "u1_dot": 1.0, "u2": 1.0, "u2_dot": -1.0,
                                         "y": 5.0, "y_dot": -4.0}
    with pytest.raises(ValueError, match="one tangent column per input"):
        trace.values()
    text = str(trace)
    assert "one column per input: x1, x2" in text
    assert "x1 + x2" in text and "with respect to x1, x2" not in text
    row = next(line for line in text.splitlines() if line.strip().startswith("y_dot ="))
    assert [cell.strip() for cell in row.split("|")] == [
        "y_dot = u2 * u1_dot + u1 * u2_dot", "y_dot = 6.0", "y_dot = -4.0"]
    seed_rows = [[c.strip() for c in line.split("|")] for line in text.splitlines() if "(seed)" in line]
    assert seed_rows == [["x1_dot  (seed)", "x1_dot = 1.0", "x1_dot = 0.0"],
                         ["x2_dot  (seed)", "x2_dot = 0.0", "x2_dot = 1.0"]]
    html = trace._repr_html_()
    assert "<th>x1</th><th>x2</th>" in html and "<code>y_dot = -4.0</code>" in html
    # the columns are the partial derivatives: the gradient, which reverse mode gives in one run
    assert trace.result[1] == tad.grad(chapter_f, wrt=(0, 1))(3.0, 2.0)


def test_several_wrt_columns_with_arrays():
    x = np.array([1.0, 2.0])
    trace = tad.explain(seed.z, x, 3.0, mode="forward", wrt=("x", "y"))
    value, (along_x, along_y) = trace.result
    out, expected_x = tad.jvp(seed.z, (x, 3.0), (np.ones(2), 0.0))
    _, expected_y = tad.jvp(seed.z, (x, 3.0), (np.zeros(2), 1.0))
    np.testing.assert_allclose(value, out)
    np.testing.assert_allclose(along_x, expected_x)
    np.testing.assert_allclose(along_y, expected_y)
