"""Functions as users hold them: bound methods, functools.partial, @tad.differentiate on a
method, keyword-only parameters, *args and **kwargs.

``wrt`` counts the parameters left to pass, as JAX does. Every gradient is checked against
central differences, in reverse mode and in forward mode.
"""
import functools

import numpy as np
import pytest

import tangent_ad as tad

X = np.array([0.3, -1.2, 2.0])


def numerical(f, *args, wrt=0, h=1e-6):
    args = list(args)
    value = np.asarray(args[wrt], dtype=float)
    grad = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[index] += h
        down[index] -= h
        cast = float if value.shape == () else (lambda a: a)
        grad[index] = (f(*args[:wrt], cast(up), *args[wrt + 1:]) -
                       f(*args[:wrt], cast(down), *args[wrt + 1:])) / (2 * h)
    return grad


def both_modes(f, *args, wrt=0):
    """The gradient by grad, by vjp and by jvp along each basis direction, all equal."""
    reverse = tad.grad(f, wrt=wrt)(*args)
    out, f_vjp = tad.vjp(f, *args)
    np.testing.assert_allclose(f_vjp(1.0)[wrt], reverse, rtol=1e-12)
    value = np.asarray(args[wrt], dtype=float)
    for index in np.ndindex(value.shape):
        direction = np.zeros_like(value)
        direction[index] = 1.0
        tangents = [None] * len(args)
        tangents[wrt] = float(direction) if value.shape == () else direction
        _, out_dot = tad.jvp(f, args, tangents)
        np.testing.assert_allclose(out_dot, np.asarray(reverse)[index], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reverse, numerical(f, *args, wrt=wrt), rtol=1e-6, atol=1e-9)
    return reverse


# ---------------------------------------------------------------- bound methods
class Model:
    def __init__(self, w, offset):
        self.w = w
        self.offset = offset

    def loss(self, x):
        return np.sum(np.tanh(self.w * x + self.offset) ** 2)

    def scaled(self, x, scale=2.0):
        return np.sum(np.tanh(self.w * x + self.offset) ** 2) * scale

    @tad.differentiate
    def decorated(self, x):
        return np.sum(self.w * x ** 2)


MODEL = Model(np.array([1.0, 2.0, -0.5]), 0.25)


class Composed:
    """A method calling the object's other methods, as a model's loss calls its forward pass."""

    def __init__(self, w):
        self.w = w

    def forward(self, x):
        return np.tanh(self.w * x)

    def weight(self):
        return 0.5

    def loss(self, x):
        return np.sum(self.forward(x) ** 2) * self.weight()


def test_a_bound_method_reading_self():
    grad = both_modes(MODEL.loss, X)
    t = np.tanh(MODEL.w * X + MODEL.offset)
    np.testing.assert_allclose(grad, 2 * t * (1 - t ** 2) * MODEL.w, rtol=1e-12)


def test_a_bound_method_with_a_default_and_wrt_after_self():
    grad = tad.grad(MODEL.scaled, wrt="x")(X, scale=3.0)
    np.testing.assert_allclose(grad, 3.0 * tad.grad(MODEL.loss)(X), rtol=1e-12)
    value, grad0 = tad.value_and_grad(MODEL.scaled)(X)
    assert np.isclose(value, 2.0 * MODEL.loss(X))
    np.testing.assert_allclose(grad0, 2.0 * tad.grad(MODEL.loss)(X), rtol=1e-12)


def test_differentiate_on_a_method():
    np.testing.assert_array_equal(MODEL.decorated.grad(X), 2 * MODEL.w * X)
    assert MODEL.decorated(X) == np.sum(MODEL.w * X ** 2)
    out, out_dot = MODEL.decorated.jvp((X,), (np.ones(3),))
    assert np.isclose(out_dot, np.sum(2 * MODEL.w * X))
    other = Model(np.ones(3), 0.0)
    np.testing.assert_array_equal(other.decorated.grad(X), 2 * X)       # its own self


def test_a_method_reads_self_when_called_not_when_made():
    model = Model(np.array([1.0, 1.0, 1.0]), 0.0)
    g = tad.grad(model.decorated_free if hasattr(model, "decorated_free") else model.loss)
    first = g(X)
    model.offset = 1.0
    second = g(X)
    t = np.tanh(X + 1.0)
    np.testing.assert_allclose(second, 2 * t * (1 - t ** 2), rtol=1e-12)
    assert not np.allclose(first, second)


# ---------------------------------------------------------------- functools.partial
def power_sum(a, x, n, scale=1.0):
    return scale * np.sum(a * x ** n)


def test_partial_with_positional_and_keyword_arguments():
    a = np.array([1.0, 2.0, 3.0])
    f = functools.partial(power_sum, a, n=3, scale=0.5)
    grad = tad.grad(f)(X)                       # wrt=0 is x, the first parameter left
    np.testing.assert_allclose(grad, 0.5 * 3 * a * X ** 2, rtol=1e-12)
    out, f_vjp = tad.vjp(f, X)
    np.testing.assert_allclose(f_vjp(1.0)[0], grad, rtol=1e-12)
    _, out_dot = tad.jvp(f, (X,), (np.ones(3),))
    assert np.isclose(out_dot, np.sum(grad))
    assert tad.grad(functools.partial(power_sum, n=2), wrt="a")(a, X) is not None
    np.testing.assert_allclose(tad.grad(functools.partial(power_sum, n=2), wrt="a")(a, X), X ** 2)


def test_partial_of_a_bound_method():
    f = functools.partial(MODEL.scaled, scale=4.0)
    np.testing.assert_allclose(tad.grad(f)(X), 4.0 * tad.grad(MODEL.loss)(X), rtol=1e-12)


def test_wrt_of_a_bound_parameter_is_refused():
    with pytest.raises(ValueError, match="not a parameter of power_sum left to pass"):
        tad.grad(functools.partial(power_sum, np.ones(3)), wrt="a")


# ---------------------------------------------------------------- keyword-only, *args, **kwargs
def keyword_only(x, *, scale=2.0, shift):
    return np.sum((x + shift) ** 2) * scale


def test_keyword_only_parameters():
    grad = tad.grad(keyword_only)(X, shift=0.5)
    np.testing.assert_allclose(grad, 2 * (X + 0.5) * 2.0, rtol=1e-12)
    np.testing.assert_allclose(tad.grad(keyword_only, wrt="shift")(X, shift=0.5, scale=3.0),
                               np.sum(2 * (X + 0.5)) * 3.0, rtol=1e-12)
    out, out_dot = tad.jvp(functools.partial(keyword_only, shift=0.5), (X,), (np.ones(3),))
    assert np.isclose(out_dot, np.sum(grad))
    text = tad.source(keyword_only, wrt="x")
    assert "def keyword_only_grad(x, scale, shift, y_bar=1.0):" in text


def pair(a, b):
    return a * np.sin(b)


def variadic(x, *args):
    return np.sum(x * args[0]) + pair(*args) + len(args)


def test_args_read_and_passed_through():
    grad = tad.grad(variadic)(X, 2.0, 0.5)
    np.testing.assert_allclose(grad, np.full(3, 2.0))
    g_args = tad.grad(variadic, wrt="args")(X, 2.0, 0.5)
    assert isinstance(g_args, tuple) and len(g_args) == 2
    assert np.isclose(g_args[0], np.sum(X) + np.sin(0.5)) and np.isclose(g_args[1], 2.0 * np.cos(0.5))
    # an int wrt past the named parameters is an entry of *args, as in JAX
    assert np.isclose(tad.grad(variadic, wrt=2)(X, 2.0, 0.5), 2.0 * np.cos(0.5))
    out, f_vjp = tad.vjp(variadic, X, 2.0, 0.5)
    cot = f_vjp(1.0)
    assert len(cot) == 3 and np.isclose(cot[1], g_args[0]) and np.isclose(cot[2], g_args[1])
    _, out_dot = tad.jvp(variadic, (X, 2.0, 0.5), (None, 1.0, None))
    assert np.isclose(out_dot, g_args[0])


def scaled_sum(s, t):
    return s * t


def keywords(x, **kw):
    return np.sum(x ** 2) * kw["s"] + scaled_sum(**kw)


def test_kwargs_read_and_passed_through():
    grad = tad.grad(keywords)(X, s=2.0, t=4.0)
    np.testing.assert_allclose(grad, 2 * X * 2.0, rtol=1e-12)
    g_kw = tad.grad(keywords, wrt="kw")(X, s=2.0, t=4.0)
    assert g_kw == pytest.approx({"s": np.sum(X ** 2) + 4.0, "t": 2.0})
    assert isinstance(g_kw, dict)
    _, out_dot = tad.jvp(functools.partial(keywords, s=2.0, t=4.0), (X,), (np.ones(3),))
    assert np.isclose(out_dot, np.sum(grad))


def loops_over_args(*args):
    total = 0.0
    for a in args:                  # unrolled: one copy of the body per argument
        total = total + a * a
    return total


def indexes_args_in_a_loop(*args):
    total = 0.0
    for i in range(len(args)):
        total = total + args[i]
    return total


def test_a_loop_over_args_and_what_stays_refused():
    assert tad.grad(loops_over_args, wrt="args")(1.0, 2.0) == (2.0, 4.0)
    assert tad.jvp(loops_over_args, (1.0, 2.0), (1.0, 0.0)) == (5.0, 2.0)
    with pytest.raises(tad.TransformError) as info:
        tad.grad(indexes_args_in_a_loop)(1.0, 2.0)
    assert "computed key into the argument args" in str(info.value) and "constant key" in str(info.value)
    with pytest.raises(tad.TransformError, match=r"\*args parameter"):
        tad.source(variadic)          # no call, no structure: the fence says what to do
    with pytest.raises(TypeError, match="not differentiated again"):
        tad.hessian(variadic)(X, 2.0, 0.5)


def test_the_derivative_of_a_bound_method_is_called_like_the_method():
    d = tad.derivative(MODEL.loss)
    np.testing.assert_allclose(d(X), tad.grad(MODEL.loss)(X), rtol=1e-15)
    assert "def loss_grad(self, x, y_bar=1.0):" in d.source      # the code as it is generated
    value, tangent = tad.derivative(MODEL.loss, "forward")(X, np.ones(3))
    assert np.isclose(value, MODEL.loss(X)) and np.isclose(tangent, np.sum(d(X)))
    np.testing.assert_allclose(MODEL.decorated.derivative()(X), 2 * MODEL.w * X)
    f = functools.partial(power_sum, np.ones(3), n=2)
    np.testing.assert_allclose(tad.derivative(f)(X), 2 * X)


def test_a_method_calling_the_objects_other_methods():
    model = Composed(np.array([1.0, -2.0, 0.5]))
    grad = both_modes(model.loss, X)
    t = np.tanh(model.w * X)
    np.testing.assert_allclose(grad, 0.5 * 2 * t * (1 - t ** 2) * model.w, rtol=1e-12)
    g = tad.grad(model.loss)
    g(X)
    assert "Composed.forward(self, x)" in g.derivative.source


def test_second_derivatives_of_a_bound_method_and_a_partial():
    model = Model(np.array([1.0, 2.0, -0.5]), 0.25)

    def cubic(self, x):
        return np.sum(self.w * x ** 3)
    bound = cubic.__get__(model)
    np.testing.assert_allclose(tad.hessian(bound)(X), np.diag(6 * model.w * X), rtol=1e-12)
    np.testing.assert_allclose(tad.hvp(bound)(X, np.ones(3)), 6 * model.w * X, rtol=1e-12)
    f = functools.partial(power_sum, np.array([1.0, 2.0, 3.0]), n=2)
    np.testing.assert_allclose(tad.hessian(f)(X), np.diag(2 * np.array([1.0, 2.0, 3.0])), rtol=1e-12)
    sine = functools.partial(scaled_sin, 2.0)
    np.testing.assert_allclose(tad.jacrev(sine)(X), np.diag(2.0 * np.cos(X)), rtol=1e-12)
    np.testing.assert_allclose(tad.jacfwd(sine)(X), np.diag(2.0 * np.cos(X)), rtol=1e-12)
    with pytest.raises(TypeError, match="not differentiated again"):
        tad.grad(tad.hessian(bound))(X)


def scaled_sin(a, x):
    return a * np.sin(x)


def everything(x, *args, scale=1.0, **kw):
    return np.sum(x * args[1]) * scale + kw["t"] * args[0]


def test_positional_args_keyword_only_and_kwargs_together():
    grads = tad.grad(everything, wrt=(0, "scale", "kw", 2))(np.ones(2), 2.0, 3.0, scale=0.5, t=4.0)
    np.testing.assert_array_equal(grads[0], [1.5, 1.5])
    assert grads[1:] == (6.0, {"t": 2.0}, 1.0)
    ((value, aux), g) = tad.value_and_grad(functools.partial(with_aux_power, k=3), has_aux=True)(2.0)
    assert (value, aux, g) == (8.0, {"k": 3}, 12.0)


def with_aux_power(x, *, k):
    return x ** k, {"k": k}


@tad.differentiate
def decorated_helper(v):
    return np.sin(v) * v


def calls_a_decorated_helper(x):
    return np.sum(decorated_helper(x) ** 2)


def test_a_helper_decorated_with_differentiate_is_differentiated_where_it_is_called():
    x = np.array([0.3, -1.2, 2.0])
    inner = np.sin(x) * x
    exact = 2 * inner * (np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(tad.grad(calls_a_decorated_helper)(x), exact, rtol=1e-12)
    _, tangent = tad.jvp(calls_a_decorated_helper, (x,), (np.ones(3),))
    assert tangent == pytest.approx(exact.sum(), rel=1e-12)
    assert "def decorated_helper_grad(" in tad.source(calls_a_decorated_helper)
