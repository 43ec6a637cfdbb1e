"""The gradient of a logistic-regression loss over a dataset held as a chunked dask.array.

The loss is plain NumPy code; tangent_ad's generated gradient runs unchanged on
the Dask arrays, building a task graph over the chunks, and the Dask scheduler
computes it: first the local threaded scheduler, then a distributed scheduler
(an in-process cluster here; give Client the address of a real cluster's
scheduler, for example Client("tcp://scheduler:8786"), to run it there). Both
match the gradient computed on the same data held in NumPy.

Run:  python examples/dask_logreg.py      (needs: python -m pip install ".[dask]")
"""
import numpy as np

import tangent_ad as tad


def logistic_loss(w, X, y):
    """Mean negative log-likelihood of labels y in {0, 1} under p = sigmoid(X @ w)."""
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def main():
    import dask
    import dask.array as da

    rng = np.random.default_rng(0)
    n, d = 20_000, 8
    X_np = rng.standard_normal((n, d))
    y_np = (X_np @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0).astype(float)
    w = 0.1 * rng.standard_normal(d)

    expected = tad.grad(logistic_loss)(w, X_np, y_np)          # NumPy, for reference

    X = da.from_array(X_np, chunks=(2_500, d))                 # 8 chunks of rows
    y = da.from_array(y_np, chunks=2_500)
    print(f"dataset: {n} x {d}, {X.numblocks[0]} chunks of {X.chunks[0][0]} rows")

    lazy = tad.grad(logistic_loss)(w, X, y)                    # a dask array: a task graph
    print(f"gradient is a {type(lazy).__module__}.{type(lazy).__name__} "
          f"with {len(lazy.__dask_graph__())} tasks")

    with dask.config.set(scheduler="threads"):
        local = lazy.compute()
    assert np.allclose(local, expected, rtol=1e-10, atol=1e-12), (local, expected)
    print("threaded scheduler:    matches NumPy, max difference", np.max(np.abs(local - expected)))

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("distributed scheduler: skipped (install dask[distributed])")
        return
    # For a real cluster: Client("tcp://<scheduler>:8786") instead of the local one.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        remote = lazy.compute()        # the active Client makes this the scheduler
    assert np.allclose(remote, expected, rtol=1e-10, atol=1e-12), (remote, expected)
    print("distributed scheduler: matches NumPy, max difference", np.max(np.abs(remote - expected)))


if __name__ == "__main__":
    main()
