"""Random programs: generated functions with branches, loops, jumps and helper calls.

Each program is written to a file (tangent_ad reads source) and differentiated in
both modes; the reverse gradient is checked against central differences and the
forward tangent against the reverse gradient (the dot-product identity). Inputs
where the program sits on a branch boundary (the two step sizes of central
differences disagree) are redrawn, not skipped.
"""
import importlib.util
import random

import numpy as np
import pytest

import tangent_ad as tad
from strict_array import strict, unwrap

UNARY = ["np.sin({})", "np.cos({})", "np.tanh({})", "np.exp(0.3 * {})", "({}) ** 2",
         "np.sqrt(1.5 + ({}) ** 2)", "-({})", "0.5 * ({})"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (1.5 + {} ** 2)", "np.maximum({}, {})",
          "np.where({0} > {1}, {0}, 0.5 * {1})"]

HELPERS = '''
def helper_mix(a, b):
    c = np.tanh(a) * b
    if np.sum(c) > 0.0:
        c = c + 0.5 * a
    return c


def helper_loop(a, k):
    for j in range(k):
        a = np.sin(a) + 0.1 * a
    return a
'''


class ProgramWriter:
    """Writes one random function ``f(x, s, n)``: x an array of 3, s a float, n a small int."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.arrays = ["x"]
        self.scalars = ["s"]
        self.counter = 0
        self.helper_results = set()

    def fresh(self):
        self.counter += 1
        return f"v{self.counter}"

    def operand(self):
        pool = self.arrays + self.scalars
        return self.rng.choice(pool)

    def expression(self, depth=0):
        if depth > 1 or self.rng.random() < 0.3:
            return self.operand()
        if self.rng.random() < 0.5:
            return self.rng.choice(UNARY).format(self.expression(depth + 1))
        return self.rng.choice(BINARY).format(self.expression(depth + 1), self.expression(depth + 1))

    def condition(self):
        return f"np.sum({self.operand()}) > {self.rng.uniform(-1, 1):.3f}"

    def emit(self, indent, text):
        self.lines.append("    " * indent + text)

    def block(self, indent, size, in_loop):
        for _ in range(size):
            self.statement(indent, in_loop)

    def assignment(self, indent):
        # new names only at the top level, so every name is defined wherever it is read
        new = [self.fresh()] if indent == 1 else []
        target = self.rng.choice(self.arrays + self.scalars + new)
        value = self.expression()
        if value in self.arrays + self.scalars:
            value = f"1.0 * {value}"      # a new array: a bare name would share memory
        self.emit(indent, f"{target} = {value}")
        if target not in self.arrays and target not in self.scalars:
            self.arrays.append(target)    # broadcasting with x makes most values arrays

    def updatable(self):
        """Arrays that may be updated in place: never x (the input), nor memory a helper hands back."""
        return [a for a in self.arrays[1:] if a not in self.helper_results]

    def statement(self, indent, in_loop):
        kind = self.rng.random()
        if kind < 0.45 or indent > 2:
            self.assignment(indent)
        elif kind < 0.55 and self.updatable():
            target = self.rng.choice(self.updatable())
            self.emit(indent, f"{target} {self.rng.choice(['+=', '-=', '*='])} {self.expression(1)}")
        elif kind < 0.68:
            self.emit(indent, f"if {self.condition()}:")
            self.block(indent + 1, 2, in_loop)
            if self.rng.random() < 0.5:
                self.emit(indent, "else:")
                self.block(indent + 1, 1, in_loop)
        elif kind < 0.78:
            self.emit(indent, "for i in range(n):")
            self.block(indent + 1, 2, True)
        elif kind < 0.85:
            counter = self.fresh()
            self.emit(indent, f"{counter} = 0")
            self.emit(indent, f"while {counter} < n and {self.condition()}:")
            self.emit(indent + 1, f"{counter} += 1")     # first, so that continue cannot skip it
            self.block(indent + 1, 2, True)
        elif kind < 0.9 and in_loop:
            self.emit(indent, f"if {self.condition()}:")
            self.emit(indent + 1, self.rng.choice(["break", "continue"]))
        elif kind < 0.94:
            self.emit(indent, f"if {self.condition()}:")
            self.emit(indent + 1, f"return np.sum({self.expression(1)})")
        elif indent == 1:
            target = self.fresh()
            if self.rng.random() < 0.5:
                self.emit(indent, f"{target} = helper_mix({self.operand()}, {self.operand()})")
            else:
                argument = self.operand()     # helper_loop may return it: they share memory
                self.emit(indent, f"{target} = helper_loop({argument}, 2)")
                self.helper_results |= {target, argument}
            self.arrays.append(target)
        else:
            self.assignment(indent)

    def write(self):
        self.emit(0, "def f(x, s, n):")
        self.block(1, self.rng.randint(3, 7), False)
        self.emit(1, f"return np.sum({self.expression()})")
        return "import numpy as np\n" + HELPERS + "\n\n" + "\n".join(self.lines) + "\n"


def load(source, path):
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def _tame(value, scale):
    """A finite value and gradient of moderate size: no overflow for 0 * inf to turn into nan."""
    return bool(np.isfinite(value) and abs(value) < 1e6 and np.isfinite(scale) and scale < 1e6)


def smooth_point(f, draw, n):
    """Inputs (from ``draw()``) where central differences agree at two step sizes: no branch
    boundary nearby. Returns (first, second, gradient by central differences) or None."""
    for _ in range(20):
        first, second = draw()
        coarse = tad.numerical_grad(f, first, second, n, wrt=(0, 1), h=1e-4)
        fine = tad.numerical_grad(f, first, second, n, wrt=(0, 1), h=1e-6)
        scale = 1.0 + max(float(np.max(np.abs(c))) for c in coarse)
        if _tame(f(first, second, n), scale) and all(np.allclose(c, d, atol=1e-5 * scale)
                                                     for c, d in zip(coarse, fine)):
            return first, second, fine
    return None


@pytest.mark.parametrize("seed", range(150))
def test_random_program(seed, tmp_path):
    rng = random.Random(seed)
    source = ProgramWriter(rng).write()
    f = load(source, tmp_path / f"program_{seed}.py")
    n = rng.randint(0, 3)
    values = np.random.default_rng(seed)
    point = smooth_point(f, lambda: (values.uniform(-1.0, 1.0, 3), float(values.uniform(-1.0, 1.0))), n)
    assert point is not None, f"no smooth point found for program:\n{source}"
    x, s, numeric = point
    value, (x_bar, s_bar) = tad.value_and_grad(f, wrt=(0, 1))(x, s, n)
    assert value == pytest.approx(f(x, s, n), rel=1e-12, abs=1e-12), source
    scale = 1.0 + np.max(np.abs(numeric[0]))
    np.testing.assert_allclose(x_bar, numeric[0], rtol=1e-5, atol=1e-6 * scale, err_msg=source)
    assert s_bar == pytest.approx(numeric[1], rel=1e-5, abs=1e-6 * scale), source
    v, u = values.standard_normal(3), float(values.standard_normal())
    out, out_dot = tad.jvp(f, (x, s, n), (v, u, None))
    assert out == pytest.approx(value, rel=1e-12, abs=1e-12), source
    assert out_dot == pytest.approx(np.dot(x_bar, v) + s_bar * u, rel=1e-9, abs=1e-9 * scale), source


MATRIX_UNARY = ["A @ ({})", "({}) @ A", "np.sum(A * ({}), axis=1)", "np.mean(A, axis=0) * ({})",
                "A.T @ ({})", "0.5 * ({})[::-1]", "np.reshape(A, (9,))[:3] * ({})", "np.tanh(({})[0]) * ({})",
                "np.dot(A, {})", "np.transpose(A)[1] + ({})", "np.sum(A, axis=-1, keepdims=True)[:, 0] * ({})"]


class MatrixProgramWriter(ProgramWriter):
    """Programs ``f(x, A, n)`` that mix a vector with a 3 x 3 matrix: products, reductions, slices."""

    def __init__(self, rng):
        super().__init__(rng)
        self.scalars = []

    def expression(self, depth=0):
        if depth <= 1 and self.rng.random() < 0.35:
            template = self.rng.choice(MATRIX_UNARY)
            inner = self.expression(depth + 1)
            return template.format(inner, inner) if template.count("{}") == 2 else template.format(inner)
        return super().expression(depth)

    def write(self):
        return super().write().replace("def f(x, s, n):", "def f(x, A, n):")


@pytest.mark.parametrize("seed", range(100))
def test_random_matrix_program(seed, tmp_path):
    rng = random.Random(10_000 + seed)
    source = MatrixProgramWriter(rng).write()
    f = load(source, tmp_path / f"matrix_program_{seed}.py")
    n = rng.randint(0, 3)
    values = np.random.default_rng(seed)
    point = smooth_point(f, lambda: (values.uniform(-1.0, 1.0, 3), values.uniform(-0.7, 0.7, (3, 3))), n)
    assert point is not None, f"no smooth point found for program:\n{source}"
    x, a, numeric = point
    value, (x_bar, a_bar) = tad.value_and_grad(f, wrt=(0, 1))(x, a, n)
    assert value == pytest.approx(f(x, a, n), rel=1e-12, abs=1e-12), source
    scale = 1.0 + max(np.max(np.abs(c)) for c in numeric)
    np.testing.assert_allclose(x_bar, numeric[0], rtol=1e-5, atol=1e-6 * scale, err_msg=source)
    np.testing.assert_allclose(a_bar, numeric[1], rtol=1e-5, atol=1e-6 * scale, err_msg=source)
    v, w = values.standard_normal(3), values.standard_normal((3, 3))
    out, out_dot = tad.jvp(f, (x, a, n), (v, w, None))
    assert out_dot == pytest.approx(np.dot(x_bar, v) + np.sum(a_bar * w), rel=1e-9, abs=1e-9 * scale), source
    # the same program on the strict stand-in for a GPU array: same numbers, never a host array
    strict_bars = tad.grad(f, wrt=(0, 1))(strict(x), strict(a), n)
    for got, expected in zip(strict_bars, (x_bar, a_bar)):
        np.testing.assert_allclose(unwrap(got), expected, rtol=1e-12, atol=1e-12, err_msg=source)
    _, strict_dot = tad.jvp(f, (strict(x), strict(a), n), (strict(v), strict(w), None))
    assert float(strict_dot) == pytest.approx(out_dot, rel=1e-12, abs=1e-12), source
