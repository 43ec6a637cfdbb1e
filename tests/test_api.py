"""The public API contract (API.md), entry by entry."""
import ast
import inspect
import math
import os
import re
import subprocess
import sys
import time
import traceback

import numpy as np
import pytest

import tangent_ad as tad
from golden_cases import loop  # the chapter's while/if example (examples/seed.py)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ---------------------------------------------------------------------------
# functions under test (module level: the transformer reads their source)
# ---------------------------------------------------------------------------
def poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def sq_sum(x):
    return np.sum(x ** 2)


def sin_times(x, n):
    return np.sin(x) * n


def elementwise(x):
    return np.sin(x) * x


def matvec(A, x):
    return np.sum(A @ x)


def cube(x):
    return x ** 3


def fast_oscillation(x):
    return np.sin(1.0e6 * x)




def scaled_sum(x, s):
    return np.sum(np.exp(x) * s)


def with_kwarg(x, scale=2.0):
    return np.sum(scale * np.sin(x))


def as_int_arg(x, n):
    return np.sum(x ** n)


@tad.differentiate
def dpoly(x1, x2):
    return (x1 + x2) * (x1 - x2)


@tad.differentiate(wrt=("x1", "x2"))
def dpoly_both(x1, x2):
    return (x1 + x2) * (x1 - x2)


@tad.differentiate(mode="forward", wrt=0)
def dpoly_forward(x1, x2):
    return (x1 + x2) * (x1 - x2)


@tad.differentiate(wrt="x")
def dsq_sum(x):
    return np.sum(x ** 2)


X3 = np.array([0.5, -1.0, 2.0])


def _fresh_exec(d):
    """Execute d.source in a fresh copy of this module's globals, return the entry function."""
    ns = dict(globals())
    exec(compile(d.source, "<printed>", "exec"), ns)
    return ns[d.__name__]


def _floats(text):
    return [float(m) for m in re.findall(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", text)]


# ===========================================================================
# tad.grad
# ===========================================================================
def test_grad_default_wrt_is_first_parameter():
    g = tad.grad(poly)(3.0, 2.0)
    assert isinstance(g, float)
    assert g == pytest.approx(6.0, rel=1e-12)


@pytest.mark.parametrize("wrt, expected", [
    (0, 6.0), (1, -4.0), ("x1", 6.0), ("x2", -4.0),
])
def test_grad_single_wrt_gives_one_gradient(wrt, expected):
    g = tad.grad(poly, wrt=wrt)(3.0, 2.0)
    assert isinstance(g, float)
    assert g == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("wrt, expected", [
    ((0, 1), (6.0, -4.0)),
    ((1, 0), (-4.0, 6.0)),
    (("x1", 1), (6.0, -4.0)),
    ((1, "x1"), (-4.0, 6.0)),
    (("x2",), (-4.0,)),
])
def test_grad_tuple_wrt_gives_tuple_in_order(wrt, expected):
    g = tad.grad(poly, wrt=wrt)(3.0, 2.0)
    assert isinstance(g, tuple) and len(g) == len(expected)
    assert all(isinstance(v, float) for v in g)
    assert g == pytest.approx(expected, rel=1e-12)


def test_grad_of_array_has_argument_shape(xp):
    x = xp.to_array(np.arange(6.0).reshape(2, 3) / 4.0)
    g = tad.grad(sq_sum)(x)
    gn = xp.from_array(g)
    assert gn.shape == (2, 3) and gn.dtype == np.float64
    np.testing.assert_allclose(gn, 2.0 * np.arange(6.0).reshape(2, 3) / 4.0, rtol=1e-12)


def test_grad_mixed_float_and_array(xp):
    x_np = np.array([0.1, -0.3, 0.7])
    gx, gs = tad.grad(scaled_sum, wrt=(0, 1))(xp.to_array(x_np), 1.5)
    np.testing.assert_allclose(xp.from_array(gx), 1.5 * np.exp(x_np), rtol=1e-12)
    assert isinstance(gs, float)
    assert gs == pytest.approx(float(np.sum(np.exp(x_np))), rel=1e-12)


def test_grad_passes_keyword_arguments():
    g = tad.grad(with_kwarg)(X3, scale=0.5)
    np.testing.assert_allclose(g, 0.5 * np.cos(X3), rtol=1e-12)
    g = tad.grad(with_kwarg)(X3)
    np.testing.assert_allclose(g, 2.0 * np.cos(X3), rtol=1e-12)


def test_grad_does_not_modify_arguments(xp):
    x_np = X3.copy()
    x = xp.to_array(x_np)
    tad.grad(sq_sum)(x)
    tad.jvp(sq_sum, (x,), (xp.to_array(np.ones(3)),))
    np.testing.assert_array_equal(xp.from_array(x), X3)


def test_repeated_calls_are_independent(xp):
    # nothing (a tape, a counter, an accumulated adjoint) leaks from one call into the next
    g = tad.grad(loop)
    first = g(0.7, 50)
    assert g(-0.4, 7) != first
    assert g(0.7, 50) == first
    x = xp.to_array(X3)
    d = tad.derivative(matvec, mode="reverse", wrt=(0, 1))
    a1 = [xp.from_array(v).copy() for v in d(xp.to_array(np.ones((2, 3))), x)]
    d(xp.to_array(np.full((2, 3), 3.0)), x)
    a2 = [xp.from_array(v) for v in d(xp.to_array(np.ones((2, 3))), x)]
    for u, v in zip(a1, a2):
        np.testing.assert_array_equal(u, v)


# ===========================================================================
# tad.value_and_grad
# ===========================================================================
def test_value_and_grad():
    value, g = tad.value_and_grad(poly)(3.0, 2.0)
    assert value == pytest.approx(5.0, rel=1e-12)
    assert g == pytest.approx(6.0, rel=1e-12)
    value, g = tad.value_and_grad(poly, wrt=("x1", "x2"))(3.0, 2.0)
    assert value == pytest.approx(5.0, rel=1e-12)
    assert g == pytest.approx((6.0, -4.0), rel=1e-12)


def test_value_and_grad_array(xp):
    value, g = tad.value_and_grad(sq_sum)(xp.to_array(X3))
    assert float(xp.from_array(value)) == pytest.approx(float(np.sum(X3 ** 2)), rel=1e-12)
    np.testing.assert_allclose(xp.from_array(g), 2.0 * X3, rtol=1e-12)


# ===========================================================================
# tad.jvp
# ===========================================================================
def test_jvp_chapter_example():
    out, out_dot = tad.jvp(poly, (3.0, 2.0), (1.0, 0.0))
    assert out == pytest.approx(5.0, rel=1e-12)
    assert out_dot == pytest.approx(6.0, rel=1e-12)


@pytest.mark.parametrize("tangents, expected", [
    ((1.0, None), 6.0), ((None, 1.0), -4.0), ((2.0, None), 12.0), ((1.0, 1.0), 2.0),
])
def test_jvp_none_tangent_means_not_differentiated(tangents, expected):
    out, out_dot = tad.jvp(poly, (3.0, 2.0), tangents)
    assert out == pytest.approx(5.0, rel=1e-12)
    assert out_dot == pytest.approx(expected, rel=1e-12)


def test_jvp_with_int_primal(xp):
    v_np = np.array([1.0, 0.5, -2.0])
    out, out_dot = tad.jvp(sin_times, (xp.to_array(X3), 3), (xp.to_array(v_np), None))
    np.testing.assert_allclose(xp.from_array(out), np.sin(X3) * 3, rtol=1e-12)
    np.testing.assert_allclose(xp.from_array(out_dot), np.cos(X3) * 3 * v_np, rtol=1e-12)


# ===========================================================================
# tad.vjp
# ===========================================================================
def test_vjp_returns_one_cotangent_per_primal_none_for_int(xp):
    out, f_vjp = tad.vjp(sin_times, xp.to_array(X3), 3)
    np.testing.assert_allclose(xp.from_array(out), np.sin(X3) * 3, rtol=1e-12)
    u_np = np.array([1.0, -2.0, 0.5])
    cts = f_vjp(xp.to_array(u_np))
    assert isinstance(cts, tuple) and len(cts) == 2
    assert cts[1] is None
    np.testing.assert_allclose(xp.from_array(cts[0]), 3 * np.cos(X3) * u_np, rtol=1e-12)


def test_vjp_is_reusable_with_different_cotangents(xp):
    _, f_vjp = tad.vjp(sin_times, xp.to_array(X3), 3)
    u1, u2 = np.array([1.0, 0.0, 0.0]), np.array([0.5, 2.0, -1.0])
    g1 = xp.from_array(f_vjp(xp.to_array(u1))[0])
    g2 = xp.from_array(f_vjp(xp.to_array(u2))[0])
    g1_again = xp.from_array(f_vjp(xp.to_array(u1))[0])
    g12 = xp.from_array(f_vjp(xp.to_array(u1 + u2))[0])
    np.testing.assert_allclose(g1, 3 * np.cos(X3) * u1, rtol=1e-12)
    np.testing.assert_allclose(g2, 3 * np.cos(X3) * u2, rtol=1e-12)
    np.testing.assert_array_equal(g1_again, g1)
    np.testing.assert_allclose(g12, g1 + g2, rtol=1e-12)


def test_vjp_scalar_function_of_floats():
    out, f_vjp = tad.vjp(poly, 3.0, 2.0)
    assert out == pytest.approx(5.0, rel=1e-12)
    cts = f_vjp(1.0)
    assert isinstance(cts, tuple) and len(cts) == 2
    assert all(isinstance(c, float) for c in cts)
    assert cts == pytest.approx((6.0, -4.0), rel=1e-12)
    assert f_vjp(0.5) == pytest.approx((3.0, -2.0), rel=1e-12)


# ===========================================================================
# tad.derivative and tad.source
# ===========================================================================
def test_derivative_reverse():
    d = tad.derivative(poly, mode="reverse", wrt=(0, 1))
    assert callable(d)
    assert d(3.0, 2.0) == pytest.approx((6.0, -4.0), rel=1e-12)
    d0 = tad.derivative(poly, mode="reverse", wrt=0)
    assert d0(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)


def test_derivative_reverse_is_default_mode():
    assert tad.derivative(poly)(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)
    assert tad.source(poly) == tad.source(poly, mode="reverse", wrt=0)


def test_derivative_reverse_out_bar_seeds_nonscalar_output(xp):
    d = tad.derivative(elementwise, mode="reverse")
    u_np = np.array([1.0, -0.5, 2.0])
    g = xp.from_array(d(xp.to_array(X3), xp.to_array(u_np)))
    np.testing.assert_allclose(g, (np.cos(X3) * X3 + np.sin(X3)) * u_np, rtol=1e-12)


def test_derivative_reverse_out_bar_scales_scalar_output():
    d = tad.derivative(poly, mode="reverse", wrt=(0, 1))
    assert d(3.0, 2.0, 0.5) == pytest.approx((3.0, -2.0), rel=1e-12)


def test_derivative_forward_explicit_tangents():
    d = tad.derivative(poly, mode="forward", wrt=(0, 1))
    assert d(3.0, 2.0, 1.0, 0.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    assert d(3.0, 2.0, 0.0, 1.0) == pytest.approx((5.0, -4.0), rel=1e-12)


def test_derivative_forward_scalar_tangent_defaults_to_one():
    d = tad.derivative(poly, mode="forward", wrt=0)
    assert d(3.0, 2.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    assert d(3.0, 2.0, 2.0) == pytest.approx((5.0, 12.0), rel=1e-12)
    d2 = tad.derivative(poly, mode="forward", wrt=(0, 1))
    assert d2(3.0, 2.0) == pytest.approx((5.0, 2.0), rel=1e-12)  # both tangents 1.0: 6 - 4


def test_derivative_forward_array_tangent(xp):
    d = tad.derivative(sq_sum, mode="forward")
    v_np = np.array([1.0, 2.0, -1.0])
    out, out_dot = d(xp.to_array(X3), xp.to_array(v_np))
    assert float(xp.from_array(out)) == pytest.approx(float(np.sum(X3 ** 2)), rel=1e-12)
    assert float(xp.from_array(out_dot)) == pytest.approx(float(np.sum(2 * X3 * v_np)), rel=1e-12)


@pytest.mark.parametrize("mode, wrt", [("reverse", 0), ("reverse", (0, 1)), ("forward", 0), ("forward", ("x1", "x2"))])
def test_derivative_name_is_defined_in_its_source(mode, wrt):
    d = tad.derivative(poly, mode=mode, wrt=wrt)
    assert isinstance(d.source, str)
    assert d.source == tad.source(poly, mode=mode, wrt=wrt)
    tree = ast.parse(d.source)
    defined = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert d.__name__ in defined


@pytest.mark.parametrize("f, mode, wrt, args", [
    (poly, "reverse", (0, 1), (3.0, 2.0)),
    (poly, "forward", (0, 1), (3.0, 2.0, 1.0, 0.5)),
    (loop, "reverse", 0, (0.7, 50)),
    (loop, "forward", 0, (0.7, 50)),
    (sq_sum, "reverse", 0, (X3,)),
    (sq_sum, "forward", 0, (X3, np.array([1.0, 2.0, 3.0]))),
    (matvec, "reverse", (0, 1), (np.ones((2, 3)), X3)),
], ids=["poly-reverse", "poly-forward", "loop-reverse", "loop-forward", "sq_sum-reverse", "sq_sum-forward",
        "matvec-reverse"])
def test_printed_source_runs_as_printed(f, mode, wrt, args):
    d = tad.derivative(f, mode=mode, wrt=wrt)
    printed = _fresh_exec(d)
    expected = d(*args)
    got = printed(*args)
    assert type(got) is type(expected)
    for a, b in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_inspect_getsource_shows_generated_lines(mode):
    d = tad.derivative(poly, mode=mode, wrt=(0, 1))
    src = inspect.getsource(d)
    assert f"def {d.__name__}(" in src
    assert src.strip() in d.source
    assert len(src.strip().splitlines()) >= 3


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_traceback_through_derivative_shows_generated_line(mode):
    d = tad.derivative(matvec, mode=mode, wrt=(0, 1))
    A, x = np.ones((2, 3)), np.ones(4)  # A @ x: shapes do not match
    extra = (np.ones((2, 3)), np.ones(4)) if mode == "forward" else ()
    with pytest.raises(ValueError) as info:
        d(A, x, *extra)
    frames = [fr for fr in traceback.extract_tb(info.value.__traceback__)
              if fr.filename == d.__code__.co_filename]
    assert frames, "no frame of the generated function in the traceback"
    lines = [fr.line.strip() for fr in frames if fr.line]
    assert lines, f"the traceback shows no source line for {d.__code__.co_filename}"
    source_lines = {line.strip() for line in d.source.splitlines()}
    assert any(line in source_lines for line in lines), (lines, d.source)
    text = "".join(traceback.format_exception(info.value))
    assert any(line in text for line in lines)


def test_source_is_parseable_string():
    for mode in ("reverse", "forward"):
        src = tad.source(poly, mode=mode, wrt=(0, 1))
        assert isinstance(src, str) and src.strip()
        ast.parse(src)


def test_source_is_deterministic_in_process():
    a = tad.source(loop, mode="reverse", wrt=0)
    b = tad.source(loop, mode="reverse", wrt=0)
    assert a == b


_SOURCE_SCRIPT = """
import sys
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import test_api, tangent_ad as tad
for f in (test_api.poly, test_api.loop, test_api.matvec):
    for mode in ("reverse", "forward"):
        sys.stdout.write(tad.source(f, mode=mode, wrt=0))
        sys.stdout.write("\\n=====\\n")
"""


def test_source_is_deterministic_across_processes_and_hash_seeds():
    outputs = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", _SOURCE_SCRIPT.format(here=HERE, root=ROOT)],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    here = "".join(tad.source(f, mode=m, wrt=0) + "\n=====\n"
                   for f in (poly, loop, matvec) for m in ("reverse", "forward"))
    assert outputs[0] == here


def _looks_random(name):
    """A long digit run, or a hex-looking run mixing digits and letters (uuid/hash suffixes)."""
    if re.search(r"\d{4,}", name):
        return True
    return any(re.search(r"\d", run) and re.search(r"[a-f]", run)
               for run in re.findall(r"[0-9a-f]{6,}", name.lower()))


def test_source_has_no_random_or_hashed_names():
    for f, wrt in ((poly, (0, 1)), (loop, 0), (matvec, (0, 1))):
        for mode in ("reverse", "forward"):
            tree = ast.parse(tad.source(f, mode=mode, wrt=wrt))
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            names |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
                      for a in n.args + n.kwonlyargs}
            odd = [n for n in names if _looks_random(n)]
            assert not odd, f"random-looking names in generated {mode} code: {odd}"


# ===========================================================================
# the decorator
# ===========================================================================
def test_decorator_bare_keeps_function():
    assert dpoly(3.0, 2.0) == pytest.approx(5.0, rel=1e-12)
    assert dpoly.grad(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)
    assert dpoly.value_and_grad(3.0, 2.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    out, out_dot = dpoly.jvp((3.0, 2.0), (1.0, 0.0))
    assert (out, out_dot) == pytest.approx((5.0, 6.0), rel=1e-12)
    out, f_vjp = dpoly.vjp(3.0, 2.0)
    assert out == pytest.approx(5.0, rel=1e-12)
    assert f_vjp(1.0) == pytest.approx((6.0, -4.0), rel=1e-12)
    assert dpoly.derivative("reverse")(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)
    assert dpoly.derivative("forward")(3.0, 2.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    for mode in ("reverse", "forward"):
        src = dpoly.source(mode)
        assert isinstance(src, str)
        ast.parse(src)
        assert src == dpoly.derivative(mode).source
    # the printed code runs (the decorator line of dpoly is not part of it)
    assert _fresh_exec(dpoly.derivative("reverse"))(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)
    assert _fresh_exec(dpoly.derivative("forward"))(3.0, 2.0) == pytest.approx((5.0, 6.0), rel=1e-12)


def test_decorator_with_wrt():
    assert dpoly_both(3.0, 2.0) == pytest.approx(5.0, rel=1e-12)
    assert dpoly_both.grad(3.0, 2.0) == pytest.approx((6.0, -4.0), rel=1e-12)
    value, g = dpoly_both.value_and_grad(3.0, 2.0)
    assert value == pytest.approx(5.0, rel=1e-12)
    assert g == pytest.approx((6.0, -4.0), rel=1e-12)
    assert dpoly_both.derivative("reverse")(3.0, 2.0) == pytest.approx((6.0, -4.0), rel=1e-12)
    assert dpoly_both.derivative("forward")(3.0, 2.0, 1.0, 0.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    assert dpoly_both.source("reverse") == dpoly_both.derivative("reverse").source
    assert _fresh_exec(dpoly_both.derivative("reverse"))(3.0, 2.0) == pytest.approx((6.0, -4.0), rel=1e-12)


def test_decorator_with_mode_and_wrt():
    assert dpoly_forward(3.0, 2.0) == pytest.approx(5.0, rel=1e-12)
    assert dpoly_forward.grad(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)
    assert dpoly_forward.jvp((3.0, 2.0), (0.0, 1.0)) == pytest.approx((5.0, -4.0), rel=1e-12)
    # the decorator's mode is the default for .derivative() and .source()
    assert dpoly_forward.source() == dpoly_forward.source("forward")
    assert dpoly_forward.derivative()(3.0, 2.0) == pytest.approx((5.0, 6.0), rel=1e-12)
    assert dpoly_forward.derivative("reverse")(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)


def test_decorator_on_array_function(xp):
    x = xp.to_array(X3)
    assert float(xp.from_array(dsq_sum(x))) == pytest.approx(float(np.sum(X3 ** 2)), rel=1e-12)
    np.testing.assert_allclose(xp.from_array(dsq_sum.grad(x)), 2.0 * X3, rtol=1e-12)


def test_decorated_function_works_with_module_functions():
    assert tad.grad(dpoly)(3.0, 2.0) == pytest.approx(6.0, rel=1e-12)


# ===========================================================================
# tad.numerical_grad and tad.check_grad
# ===========================================================================
def test_numerical_grad_floats():
    assert tad.numerical_grad(poly, 3.0, 2.0) == pytest.approx(6.0, rel=1e-8)
    assert tad.numerical_grad(poly, 3.0, 2.0, wrt=1) == pytest.approx(-4.0, rel=1e-8)
    assert tad.numerical_grad(poly, 3.0, 2.0, wrt="x2") == pytest.approx(-4.0, rel=1e-8)


def test_numerical_grad_uses_h():
    # ((1 + h)^3 - (1 - h)^3) / 2h = 3 + h^2 exactly: the step really is h
    assert tad.numerical_grad(cube, 1.0, h=1e-2) == pytest.approx(3.0001, rel=1e-9)
    assert tad.numerical_grad(cube, 1.0, h=1e-1) == pytest.approx(3.01, rel=1e-9)


def test_numerical_grad_array():
    g = tad.numerical_grad(sq_sum, X3)
    assert isinstance(g, np.ndarray) and g.shape == X3.shape
    np.testing.assert_allclose(g, 2.0 * X3, rtol=1e-8)
    A = np.arange(6.0).reshape(2, 3)
    gA = tad.numerical_grad(matvec, A, X3)
    assert gA.shape == (2, 3)
    np.testing.assert_allclose(gA, np.broadcast_to(X3, (2, 3)), rtol=1e-8, atol=1e-10)


def test_check_grad_correct_function_returns_small_error():
    err = tad.check_grad(poly, 3.0, 2.0)
    assert isinstance(err, float) and 0.0 <= err < 1e-6
    err = tad.check_grad(sq_sum, X3)
    assert 0.0 <= err < 1e-6
    err = tad.check_grad(loop, 0.7, 50)
    assert 0.0 <= err < 1e-6
    err = tad.check_grad(matvec, np.ones((2, 3)), X3, wrt=1)
    assert 0.0 <= err < 1e-6


def test_check_grad_raises_with_both_gradients_on_mismatch():
    # sin(1e6 x) at 0: the true derivative is 1e6; central differences with h = 1e-5
    # see sin(+-10) and give sin(10) / 1e-5 = -54402.1...: a genuine mismatch.
    true = 1.0e6
    numeric = math.sin(10.0) / 1e-5
    with pytest.raises(AssertionError) as info:
        tad.check_grad(fast_oscillation, 0.0)
    numbers = _floats(str(info.value))
    assert any(abs(v - true) <= 1e-2 * abs(true) for v in numbers), str(info.value)
    assert any(abs(v - numeric) <= 1e-2 * abs(numeric) for v in numbers), str(info.value)


def test_check_grad_rtol_is_the_threshold():
    err = tad.check_grad(fast_oscillation, 0.0, rtol=1e3)
    assert err > 1e-3
    with pytest.raises(AssertionError):
        tad.check_grad(fast_oscillation, 0.0, rtol=err / 2)


# ===========================================================================
# caching
# ===========================================================================
def test_transforming_twice_returns_the_cached_derivative():
    for mode in ("reverse", "forward"):
        d1 = tad.derivative(poly, mode=mode, wrt=(0, 1))
        d2 = tad.derivative(poly, mode=mode, wrt=(0, 1))
        assert d1 is d2
    assert tad.derivative(poly, mode="reverse", wrt=0) is not tad.derivative(poly, mode="forward", wrt=0)


def test_second_transformation_is_fast():
    tad.source(loop, mode="reverse", wrt=0)
    start = time.perf_counter()
    for _ in range(20):
        tad.source(loop, mode="reverse", wrt=0)
        tad.grad(loop)(0.7, 3)
    per_call = (time.perf_counter() - start) / 20
    assert per_call < 0.05, f"cached transformation took {per_call:.3f} s per call"


# ===========================================================================
# wrong use of the API
# ===========================================================================
def test_wrt_index_out_of_range():
    with pytest.raises(ValueError) as info:
        tad.grad(poly, wrt=2)(3.0, 2.0)
    msg = str(info.value)
    # names what was given and what was expected (the parameters, or the valid indices)
    assert "2" in msg and (("x1" in msg and "x2" in msg) or ("0" in msg and "1" in msg)), msg


def test_wrt_unknown_name():
    with pytest.raises(ValueError) as info:
        tad.grad(poly, wrt="z")(3.0, 2.0)
    msg = str(info.value)
    assert "z" in msg and "x1" in msg and "x2" in msg, msg


def test_wrt_unknown_name_in_tuple():
    with pytest.raises(ValueError) as info:
        tad.grad(poly, wrt=("x1", "y"))(3.0, 2.0)
    assert "y" in str(info.value) and "x2" in str(info.value)


def test_grad_of_nonscalar_output():
    with pytest.raises(ValueError) as info:
        tad.grad(elementwise)(X3)
    assert "scalar" in str(info.value).lower()


def test_jvp_wrong_number_of_tangents():
    with pytest.raises((ValueError, TypeError)):
        tad.jvp(poly, (3.0, 2.0), (1.0,))
    with pytest.raises((ValueError, TypeError)):
        tad.jvp(poly, (3.0, 2.0), (1.0, 0.0, 0.0))


@pytest.mark.parametrize("tangent_shape", [(4,), (3, 1), (1,), ()], ids=["(4,)", "(3,1)", "(1,)", "()"])
def test_jvp_tangent_shape_must_match_primal(tangent_shape):
    with pytest.raises((ValueError, TypeError)) as info:
        tad.jvp(sq_sum, (X3,), (np.ones(tangent_shape),))
    assert "shape" in str(info.value).lower() or "(3,)" in str(info.value)


def test_integer_argument_in_wrt_is_not_differentiable():
    with pytest.raises(TypeError) as info:
        tad.grad(as_int_arg, wrt=1)(X3, 3)
    assert re.search(r"differentia", str(info.value), re.I), str(info.value)
    with pytest.raises(TypeError):
        tad.grad(as_int_arg, wrt=("x", "n"))(X3, 3)


# ===========================================================================
# the command line
# ===========================================================================
def test_command_line_prints_generated_source():
    path = os.path.join(HERE, "test_api.py")
    proc = subprocess.run([sys.executable, "-m", "tangent_ad", f"{path}:poly", "--mode", "forward", "--wrt", "x1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == tad.source(poly, mode="forward", wrt="x1").strip()
