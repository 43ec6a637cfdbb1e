"""Pinned sources (tests/golden/) of derivatives made for the structure of their arguments:
a dict of parameters in both modes, a nested list of pairs, has_aux, and *args with **kwargs.

Each case makes its source the way the API does (the structure of one call's arguments),
and checks the pinned text's functions against derivatives worked out by hand here.
"""
import numpy as np

from golden_more import Case
from tangent_ad.front.pytrees import describe
from tangent_ad.pipeline.cache import derivative_function


def dense(params, x):
    W, b = params["W"], params["b"]
    return np.sum((x @ W + b) ** 2)


def layers(params, x):
    (W1, b1), (W2, b2) = params
    h = np.tanh(x @ W1 + b1)
    return np.sum(h @ W2 + b2)


def with_metrics(w, x):
    pred = w * x
    loss = np.sum(pred ** 2)
    return loss, {"mean": np.mean(pred), "largest": np.max(pred)}


def spread(x, *args, **kw):
    return np.sum(x * args[0]) * kw["scale"] + product(*args)


def product(a, b):
    return a * b


PARAMS = {"W": np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]]), "b": np.array([0.25, -1.0])}
X = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 2.0]])


def _dense_by_hand(W, b, x):
    r = x @ W + b
    return x.T @ (2 * r), np.sum(2 * r, axis=0)


def _layout(*specs):
    return tuple(specs)


def _source(func, mode, wrt, layout, **options):
    return lambda: derivative_function(func, mode, wrt, layout=layout, **options).source


DENSE_LAYOUT = _layout(describe(PARAMS, True), None)
LAYERS_PARAMS = [(np.eye(2), np.zeros(2)), (np.ones((2, 1)), np.ones(1))]
LAYERS_LAYOUT = _layout(describe(LAYERS_PARAMS, True), None)


def _check_dense_reverse(ns):
    W, b = PARAMS["W"], PARAMS["b"]
    for got, want in zip(ns["dense_grad"](W, b, X), _dense_by_hand(W, b, X)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def _check_dense_forward(ns):
    W, b = PARAMS["W"], PARAMS["b"]
    dW, db = np.ones_like(W), np.full_like(b, 0.5)
    value, tangent = ns["dense_jvp"](W, b, X, dW, db)
    gW, gb = _dense_by_hand(W, b, X)
    assert np.isclose(value, dense(PARAMS, X))
    np.testing.assert_allclose(tangent, np.sum(gW * dW) + np.sum(gb * db), rtol=1e-12)


def _check_layers(ns):
    (W1, b1), (W2, b2) = LAYERS_PARAMS
    x = np.array([[0.5, -1.0]])
    h = np.tanh(x @ W1 + b1)
    dh = np.ones((1, 1)) @ W2.T * (1 - h ** 2)
    expected = (x.T @ dh, dh.sum(axis=0), h.T @ np.ones((1, 1)), np.ones(1))
    for got, want in zip(ns["layers_grad"](W1, b1, W2, b2, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def _check_with_metrics(ns):
    w, x = 1.5, np.array([1.0, -2.0, 3.0])
    (loss, aux), saved = ns["with_metrics_vjp_forward"](w, x)
    assert loss == np.sum((w * x) ** 2) and aux == {"mean": np.mean(w * x), "largest": np.max(w * x)}
    (w_bar,) = ns["with_metrics_vjp_backward"](saved, 1.0, 0.0)
    assert np.isclose(w_bar, np.sum(2 * w * x ** 2))


def _check_spread(ns):
    x = np.array([1.0, 2.0])
    grads = ns["spread_grad"](x, 2.0, 3.0, 0.5)
    np.testing.assert_allclose(grads[0], np.full(2, 2.0 * 0.5))
    assert np.isclose(grads[1], np.sum(x) * 0.5 + 3.0) and np.isclose(grads[2], 2.0)
    assert np.isclose(grads[3], np.sum(x * 2.0))


CASES = [
    Case("dense.reverse.params.py", _source(dense, "reverse", ("params",), DENSE_LAYOUT, tuple_output=True),
         _check_dense_reverse),
    Case("dense.forward.params.py", _source(dense, "forward", ("params",), DENSE_LAYOUT), _check_dense_forward),
    Case("layers.reverse.params.py", _source(layers, "reverse", ("params",), LAYERS_LAYOUT, tuple_output=True),
         _check_layers),
    Case("with_metrics.split.w.has_aux.py", _source(with_metrics, "split", ("w",), None, has_aux=True),
         _check_with_metrics),
    Case("spread.reverse.x_args_kw.py", _source(spread, "reverse", ("x", "args", "kw"),
                                                 _layout(None, ("tuple", (("0", "f"), ("1", "f"))),
                                                         ("dict", (("scale", "f"),))), tuple_output=True),
         _check_spread),
]
