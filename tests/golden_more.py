"""More pinned sources (tests/golden/): an if, a while with break, an MLP, a helper call,
a checkpointed loop, a split vjp, a lambda, enumerate/zip loops and a list grown in a loop, each with the derivative it must compute.

Each case names how its source is made, the function of that source to call, the
arguments, and the derivative those arguments must give (worked out by hand here, not by
tangent_ad), so tests/test_golden.py can run the pinned text and check its numbers.
"""
from typing import Callable, NamedTuple

import numpy as np

import tangent_ad as tad
from tangent_ad.pipeline.cache import derivative_function


def branch(x, y):
    if x > y:
        z = x * np.sin(y)
    else:
        z = y * np.cos(x)
    return z * x


def until_large(x, limit):
    i = 0
    while i < 100:
        x = x * x + 0.5
        if x > limit:
            break
        i += 1
    return x


def mlp(W1, b1, W2, b2, X, Y):
    hidden = np.tanh(X @ W1 + b1)
    out = hidden @ W2 + b2
    return np.mean((out - Y) ** 2)


def softplus(a):
    return np.log(1.0 + np.exp(a))


def uses_softplus(x, w):
    return np.sum(softplus(x * w) * x)


def damped(x, n):
    for i in range(n):
        x = x - 0.1 * np.sin(x) * x
    return x


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


# a lambda: differentiated as the function lambda_line<its line in this file>
ripple = lambda x, w=0.5: np.sum(w * np.sin(x) ** 2) + x[0] * w  # noqa: E731


# enumerate and zip: lowered to the index loops a person would write
def positions(x, w):
    s = 0.0
    for i, v in enumerate(x):
        s = s + i * v * v
    for a, b in zip(x, w):
        s = s + max(a, b) * b
    return s


# ------------------------------------------------------------------ derivatives by hand
def branch_gradient(x, y):
    if x > y:                                     # x ** 2 sin(y)
        return 2 * x * np.sin(y), x ** 2 * np.cos(y)
    return y * np.cos(x) - x * y * np.sin(x), x * np.cos(x)      # x y cos(x)


def until_large_derivative(x, limit):
    slope = 1.0
    for _ in range(100):
        slope *= 2 * x
        x = x * x + 0.5
        if x > limit:
            break
    return slope


def mlp_gradient(W1, b1, W2, b2, X, Y):
    hidden = np.tanh(X @ W1 + b1)
    out = hidden @ W2 + b2
    out_bar = 2 * (out - Y) / out.size
    hidden_bar = out_bar @ W2.T
    pre_bar = hidden_bar * (1 - hidden ** 2)
    return X.T @ pre_bar, pre_bar.sum(axis=0), hidden.T @ out_bar, out_bar.sum(axis=0)


def uses_softplus_gradient(x, w):
    return x * w / (1 + np.exp(-x * w)) + np.log(1 + np.exp(x * w))


def damped_derivative(x, n):
    slope = 1.0
    for _ in range(n):
        slope *= 1 - 0.1 * (np.cos(x) * x + np.sin(x))
        x = x - 0.1 * np.sin(x) * x
    return slope


def rosen_gradient(x):
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def ripple_gradient(x, w=0.5):
    g = w * 2 * np.sin(x) * np.cos(x)
    g[0] += w
    return g


def positions_gradient(x, w):
    return 2.0 * np.arange(len(x)) * x + np.where(x > w, w, 0.0)


def cube(x):
    return x * x * x + np.sin(x)


def cube_second_derivative(x):
    return 6.0 * x - np.sin(x)


def running_products(x):
    """A list grown in a loop, read back while it grows, then stacked."""
    ys = [x[0]]
    for i in range(1, len(x)):
        ys.append(ys[-1] * x[i])
    return np.sum(np.stack(ys))


def running_products_gradient(x):
    # sum_k prod_{i<=k} x_i: d/dx_j = sum_{k>=j} prod_{i<=k, i!=j} x_i
    n = len(x)
    return np.array([sum(np.prod(np.delete(x[:k + 1], j)) for k in range(j, n)) for j in range(n)])


# ------------------------------------------------------------------ the cases
def _reverse(func, wrt, **options):
    return lambda: tad.source(func, "reverse", wrt, **options)


def _forward(func, wrt):
    return lambda: tad.source(func, "forward", wrt)


def _split(func, wrt):
    return lambda: derivative_function(func, "split", wrt).source


def _second_order(func):
    """Forward mode over the gradient's code: the derivative of the derivative."""
    return lambda: tad.source(tad.grad(func), "forward")


POSITIONS_ARGS = (np.array([0.5, -1.5, 2.0]), np.array([1.0, -2.0, 0.3]))     # max: w, x, x


def _check_positions_reverse(ns):
    _close(ns["positions_grad"](*POSITIONS_ARGS), positions_gradient(*POSITIONS_ARGS))


def _check_positions_forward(ns):
    x, w = POSITIONS_ARGS
    v = np.array([1.0, -2.0, 0.5])
    value, tangent = ns["positions_jvp"](x, w, v)
    assert value == positions(x, w)
    _close(tangent, np.sum(positions_gradient(x, w) * v))


class Case(NamedTuple):
    """One pinned source: tests/golden/<file>, made by ``source()``; ``check(namespace)``
    runs the pinned text's functions and compares them with the derivative by hand."""
    file: str
    source: Callable
    check: Callable


def _close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


def _check_branch_reverse(ns):
    for x, y in ((1.5, 0.5), (0.5, 1.5)):         # both branches
        _close(ns["branch_grad"](x, y), branch_gradient(x, y))


def _check_branch_forward(ns):
    for x, y in ((1.5, 0.5), (0.5, 1.5)):
        gx, gy = branch_gradient(x, y)
        value, tangent = ns["branch_jvp"](x, y, 1.0, -2.0)
        assert value == branch(x, y)
        _close(tangent, gx - 2.0 * gy)


def _check_until_large_reverse(ns):
    for x in (0.3, 1.1, 2.0):                     # breaks after 6, 3 and 2 steps
        _close(ns["until_large_grad"](x, 10.0), until_large_derivative(x, 10.0))


def _check_until_large_forward(ns):
    for x in (0.3, 1.1, 2.0):
        value, tangent = ns["until_large_jvp"](x, 10.0)
        assert value == until_large(x, 10.0)
        _close(tangent, until_large_derivative(x, 10.0))


MLP_ARGS = (np.linspace(-1.0, 1.0, 12).reshape(3, 4), np.array([0.1, -0.2, 0.3, 0.0]),
            np.linspace(0.5, -0.5, 8).reshape(4, 2), np.array([0.05, -0.05]),
            np.linspace(-2.0, 2.0, 15).reshape(5, 3), np.linspace(0.0, 1.0, 10).reshape(5, 2))


def _check_mlp(ns):
    for got, expected in zip(ns["mlp_grad"](*MLP_ARGS), mlp_gradient(*MLP_ARGS)):
        assert got.shape == expected.shape
        _close(got, expected)


SOFTPLUS_ARGS = (np.array([0.5, -1.0, 2.0]), 0.7)


def _check_uses_softplus_reverse(ns):
    _close(ns["uses_softplus_grad"](*SOFTPLUS_ARGS), uses_softplus_gradient(*SOFTPLUS_ARGS))


def _check_uses_softplus_forward(ns):
    x, w = SOFTPLUS_ARGS
    v = np.array([1.0, -2.0, 0.5])
    value, tangent = ns["uses_softplus_jvp"](x, w, v)
    assert value == uses_softplus(x, w)
    _close(tangent, np.sum(uses_softplus_gradient(x, w) * v))


def _check_damped(ns):
    for n in (0, 1, 7, 30):      # no step; one; stretches 3 + 3 + 1; stretches of 6
        _close(ns["damped_grad"](0.9, n), damped_derivative(0.9, n))
    x = np.array([0.9, -0.4])
    _close(ns["damped_grad"](x, 12, np.ones(2)), damped_derivative(x, 12))


def _check_rosen(ns):
    x = np.array([0.5, -1.0, 1.5, 2.0])
    value, saved = ns["rosen_vjp_forward"](x)
    assert value == rosen(x)
    (first,) = ns["rosen_vjp_backward"](saved)
    _close(first, rosen_gradient(x))
    (second,) = ns["rosen_vjp_backward"](saved, y_bar=-2.0)      # the saved values are reused
    _close(second, -2.0 * rosen_gradient(x))


def _check_cube(ns):
    for x in (0.5, -1.25, 2.0):
        gradient, second = ns["cube_grad_jvp"](x)
        _close(gradient, 3.0 * x * x + np.cos(x))
        _close(second, cube_second_derivative(x))


RIPPLE = f"lambda_line{ripple.__code__.co_firstlineno}"
RIPPLE_X = np.array([0.3, -1.2, 2.5])


def _check_ripple_reverse(ns):
    _close(ns[f"{RIPPLE}_grad"](RIPPLE_X), ripple_gradient(RIPPLE_X))
    _close(ns[f"{RIPPLE}_grad"](RIPPLE_X, 2.0), ripple_gradient(RIPPLE_X, 2.0))


def _check_ripple_forward(ns):
    v = np.array([1.0, -2.0, 0.5])
    value, tangent = ns[f"{RIPPLE}_jvp"](RIPPLE_X, x_dot=v)
    assert value == ripple(RIPPLE_X)
    _close(tangent, np.sum(ripple_gradient(RIPPLE_X) * v))


PRODUCTS_X = np.array([0.5, -1.5, 2.0, 0.8])


def _check_products_reverse(ns):
    _close(ns["running_products_grad"](PRODUCTS_X), running_products_gradient(PRODUCTS_X))


def _check_products_forward(ns):
    v = np.array([1.0, -2.0, 0.5, 0.25])
    value, tangent = ns["running_products_jvp"](PRODUCTS_X, v)
    assert value == running_products(PRODUCTS_X)
    _close(tangent, np.sum(running_products_gradient(PRODUCTS_X) * v))


CASES = [
    Case("list.reverse.x.py", _reverse(running_products, "x"), _check_products_reverse),
    Case("list.forward.x.py", _forward(running_products, "x"), _check_products_forward),
    Case("branch.reverse.x_y.py", _reverse(branch, ("x", "y")), _check_branch_reverse),
    Case("branch.forward.x_y.py", _forward(branch, ("x", "y")), _check_branch_forward),
    Case("until_large.reverse.x.py", _reverse(until_large, "x"), _check_until_large_reverse),
    Case("until_large.forward.x.py", _forward(until_large, "x"), _check_until_large_forward),
    Case("mlp.reverse.W1_b1_W2_b2.py", _reverse(mlp, ("W1", "b1", "W2", "b2")), _check_mlp),
    Case("uses_softplus.reverse.x.py", _reverse(uses_softplus, "x"), _check_uses_softplus_reverse),
    Case("uses_softplus.forward.x.py", _forward(uses_softplus, "x"), _check_uses_softplus_forward),
    Case("damped.reverse.x.checkpoint.py", _reverse(damped, "x", checkpoint=True), _check_damped),
    Case("rosen.split.x.py", _split(rosen, ("x",)), _check_rosen),
    Case("cube.second_order.x.py", _second_order(cube), _check_cube),
    Case("lambda.reverse.x.py", _reverse(ripple, "x"), _check_ripple_reverse),
    Case("lambda.forward.x.py", _forward(ripple, "x"), _check_ripple_forward),
    Case("positions.reverse.x.py", _reverse(positions, "x"), _check_positions_reverse),
    Case("positions.forward.x.py", _forward(positions, "x"), _check_positions_forward),
]
