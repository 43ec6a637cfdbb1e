"""Whole NumPy programs written the plain way, stores into arrays, dtypes and custom rules.

The rule table's own tests (test_rule_table.py) take one rule at a time; these
put many together as users write them, on every array library (the ``checker``
fixture: NumPy, the strict stand-in, Dask and CuPy where installed).
"""
import numpy as np
import pytest

import tangent_ad as tad

RNG = np.random.default_rng(7)


# ------------------------------------------------------------------ an MLP
def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(Y * np.log(p)) / X.shape[0]


def mlp_arguments(batch=8, inputs=5, hidden=6, classes=3):
    X = RNG.normal(size=(batch, inputs))
    Y = np.eye(classes)[RNG.integers(0, classes, batch)]
    return [RNG.normal(size=(inputs, hidden)) * 0.5, RNG.normal(size=hidden) * 0.1,
            RNG.normal(size=(hidden, classes)) * 0.5, RNG.normal(size=classes) * 0.1, X, Y]


def test_mlp_softmax_cross_entropy_written_the_plain_way(checker):
    checker.check(mlp_loss, mlp_arguments(), wrt=(0, 1, 2, 3))


def test_mlp_gradient_matches_central_differences_to_1e_6():
    args = mlp_arguments()
    grads = tad.grad(mlp_loss, wrt=(0, 1, 2, 3))(*args)
    for i, g in enumerate(grads):
        numerical = tad.numerical_grad(mlp_loss, *args, wrt=i, h=1e-6)
        np.testing.assert_allclose(g, numerical, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------- stores into arrays
def diagonal_from(d):
    S = np.zeros_like(d, shape=(d.shape[0], d.shape[0]))
    for i in range(d.shape[0]):
        S[i, i] += d[i]             # Tangent's classic wrong gradient
    return np.sum(S * S)


def test_diagonal_accumulation_gives_the_right_gradient(checker):
    d = np.array([1.0, -2.0, 3.0])
    checker.check(diagonal_from, [d], exact=lambda u, d: (2.0 * u * d,))


def overwrite_then_read(x, v):
    y = x * x
    z = np.sum(y * y)        # reads y before the store changes it
    y[1:3] = v
    return z + np.sum(y * x)


def test_a_value_saved_before_a_store_is_the_old_value(checker):
    x, v = RNG.uniform(0.5, 1.5, 5), RNG.uniform(0.5, 1.5, 2)
    y = x * x
    expected_x = 4.0 * x ** 3 + 3.0 * x ** 2
    expected_x[1:3] = 4.0 * x[1:3] ** 3 + v
    checker.check(overwrite_then_read, [x, v], wrt=(0, 1), exact=lambda u, x_, v_: (u * expected_x, u * x[1:3]))
    assert np.allclose(y, x * x)


def store_into_argument(x):
    x[0] = 2.0 * x[1]
    return np.sum(x * x)


def test_a_store_into_an_argument_leaves_the_callers_array_alone():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    g = tad.grad(store_into_argument)(x)
    _, dot = tad.jvp(store_into_argument, (x,), (np.ones(3),))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, [0.0, 4.0 + 8.0 * 2.0 * 2.0 / 2.0, 6.0])   # d/dx1 of 4 x1^2 + x1^2
    np.testing.assert_allclose(dot, 0.0 * 1 + 10.0 * 2.0 + 6.0)


def store_with_repeated_index(x):
    y = x * 1.0
    y[[0, 0]] = x[1:3]
    return np.sum(y)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_store_with_a_repeated_index_is_an_error_not_a_wrong_answer(mode):
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="more than once"):
        if mode == "reverse":
            tad.grad(store_with_repeated_index)(x)
        else:
            tad.jvp(store_with_repeated_index, (x,), (np.ones(3),))


def running_maximum(x):
    out = x * 0.0
    best = x[0]
    for i in range(x.shape[0]):
        best = np.maximum(best, x[i])
        out[i] = best
    return np.sum(out * np.cumsum(np.ones_like(x)))


def test_stores_inside_a_loop(checker):
    x = np.array([0.5, 2.0, 1.0, 3.0, 2.5])
    checker.check(running_maximum, [x], exact=lambda u, x: (u * np.array([1.0, 2 + 3, 0.0, 4 + 5, 0.0]),))


# ------------------------------------------------------------------ dtypes
def scaled_sum(x, n):
    return np.sum(x * n)


@pytest.mark.parametrize("bad", [np.arange(3), np.array([True, False]), 3, True])
def test_integer_and_boolean_inputs_are_not_differentiable(bad):
    with pytest.raises(TypeError, match="not differentiable"):
        tad.grad(scaled_sum)(bad, 2.0)
    with pytest.raises(TypeError, match="not differentiable"):
        tad.jvp(scaled_sum, (bad, 2.0), (1.0, None))


def test_an_integer_argument_not_asked_for_is_fine():
    g = tad.grad(scaled_sum)(np.ones(3, dtype=np.float32), 3)
    assert g.dtype == np.float32 and np.all(g == 3.0)


# ------------------------------------------------------------- custom rules
def opaque_softplus(x):
    return np.log1p(np.exp(x))


def softplus_jvp(x, x_dot):
    return x_dot / (1.0 + np.exp(-x))


def softplus_vjp(g, x):
    return g / (1.0 + np.exp(-x))


tad.custom_rule(opaque_softplus, jvp=softplus_jvp, vjp=softplus_vjp)

CALLS = []


def uses_softplus(x, w):
    return np.sum(opaque_softplus(x * w) * w)


def test_a_custom_rule_is_used_in_both_modes(checker):
    x, w = RNG.normal(size=4), RNG.normal(size=4)
    sigmoid = 1.0 / (1.0 + np.exp(-x * w))
    checker.check(uses_softplus, [x, w], exact=lambda u, x_, w_: (u * sigmoid * w * w,))
    source = tad.source(uses_softplus)
    assert "softplus_vjp(" in source and "log1p" not in source.split("reverse sweep")[1]
    assert "softplus_jvp(" in tad.source(uses_softplus, "forward")


def _hidden_rules():
    """A rule whose functions are not module globals: the source finds them in the registry."""
    def jvp(a, b, a_dot, b_dot):
        return a_dot * b + a * b_dot

    def vjp(g, a, b):
        return g * b, g * a
    return jvp, vjp


def product_of(a, b):
    return a * b


_jvp, _vjp = _hidden_rules()
tad.custom_rule(product_of, jvp=_jvp, vjp=_vjp)
del _jvp, _vjp


def uses_product(a, b):
    return product_of(a, b) * a


def test_a_custom_rule_with_two_arguments_and_unnamed_functions(checker):
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    checker.check(uses_product, [a, b], wrt=(0, 1), exact=lambda u, a, b: (u * 2 * a * b, u * a * a))
    source = tad.source(uses_product, wrt=(0, 1))
    namespace = {}
    exec(source, namespace)         # the source runs on its own: it imports what it uses
    grads = namespace["uses_product_grad"](a, b, np.ones(3))
    np.testing.assert_allclose(grads[0], 2 * a * b)


def only_forward(x):
    return x * 3.0


tad.custom_rule(only_forward, jvp=lambda x, x_dot: 3.0 * x_dot)


def uses_only_forward(x):
    return only_forward(x) + x


def test_a_missing_rule_mode_is_a_clear_error():
    assert tad.jvp(uses_only_forward, (2.0,), (1.0,)) == (8.0, 4.0)
    with pytest.raises(tad.TransformError, match="custom_rule.*vjp"):
        tad.grad(uses_only_forward)(2.0)


def uses_unknown(x):
    return np.nextafter(x, 2.0) * x


def test_the_unknown_function_error_says_how_to_add_a_rule():
    with pytest.raises(tad.TransformError, match=r"custom_rule\(np.nextafter, jvp=..., vjp=...\)"):
        tad.grad(uses_unknown)(1.0)
