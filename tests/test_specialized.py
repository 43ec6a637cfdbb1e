"""Derivatives built for the kinds of a call's arguments, and the fast path of ``tad.grad``'s function.

A call of Python (or NumPy) numbers runs a derivative built for them: its shapes are known,
so it has no ``unbroadcast``, no ``broadcast_like`` and no seed check, and reads like the
chapter's tables (pinned in ``tests/golden/*.floats.py``). A call of arrays runs the code
``tad.source(f)`` shows, byte for byte as before. These tests check that the right one runs
for every call, in any order of calls, in both modes, against exact values and central
differences; that nothing the general path refuses gets through the fast path; and that
the source shown is the one that runs. Speed is measured in ``benchmarks/`` (the call
overhead table of ``python benchmarks/run.py --workload seed_poly``), not here.
"""
import math
import os
import pathlib

import numpy as np
import pytest

import tangent_ad as tad
from tangent_ad.targets import target
from conftest import numeric_grad, numeric_jvp
from golden_cases import f, loop, sin_square, z
from golden_more import branch

GOLDEN = pathlib.Path(__file__).parent / "golden"
HELPERS = ("unbroadcast", "seed_adjoint", "scalar_seed", "broadcast_like")


def scaled_sum(x, a):
    """Broadcasts when x is an array and a a number: a's adjoint is a sum."""
    return np.sum(np.sin(x * a) + a * x ** 2)


def product_sum(x, y):
    return np.sum(x * y)


def power(x, n):
    return x ** n * 2.0


def with_default(x, k=2.0):
    return x * k + math.sin(x)


# ------------------------------------------------------------------ the source that runs
def test_a_float_call_runs_the_chapter_s_reverse_table():
    g = tad.grad(f, wrt=("x1", "x2"))
    assert g(3.0, 2.0) == (6.0, -4.0)
    text = g.derivative.source
    for helper in HELPERS:
        assert helper not in text
    body = [line.strip() for line in text.splitlines()]
    chapter = ["t1 = x1 + x2", "t2 = x1 - x2", "t1_bar = y_bar * t2", "t2_bar = y_bar * t1",
               "x1_bar = t2_bar", "x2_bar = -t2_bar", "x1_bar = x1_bar + t1_bar", "x2_bar = x2_bar + t1_bar",
               "return x1_bar, x2_bar"]
    positions = [body.index(line) for line in chapter]
    assert positions == sorted(positions)
    # shown without a call: the same text, and the same function
    assert tad.source(f, wrt=("x1", "x2"), args=(3.0, 2.0)) == text
    assert tad.derivative(f, wrt=("x1", "x2"), args=(3.0, 2.0)) is g.derivative


def test_the_source_without_arguments_is_the_general_code_unchanged():
    general = tad.source(f, "reverse", ("x1", "x2"))
    assert general == (GOLDEN / "f.reverse.x1_x2.py").read_text()
    assert "unbroadcast(t2_bar, x1)" in general and "seed_adjoint(y, y_bar)" in general
    g = tad.grad(f, wrt=(0, 1))
    g(3.0, 2.0)
    g(np.array(3.0), np.array(2.0))           # 0-d arrays: not numbers, the general code
    assert g.derivative.source == general
    assert tad.source(f, wrt=(0, 1), args=(np.ones(2), np.ones(2))) == general


FLOAT_GOLDEN = [
    (f, "reverse", ("x1", "x2"), (3.0, 2.0)),
    (f, "forward", "x1", (3.0, 2.0)),
    (branch, "reverse", ("x", "y"), (3.0, 2.0)),
    (branch, "forward", ("x", "y"), (3.0, 2.0)),
    (z, "reverse", ("x", "y"), (1.5, 0.25)),
    (sin_square, "reverse", "x", (1.0,)),
    (loop, "reverse", "x", (0.7, 50)),
]


def _float_golden(func, mode, wrt):
    wrt_text = "_".join(wrt) if isinstance(wrt, tuple) else wrt
    return GOLDEN / f"{func.__name__}.{mode}.{wrt_text}.floats.py"


@pytest.mark.parametrize("func,mode,wrt,args", FLOAT_GOLDEN, ids=lambda v: getattr(v, "__name__", None))
def test_float_specialized_source_matches_golden(func, mode, wrt, args):
    """Regenerate with TANGENT_AD_UPDATE_GOLDEN=1, as tests/test_golden.py's files."""
    text = tad.source(func, mode, wrt, args=args)
    path = _float_golden(func, mode, wrt)
    if os.environ.get("TANGENT_AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"float-specialized source of {func.__name__} ({mode}) changed"
    for helper in HELPERS:
        assert helper not in text
    namespace = {}
    exec(compile(text, str(path), "exec"), namespace)
    runs = namespace[tad.derivative(func, mode, wrt, args=args).__name__](*args)
    np.testing.assert_allclose(runs, tad.derivative(func, mode, wrt)(*args), rtol=1e-15, atol=0)


def test_forward_mode_on_numbers_has_no_broadcast_like():
    general = tad.source(branch, "forward", ("x", "y"))
    assert "broadcast_like(out_dot, out)" in general
    out, out_dot = tad.jvp(branch, (3.0, 2.0), (1.0, 0.5))
    assert "broadcast_like" not in tad.source(branch, "forward", ("x", "y"), args=(3.0, 2.0))
    exact = 2 * 3.0 * math.sin(2.0) * 1.0 + 3.0 ** 2 * math.cos(2.0) * 0.5      # x^2 sin(y)
    assert out == pytest.approx(9.0 * math.sin(2.0), rel=1e-15)
    assert out_dot == pytest.approx(exact, rel=1e-14)


def test_a_mixed_call_drops_the_helper_only_where_both_sides_are_numbers():
    text = tad.source(scaled_sum, wrt=(0, 1), args=(np.ones(3), 2.0))
    assert "unbroadcast" in text              # a's adjoint sums over x's shape
    assert "seed_adjoint" not in text and "scalar_seed" not in text
    assert text.count("unbroadcast(") < tad.source(scaled_sum, wrt=(0, 1)).count("unbroadcast(")


# ------------------------------------------------------------------ never a wrong derivative
def _exact_scaled_sum(x, a):
    """(d/dx, d/da) of scaled_sum, a's summed over x's shape when a is a number."""
    da = np.cos(x * a) * x + x ** 2
    return np.cos(x * a) * a + 2 * a * x, np.sum(da) if np.ndim(a) == 0 else da


def _check_reverse(g, x, a):
    gx, ga = g(x, a)
    ex, ea = _exact_scaled_sum(x, a)
    np.testing.assert_allclose(gx, ex, rtol=1e-13)
    assert np.shape(gx) == np.shape(x) and np.shape(ga) == np.shape(a)
    np.testing.assert_allclose(ga, ea, rtol=1e-13)
    np.testing.assert_allclose(gx, numeric_grad(scaled_sum, [x, a], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ga, numeric_grad(scaled_sum, [x, a], 1), rtol=1e-6, atol=1e-8)
    return gx, ga


@pytest.mark.parametrize("inline", [False, True], ids=["held", "inline"])
def test_floats_then_arrays_then_floats_in_reverse_mode(inline):
    held = tad.grad(scaled_sum, wrt=(0, 1))
    g = (lambda *args: tad.grad(scaled_sum, wrt=(0, 1))(*args)) if inline else held
    x = np.array([0.3, -1.2, 2.0])
    for args in [(0.7, 1.3), (x, 1.3), (x, np.full(3, 1.3)), (0.7, 1.3), (x, 1.3), (0.7, 1.3)]:
        gx, ga = _check_reverse(g, *args)
        if all(type(v) is float for v in args):
            assert type(gx) is float and type(ga) is float
            assert "unbroadcast" not in held.derivative.source
        else:
            assert isinstance(gx, np.ndarray)


def test_a_float_specialized_derivative_never_runs_for_an_array():
    g = tad.grad(product_sum, wrt=(0, 1))
    assert g(2.0, 3.0) == (3.0, 2.0)
    y = np.array([1.0, 2.0, 4.0])
    gx, gy = g(2.0, y)                       # x is broadcast: its adjoint is a sum
    assert gx == 7.0 and np.array_equal(gy, [2.0, 2.0, 2.0])
    gx, gy = g(np.array([2.0, 1.0, 0.5]), y)
    assert np.array_equal(gx, y) and np.array_equal(gy, [2.0, 1.0, 0.5])
    assert g(2.0, 3.0) == (3.0, 2.0)
    gx, gy = g(2.0, np.array(3.0))           # a 0-d array: the general code
    assert gx == 3.0 and gy == 2.0 and np.shape(gy) == ()
    assert "unbroadcast" in g.derivative.source


def test_floats_then_arrays_then_floats_in_forward_mode():
    x = np.array([0.3, -1.2, 2.0])
    calls = [((0.7, 1.3), (1.0, 0.5)), ((x, 1.3), (np.ones(3), 0.5)), ((x, 1.3), (np.ones(3), None)),
             ((0.7, 1.3), (1.0, None)), ((x, np.full(3, 1.3)), (np.ones(3), np.ones(3))), ((0.7, 1.3), (1.0, 0.5))]
    for primals, tangents in calls:
        out, out_dot = tad.jvp(scaled_sum, primals, tangents)
        assert out == pytest.approx(scaled_sum(*primals), rel=1e-14)
        chosen = [t if t is not None else np.zeros_like(p) * 0.0 for p, t in zip(primals, tangents)]
        assert out_dot == pytest.approx(numeric_jvp(scaled_sum, list(primals), chosen), rel=1e-6)
        if all(type(v) is float for v in primals):
            assert type(out_dot) is float


def test_numpy_scalars_and_zero_d_arrays():
    g = tad.grad(scaled_sum, wrt=(0, 1))
    for x, a in [(np.float64(0.7), np.float64(1.3)), (np.float32(0.7), 1.3), (np.array(0.7), np.array(1.3)),
                 (0.7, np.array(1.3)), (np.float64(0.7), 1.3)]:
        gx, ga = g(x, a)
        ex, ea = _exact_scaled_sum(float(x), float(a))
        assert float(gx) == pytest.approx(ex, rel=1e-6) and float(ga) == pytest.approx(ea, rel=1e-6)
        assert np.shape(gx) == () and np.shape(ga) == ()
    numbers = tad.source(scaled_sum, wrt=(0, 1), args=(np.float64(0.7), np.float64(1.3)))
    assert "unbroadcast" not in numbers
    assert tad.source(scaled_sum, wrt=(0, 1), args=(np.array(0.7), 1.3)).count("unbroadcast") >= 1
    out, out_dot = tad.jvp(scaled_sum, (np.float64(0.7), np.array(1.3)), (np.float64(1.0), np.array(0.0)))
    assert float(out_dot) == pytest.approx(_exact_scaled_sum(0.7, 1.3)[0], rel=1e-13)


def test_ints_are_constants_and_refused_where_differentiated():
    g = tad.grad(power)
    assert g(2.0, 3) == 24.0 and type(g(2.0, 3)) is float
    assert "unbroadcast" not in g.derivative.source
    assert tad.grad(lambda x, n: np.sum(power(x, n)))(np.array([1.0, 2.0]), 3).tolist() == [6.0, 24.0]
    assert g(2.0, 3) == 24.0
    for bad in [(3, 2), (True, 2), (np.int64(3), 2)]:
        with pytest.raises(TypeError, match="integer or boolean"):
            g(*bad)
    h = tad.grad(f, wrt=(0, 1))
    assert h(3.0, 2.0) == (6.0, -4.0)          # (float, float) now takes the fast path
    for bad in [(3, 2.0), (3.0, True), (False, 2.0)]:
        with pytest.raises(TypeError, match="integer or boolean"):
            h(*bad)
    assert tad.jvp(power, (2.0, 3), (1.0, None)) == (16.0, 24.0)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_the_fast_path_refuses_what_the_general_path_refuses():
    g = tad.grad(f, wrt=(0, 1))
    assert g(3.0, 2.0) == (6.0, -4.0)
    with pytest.raises(TypeError, match="complex"):
        g(3.0 + 1j, 2.0)
    with pytest.raises(TypeError, match="np.matrix"):
        g(np.matrix([[3.0]]), 2.0)
    with pytest.raises(TypeError, match=r"f\(\) takes 2 positional arguments but 3 were given"):
        g(3.0, 2.0, 1.0)
    with pytest.raises(TypeError, match=r"f\(\) missing 1 required positional argument"):
        g(3.0)
    assert g(x2=2.0, x1=3.0) == (6.0, -4.0)
    assert g(3.0, x2=2.0) == (6.0, -4.0)
    assert g(3.0, 2.0) == (6.0, -4.0)


def test_a_call_with_defaults_and_keywords():
    g = tad.grad(with_default)
    assert g(0.5) == pytest.approx(2.0 + math.cos(0.5), rel=1e-15)
    assert g(0.5, 3.0) == pytest.approx(3.0 + math.cos(0.5), rel=1e-15)
    assert g(0.5, k=4.0) == pytest.approx(4.0 + math.cos(0.5), rel=1e-15)
    assert g(np.float64(0.5), np.float64(3.0)) == pytest.approx(3.0 + math.cos(0.5), rel=1e-15)
    assert g(0.5) == pytest.approx(2.0 + math.cos(0.5), rel=1e-15)


def test_pytrees_still_dispatch_after_a_float_call():
    def tree_loss(p, s):
        return np.sum(p["w"] * s) + p["b"] ** 2
    g = tad.grad(tree_loss)
    grads = g({"w": np.array([1.0, 2.0]), "b": 3.0}, 2.0)
    assert set(grads) == {"w", "b"} and grads["b"] == 6.0
    np.testing.assert_allclose(grads["w"], [2.0, 2.0])
    with pytest.raises(TypeError):
        g(1.0, 2.0)          # p["w"] of a float


def test_value_and_grad_on_numbers():
    vg = tad.value_and_grad(f, wrt=(0, 1))
    assert vg(3.0, 2.0) == (5.0, (6.0, -4.0))
    assert vg(3.0, 2.0) == (5.0, (6.0, -4.0))
    assert "seed_adjoint" not in vg.derivative.source and "unbroadcast" not in vg.derivative.source
    value, (gx, ga) = tad.value_and_grad(scaled_sum, wrt=(0, 1))(np.ones(2), 2.0)
    assert value == pytest.approx(scaled_sum(np.ones(2), 2.0)) and np.shape(ga) == ()


def test_the_fast_path_is_written_for_the_function_s_arity():
    g = tad.grad(f, wrt=(0, 1))
    g(3.0, 2.0)
    assert "a0, a1 = args" in g.fast_path_source
    assert "fast.get((type(a0), type(a1), ))" in g.fast_path_source
    one = tad.grad(sin_square)
    assert one(1.0) == pytest.approx(2 * math.cos(1.0), rel=1e-15)
    assert "a0, = args" in one.fast_path_source


def test_differentiating_a_gradient_again_reads_the_general_derivative():
    g = tad.grad(scaled_sum, wrt=1)
    g(0.7, 1.3)                                  # g.derivative: the one built for floats
    assert "unbroadcast" not in g.derivative.source
    inner, _ = target(g)
    assert inner is g._tangent_ad_general and inner is tad.derivative(scaled_sum, wrt=1)
    x = np.array([0.3, -1.2, 2.0])
    second = tad.grad(g, wrt=1)
    exact = np.sum(-np.sin(x * 1.3) * x * x)     # d2/da2 of sum(sin(x a) + a x^2)
    assert second(x, 1.3) == pytest.approx(exact, rel=1e-12)
    assert second(0.7, 1.3) == pytest.approx(-math.sin(0.7 * 1.3) * 0.49, rel=1e-12)
    assert second(x, 1.3) == pytest.approx(exact, rel=1e-12)


def test_vjp_is_unchanged():
    out, f_vjp = tad.vjp(f, 3.0, 2.0)
    assert out == 5.0 and f_vjp(1.0) == (6.0, -4.0)
    with pytest.raises(ValueError, match="shape"):
        tad.vjp(product_sum, 2.0, np.ones(2))[1](np.ones(3))


def test_array_calls_build_only_the_general_derivative():
    """A call that differentiates arrays only runs (and builds) the code for any kind, even when
    it also passes an int or a float held constant: array code stays as it was."""
    g = tad.grad(power)
    x = np.array([1.0, 2.0])
    assert tad.derivative(power, args=(x, 3)) is tad.derivative(power)
    assert tad.source(scaled_sum, wrt=0, args=(x, 2.0)) == tad.source(scaled_sum, wrt=0)
    g2 = tad.grad(lambda x, n: np.sum(power(x, n)))
    assert g2(x, 3).tolist() == [6.0, 24.0]
    assert g2.derivative is g2._tangent_ad_general
    assert g(2.0, 3) == 24.0 and g.derivative is not g._tangent_ad_general
