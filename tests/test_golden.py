"""Golden tests: the generated source of the chapter's examples, side by side with the input.

A change to the generated code shows up here, in review. After an intended change,
regenerate with:  TANGENT_AD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and read the diff of tests/golden/ before committing it.
"""
import math
import os
import pathlib

import numpy as np
import pytest

import tangent_ad as tad
from golden_cases import CASES, f, loop, sin_square, square_sum, z
from golden_more import CASES as MORE
from golden_pytrees import CASES as PYTREES
from golden_comprehensions import CASES as COMPREHENSION_CASES

MORE_CASES = MORE + PYTREES

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _golden_path(func, mode, wrt, optimize=True):
    wrt_text = "_".join(wrt) if isinstance(wrt, tuple) else wrt
    return GOLDEN / f"{func.__name__}.{mode}.{wrt_text}{'' if optimize else '.not_optimized'}.py"


ALL_CASES = [(func, mode, wrt, optimize) for func, mode, wrt in CASES for optimize in (True, False)]


def _ids(value):
    if isinstance(value, bool):
        return "optimized" if value else "not_optimized"
    return getattr(value, "__name__", str(value))


@pytest.mark.parametrize("func,mode,wrt,optimize", ALL_CASES, ids=_ids)
def test_generated_source_matches_golden(func, mode, wrt, optimize):
    text = tad.source(func, mode, wrt, optimize=optimize)
    path = _golden_path(func, mode, wrt, optimize)
    if os.environ.get("TANGENT_AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; run with TANGENT_AD_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"generated source of {func.__name__} ({mode}) changed"


@pytest.mark.parametrize("func,mode,wrt,optimize", ALL_CASES, ids=_ids)
def test_golden_source_runs_as_printed(func, mode, wrt, optimize):
    """The pinned text, executed in a fresh namespace, gives the derivative; optimized or not,
    the numbers are the same."""
    derived = tad.derivative(func, mode, wrt)
    namespace = {}
    exec(compile(_golden_path(func, mode, wrt, optimize).read_text(), "<golden>", "exec"), namespace)
    args = {f: (3.0, 2.0), sin_square: (1.0,), z: (1.5, 0.25), square_sum: (np.array([2.0, 3.0]),),
            loop: (0.7, 50)}[func]
    np.testing.assert_allclose(namespace[derived.__name__](*args), derived(*args), rtol=1e-15, atol=0)


def test_reverse_source_reads_like_the_chapter_table():
    """Forward sweep u1, u2, y; then y_bar, u1_bar = y_bar * u2, u2_bar = y_bar * u1, x1_bar, x2_bar."""
    text = tad.source(f, "reverse", ("x1", "x2"))
    lines = [line.strip() for line in text.splitlines()]
    order = ["t1 = x1 + x2", "t2 = x1 - x2", "y = t1 * t2", "# reverse sweep",
             "y_bar = seed_adjoint(y, y_bar)", "t1_bar = y_bar * t2", "t2_bar = y_bar * t1",
             "x1_bar = unbroadcast(t2_bar, x1)", "x2_bar = unbroadcast(-t2_bar, x2)",
             "x1_bar = x1_bar + unbroadcast(t1_bar, x1)", "x2_bar = x2_bar + unbroadcast(t1_bar, x2)",
             "return x1_bar, x2_bar"]
    positions = [lines.index(line) for line in order]
    assert positions == sorted(positions)
    assert len(text.splitlines()) <= 40, "the chapter's reverse mode must fit on one screen"


def test_forward_source_reads_like_the_chapter_tangent_table():
    text = tad.source(f, "forward", "x1")
    body = [line.strip() for line in text.splitlines()]
    for line in ["t1 = x1 + x2", "t1_dot = x1_dot", "t2 = x1 - x2", "t2_dot = x1_dot",
                 "y = t1 * t2", "y_dot = t2 * t1_dot + t1 * t2_dot", "return y, y_dot"]:
        assert line in body


def test_chapter_values_exact():
    """Every worked example of the chapter, exactly (to rounding)."""
    assert tad.jvp(f, (3.0, 2.0), (1.0, 0.0)) == (5.0, 6.0)
    assert tad.grad(f, wrt=("x1", "x2"))(3.0, 2.0) == (6.0, -4.0)
    assert tad.grad(sin_square)(1.0) == pytest.approx(2 * math.cos(1.0), rel=1e-15)
    assert tad.grad(z, wrt=(0, 1))(1.5, 0.25) == (3.5, 3.5)
    np.testing.assert_array_equal(tad.grad(square_sum)(np.array([2.0, 3.0])), [4.0, 6.0])


def test_source_with_helpers_and_constants_runs_in_a_fresh_namespace():
    """Imports at the top of the source bring NumPy, the user's helpers and constants."""
    from golden_cases import uses_helper_and_constant
    derived = tad.derivative(uses_helper_and_constant, "reverse", ("x", "w"))
    assert "from golden_cases import SCALE, helper" in derived.source
    namespace = {}
    exec(compile(derived.source, "<fresh>", "exec"), namespace)
    x, w = np.array([0.5, -1.0, 2.0]), 0.3
    np.testing.assert_array_equal(namespace[derived.__name__](x, w)[0], derived(x, w)[0])
    np.testing.assert_allclose(derived(x, w)[0], tad.numerical_grad(uses_helper_and_constant, x, w),
                               rtol=1e-7)


def test_debugger_steps_through_generated_lines():
    """pdb lists and steps the generated source, as a student stepping through it would."""
    import io
    import pdb
    derived = tad.derivative(f, "reverse", ("x1", "x2"))
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("next\nnext\nlist\ncontinue\n"), stdout=out)
    debugger.use_rawinput = False
    assert debugger.runcall(derived, 3.0, 2.0) == (6.0, -4.0)
    shown = out.getvalue()
    assert "t1 = x1 + x2" in shown and "y_bar = seed_adjoint(y, y_bar)" in shown


def test_left_out_tangent_of_an_array_is_the_all_ones_direction():
    d = tad.derivative(square_sum, "forward", "x")
    x = np.array([2.0, 3.0])
    assert d(x) == (13.0, 10.0)                  # sum of 2 x
    assert d(x) == d(x, np.ones(2))


def reassigned_argument(x, s):
    if x > 0:
        s = s * x
    return s * x


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_argument_not_differentiated_but_reassigned(x):
    """s is not in wrt, yet takes differentiated values on one branch: its tangent starts at 0."""
    expected = 2 * 3.0 * x if x > 0 else 3.0
    assert tad.jvp(reassigned_argument, (x, 3.0), (1.0, None))[1] == pytest.approx(expected)
    assert tad.grad(reassigned_argument)(x, 3.0) == pytest.approx(expected)


def test_redefined_constant_and_helper_are_seen():
    """A derivative generated before a module constant or helper changed is not reused."""
    import golden_cases
    old_scale, old_helper = golden_cases.SCALE, golden_cases.helper
    x, w = np.array([0.5, -1.0, 2.0]), 0.3
    g = tad.grad(golden_cases.uses_helper_and_constant, wrt="x")
    before = g(x, w)
    try:
        golden_cases.SCALE = 2 * old_scale
        np.testing.assert_allclose(g(x, w), 2 * before, rtol=1e-12)

        def helper(a, w):
            return 2.0 * np.tanh(a * w)

        golden_cases.helper = helper
        np.testing.assert_allclose(g(x, w), 4 * before, rtol=1e-12)
    finally:
        golden_cases.SCALE, golden_cases.helper = old_scale, old_helper
    np.testing.assert_allclose(g(x, w), before, rtol=1e-12)


# ------------------------------------------------ an if, a while with break, an MLP, a helper
# call, a checkpointed loop, a split vjp and a lambda (tests/golden_more.py); comprehensions
# and inlined local functions (tests/golden_comprehensions.py)
MORE_CASES = MORE_CASES + COMPREHENSION_CASES


@pytest.mark.parametrize("case", MORE_CASES, ids=[case.file for case in MORE_CASES])
def test_more_generated_sources_match_golden(case):
    text = case.source()
    path = GOLDEN / case.file
    if os.environ.get("TANGENT_AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; run with TANGENT_AD_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"generated source {case.file} changed"


@pytest.mark.parametrize("case", MORE_CASES, ids=[case.file for case in MORE_CASES])
def test_more_golden_sources_run_as_printed_and_give_the_derivative(case):
    """The pinned text, run in a fresh namespace, gives the derivative worked out by hand."""
    namespace = {}
    exec(compile((GOLDEN / case.file).read_text(), case.file, "exec"), namespace)
    case.check(namespace)
