"""A derivative is right or refused: regressions for values that used to come back silently wrong.

Each function here is written the way a hurried user writes it. Every one of them gave a
plausible wrong gradient with no error before the activity analysis became conservative
(see docs/how-it-works.md, "The soundness invariant"): now each is either differentiated
exactly, in both modes, or refused with a TransformError naming this file and the line.
"""
import os

import numpy as np
import pytest

import tangent_ad as tad

THIS_FILE = os.path.basename(__file__)


def refused(f, *args, line_of=None, words=()):
    """Assert that reverse and forward mode both refuse ``f`` with a located error."""
    for attempt in (lambda: tad.grad(f)(*args),
                    lambda: tad.jvp(f, args, tuple(np.ones_like(a) if hasattr(a, "shape") else 1.0
                                                   for a in args))):
        with pytest.raises(tad.TransformError) as info:
            attempt()
        message = str(info.value)
        assert THIS_FILE in message, message
        if line_of is not None:
            assert f":{line_of}:" in message, message
        for word in words:
            assert word in message, message


def line_of(func, text):
    """The line number in this file of the first line of ``func`` containing ``text``."""
    import inspect
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, line in enumerate(lines) if text in line)


# ------------------------------------------------------------ lists, r_, closures, views
def make_scaler(a):
    return lambda t: a * t


def closure_call(a):
    s = make_scaler(a)
    return s(2.0)


def make_nested(a):
    def scale(t):
        return a * t
    return scale


def nested_closure_call(a):
    s = make_nested(a)
    return s(2.0)


def row_view_store(x):
    out = np.zeros((2, 2))
    r = out[0]
    r[1] = x * 2.0
    return np.sum(out)


def transpose_view_store(x):
    A = np.zeros((2, 2))
    B = A.T
    B[0, 1] = x
    return np.sum(A)


def reshape_view_store(y):
    v = y.reshape(2, 2)
    v[0, 0] = y[1] * 3.0
    return np.sum(y)


def alias_then_add_in_place(x):
    z = np.zeros(2)
    w = z
    w += x
    return np.sum(z)


@pytest.mark.parametrize("f, arg, text, words", [
    (closure_call, 1.0, "return s(2.0)", ["function held in a variable"]),
    (nested_closure_call, 1.0, "return s(2.0)", ["function held in a variable"]),
    (row_view_store, 1.0, "r[1] =", ["shares memory"]),
    (transpose_view_store, 1.0, "B[0, 1] =", ["shares memory"]),
    (reshape_view_store, np.arange(4.0), "v[0, 0] =", ["shares memory"]),
    (alias_then_add_in_place, np.ones(2), "w += x", ["shares memory"]),
])
def test_unmodelled_flows_are_refused_at_the_users_line(f, arg, text, words):
    refused(f, arg, line_of=line_of(f, text), words=words)


def test_a_list_of_constants_and_a_view_of_a_constant_still_work():
    def f(x):
        weights = []
        for i in range(3):
            weights.append(float(i))
        buffer = np.zeros(3)
        row = buffer[1:]
        row[0] = 5.0
        return np.sum(x * np.array(weights)) + np.sum(buffer) * x[0]
    x = np.array([1.0, 2.0, 3.0])
    exact = np.array([0.0 + 5.0, 1.0, 2.0])
    np.testing.assert_allclose(tad.grad(f)(x), exact)
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1.0
        assert tad.jvp(f, (x,), (e,))[1] == pytest.approx(exact[i])


# ------------------------------------------------------------------- module-level state
BUFFER = np.zeros(2)
LOG = []


def read_buffer():
    return BUFFER[0] * 3.0


def read_log():
    return LOG[-1] * 3.0


def log_value(v):
    LOG.append(v)


def store_into_module_array(x):
    BUFFER[0] = x
    return read_buffer()


def append_to_module_list(x):
    LOG.append(x)
    return read_log()


def helper_appends_to_module_list(x):
    log_value(x * 2.0)
    return read_log()


@pytest.mark.parametrize("f, text, words", [
    (store_into_module_array, "BUFFER[0] = x", ["module-level BUFFER"]),
    (append_to_module_list, "LOG.append(x)", ["module-level LOG"]),
    (helper_appends_to_module_list, "log_value(x", ["log_value"]),
])
def test_a_value_leaving_through_module_state_is_refused(f, text, words):
    refused(f, 1.0, line_of=line_of(f, text), words=words)


# ------------------------------------------------------------------------- defaults
SCALE = 2.0
DEFAULT_CALLS = []


def counted_default():
    DEFAULT_CALLS.append(1)
    return 3.0


def with_defaults(x, s=SCALE, t=counted_default(), n=2):
    return x * s * t * n


SCALE = 5.0      # rebinding the global does not change the default Python stored


def test_defaults_are_the_values_python_stored_not_their_text_evaluated_again():
    calls = len(DEFAULT_CALLS)
    assert with_defaults(1.0) == 12.0
    assert tad.grad(with_defaults)(1.0) == 12.0
    assert tad.value_and_grad(with_defaults)(1.0) == (12.0, 12.0)
    assert tad.jvp(with_defaults, (1.0,), (1.0,)) == (12.0, 12.0)
    assert tad.vjp(with_defaults, 1.0)[1](1.0) == (12.0,)
    assert len(DEFAULT_CALLS) == calls              # the default's call never runs again
    source = tad.source(with_defaults)
    assert "n=2" in source                          # a literal default reads as written
    assert "SCALE" not in source.split("def ")[1].split(")")[0]


def random_default(x, noise=np.random.default_rng(0).normal(size=3)):
    return np.sum(x * noise)


def test_a_random_default_is_not_drawn_again():
    x = np.ones(3)
    expected = random_default.__defaults__[0]
    np.testing.assert_array_equal(tad.grad(random_default)(x), expected)
    np.testing.assert_array_equal(tad.grad(random_default)(x), expected)
    assert tad.jvp(random_default, (x,), (np.ones(3),))[1] == pytest.approx(np.sum(expected))


# ---------------------------------------------------------------------------- names
def uses_tape(x, tape):
    y = x
    for i in range(3):
        y = y * tape
    return y


def uses_underscore(x):
    _ = 2.0
    y = x
    k = 0
    while k < 3:
        y = y * _ + np.sin(y)
        k += 1
    return y * _


def uses_generated_names(x, iterations, cond, saved):
    y = x
    k = 0
    while k < 2:
        t1 = y * iterations
        y = t1 * cond + saved * np.sin(y)
        k += 1
    x_bar = y * 2.0
    return x_bar


def zeros_like(v):                      # a user's function with a runtime helper's name
    return v * 7.0


def unbroadcast(v):
    return v + 1.0


def uses_helpers_named_like_the_runtime(x):
    return np.sum(zeros_like(x) * unbroadcast(x))


def local_named_like_the_runtime(x):
    seed_adjoint = x * 2.0
    size_of = 3.0
    return np.sum(seed_adjoint * size_of * x)


def local_named_np(x):
    np = 2.0                            # noqa: F811 - hides the module on purpose
    return x * np


def numerical(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_parameter_named_tape():
    assert tad.grad(uses_tape)(1.0, 3.0) == pytest.approx(27.0)
    assert tad.jvp(uses_tape, (1.0, 3.0), (1.0, None))[1] == pytest.approx(27.0)
    assert tad.grad(uses_tape, wrt=1)(2.0, 3.0) == pytest.approx(2.0 * 3 * 9.0)


def test_local_named_underscore_survives_the_reverse_loop():
    exact = numerical(uses_underscore, 0.3)
    assert tad.grad(uses_underscore)(0.3) == pytest.approx(exact, rel=1e-6)
    assert tad.jvp(uses_underscore, (0.3,), (1.0,))[1] == pytest.approx(exact, rel=1e-6)


def test_locals_named_like_generated_variables():
    def g(x):
        return uses_generated_names(x, 1.5, 0.5, 0.25)
    exact = numerical(g, 0.4)
    assert tad.grad(uses_generated_names)(0.4, 1.5, 0.5, 0.25) == pytest.approx(exact, rel=1e-6)
    assert tad.jvp(uses_generated_names, (0.4, 1.5, 0.5, 0.25), (1.0, None, None, None))[1] \
        == pytest.approx(exact, rel=1e-6)
    _, pullback = tad.vjp(uses_generated_names, 0.4, 1.5, 0.5, 0.25)
    assert pullback(1.0)[0] == pytest.approx(exact, rel=1e-6)


def test_user_functions_and_locals_named_like_runtime_helpers():
    x = np.array([1.0, 2.0])
    # d/dx sum(7x (x + 1)) = 14x + 7
    np.testing.assert_allclose(tad.grad(uses_helpers_named_like_the_runtime)(x), 14 * x + 7)
    np.testing.assert_allclose(tad.jvp(uses_helpers_named_like_the_runtime, (x,), (np.ones(2),))[1],
                               np.sum(14 * x + 7))
    # d/dx sum(2x * 3 * x) = 12x
    np.testing.assert_allclose(tad.grad(local_named_like_the_runtime)(x), 12 * x)
    np.testing.assert_allclose(tad.jvp(local_named_like_the_runtime, (x,), (np.ones(2),))[1],
                               np.sum(12 * x))
    source = tad.source(uses_helpers_named_like_the_runtime)
    assert "zeros_like as zeros_like2" in source.splitlines()[0]


def test_a_local_named_np_does_not_hide_numpy_from_the_derivative():
    assert tad.grad(local_named_np)(0.3) == 2.0
    assert tad.jvp(local_named_np, (0.3,), (1.0,)) == (0.6, 2.0)


def square(x):
    return x * x


def test_second_derivatives_of_a_gradient_have_their_own_tape():
    assert tad.jacrev(tad.grad(square))(2.0) == pytest.approx(2.0)
    assert tad.derivative(tad.grad(square))(2.0) == pytest.approx(2.0)


# ------------------------------------------------------------ aliased arguments
def store_into_first(a, b):
    a[0] = b[1] * 2.0
    return np.sum(a * b)


def test_the_same_array_as_two_arguments_with_a_store_is_refused_at_the_call():
    y = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="share memory"):
        tad.value_and_grad(store_into_first, wrt=1)(y, y)
    with pytest.raises(ValueError, match="share memory"):
        tad.jvp(store_into_first, (y, y), (None, np.ones(2)))
    with pytest.raises(ValueError, match="share memory"):
        tad.grad(store_into_first, wrt=1)(y, y[::-1])       # a view shares memory too
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    # separate arrays: f = 4*b1*b0 ... exact: a = [2*b1, a1]; f = 2*b1*b0 + a1*b1
    value, gradient = tad.value_and_grad(store_into_first, wrt=1)(a, b)
    assert value == store_into_first(a.copy(), b.copy())
    np.testing.assert_allclose(gradient, [2 * b[1], 2 * b[0] + a[1]])
    np.testing.assert_array_equal(a, [1.0, 2.0])    # the caller's array is unchanged


# ----------------------------------------------------------- lists and dicts as buffers
def dict_store(x):
    d = {}
    d["a"] = x * 2.0
    return np.sum(d["a"])


def list_store(x):
    values = [1.0, 2.0]
    values[0] = x
    return values[0] * 3.0


def repeated_list_store(x):
    values = [0.0] * 3
    for i in range(3):
        values[i] = x * i
    return values[2]


def test_a_store_into_a_python_dict_is_refused():
    refused(dict_store, np.ones(2), line_of=line_of(dict_store, 'd["a"] ='), words=["list or dict"])


@pytest.mark.parametrize("f, exact", [(list_store, 3.0), (repeated_list_store, 2.0)])
def test_a_store_into_a_python_list_is_differentiated(f, exact):
    # values[i] = v makes a new list with v at i (tests/test_containers.py has more)
    assert tad.grad(f)(0.5) == exact
    assert tad.jvp(f, (0.5,), (1.0,))[1] == exact


# ------------------------------------------------------------- checkpointed values
def accumulated(x):
    s = 0.0
    for i in range(7):
        s = s + np.sum(x * i)
    return s


def test_value_and_grad_with_checkpoints_returns_the_value_of_the_function():
    x = np.ones(3)
    for checkpoint in (None, True, 3):
        value, gradient = tad.value_and_grad(accumulated, checkpoint=checkpoint)(x)
        assert value == accumulated(x) == 63.0
        np.testing.assert_array_equal(gradient, [21.0, 21.0, 21.0])


def parameters_named_like_generated_globals(x, np, zeros_like):
    return x * np * zeros_like


def test_parameters_named_np_or_like_a_runtime_helper():
    f = parameters_named_like_generated_globals
    assert tad.grad(f, wrt=(0, 1, 2))(2.0, 3.0, 5.0) == (15.0, 10.0, 6.0)
    assert tad.jvp(f, (2.0, 3.0, 5.0), (1.0, 0.0, None)) == (30.0, 15.0)
    assert tad.vjp(f, 2.0, 3.0, 5.0)[1](1.0) == (15.0, 10.0, 6.0)
