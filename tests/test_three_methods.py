"""examples/three_methods.py and examples/tape_vs_source.py run, their key numbers hold,
and docs/three-methods.md quotes what they measure."""
import pathlib
import re
import sys

import numpy as np
import pytest
import sympy

import tangent_ad as tad

from test_examples import ROOT, number, run_example

sys.path.insert(0, str(ROOT / "examples"))
import tape_vs_source  # noqa: E402
import three_methods  # noqa: E402

EPS = np.finfo(float).eps
DOCS = ROOT / "docs" / "three-methods.md"


def swell_rows(text, name):
    """The rows of the swell table whose header names ``name`` (f or g), as lists of ints or None."""
    table = text.split(f"| depth d | {name}: ops |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append([None if c == "-" else int(c) for c in cells])
    return rows


def error_rows(text):
    table = text.split("| depth d | SymPy (lambdified) error |", 1)[1].split("\n\n", 1)[0]
    return {int(cells[0]): [float(c) for c in cells[1:4]]
            for cells in ([c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:])}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    return run_example("three_methods", "--quick", "--out", str(folder)), folder


def test_three_methods_agree_and_the_errors_are_ordered(quick_run):
    out, _ = quick_run
    assert "Symbolic, numerical and automatic derivatives agree." in out
    errors = error_rows(out)
    assert sorted(errors) == [1, 2, 3, 4, 5, 6]
    for symbolic, numerical, automatic in errors.values():
        assert symbolic < 1e-14 and automatic < 1e-14          # exact up to rounding
        assert 1e-13 < numerical < 1e-8                         # central differences lose digits
        assert numerical > 100 * max(symbolic, automatic)


def test_best_step_is_near_the_cube_root_of_eps(quick_run):
    out, _ = quick_run
    best = number(r"best step for central differences: h = (\S+),", out)
    assert EPS ** (1 / 3) / 10 <= best <= EPS ** (1 / 3) * 10
    model = number(r"the model's h\* = \(3 eps \|f\| / \|f'''\|\)\^\(1/3\) = (\S+)", out)
    assert EPS ** (1 / 3) / 10 <= model <= EPS ** (1 / 3) * 10
    rows = dict((float(h), float(e)) for h, e in re.findall(r"^\| (1e-\d\d) \| (\S+) \|$", out, re.M))
    assert len(rows) == 15
    assert rows[1e-2] > rows[1e-5] < rows[1e-10]                # down as h^2, then up as 1/h


def test_expression_swell_against_generated_code(quick_run):
    out, folder = quick_run
    for name in ("f", "g"):
        rows = swell_rows(out, name)
        assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
        symbolic = [r[2] for r in rows]
        cse = [r[4] for r in rows]
        code = [r[7] for r in rows]
        steps = np.diff(code)
        assert len(set(steps[1:])) == 1 and steps[-1] > 0      # the generated code grows linearly
        assert all(c <= s for c, s in zip(cse, symbolic))
        assert symbolic[-1] / symbolic[0] > 2 * code[-1] / code[0]
    g_symbolic = [r[2] for r in swell_rows(out, "g")]
    assert all(b > 2 * a for a, b in zip(g_symbolic[2:], g_symbolic[3:]))   # doubling and more
    for png in ("three_methods_swell.png", "three_methods_step.png"):
        assert (folder / png).stat().st_size > 10_000


def test_symbolic_numerical_and_automatic_gradients_agree_in_process():
    x = sympy.Symbol("x")
    functions = three_methods.load_functions([4], "g")
    derivative = sympy.diff(three_methods.symbolic_expression(4, x, "g"), x)
    exact = float(derivative.evalf(50, subs={x: sympy.Float("0.7", 50)}))
    assert tad.grad(functions[4])(0.7) == pytest.approx(exact, rel=1e-14)
    assert tad.numerical_grad(functions[4], 0.7) == pytest.approx(exact, rel=1e-8)
    assert sympy.lambdify(x, derivative, "math")(0.7) == pytest.approx(exact, rel=1e-14)


def test_docs_quote_the_measured_sizes(quick_run):
    """The page's tables are the script's: the deterministic columns match the quick run."""
    out, _ = quick_run
    page = DOCS.read_text()
    assert "python examples/three_methods.py --write-docs" in page
    assert "python examples/tape_vs_source.py --write-docs" in page
    assert "![" in page and "images/three_methods_swell.png" in page and "images/three_methods_step.png" in page
    for png in ("three_methods_swell.png", "three_methods_step.png"):
        assert (ROOT / "docs" / "images" / png).stat().st_size > 10_000
    for name in ("f", "g"):
        documented = swell_rows(page, name)
        measured = swell_rows(out, name)
        assert len(documented) >= 9
        for doc_row, run_row in zip(documented, measured):
            # depth, ops of the function, of SymPy's derivative, after cse, tokens, code tokens and lines
            keep = [0, 1, 2, 4, 5, 6, 7, 8]
            assert [doc_row[i] for i in keep] == [run_row[i] for i in keep], (
                "docs/three-methods.md is stale: rerun python examples/three_methods.py --write-docs")
    best = number(r"best step for central differences: h = (\S+),", page)
    assert EPS ** (1 / 3) / 10 <= best <= EPS ** (1 / 3) * 10
    assert "the tape is" in page and "| tangent_ad |" in page


# ---------------------------------------------------------------- tape against source
def test_tape_example_prints_the_chapter_tables():
    out = run_example("tape_vs_source", "--quick")
    assert ("x1 = 3, x1_dot = 1, x2 = 2, x2_dot = 0, u1 = 5, u1_dot = 1, u2 = 1, u2_dot = 1, "
            "y = 5, y_dot = 6") in out
    assert "y_bar = 1, u1_bar = 1, u2_bar = 5, x1_bar = 5, x2_bar = -5, x1_bar = 6, x2_bar = -4" in out
    assert "tape: y = 5, dy/dx1 = 6, dy/dx2 = -4" in out
    assert "def f_grad(x1, x2, y_bar=1.0):" in out and "def f_jvp(x1, x2, x1_dot=1.0):" in out
    assert "tape at x = 2: u1 = x1 * x1" in out and "tape at x = -2: u1 = sin(x1)" in out
    assert "cond = x > 0" in out                                  # the generated code keeps the if
    assert "The tape, tangent_ad and the hand-written gradient agree." in out
    times = {name: float(t) for name, t in
             re.findall(r"^\| (function|tape|tangent_ad|by hand) \| (\S+) us \|", out, re.M)}
    assert set(times) == {"function", "tape", "tangent_ad", "by hand"}
    assert times["tape"] > times["tangent_ad"] and times["tape"] > times["by hand"]
    assert number(r"the tape records (\d+) entries per call", out) == 100


def test_tape_tables_equal_explain():
    tape, y, forward, reverse = tape_vs_source.chapter_tables()
    assert y.value == 5.0 and y.dot == 6.0
    assert dict(reverse)["x1_bar"] == 6.0 and dict(reverse)["x2_bar"] == -4.0

    explained = tad.explain(tape_vs_source.f, 3.0, 2.0, mode="forward", wrt=0).values()
    ours = [value for name, value in forward if not name.startswith("x")]
    theirs = [float(value) for name, value in explained.items() if not name.startswith("x")]
    assert ours == theirs == [5.0, 1.0, 1.0, 1.0, 5.0, 6.0]

    explained = tad.explain(tape_vs_source.f, 3.0, 2.0, mode="reverse", wrt=(0, 1)).values("reverse")
    last = {}
    for name, value in reverse:               # each name's last value, in the order completed
        last.pop(name, None)
        last[name] = value
    assert list(last.values()) == [float(v) for v in explained.values()] == [1.0, 1.0, 5.0, 6.0, -4.0]


def test_tape_gradient_of_the_loop_matches_tangent_ad():
    point = (0.3, 0.7)
    _, tape_gradient, tape = tape_vs_source.tape_grad(tape_vs_source.loop, *point)
    expected = tad.grad(tape_vs_source.loop, wrt=(0, 1))(*point)
    assert tape_gradient == pytest.approx(expected, rel=1e-13)
    assert tape_vs_source.loop_by_hand(*point) == pytest.approx(expected, rel=1e-13)
    assert len(tape.entries) == 100
    # a tape records one path: the branch taken, nothing of the other
    assert [t for _, _, t in tape_vs_source.tape_grad(tape_vs_source.branch, 2.0)[2].entries] == ["u1 = x1 * x1"]
    assert [t for _, _, t in tape_vs_source.tape_grad(tape_vs_source.branch, -2.0)[2].entries] == ["u1 = sin(x1)"]
