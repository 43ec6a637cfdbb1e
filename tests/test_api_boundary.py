"""The API boundary: what the entry points accept, and what they refuse, before any code runs.

Each test here was a silent wrong answer or an unhelpful crash: an extra argument that
became the output seed, a complex input, a decorator's work left out, a tuple argument
whose cotangent was None, reverse mode over a gradient's tape.
"""
import functools
import importlib.util
import textwrap

import numpy as np
import pytest

import tangent_ad as tad
from strict_array import strict, unwrap


def power(x, n):
    return x ** n


def scaled(x, scale=2.0):
    return scale * x * x


def square_sum(x):
    return np.sum(x * x)


def python_message(call):
    """The TypeError Python itself raises for ``call``."""
    with pytest.raises(TypeError) as info:
        call()
    return str(info.value)


# ------------------------------------------------------------ arguments as Python binds them
TOO_MANY = {
    "grad": lambda: tad.grad(power)(2.0, 3, 5),
    "value_and_grad": lambda: tad.value_and_grad(power)(2.0, 3, 5),
    "jvp": lambda: tad.jvp(power, (2.0, 3, 5), (1.0, None, None)),
    "vjp": lambda: tad.vjp(power, 2.0, 3, 5),
    "hessian": lambda: tad.hessian(power)(2.0, 3, 5),
    "hvp": lambda: tad.hvp(power)(2.0, 3, 5, 1.0),
    "jacfwd": lambda: tad.jacfwd(power)(2.0, 3, 5),
    "grad of grad": lambda: tad.grad(tad.grad(power))(2.0, 3, 5),
    "decorator grad": lambda: tad.differentiate(power).grad(2.0, 3, 5),
    "decorator value_and_grad": lambda: tad.differentiate(power).value_and_grad(2.0, 3, 5),
    "decorator jvp": lambda: tad.differentiate(power).jvp((2.0, 3, 5), (1.0, None, None)),
    "decorator vjp": lambda: tad.differentiate(power).vjp(2.0, 3, 5),
}


@pytest.mark.parametrize("call", TOO_MANY.values(), ids=TOO_MANY.keys())
def test_an_extra_argument_is_refused_as_python_refuses_it(call):
    """It used to become the seed of the generated function: tad.grad(power)(2.0, 3, 5) was
    60.0 (5 times the gradient); hessian and hvp did the same."""
    expected = python_message(lambda: power(2.0, 3, 5))
    assert expected == "power() takes 2 positional arguments but 3 were given"
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == expected


MISSING = {
    "grad": lambda: tad.grad(power)(2.0),
    "value_and_grad": lambda: tad.value_and_grad(power)(2.0),
    "jvp": lambda: tad.jvp(power, (2.0,), (1.0,)),
    "vjp": lambda: tad.vjp(power, 2.0),
    "hessian": lambda: tad.hessian(power)(2.0),
    "jacfwd": lambda: tad.jacfwd(power)(2.0),
}


@pytest.mark.parametrize("call", MISSING.values(), ids=MISSING.keys())
def test_a_missing_argument_is_refused_as_python_refuses_it(call):
    """The message named the generated function (power_grad(), power_vjp_forward()) or
    was a ValueError of tangent_ad's own."""
    expected = python_message(lambda: power(2.0))
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == expected


def test_the_seed_is_no_keyword_of_the_gradient_but_is_one_of_the_derivative():
    """Only tad.derivative's function takes the output seed, as its signature shows."""
    d = tad.derivative(power)
    seed = list(__import__("inspect").signature(d).parameters)[-1]
    assert d(2.0, 3, **{seed: 5.0}) == 60.0 and d(2.0, 3, 5.0) == 60.0
    expected = python_message(lambda: power(2.0, 3, **{seed: 5.0}))
    assert expected == f"power() got an unexpected keyword argument '{seed}'"
    for call in (lambda: tad.grad(power)(2.0, 3, **{seed: 5.0}),
                 lambda: tad.value_and_grad(power)(2.0, 3, **{seed: 5.0})):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == expected
    # calls Python binds keep working: keywords, defaults, the argument named twice refused
    assert tad.grad(power)(2.0, n=3) == 12.0 and tad.grad(power)(x=2.0, n=3) == 12.0
    assert tad.grad(scaled)(3.0) == 12.0 and tad.grad(scaled)(3.0, scale=0.5) == 3.0
    assert tad.hessian(scaled)(3.0) == 4.0 and tad.jacrev(scaled)(3.0, 0.5) == 3.0
    twice = python_message(lambda: power(2.0, 3, x=1.0))
    with pytest.raises(TypeError) as info:
        tad.grad(power)(2.0, 3, x=1.0)
    assert str(info.value) == twice


# ------------------------------------------------------------------- complex and np.matrix
def magnitude(x):
    return np.abs(x)


def added_sum(x, y):
    return np.sum(np.add(x, y))


def scaled_by(x, c):
    return np.sum(np.abs(x * c))


COMPLEX = {
    "jvp complex number": lambda: tad.jvp(magnitude, (3 + 4j,), (1 + 0j,)),
    "jvp complex tangent": lambda: tad.jvp(magnitude, (3.0,), (1 + 1j,)),
    "vjp complex array": lambda: tad.vjp(added_sum, np.array([1.0]), np.array([1 + 2j])),
    "grad complex array": lambda: tad.grad(square_sum)(np.array([1 + 1j, 2.0])),
    "grad complex constant": lambda: tad.grad(scaled_by)(np.array([1.0, -2.0]), np.array([3 + 4j, 1j])),
    "value_and_grad complex64 scalar": lambda: tad.value_and_grad(square_sum)(np.complex64(1 + 1j)),
    "hessian complex": lambda: tad.hessian(square_sum)(np.array([1 + 1j])),
    "strict complex": lambda: tad.grad(square_sum)(strict(np.array([1 + 1j, 2.0]))),
}


@pytest.mark.parametrize("call", COMPLEX.values(), ids=COMPLEX.keys())
def test_complex_inputs_are_refused(call):
    """tad.jvp(np.abs) at 3+4j gave 0.6+0.8j, and vjp of np.add dropped the imaginary part:
    tangent_ad differentiates real-valued code."""
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    assert "complex" in message and "real" in message, message


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_matrix_inputs_are_refused_with_a_hint():
    """np.matrix's * is a matrix product: grad of sum(x * x) crashed in the matrix product."""
    m = np.matrix([[1.0, 2.0]])
    for call in (lambda: tad.grad(square_sum)(m), lambda: tad.jvp(square_sum, (m,), (m,)),
                 lambda: tad.vjp(square_sum, m)):
        with pytest.raises(TypeError) as info:
            call()
        assert "np.matrix" in str(info.value) and "np.asarray" in str(info.value)
    assert np.array_equal(tad.grad(square_sum)(np.asarray(m)), [[2.0, 4.0]])
    # array stand-ins are read by their dtype, not refused for not being ndarrays
    np.testing.assert_array_equal(unwrap(tad.grad(square_sum)(strict(np.array([1.0, 2.0])))), [2.0, 4.0])


# -------------------------------------------------------------- decorators and other callables
def negated(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return -function(*args, **kwargs)
    return wrapper


def negated_one(function):
    @functools.wraps(function)
    def wrapper(x):
        return -function(x)
    return wrapper


@negated
def negated_square(x):
    return x * x


@negated_one
def negated_square_one(x):
    return x * x


def calls_negated_square(x):
    return 2.0 * negated_square(x)


def test_a_decorator_that_cannot_be_read_is_refused_not_left_out():
    """The wrapper was unwrapped silently: tad.grad gave +6.0 for -x*x at 3, ignoring the
    negation; the same through a call from another function."""
    for call in (lambda: tad.grad(negated_square)(3.0), lambda: tad.grad(calls_negated_square)(3.0),
                 lambda: tad.jvp(negated_square, (3.0,), (1.0,)), lambda: tad.vjp(negated_square, 3.0)):
        with pytest.raises((tad.TransformError, TypeError)) as info:
            call()
        message = str(info.value)
        assert "negated_square" in message, message
        assert "differentiate negated_square.__wrapped__ if the decorator does not change the value, " \
               "or write the decorator's work into the function" in message, message
    assert tad.grad(negated_square.__wrapped__)(3.0) == 6.0      # the way out the message gives


def test_a_decorator_with_plain_parameters_is_differentiated_as_written():
    assert tad.grad(negated_square_one)(3.0) == -6.0
    assert tad.jvp(negated_square_one, (3.0,), (1.0,)) == (-9.0, -6.0)


DECORATOR_MODULE = '''
import functools

SCALE = 100.0          # the decorator's module has a SCALE of its own


def passed_through(function):
    @functools.wraps(function)
    def wrapper(x):
        return function(x)
    return wrapper
'''

SCALE = 2.0


def test_a_decorated_function_reads_its_own_globals(tmp_path):
    """The undecorated body was differentiated with the wrapper's globals: SCALE was the
    decorator module's 100.0, and the gradient 600.0 instead of 12.0."""
    path = tmp_path / "passing_decorator.py"
    path.write_text(textwrap.dedent(DECORATOR_MODULE))
    spec = importlib.util.spec_from_file_location("passing_decorator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def scaled_square(x):
        return SCALE * x * x

    decorated = module.passed_through(scaled_square)
    assert decorated(3.0) == 18.0
    assert tad.grad(decorated)(3.0) == 12.0
    assert tad.jvp(decorated, (3.0,), (1.0,)) == (18.0, 12.0)


@functools.lru_cache(maxsize=None)
def cached_square(x):
    return x * x


def varargs(*xs):
    return xs[0] * xs[0]


CALLABLES = {
    "lru_cache": (lambda: tad.grad(cached_square)(3.0), TypeError, "cached_square.__wrapped__"),
    "np.sum": (lambda: tad.grad(np.sum)(np.ones(3)), TypeError, "def f(x): return np.sum(x)"),
    "ufunc": (lambda: tad.jvp(np.abs, (3.0,), (1.0,)), TypeError, "def f(x): return np.absolute(x)"),
    "builtin": (lambda: tad.vjp(abs, 3.0), TypeError, "def f(x): return abs(x)"),
    "*args jacfwd": (lambda: tad.jacfwd(varargs)(3.0), tad.TransformError, "*args parameter"),
    "jacrev of jacrev": (lambda: tad.jacrev(tad.jacrev(power))(2.0, 3), TypeError, "tad.hessian(power)"),
    "grad of value_and_grad": (lambda: tad.grad(tad.value_and_grad(power))(2.0, 3), TypeError,
                               "tad.grad(tad.grad(power))"),
}


@pytest.mark.parametrize("call,error,hint", CALLABLES.values(), ids=CALLABLES.keys())
def test_what_is_not_a_plain_function_is_refused_with_what_to_write(call, error, hint):
    """These were an InternalError (lru_cache), a weakref TypeError (np.sum), an IndexError
    (vjp of *args), 'wrt=0 is out of range: ... 0 parameter(s)' (*args, jacrev of jacrev) or
    a bare 'got <ufunc 'absolute'>'."""
    with pytest.raises(error) as info:
        call()
    assert hint in str(info.value), str(info.value)


# -------------------------------------------------------------- tuple, list and dict arguments
def pair_product(p):
    return p[0] * p[1]


def from_dict(d):
    return d["a"] * 2.0


def dict_scaled(d, x):
    return d["a"] * x


def shaped(x, shape):
    return np.sum(np.reshape(x, shape) ** 2)


def test_partial_and_varargs_once_refused_are_differentiated():
    """functools.partial and *args were refused; they are differentiated as JAX does (wrt counts
    the arguments left to pass; tests/test_functions_as_held.py has the rest)."""
    assert tad.grad(functools.partial(power, n=2))(3.0) == 6.0
    assert tad.grad(varargs)(3.0) == 6.0
    out, f_vjp = tad.vjp(varargs, 3.0)
    assert out == 9.0 and f_vjp(1.0) == (6.0,)


CONTAINERS = {
    "vjp tuple": (lambda: tad.vjp(pair_product, (2.0, 3.0))[1](1.0), ((3.0, 2.0),)),
    "vjp list of arrays": (lambda: tad.vjp(pair_product, [np.full(2, 2.0), np.full(2, 5.0)])[1](np.ones(2)),
                           ([np.full(2, 5.0), np.full(2, 2.0)],)),
    "vjp dict": (lambda: tad.vjp(from_dict, {"a": 2.0})[1](1.0), ({"a": 2.0},)),
    "vjp constant dict": (lambda: tad.vjp(dict_scaled, {"a": 2.0}, 3.0)[1](1.0), ({"a": 3.0}, 2.0)),
    "grad tuple": (lambda: tad.grad(pair_product)((2.0, 3.0)), (3.0, 2.0)),
    "grad dict": (lambda: tad.grad(from_dict)({"a": 2.0}), {"a": 2.0}),
    "grad wrt a dict": (lambda: tad.grad(dict_scaled, wrt="d")({"a": 2.0}, 3.0), {"a": 3.0}),
    "jvp tuple": (lambda: tad.jvp(pair_product, ((2.0, 3.0),), ((1.0, 0.0),)), (6.0, 3.0)),
}


@pytest.mark.parametrize("call,expected", CONTAINERS.values(), ids=CONTAINERS.keys())
def test_a_container_of_floats_is_differentiated_with_its_structure(call, expected):
    """vjp gave None for a tuple of floats, grad of one gave an array, and grad of a dict
    crashed with an IndexError in index_adjoint; then they were refused; now each gradient
    has its argument's structure, the types included (a list stays a list)."""
    got = call()
    assert type(got) is type(expected)
    for g, e in zip(got.values() if isinstance(got, dict) else got,
                    expected.values() if isinstance(expected, dict) else expected):
        assert type(g) is type(e)
        if isinstance(e, list):
            assert all(np.array_equal(a, b) for a, b in zip(g, e))
        else:
            assert g == e


def test_containers_that_are_not_differentiated_pass_through():
    assert tad.grad(dict_scaled, wrt="x")({"a": 2.0}, 3.0) == 2.0
    assert tad.jvp(dict_scaled, ({"a": 2.0}, 3.0), (None, 1.0)) == (6.0, 2.0)
    out, f_vjp = tad.vjp(shaped, np.arange(4.0), (2, 2))        # a shape: not differentiable
    x_bar, shape_bar = f_vjp(1.0)
    assert out == 14.0 and np.array_equal(x_bar, 2.0 * np.arange(4.0)) and shape_bar is None


# ------------------------------------------------------------- derivatives of a gradient's tape
def branchy(x):
    s = 0.0
    for i in range(3):
        if x > 0.0:
            s = s + x * x
        else:
            s = s - x
    return s


def doubling(x, a):
    s = x
    for i in range(3):
        a = a * 2.0
        s = s * a
    return s


def test_jacrev_of_a_gradient_is_its_hessian():
    """jacrev(grad(f)) crashed with 'pop from empty list' when the gradient keeps a tape:
    branchy = 3 x**2 for x > 0, second derivative 6; doubling = 64 a**3 x, d/dx of its
    x-gradient 0 and d/da 192 a**2."""
    assert tad.jacrev(tad.grad(branchy))(1.5) == 6.0
    assert tad.jacrev(tad.grad(branchy))(-1.5) == 0.0
    assert tad.jacrev(tad.grad(doubling))(1.5, 0.5) == 0.0
    assert tad.jacrev(tad.grad(doubling), wrt=1)(1.5, 0.5) == 48.0
    assert tad.jacrev(tad.grad(branchy))(1.5) == tad.hessian(branchy)(1.5)


def test_reverse_mode_over_a_gradients_tape_is_a_clear_error():
    """tad.derivative(tad.grad(f)) made code that popped an empty tape; it is refused, as
    reverse mode over reverse-mode code is, and forward mode over it works."""
    for call in (lambda: tad.derivative(tad.grad(branchy)), lambda: tad.vjp(tad.grad(branchy), 1.5),
                 lambda: tad.derivative(tad.grad(doubling))):
        with pytest.raises(tad.TransformError) as info:
            call()
        assert "keeps a tape" in str(info.value) and "forward mode" in str(info.value)
    assert tad.derivative(tad.grad(branchy), "forward")(1.5) == (9.0, 6.0)
    assert tad.grad(tad.grad(branchy))(1.5) == 6.0
