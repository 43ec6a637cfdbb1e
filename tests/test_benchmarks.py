"""The benchmarks cannot rot: their gradients are right, and the runner runs.

Nothing here is timed. The hand-written gradients of benchmarks/workloads.py are
checked against tad.grad and against central differences at small sizes, and
``benchmarks/run.py --quick`` (the CI smoke run) is run as a user runs it.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tangent_ad as tad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.join(ROOT, "benchmarks")
sys.path.insert(0, BENCHMARKS)

from workloads import WORKLOADS, fresh_copy  # noqa: E402


def as_tuple(value, w):
    return tuple(value) if len(w.wrt) > 1 else (value,)


def assert_close(actual, expected, rtol, what):
    for name, a, e in zip(what.wrt, actual, expected):
        a, e = np.asarray(a, dtype=float), np.asarray(e, dtype=float)
        assert a.shape == e.shape, f"{what.name}: {name}: shape {a.shape} != {e.shape}"
        scale = max(float(np.max(np.abs(e))), 1e-12)
        error = float(np.max(np.abs(a - e))) / scale
        assert error < rtol, f"{what.name}: d/d{name}: relative error {error:.2e}"


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_hand_written_gradient_matches_tangent_ad(name):
    w = WORKLOADS[name]
    args = w.inputs(w.test_size, seed=1)
    hand = as_tuple(w.gradient(*args), w)
    assert_close(as_tuple(tad.grad(w.function, wrt=w.wrt_arg)(*args), w), hand, 1e-10, w)
    assert_close(as_tuple(tad.derivative(w.function, "reverse", w.wrt_arg)(*args), w), hand, 1e-10, w)


def wrt_elements(w, args):
    return sum(np.size(args[p]) for p in w.positions())


@pytest.mark.parametrize("name", [n for n, w in WORKLOADS.items()
                                  if wrt_elements(w, w.inputs(w.test_size)) <= 10_000])
def test_hand_written_gradient_matches_central_differences(name):
    w = WORKLOADS[name]
    args = w.inputs(w.test_size, seed=2)
    hand = as_tuple(w.gradient(*args), w)
    numeric = as_tuple(tad.numerical_grad(w.function, *args, wrt=w.wrt_arg), w)
    assert_close(numeric, hand, 1e-6, w)


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_hand_written_gradient_along_random_directions(name):
    """(f(x + h d) - f(x - h d)) / 2h against the gradient's dot product with d (cheap for mlp)."""
    w = WORKLOADS[name]
    args = w.inputs(w.test_size, seed=3)
    hand = as_tuple(w.gradient(*args), w)
    rng = np.random.default_rng(4)
    h = 1e-6
    for _ in range(3):
        directions = [rng.standard_normal(np.shape(args[p])) for p in w.positions()]

        def moved(sign):
            new = list(args)
            for p, d in zip(w.positions(), directions):
                new[p] = args[p] + sign * h * (d if np.ndim(d) else float(d))
            return w.function(*new)

        numeric = (moved(1.0) - moved(-1.0)) / (2 * h)
        exact = sum(float(np.sum(g * d)) for g, d in zip(hand, directions))
        scale = sum(float(np.linalg.norm(g) * np.linalg.norm(d)) for g, d in zip(hand, directions))
        assert abs(numeric - exact) <= 1e-6 * scale, f"{name}: {numeric} vs {exact}"


@pytest.mark.parametrize("name", [n for n, w in WORKLOADS.items() if w.forward])
def test_forward_mode_gives_the_same_gradient(name):
    w = WORKLOADS[name]
    args = w.inputs(w.test_size)
    forward = tad.derivative(w.function, "forward", w.wrt_arg)
    n = len(w.wrt)
    by_jvp = tuple(forward(*args, *[1.0 if i == j else 0.0 for j in range(n)])[1] for i in range(n))
    assert_close(by_jvp, as_tuple(w.gradient(*args), w), 1e-10, w)


def test_the_hand_written_gradients_do_not_modify_their_inputs():
    for w in WORKLOADS.values():
        args = w.inputs(w.test_size)
        before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        w.gradient(*args)
        for a, b in zip(args, before):
            assert np.array_equal(a, b), f"{w.name} changed an input"


def test_a_fresh_copy_misses_the_derivative_cache():
    w = WORKLOADS["seed_poly"]
    cached = tad.derivative(w.function, "reverse", w.wrt_arg)
    copy = fresh_copy(w.function)
    regenerated = tad.derivative(copy, "reverse", w.wrt_arg)
    assert regenerated is not cached
    assert tad.derivative(copy, "reverse", w.wrt_arg) is regenerated
    assert regenerated(3.0, 2.0) == cached(3.0, 2.0)


def run_benchmarks(*args, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, os.path.join(BENCHMARKS, "run.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def numba_installed():
    try:
        import numba  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure to import: the compiled contender is skipped
        return False
    return True


def test_quick_run_of_every_workload():
    result = run_benchmarks("--quick", "--markdown", "--contenders", "tangent_ad,handwritten,compiled",
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for name in WORKLOADS:
        assert f"### {name}:" in out
    for section in ("## Machine", "## Gradient time", "## Transformation time", "## Call overhead",
                    "## Import time", "## Peak memory", "## Summary",
                    "## Transformation time against statements (straight-line code)"):
        assert section in out, section
    if numba_installed():
        # the compiled variant is a contender of every workload: timed, or a row saying why it refused
        assert out.count("| tangent_ad compiled |") >= len(WORKLOADS), out[-3000:]
        assert "## Compile time (first call)" in out
    else:
        assert "note: contender compiled is not installed" in out
    assert "| freshness check alone (each g call runs it) |" in out
    assert "| 100 |" in out          # the longest straight-line function of the quick run
    assert "OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1" in out
    assert "| tangent_ad reverse (generated fn) |" in out
    assert "tangent_ad forward (2 jvp)" in out
    assert "DISAGREES" not in out and "| NO" not in out


def test_quick_scaling_run_and_arguments():
    result = run_benchmarks("--quick", "--scaling", "--contenders", "tangent_ad,handwritten")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "-- sin_sq_sum: time per call against n" in result.stdout
    assert "-- rnn_while: time per call against T" in result.stdout
    bad = run_benchmarks("--contenders", "tangent_ad,nonsense")
    assert bad.returncode == 2 and "unknown contender" in bad.stderr
