"""Safety: a derivative never changes its inputs, and many threads asking for the same
derivative at once share one transformation.

docs/supported.md promises that "a store into an argument works on a copy, so the caller's
array is never changed by a derivative". Every entry point is called here on functions that
store into, update, or hand their array arguments to helpers and loops, on NumPy arrays and on
the strict stand-in for a GPU array (tests/strict_array.py); the arrays must be unchanged
afterwards. (Arguments that are not differentiated: tests/test_regressions.py,
test_store_into_an_argument_the_result_does_not_use.)
"""
import importlib.util
import itertools
import threading

import numpy as np
import pytest

import tangent_ad as tad
import tangent_ad.pipeline.cache
from strict_array import strict, unwrap


def scaled(v):
    return 2.0 * v


def store_first(v):
    w = v * 1.0
    w[0] = 0.5
    return w


def plain(x, w):
    return np.sum(np.sin(x) * w)


def store_into_argument(x, w):
    x[0] = 5.0
    return np.sum(x * w)


def update_argument(x, w):
    x += w
    x *= 2.0
    return np.sum(x * x)


def store_slice_and_mask(x, w):
    x[1:] += w[1:]
    x[x > 100.0] = 0.0
    return np.sum(x * x)


def store_in_loop(x, w):
    for i in range(x.shape[0]):
        x[i] = x[i] * w[i]
    return np.sum(x)


def update_in_while_loop(x, w):
    k = 0
    while k < 3 and np.sum(x) < 100.0:
        k += 1
        x *= 1.5
    return np.sum(x * w)


def rows_of_argument(x, w):
    total = 0.0
    for row in x:
        total = total + np.sum(row * row)
    return total * np.sum(w)


def through_helpers(x, w):
    y = scaled(x)
    z = store_first(w)
    return np.sum(y * z)


def store_into_both(x, w):
    x[0] = 1.0
    w[-1] = 2.0
    return np.sum(x * w)


FUNCTIONS = [plain, store_into_argument, update_argument, store_slice_and_mask, store_in_loop,
             update_in_while_loop, rows_of_argument, through_helpers, store_into_both]


def entry_points(f, x, w):
    """Every way to ask for a derivative, each a callable of no arguments."""
    ones_x, ones_w = np.ones_like(x), np.ones_like(w)
    decorated = tad.differentiate(f, wrt=(0, 1))
    return {
        "grad": lambda: tad.grad(f)(x, w),
        "grad-both": lambda: tad.grad(f, wrt=(0, 1))(x, w),
        "value_and_grad": lambda: tad.value_and_grad(f, wrt=(0, 1))(x, w),
        "jvp": lambda: tad.jvp(f, (x, w), (ones_x, ones_w)),
        "vjp": lambda: tad.vjp(f, x, w)[1](1.0),
        "derivative-reverse": lambda: tad.derivative(f, "reverse", wrt=(0, 1))(x, w),
        "derivative-forward": lambda: tad.derivative(f, "forward", wrt=(0, 1))(x, w, ones_x, ones_w),
        "decorated-grad": lambda: decorated.grad(x, w),
        "decorated-jvp": lambda: decorated.jvp((x, w), (ones_x, ones_w)),
    }


def arguments(f):
    if f is rows_of_argument:
        return np.array([[0.3, -0.5], [0.7, 0.2]]), np.array([1.5, -0.5])
    return np.array([0.3, -0.5, 0.7]), np.array([1.5, -0.5, 2.0])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_inputs_are_never_changed(f):
    x, w = arguments(f)
    x0, w0 = x.copy(), w.copy()
    expected = f(x.copy(), w.copy())
    for name, call in entry_points(f, x, w).items():
        call()
        np.testing.assert_array_equal(x, x0, err_msg=f"{name} changed the first argument")
        np.testing.assert_array_equal(w, w0, err_msg=f"{name} changed the second argument")
    value, _ = tad.value_and_grad(f, wrt=(0, 1))(x, w)
    assert value == pytest.approx(expected), "the value is that of the function on the inputs as given"


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_inputs_are_never_changed_on_the_strict_array(f):
    """The same on the stand-in for a CuPy array, whose copies go through its own .copy()."""
    x_np, w_np = arguments(f)
    x, w = strict(x_np.copy()), strict(w_np.copy())
    for name, call in entry_points(f, x, w).items():
        call()
        np.testing.assert_array_equal(unwrap(x), x_np, err_msg=f"{name} changed the first argument")
        np.testing.assert_array_equal(unwrap(w), w_np, err_msg=f"{name} changed the second argument")


def test_gradients_are_those_of_the_inputs_as_given():
    """A store into an argument works on a copy: the gradient is taken at the caller's values."""
    x, w = np.array([0.3, -0.5, 0.7]), np.array([1.5, -0.5, 2.0])
    grad_x, grad_w = tad.grad(store_into_argument, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(grad_x, [0.0, -0.5, 2.0])
    np.testing.assert_allclose(grad_w, [5.0, -0.5, 0.7])
    grad_x = tad.grad(update_argument)(x, w)
    np.testing.assert_allclose(grad_x, 8.0 * (x + w))


def test_the_result_does_not_share_memory_with_an_input():
    """The identity's gradient is a new array, so writing into it leaves the input alone."""
    def identity_sum(x):
        return np.sum(x)

    x = np.array([1.0, 2.0])
    g = tad.grad(identity_sum)(x)
    g[0] = 100.0
    np.testing.assert_array_equal(x, [1.0, 2.0])


# ----------------------------------------------------------------------- threads

_fresh = itertools.count()


def fresh_function(tmp_path):
    """A function no thread has differentiated yet, defined in a file of its own."""
    k = next(_fresh)
    path = tmp_path / f"fresh_for_threads_{k}.py"
    path.write_text(
        "import numpy as np\n\n\n"
        "def helper(v):\n"
        "    return np.tanh(v) * v\n\n\n"
        f"def fresh_{k}(x, n):\n"
        "    y = x * 1.0\n"
        "    for i in range(n):\n"
        "        if np.sum(y) > 0.0:\n"
        "            y = helper(y) + x\n"
        "        else:\n"
        "            y = y * x\n"
        "        y[0] += 0.5\n"
        "    return np.sum(y * y)\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, f"fresh_{k}")


@pytest.fixture
def compile_counter(monkeypatch):
    """Counts the transformations (one per function, mode and wrt) by wrapping the pipeline's build."""
    calls = []
    lock = threading.Lock()
    original = tangent_ad.pipeline.cache.build

    def counting(func, request, *args, **kwargs):
        with lock:
            calls.append((func.__name__, request.mode))
        return original(func, request, *args, **kwargs)

    monkeypatch.setattr(tangent_ad.pipeline.cache, "build", counting)
    return calls


def run_together(count, work):
    """Start ``count`` threads that wait at a barrier, then all call ``work(k)`` at once."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(k):
        try:
            barrier.wait(timeout=30)
            results[k] = work(k)
        except Exception as exc:    # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert not errors, errors
    return results


def test_threads_asking_for_the_same_derivative_share_one_transformation(tmp_path, compile_counter):
    f = fresh_function(tmp_path)
    x = np.array([0.3, -0.5, 0.7])
    expected = tad.numerical_grad(lambda v: f(v, 3), x.copy())
    compile_counter.clear()
    results = run_together(16, lambda k: tad.grad(f)(x, 3))
    assert compile_counter == [(f.__name__, "reverse")], compile_counter
    for g in results:
        np.testing.assert_allclose(g, expected, rtol=1e-6)
        np.testing.assert_array_equal(g, results[0])


def test_threads_asking_for_both_modes_get_one_transformation_each(tmp_path, compile_counter):
    f = fresh_function(tmp_path)
    x = np.array([0.3, -0.5, 0.7])
    v = np.array([1.0, -2.0, 0.5])
    grad = tad.numerical_grad(lambda a: f(a, 2), x.copy())

    def work(k):
        if k % 2:
            return tad.jvp(f, (x, 2), (v, None))[1]
        return float(np.dot(tad.grad(f)(x, 2), v))

    results = run_together(16, work)
    assert sorted(compile_counter) == [(f.__name__, "forward"), (f.__name__, "reverse")], compile_counter
    for r in results:
        assert r == pytest.approx(float(np.dot(grad, v)), rel=1e-6)


def test_threads_differentiating_different_functions(tmp_path, compile_counter):
    functions = [fresh_function(tmp_path) for _ in range(4)]
    x = np.array([0.3, -0.5, 0.7])
    expected = [tad.numerical_grad(lambda v, f=f: f(v, 2), x.copy()) for f in functions]
    compile_counter.clear()
    results = run_together(16, lambda k: tad.grad(functions[k % 4])(x, 2))
    assert sorted(compile_counter) == sorted((f.__name__, "reverse") for f in functions), compile_counter
    for k, g in enumerate(results):
        np.testing.assert_allclose(g, expected[k % 4], rtol=1e-6)
