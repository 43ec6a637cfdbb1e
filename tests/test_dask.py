"""Gradients through arrays of many Dask chunks (the whole test matrix also runs on Dask)."""
import pathlib
import runpy

import numpy as np
import pytest

import tangent_ad as tad

da = pytest.importorskip("dask.array", reason="the optional dask extra is not installed")
import dask  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


def row_softmax_loss(W, X):
    z = np.tanh(X @ W)
    e = np.exp(z)
    return np.sum(np.log(np.sum(e, axis=1, keepdims=True)) - np.mean(z, axis=1, keepdims=True))


def grow_until(x):
    """A while loop whose condition depends on the data: Dask computes it each time round."""
    while np.sum(x * x) < 10.0:
        x = 1.5 * np.sin(x) + x
    return np.sum(x ** 3)


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_gradient_over_many_chunks_matches_numpy():
    rng = np.random.default_rng(0)
    W, X = rng.standard_normal((6, 3)), rng.standard_normal((40, 6))
    expected = tad.grad(row_softmax_loss, wrt=(0, 1))(W, X)
    W_d = da.from_array(W, chunks=(3, 3))                  # chunked along both axes
    X_d = da.from_array(X, chunks=(10, 3))
    got = tad.grad(row_softmax_loss, wrt=(0, 1))(W_d, X_d)
    for g, e in zip(got, expected):
        assert isinstance(g, da.Array)                       # lazy until computed
        np.testing.assert_allclose(g.compute(), e, rtol=1e-12, atol=1e-12)
    value, _ = tad.value_and_grad(row_softmax_loss)(W_d, X_d)
    assert float(value) == pytest.approx(row_softmax_loss(W, X), rel=1e-12)


def test_forward_mode_over_many_chunks_matches_numpy():
    rng = np.random.default_rng(1)
    W, X, V = rng.standard_normal((6, 3)), rng.standard_normal((40, 6)), rng.standard_normal((6, 3))
    _, expected = tad.jvp(row_softmax_loss, (W, X), (V, None))
    _, got = tad.jvp(row_softmax_loss, (da.from_array(W, chunks=3), da.from_array(X, chunks=(10, 6))),
                     (da.from_array(V, chunks=3), None))
    assert float(got) == pytest.approx(float(expected), rel=1e-12)


def test_data_dependent_loop_on_dask():
    x = np.array([0.3, -0.2, 0.5, 0.1])
    expected = tad.grad(grow_until)(x)
    got = tad.grad(grow_until)(da.from_array(x, chunks=2))
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-12)


def test_float32_stays_float32_on_dask():
    x = da.from_array(np.linspace(-1.0, 1.0, 8, dtype=np.float32), chunks=4)
    g = tad.grad(grow_until)(x)
    assert g.dtype == np.float32


def test_logistic_regression_example_runs_on_the_threaded_and_distributed_schedulers(capsys):
    pytest.importorskip("dask.distributed", reason="the distributed scheduler is not installed")
    with dask.config.set(scheduler=None):
        runpy.run_path(str(ROOT / "examples" / "dask_logreg.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "threaded scheduler:    matches NumPy" in out
    assert "distributed scheduler: matches NumPy" in out


def mean_log_loss(x):
    return np.mean(np.log(1.0 + x * x))


def test_the_adjoint_of_a_mean_stays_lazy_and_warning_free(recwarn):
    # the mean's adjoint is one number, y_bar / size_of(x): no NumPy function Dask lacks
    x = np.linspace(-1.0, 1.0, 12)
    x_d = da.from_array(x, chunks=4)
    grad = tad.grad(mean_log_loss)(x_d)
    assert isinstance(grad, da.Array)
    np.testing.assert_allclose(grad.compute(), 2 * x / (1 + x * x) / 12, rtol=1e-14)
    assert not [w for w in recwarn if "not implemented by Dask" in str(w.message)]
