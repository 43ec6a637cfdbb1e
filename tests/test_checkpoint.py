"""Checkpointed loops: the same gradient, with memory that grows like sqrt(n).

``checkpoint=True`` keeps about sqrt(n) snapshots of a top-level loop and
recomputes one stretch at a time in the reverse sweep; an int sets the
iterations per snapshot. The gradient must not change (to 1e-12 relative).
"""
import tracemalloc

import numpy as np
import pytest

import tangent_ad as tad

RNG = np.random.default_rng(5)


def rnn(h, W, n):
    for t in range(n):
        h = np.tanh(W @ h) + 0.5 * h
    return np.sum(h * h)


def relax(x, k):
    y = x
    i = 0
    while np.max(np.abs(y)) > 0.05:
        if i % 2 == 0:
            y = y * k - 0.01 * np.sin(y)
        else:
            y = y * k
        i += 1
    return np.sum(y * y) + i


def helper(v, W):
    return np.tanh(W @ v)


def with_stores_and_helpers(x, W, n):
    total = 0.0
    path = np.zeros_like(x, shape=(n,))
    state = x
    for t in range(n):
        state = helper(state, W) + x
        path[t] = np.sum(state)
        if path[t] > 0.0:
            total = total + path[t] ** 2
        else:
            total = total - path[t]
    return total + np.sum(path * path)


CASES = [
    (rnn, lambda: (RNG.normal(size=5), RNG.normal(size=(5, 5)) * 0.4, 37), (0, 1)),
    (relax, lambda: (RNG.uniform(0.5, 1.0, 4), 0.9), 0),
    (with_stores_and_helpers, lambda: (RNG.normal(size=3), RNG.normal(size=(3, 3)) * 0.5, 23), (0, 1)),
]


@pytest.mark.parametrize("checkpoint", [True, 1, 4, 100])
@pytest.mark.parametrize("f, make_args, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checkpointing_leaves_the_gradient_unchanged(f, make_args, wrt, checkpoint):
    args = make_args()
    plain = tad.grad(f, wrt=wrt)(*args)
    checkpointed = tad.grad(f, wrt=wrt, checkpoint=checkpoint)(*args)
    for a, b in zip(np.atleast_1d(plain) if wrt == 0 else plain,
                    np.atleast_1d(checkpointed) if wrt == 0 else checkpointed):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    value, _ = tad.value_and_grad(f, wrt=wrt, checkpoint=checkpoint)(*args)
    assert value == f(*args)


def test_the_checkpointed_source_keeps_snapshots_not_iterations():
    text = tad.source(rnn, wrt=(0, 1), checkpoint=True)
    assert "period = checkpoint_period(len(steps), True)" in text
    assert "snapshots.append((W, h))" in text and "W, h = snapshots.pop()" in text
    assert "for t in reversed(steps[start:start + period]):" in text


def test_the_decorator_takes_checkpoint():
    f = tad.differentiate(rnn, wrt=(0, 1), checkpoint=True)
    args = CASES[0][1]()
    np.testing.assert_allclose(f.grad(*args)[1], tad.grad(rnn, wrt=(0, 1))(*args)[1], rtol=1e-12)
    assert "snapshots" in f.source()


@pytest.mark.parametrize("bad", [0, -3, 2.5, "sqrt"])
def test_a_bad_checkpoint_is_refused(bad):
    with pytest.raises(ValueError, match="checkpoint"):
        tad.grad(rnn, checkpoint=bad)


def _peak_memory(gradient, args):
    gradient(*args)                  # generate and compile outside the measurement
    tracemalloc.start()
    gradient(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_grows_like_sqrt_n_with_checkpointing_and_like_n_without():
    h, W = RNG.normal(size=64), RNG.normal(size=(64, 64)) * 0.1
    plain = tad.grad(rnn, wrt=1)
    checkpointed = tad.grad(rnn, wrt=1, checkpoint=True)
    small, large = 400, 6400                                  # 16 times the iterations
    plain_growth = _peak_memory(plain, (h, W, large)) / _peak_memory(plain, (h, W, small))
    checkpointed_growth = _peak_memory(checkpointed, (h, W, large)) / _peak_memory(checkpointed, (h, W, small))
    assert plain_growth > 10, plain_growth                    # about 16: one tape entry per iteration
    assert checkpointed_growth < 6, checkpointed_growth       # about 4 = sqrt(16), plus fixed costs


def test_the_memory_benchmark_runs(capsys):
    import runpy
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "checkpoint_memory.py"
    argv = sys.argv
    sys.argv = [str(script), "--quick"]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 1")]
    assert len(rows) == 2, rows
    # the same gradient up to rounding: the plain sweep adds the loop's products of W in one
    # matrix product after the loop, the checkpointed one term by term
    differences = [float(line.rstrip(" |").rsplit("|", 1)[-1]) for line in rows]
    assert all(d < 1e-14 for d in differences), rows
