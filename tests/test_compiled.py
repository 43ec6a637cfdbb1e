"""compile=True: the Numba-compiled variant gives the plain derivative's numbers.

Checked on every benchmark workload, on random programs whose variables keep their kind
(Numba compiles a variable of one type: a float that becomes an array is refused), against
central differences and exact values in both modes, and for what it refuses: each refusal
is a CompileError at the user's line.
"""
import math
import random
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tangent_ad as tad
from test_random_programs import ProgramWriter, load, smooth_point

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import workloads  # noqa: E402

import numba  # noqa: E402 - the test extra installs it: these tests always run
warnings.filterwarnings("ignore", category=numba.NumbaWarning)


def _parts(result):
    return result if isinstance(result, tuple) else (result,)


def assert_same(compiled, plain, rtol=1e-12):
    for c, p in zip(_parts(compiled), _parts(plain), strict=True):
        np.testing.assert_allclose(c, p, rtol=rtol, atol=1e-12)


def seed_poly(x1, x2):
    return (x1 + x2) * (x1 - x2)


def tanh_layers(x, w):
    y = x
    for i in range(3):
        y = np.tanh(w * y + 0.1 * i)
    return np.sum(y * y)


# ------------------------------------------------------------------- exact values
def test_the_chapters_example_compiled_gives_its_numbers():
    assert tad.grad(seed_poly, wrt=(0, 1), compile=True)(3.0, 2.0) == (6.0, -4.0)
    assert tad.value_and_grad(seed_poly, wrt=(0, 1), compile=True)(3.0, 2.0) == (5.0, (6.0, -4.0))
    assert tad.jvp(seed_poly, (3.0, 2.0), (1.0, 0.0), compile=True) == (5.0, 6.0)
    out, f_vjp = tad.vjp(seed_poly, 3.0, 2.0, compile=True)
    assert out == 5.0 and f_vjp(1.0) == (6.0, -4.0)


def test_a_scalar_loop_against_its_hand_written_gradient_and_central_differences():
    gradient = tad.grad(workloads.scalar_loop, compile=True)
    for x, n in [(0.5, 1000), (-0.3, 7), (0.2, 0)]:
        expected = workloads.scalar_loop_grad(x, n)
        assert gradient(x, n) == pytest.approx(expected, rel=1e-12)
        numeric = tad.numerical_grad(workloads.scalar_loop, x, n, wrt=0)
        assert gradient(x, n) == pytest.approx(numeric, rel=1e-6)


def test_arrays_in_both_modes_against_central_differences():
    x = np.linspace(-1.0, 1.0, 5)
    w = 0.7
    x_bar, w_bar = tad.grad(tanh_layers, wrt=(0, 1), compile=True)(x, w)
    numeric = tad.numerical_grad(tanh_layers, x, w, wrt=(0, 1))
    np.testing.assert_allclose(x_bar, numeric[0], rtol=1e-6, atol=1e-9)
    assert w_bar == pytest.approx(numeric[1], rel=1e-6)
    v = np.array([0.3, -1.0, 0.5, 2.0, 0.1])
    out, out_dot = tad.jvp(tanh_layers, (x, w), (v, 0.5), compile=True)
    assert out == pytest.approx(tanh_layers(x, w), rel=1e-14)
    assert out_dot == pytest.approx(np.dot(x_bar, v) + 0.5 * w_bar, rel=1e-10)


def test_the_decorator_and_derivative_take_compile():
    f = tad.differentiate(tanh_layers, wrt=(0, 1), compile=True)
    x = np.linspace(-1.0, 1.0, 4)
    assert_same(f.grad(x, 0.3), tad.grad(tanh_layers, wrt=(0, 1))(x, 0.3))
    source = f.source()
    assert "tape.append" not in source      # no list of values of several types
    assert "tape_loop.append((saved_y, saved_t1, saved_y2))" in source      # one tuple per iteration
    d = tad.derivative(seed_poly, wrt=(0, 1), compile=True)
    assert d(3.0, 2.0) == (6.0, -4.0)
    assert d.signatures       # Numba compiled it, per argument types


def test_floats_then_arrays_compile_twice_and_both_are_right():
    gradient = tad.grad(tanh_layers, compile=True)
    x = np.linspace(-1.0, 1.0, 3)
    assert_same(gradient(x, 0.4), tad.grad(tanh_layers)(x, 0.4))
    assert gradient(0.5, 0.4) == pytest.approx(tad.grad(tanh_layers)(0.5, 0.4), rel=1e-12)
    assert_same(gradient(2.0 * x, 0.4), tad.grad(tanh_layers)(2.0 * x, 0.4))


def softmax_cross_entropy(z, k):
    m = np.max(z)
    return -(z[k] - m - np.log(np.sum(np.exp(z - m))))


def test_a_max_with_ties_compiled_against_exact_values():
    gradient = tad.grad(softmax_cross_entropy, compile=True)
    z = np.array([0.5, -1.0, 2.0, 2.0])
    p = np.exp(z) / np.sum(np.exp(z))
    expected = p - np.eye(4)[1]           # the max's two ties cancel: softmax minus one-hot
    np.testing.assert_allclose(gradient(z, 1), expected, rtol=1e-12)
    assert_same(gradient(z, 1), tad.grad(softmax_cross_entropy)(z, 1))


# -------------------------------------------------------------- the benchmark workloads
@pytest.mark.parametrize("name", list(workloads.WORKLOADS))
def test_every_benchmark_workload_compiles_to_the_plain_gradient(name):
    workload = workloads.WORKLOADS[name]
    args = workload.inputs(workload.test_size)
    plain = tad.grad(workload.function, wrt=workload.wrt_arg)(*args)
    compiled = tad.grad(workload.function, wrt=workload.wrt_arg, compile=True)(*args)
    assert_same(compiled, plain, rtol=1e-10)
    assert_same(compiled, workload.gradient(*args), rtol=1e-7)


# -------------------------------------------------------------------- random programs
class KindKeepingProgramWriter(ProgramWriter):
    """The random programs of test_random_programs.py, with every variable keeping its kind
    (a float stays a float, an array an array): the programs Numba can compile."""

    def condition(self):
        return f"np.sum({self.rng.choice(self.arrays)}) > {self.rng.uniform(-1, 1):.3f}"

    def assignment(self, indent):
        new = [self.fresh()] if indent == 1 else []
        target = self.rng.choice(self.arrays + self.scalars + new)
        if target in self.scalars:
            arrays, self.arrays = self.arrays, []
            value = self.expression()          # of floats only
            self.arrays = arrays
        else:
            value = f"x + 0.5 * ({self.expression()})"     # an array, whatever the expression
        self.emit(indent, f"{target} = {value}")
        if target not in self.arrays and target not in self.scalars:
            self.arrays.append(target)

    def operand(self):
        return self.rng.choice(self.arrays + self.scalars)

    def statement(self, indent, in_loop):
        if indent == 1 and self.rng.random() < 0.06:
            target = self.fresh()
            self.emit(indent, f"{target} = helper_mix(x, {self.operand()})")
            self.arrays.append(target)
            return
        kind = self.rng.random()
        if kind < 0.5 or indent > 2:
            self.assignment(indent)
        elif kind < 0.65:
            self.emit(indent, f"if {self.condition()}:")
            self.block(indent + 1, 2, in_loop)
            if self.rng.random() < 0.5:
                self.emit(indent, "else:")
                self.block(indent + 1, 1, in_loop)
        elif kind < 0.8:
            self.emit(indent, "for i in range(n):")
            self.block(indent + 1, 2, True)
        elif kind < 0.9:
            counter = self.fresh()
            self.emit(indent, f"{counter} = 0")
            self.emit(indent, f"while {counter} < n and {self.condition()}:")
            self.emit(indent + 1, f"{counter} += 1")
            self.block(indent + 1, 2, True)
        else:
            self.assignment(indent)


@pytest.mark.parametrize("seed", range(8))
def test_random_programs_compiled_give_the_plain_derivatives(seed, tmp_path):
    rng = random.Random(seed)
    source = KindKeepingProgramWriter(rng).write()
    f = load(source, tmp_path / f"compiled_program_{seed}.py")
    n = rng.randint(0, 3)
    values = np.random.default_rng(seed)
    point = smooth_point(f, lambda: (values.uniform(-1.0, 1.0, 3), float(values.uniform(-1.0, 1.0))), n)
    assert point is not None, f"no smooth point found for program:\n{source}"
    x, s, numeric = point
    plain = tad.grad(f, wrt=(0, 1))(x, s, n)
    compiled = tad.grad(f, wrt=(0, 1), compile=True)(x, s, n)
    assert_same(compiled, plain, rtol=1e-10)
    np.testing.assert_allclose(compiled[0], numeric[0], rtol=1e-5, atol=1e-6 * (1 + np.max(np.abs(numeric[0]))))
    v, u = values.standard_normal(3), float(values.standard_normal())
    out, out_dot = tad.jvp(f, (x, s, n), (v, u, None), compile=True)
    assert out == pytest.approx(f(x, s, n), rel=1e-12, abs=1e-12), source
    assert out_dot == pytest.approx(np.dot(plain[0], v) + plain[1] * u, rel=1e-9, abs=1e-9), source


# ---------------------------------------------------------------- what it refuses, and how
def sorts(x):
    y = np.sort(x)
    return np.sum(y * np.arange(3.0))


def becomes_an_array(x, s):
    for i in range(2):
        s = s * x
    return np.sum(s)


def test_a_helper_without_a_compiled_version_is_refused_at_the_users_line():
    with pytest.raises(tad.CompileError) as caught:
        tad.grad(sorts, compile=True)
    error = caught.value
    assert error.filename == __file__
    assert error.lineno == sorts.__code__.co_firstlineno + 1
    assert "y = np.sort(x)" in str(error) and "leave out compile=True" in str(error)
    x = np.array([0.3, -1.0, 2.0])
    assert_same(tad.grad(sorts)(x), np.array([1.0, 0.0, 2.0]))     # the plain derivative works


def test_a_float_that_becomes_an_array_is_refused_at_the_first_call_naming_the_line():
    gradient = tad.grad(becomes_an_array, wrt=1, compile=True)
    with pytest.raises(tad.CompileError) as caught:
        gradient(np.ones(3), 0.5)
    error = caught.value
    assert error.filename == __file__
    first = becomes_an_array.__code__.co_firstlineno
    assert first < error.lineno <= first + 3
    assert "Numba" in str(error)


def test_unknown_backends_and_structures_are_refused():
    with pytest.raises(ValueError, match="compile='jax'"):
        tad.grad(seed_poly, compile="jax")
    with pytest.raises(ValueError, match="compile=True differentiates functions of arrays and numbers"):
        tad.grad(lambda p: p["a"] ** 2, compile=True)({"a": 1.0})


def test_without_numba_the_keyword_says_how_to_install_it(monkeypatch):
    def local(x):
        return x * x
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(ImportError, match=r"pip install numba"):
        tad.grad(local, compile=True)(2.0)


SCALE = 2.0


def scaled(x):
    return SCALE * x * x


def test_a_changed_global_is_seen_by_the_compiled_derivative():
    """Numba reads globals as constants when it compiles: the derivative is made again."""
    global SCALE
    gradient = tad.grad(scaled, compile=True)
    assert gradient(3.0) == 12.0
    SCALE = 5.0
    try:
        assert gradient(3.0) == 30.0
        assert tad.grad(scaled, compile=True)(3.0) == 30.0
    finally:
        SCALE = 2.0


# ------------------------------------------------------------------------------ fusion
def test_fusion_gathers_elementwise_lines_into_one_expression():
    from tangent_ad.compiled.fusion import fuse
    text = ("def g(x, y_bar=1.0):\n"
            "    t1 = x ** 2\n"
            "    t1_bar = np.cos(t1)\n"
            "    t1_bar *= y_bar\n"
            "    x_bar = t1_bar    # the gradient\n"
            "    return x_bar\n")
    assert fuse(text) == ("def g(x, y_bar=1.0):\n"
                          "    x_bar = np.cos(x ** 2) * y_bar    # the gradient\n"
                          "    return x_bar\n")


@pytest.mark.parametrize("body", [
    # x changes between t1 = x * 2 and its use: t1 must keep the old x
    "    t1 = x * 2\n    x *= 3\n    y = t1 + 1\n    return y\n",
    "    t1 = x * 2\n    x[0] = 5.0\n    y = t1 + 1\n    return y\n",
    "    t1 = x * 2\n    index_accumulate(x, 1.0, 0)\n    y = t1 + 1\n    return y\n",
    # read twice, or saved on a tape (a second read)
    "    t1 = x * 2\n    y = t1 + t1\n    return y\n",
    "    t1 = x * 2\n    tape_t1.append(t1)\n    y = t1 + 1\n    return y\n",
    # used in a loop: it would be computed once per iteration
    "    t1 = x * 2\n    for i in range(3):\n        x = x + t1\n    return x\n",
    # an update of a bare name changes the array that name shares
    "    v = x\n    v *= 2\n    return x\n",
    "    v = x[1:]\n    v *= 2\n    return x\n",
    # a tape's pop moved past another pop of the same tape would change the order
    "    a = tape_a.pop()\n    b = tape_a.pop()\n    y = a - b\n    return y\n",
    # an update that reads the value it updates
    "    v = x * 2\n    v *= v\n    return v\n",
])
def test_fusion_leaves_alone_what_it_would_change(body):
    from tangent_ad.compiled.fusion import fuse
    text = "def g(x):\n" + body
    assert fuse(text) == text


@pytest.mark.parametrize("g_shape, x_shape", [
    ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)), ((3, 4), (3, 4)),
    ((5,), (1,)), ((3, 4), (1, 1)), ((4,), (4,)),
    ((3, 4), (2, 4)),       # neither x's shape nor broadcast from it: zeros, as the plain helper gives
])
def test_compiled_unbroadcast_gives_the_plain_helpers_sums(g_shape, x_shape):
    import tangent_ad.compiled.numba_runtime  # noqa: F401 - gives Numba the helpers' compiled versions
    from tangent_ad.runtime import unbroadcast
    compiled = numba.njit(lambda g, x: unbroadcast(g, x))
    g = np.random.default_rng(0).standard_normal(g_shape)
    for adjoint in (g, np.asfortranarray(g)):       # contiguous, and laid out otherwise
        expected = unbroadcast(adjoint, np.zeros(x_shape))
        got = compiled(adjoint, np.zeros(x_shape))
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_compiled_loop_sums_of_matrix_product_adjoints_match_the_plain_helpers():
    import tangent_ad.compiled.numba_runtime  # noqa: F401 - gives Numba the helpers' compiled versions
    from tangent_ad.runtime import matmul_adjoint_left_sum, matmul_adjoint_right_sum

    @numba.njit
    def both(G, A, n, a, b):
        terms = []
        for i in range(n):
            terms.append((G[i].copy(), A[i].copy()))
        return matmul_adjoint_left_sum(terms, a), matmul_adjoint_right_sum(terms, b)

    rng = np.random.default_rng(1)
    G, A = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    a, b = np.zeros((3, 4)), np.zeros((4, 3))
    left, right = both(G, A, 5, a, b)
    terms = list(zip(G, A))
    np.testing.assert_allclose(left, matmul_adjoint_left_sum(terms, a), rtol=1e-14)
    np.testing.assert_allclose(right, matmul_adjoint_right_sum(terms, b), rtol=1e-14)
    left, right = both(G, A, 0, a, b)              # a loop that never ran: zeros of each shape
    assert left.shape == a.shape and right.shape == b.shape and not left.any() and not right.any()
