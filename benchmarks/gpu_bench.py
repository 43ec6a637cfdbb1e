"""GPU benchmark: generated reverse-mode gradients against hand-written CuPy gradients.

Run on a machine with an NVIDIA GPU and CuPy:  python benchmarks/gpu_bench.py
Prints, for each workload, the median time of the primal, the hand-written
gradient and the tangent_ad gradient, and the ratio tangent_ad / hand-written.
"""
import statistics
import sys
import time

import cupy as cp
import numpy as np

sys.path.insert(0, ".")
import tangent_ad as tad  # noqa: E402


def sin_sq_sum(x):
    return np.sum(np.sin(x ** 2))


def sin_sq_sum_grad(x):
    return 2 * x * np.cos(x ** 2)


def mlp_loss_plain(W1, W2, X, Y):
    h = np.tanh(X @ W1)
    e = np.exp(h @ W2)
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(Y * np.log(p)) / X.shape[0]


def mlp_grad(W1, W2, X, Y):
    h = np.tanh(X @ W1)
    e = np.exp(h @ W2)
    p = e / np.sum(e, axis=1, keepdims=True)
    d_logits = (p - Y) / X.shape[0]
    W2_bar = h.T @ d_logits
    dh = (d_logits @ W2.T) * (1 - h ** 2)
    return X.T @ dh, W2_bar


def rnn_while(W, U, xs, h0):
    h = h0
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(W @ h + U @ xs[t])
        t = t + 1
    return np.sum(h)


def rnn_grad(W, U, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        hs.append(h)
    W_bar = cp.zeros_like(W)
    U_bar = cp.zeros_like(U)
    g = cp.ones_like(h)
    for t in reversed(range(xs.shape[0])):
        a_bar = g * (1 - hs[t + 1] ** 2)
        W_bar += cp.outer(a_bar, hs[t])
        U_bar += cp.outer(a_bar, xs[t])
        g = W.T @ a_bar
    return W_bar, U_bar


def median_time(fn, *args, repeat=30):
    fn(*args)
    cp.cuda.Device().synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        cp.cuda.Device().synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name, primal, hand, generated, args, check):
    t_primal = median_time(primal, *args)
    t_hand = median_time(hand, *args)
    t_gen = median_time(generated, *args)
    ok = check()
    print(f"{name:12s} primal {t_primal * 1e3:8.3f} ms  hand {t_hand * 1e3:8.3f} ms  "
          f"tangent_ad {t_gen * 1e3:8.3f} ms  ratio {t_gen / t_hand:5.2f}x  gradients match: {ok}")


def main():
    props = cp.cuda.runtime.getDeviceProperties(0)
    print(f"GPU: {props['name'].decode() if isinstance(props['name'], bytes) else props['name']}, "
          f"CuPy {cp.__version__}, NumPy {np.__version__}")
    rng = cp.random.default_rng(0)
    x = rng.standard_normal(10 ** 7)
    g = tad.grad(sin_sq_sum)
    report("sin_sq_sum", sin_sq_sum, sin_sq_sum_grad, g, (x,),
           lambda: bool(cp.allclose(g(x), sin_sq_sum_grad(x))))
    W1 = rng.standard_normal((784, 128)) * 0.05
    W2 = rng.standard_normal((128, 10)) * 0.05
    X = rng.standard_normal((4096, 784))
    Y = cp.eye(10)[rng.integers(0, 10, 4096)]
    gm = tad.grad(mlp_loss_plain, wrt=(0, 1))
    report("mlp", mlp_loss_plain, mlp_grad, gm, (W1, W2, X, Y),
           lambda: all(bool(cp.allclose(a, b)) for a, b in zip(gm(W1, W2, X, Y), mlp_grad(W1, W2, X, Y))))
    W = rng.standard_normal((64, 64)) * 0.1
    U = rng.standard_normal((64, 32)) * 0.1
    xs = rng.standard_normal((50, 32))
    h0 = cp.zeros(64)
    gr = tad.grad(rnn_while, wrt=(0, 1))
    report("rnn_while", rnn_while, rnn_grad, gr, (W, U, xs, h0),
           lambda: all(bool(cp.allclose(a, b)) for a, b in zip(gr(W, U, xs, h0), rnn_grad(W, U, xs, h0))))
    grads = gm(W1, W2, X, Y)
    print("gradient types:", [type(t).__module__ + "." + type(t).__name__ for t in grads],
          "dtypes:", [str(t.dtype) for t in grads])
    g32 = tad.grad(sin_sq_sum)(x.astype(cp.float32))
    print("float32 input gives", type(g32).__name__, g32.dtype)


if __name__ == "__main__":
    main()
