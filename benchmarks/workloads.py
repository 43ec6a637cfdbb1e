"""The seven benchmark workloads.

Each workload is three things:

- ``function``: a plain NumPy (or plain Python float) function, written the way a
  user writes it, that tangent_ad differentiates;
- ``gradient``: a hand-written NumPy gradient of it, written for speed (fused
  formulas, in-place updates, whole-sequence matrix products, no tape where the
  model is linear): the reference every contender is measured against;
- ``inputs(size, seed=0)``: the arguments, for a size parameter whose meaning
  ``size_label`` gives (``default_size`` is the benchmark's size, ``quick_size``
  the smoke run's, ``test_size`` small enough for central differences).

``wrt`` names the differentiated parameters, in order; ``gradient`` returns one
gradient per name, as a tuple when there are several (``tad.grad(function,
wrt=wrt)`` returns the same).

The functions use only ``np.`` and ``math.`` calls, so the optional contenders
(autograd, JAX) run the very same code with ``np`` bound to their NumPy
(``rebind``); PyTorch, whose API differs, gets its own spelling in
``benchmarks/contenders.py``.
"""
import math
import types
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    function: Callable
    gradient: Callable
    wrt: tuple
    inputs: Callable
    size_label: str
    default_size: int
    quick_size: int
    test_size: int
    forward: bool = False          # small input: forward mode is benchmarked too
    static: tuple = field(default=())   # parameters that are Python ints (loop counts)

    @property
    def wrt_arg(self):
        """``wrt`` as tangent_ad takes it: one name, or a tuple of names."""
        return self.wrt[0] if len(self.wrt) == 1 else self.wrt

    def positions(self):
        """Indices of the ``wrt`` parameters among the function's parameters."""
        params = list(self.function.__code__.co_varnames[:self.function.__code__.co_argcount])
        return tuple(params.index(n) for n in self.wrt)


# ------------------------------------------------------------------ 1 seed_poly
def seed_poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def seed_poly_grad(x1, x2):
    return 2.0 * x1, -2.0 * x2


def seed_poly_inputs(size=1, seed=0):
    return (3.0, 2.0)


# ----------------------------------------------------------------- 2 sin_sq_sum
def sin_sq_sum(x):
    return np.sum(np.sin(x ** 2))


def sin_sq_sum_grad(x):
    g = np.multiply(x, x)
    np.cos(g, out=g)
    g *= x
    g *= 2.0
    return g


def sin_sq_sum_inputs(size=10 ** 6, seed=0):
    return (np.random.default_rng(seed).standard_normal(size),)


# ------------------------------------------------------------------------ 3 mlp
def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(Y * np.log(p)) / X.shape[0]


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    e = h @ W2
    e += b2
    np.exp(e, out=e)
    e /= e.sum(axis=1, keepdims=True)        # p
    e -= Y
    e /= X.shape[0]                          # d loss / d logits
    W2_bar = h.T @ e
    b2_bar = e.sum(axis=0)
    dh = e @ W2.T
    h *= h
    np.subtract(1.0, h, out=h)
    dh *= h                                  # through tanh
    return X.T @ dh, dh.sum(axis=0), W2_bar, b2_bar


def mlp_inputs(size=64, seed=0, n_in=784, n_hidden=128, n_out=10):
    """size = batch; 784 -> 128 (tanh) -> 10, softmax cross-entropy."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_in, n_hidden)) / math.sqrt(n_in)
    b1 = rng.standard_normal(n_hidden) * 0.1
    W2 = rng.standard_normal((n_hidden, n_out)) / math.sqrt(n_hidden)
    b2 = rng.standard_normal(n_out) * 0.1
    X = rng.standard_normal((size, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, size)]
    return W1, b1, W2, b2, X, Y


# ------------------------------------------------------------------ 4 rnn_while
def rnn_while(W, U, xs, h0):
    h = h0
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(W @ h + U @ xs[t])
        t = t + 1
    return np.sum(h * h)


def rnn_while_grad(W, U, xs, h0):
    T = xs.shape[0]
    hs = np.empty((T + 1, h0.shape[0]))
    hs[0] = h0
    inputs = xs @ U.T                        # U @ xs[t] for every t at once
    for t in range(T):
        hs[t + 1] = np.tanh(W @ hs[t] + inputs[t])
    a_bars = np.empty((T, h0.shape[0]))      # adjoints of the pre-activations
    g = 2.0 * hs[T]
    for t in range(T - 1, -1, -1):
        a = hs[t + 1]
        a_bars[t] = g * (1.0 - a * a)
        g = W.T @ a_bars[t]
    return a_bars.T @ hs[:T], a_bars.T @ xs


def rnn_while_inputs(size=50, seed=0, hidden=64, n_in=32):
    """size = T, the number of time steps; hidden 64, input 32."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((hidden, hidden)) * (0.9 / math.sqrt(hidden))
    U = rng.standard_normal((hidden, n_in)) * (1.0 / math.sqrt(n_in))
    xs = rng.standard_normal((size, n_in))
    h0 = np.zeros(hidden)
    return W, U, xs, h0


# --------------------------------------------------------------------- 5 logreg
def logreg(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def logreg_grad(w, X, y):
    z = X @ w
    z *= y
    np.exp(z, out=z)
    z += 1.0
    np.divide(y, z, out=z)                   # y / (1 + exp(y * Xw))
    z *= -1.0 / y.shape[0]
    return z @ X


def logreg_inputs(size=100_000, seed=0, d=50):
    """size = N samples, d = 50 features; labels are +-1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((size, d))
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + rng.standard_normal(size) > 0.0, 1.0, -1.0)
    w = rng.standard_normal(d) * 0.1
    return w, X, y


# ---------------------------------------------------------------- 6 scalar_loop
def scalar_loop(x, n):
    i = 0
    while i < n:
        if x > 0.0:
            x = -0.999 * x - 0.001 * math.sin(x)
        else:
            x = -x + 0.0005 * x * x
        i = i + 1
    return x


def scalar_loop_grad(x, n):
    # The map is scalar, so the chain rule runs forward alongside it: no tape.
    dx = 1.0
    for _ in range(n):
        if x > 0.0:
            dx *= -0.999 - 0.001 * math.cos(x)
            x = -0.999 * x - 0.001 * math.sin(x)
        else:
            dx *= -1.0 + 0.001 * x
            x = -x + 0.0005 * x * x
    return dx


def scalar_loop_inputs(size=1000, seed=0):
    """size = iterations; x flips sign each step, so both branches run."""
    return (0.5, size)


# -------------------------------------------------------------------- 7 springs
def springs(x, v, k, dt, steps):
    wall = np.zeros(1)
    t = 0
    while t < steps:
        left = np.concatenate((wall, x[:-1]))
        right = np.concatenate((x[1:], wall))
        a = k * (left - 2.0 * x + right)
        x = x + dt * v
        v = v + dt * a
        t = t + 1
    ends = np.concatenate((wall, x, wall))
    stretch = ends[1:] - ends[:-1]
    return 0.5 * np.sum(v * v) + 0.5 * k * np.sum(stretch * stretch)


def _laplacian(y, out):
    """out = y[i-1] - 2 y[i] + y[i+1], fixed (zero) ends."""
    np.multiply(y, -2.0, out=out)
    out[1:] += y[:-1]
    out[:-1] += y[1:]
    return out


def springs_grad(x, v, k, dt, steps):
    # The dynamics are linear, so the adjoint sweep needs no stored trajectory:
    # run forward, then the transposed (self-adjoint Laplacian) update backwards.
    x = x.copy()
    v = v.copy()
    a = np.empty_like(x)
    for _ in range(steps):
        _laplacian(x, a)
        a *= k * dt
        x += dt * v
        v += a
    x_bar = _laplacian(x, np.empty_like(x))
    x_bar *= -k                               # d energy / d x_final
    v_bar = v                                 # d energy / d v_final
    lap = np.empty_like(x)
    for _ in range(steps):
        _laplacian(v_bar, lap)
        lap *= k * dt
        v_bar += dt * x_bar                   # v_bar_n = v_bar_{n+1} + dt x_bar_{n+1}
        x_bar += lap                          # x_bar_n = x_bar_{n+1} + dt k L v_bar_{n+1}
    return x_bar


def springs_inputs(size=100, seed=0, steps=200):
    """size = masses (fixed ends); 200 explicit Euler steps of dt = 0.01, k = 10."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size) * 0.1
    v = np.zeros(size)
    return x, v, 10.0, 0.01, steps


WORKLOADS = {
    w.name: w for w in [
        Workload("seed_poly", "(x1 + x2) * (x1 - x2) on Python floats, wrt both",
                 seed_poly, seed_poly_grad, ("x1", "x2"), seed_poly_inputs,
                 "-", 1, 1, 1, forward=True),
        Workload("sin_sq_sum", "np.sum(np.sin(x ** 2)), wrt x",
                 sin_sq_sum, sin_sq_sum_grad, ("x",), sin_sq_sum_inputs,
                 "n", 10 ** 6, 10 ** 3, 50),
        Workload("mlp", "tanh layer + softmax cross-entropy, 784->128->10, wrt W1 b1 W2 b2",
                 mlp, mlp_grad, ("W1", "b1", "W2", "b2"), mlp_inputs,
                 "batch", 64, 8, 4),
        Workload("rnn_while", "h = tanh(W @ h + U @ xs[t]) in a while loop, H 64, in 32, wrt W U",
                 rnn_while, rnn_while_grad, ("W", "U"), rnn_while_inputs,
                 "T", 50, 5, 6),
        Workload("logreg", "mean log(1 + exp(-y * (X @ w))), d 50, wrt w",
                 logreg, logreg_grad, ("w",), logreg_inputs,
                 "N", 100_000, 500, 40),
        Workload("scalar_loop", "while loop with an if on a Python float, wrt x",
                 scalar_loop, scalar_loop_grad, ("x",), scalar_loop_inputs,
                 "iterations", 1000, 50, 100, forward=True, static=("n",)),
        Workload("springs", "explicit Euler, chain of masses on springs, 200 steps, "
                 "final energy wrt initial positions",
                 springs, springs_grad, ("x",), springs_inputs,
                 "masses", 100, 10, 8, static=("steps",)),
    ]
}


def fresh_copy(func):
    """A new function object with ``func``'s code and globals: tangent_ad's cache misses on it."""
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)
    copy.__qualname__ = func.__qualname__
    copy.__module__ = func.__module__
    return copy


def rebind(func, **names):
    """``func`` with some of its global names bound to other objects (``np=jax.numpy``)."""
    globals_ = dict(func.__globals__)
    globals_.update(names)
    return types.FunctionType(func.__code__, globals_, func.__name__, func.__defaults__,
                              func.__closure__)
