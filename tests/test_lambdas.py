"""Lambdas as the function differentiated: ``tad.grad(lambda x: np.sum(x ** 2))``.

A lambda given to the API (inline, or a module-level name bound to one) is read from its
file, differentiated as ``def lambda_line<N>(...): return <body>`` and named for its line
in the generated source. Each test checks numbers against central differences or the
derivative worked out by hand; a lambda with no source, or a module-level one called from
differentiated code as a helper, is refused with what to write instead. (A lambda written
inside the differentiated function is inlined: tests/test_local_functions.py.)
"""
import math
import textwrap

import numpy as np
import pytest

import tangent_ad as tad
from conftest import numeric_grad

X = np.array([0.5, -1.25, 2.0])

SQUARES = lambda x: np.sum(x ** 2) + np.sin(x[0])  # noqa: E731
PAIR_A, PAIR_B, PAIR_C = lambda x: x * x, lambda x: x * x * x, lambda x: np.sin(x)  # noqa: E731
SAME_A, SAME_B = lambda x: x * x, lambda x: x * x  # noqa: E731
WITH_DEFAULT = lambda x, s=3.0: s * np.sin(x)  # noqa: E731
SCALE = 0.5
STORED_DEFAULT = lambda x, s=SCALE * 4: s * x ** 2  # noqa: E731
K = 2.0
USES_K = lambda x: K * x ** 3  # noqa: E731
SPREAD = lambda x, y: (  # noqa: E731
    np.sum(x * y)
    + np.tanh(x[0]) * y[1]
)
VECTOR = lambda x: np.sin(x) * x  # noqa: E731
CUBES = lambda x: np.sum(x ** 3)  # noqa: E731
SCALED = [lambda x, k=k: k * x * x for k in range(4)]
KEYWORD_ONLY = lambda x, *, s=1.0: s * x  # noqa: E731


def squares_gradient(x):
    g = 2 * x
    g[0] += np.cos(x[0])
    return g


def line_of(func):
    return func.__code__.co_firstlineno


# ------------------------------------------------------------------ both modes, numbers
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_module_lambda_against_exact_and_central_differences(mode):
    d = tad.derivative(SQUARES, mode)
    if mode == "reverse":
        gradient = d(X.copy())
    else:
        gradient = np.array([d(X.copy(), e)[1] for e in np.eye(3)])
    np.testing.assert_allclose(gradient, squares_gradient(X), rtol=1e-12)
    np.testing.assert_allclose(gradient, numeric_grad(SQUARES, [X.copy()], 0), rtol=1e-7)


def test_inline_lambda_in_every_entry():
    x = X.copy()
    np.testing.assert_allclose(tad.grad(lambda x: np.sum(x ** 2))(x), 2 * x)
    value, gradient = tad.value_and_grad(lambda x: np.sum(x ** 2))(x)
    assert value == np.sum(x ** 2)
    np.testing.assert_allclose(gradient, 2 * x)
    out, out_dot = tad.jvp(lambda x: np.sum(np.exp(x)), (x,), (np.ones(3),))
    assert math.isclose(out_dot, np.sum(np.exp(x)), rel_tol=1e-12)
    out, f_vjp = tad.vjp(lambda x, y: x * y, x, 3.0)
    np.testing.assert_allclose(f_vjp(np.ones(3))[0], np.full(3, 3.0))
    assert math.isclose(f_vjp(np.ones(3))[1], np.sum(x))
    assert "def lambda_line" in tad.source(lambda x: x * x)
    np.testing.assert_allclose(tad.grad(tad.grad(lambda x: x ** 3))(2.0), 12.0)


def test_checked_against_central_differences_in_both_modes(checker):
    checker.check(SPREAD, [X.copy(), np.array([1.0, 0.25, -2.0])], wrt=(0, 1),
                  exact=lambda u, x, y: (u * (y + np.array([y[1] / np.cosh(x[0]) ** 2, 0, 0])),
                                         u * (x + np.array([0, np.tanh(x[0]), 0]))))


# ------------------------------------------------------------------ which lambda of a line
def test_several_lambdas_on_one_line():
    assert tad.grad(PAIR_A)(3.0) == 6.0
    assert tad.grad(PAIR_B)(3.0) == 27.0
    assert tad.grad(PAIR_C)(3.0) == math.cos(3.0)
    assert tad.jvp(PAIR_B, (3.0,), (1.0,)) == (27.0, 27.0)
    line = line_of(PAIR_A)
    for func in (PAIR_A, PAIR_B, PAIR_C):
        source = tad.source(func)
        assert f"def lambda_line{line}_grad(x" in source
        body = source.split("# forward sweep")[1].split("# reverse sweep")[0]
        assert f"line {line}:" in body


def test_lambdas_written_alike_on_one_line():
    assert tad.grad(SAME_A)(3.0) == tad.grad(SAME_B)(3.0) == 6.0


def test_lambdas_made_by_a_comprehension_keep_their_own_defaults():
    assert [tad.grad(f)(1.5) for f in SCALED] == [0.0, 3.0, 6.0, 9.0]
    assert tad.jvp(SCALED[3], (1.5,), (1.0,))[1] == 9.0


def test_multi_line_lambda():
    x, y = X.copy(), np.array([1.0, 0.25, -2.0])
    gx, gy = tad.grad(SPREAD, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y + np.array([y[1] / np.cosh(x[0]) ** 2, 0, 0]), rtol=1e-12)
    np.testing.assert_allclose(gy, x + np.array([0, np.tanh(x[0]), 0]), rtol=1e-12)


# ------------------------------------------------------------------ defaults, globals, closures
def test_lambda_with_a_default():
    assert tad.grad(WITH_DEFAULT)(0.5) == 3.0 * math.cos(0.5)
    assert tad.grad(WITH_DEFAULT)(0.5, 2.0) == 2.0 * math.cos(0.5)
    assert tad.grad(WITH_DEFAULT, wrt="s")(0.5) == math.sin(0.5)
    source = tad.source(WITH_DEFAULT, "forward")
    assert f"def lambda_line{line_of(WITH_DEFAULT)}_jvp(x, s=3.0, x_dot=1.0)" in source


def test_a_default_written_as_an_expression_is_the_stored_value():
    assert tad.grad(STORED_DEFAULT)(3.0) == 2.0 * 2 * 3.0
    global SCALE
    old, SCALE = SCALE, 10.0
    try:
        assert tad.grad(STORED_DEFAULT)(3.0) == 12.0       # the default was stored at definition
    finally:
        SCALE = old


def test_a_module_constant_changed_rebuilds_the_derivative():
    global K
    gradient = tad.grad(USES_K)
    assert gradient(2.0) == 24.0
    old, K = K, 5.0
    try:
        assert gradient(2.0) == 60.0
        assert tad.grad(USES_K)(2.0) == 60.0
        assert tad.jvp(USES_K, (2.0,), (1.0,))[1] == 60.0
    finally:
        K = old
    assert gradient(2.0) == 24.0


def test_code_or_defaults_given_to_the_lambda_anew_are_followed():
    # as IPython's autoreload does: the lambda object keeps its identity, its code changes
    cube = lambda x, s=1.0: s * x ** 3  # noqa: E731
    square = lambda x, s=1.0: s * x ** 2  # noqa: E731
    gradient = tad.grad(cube)
    assert gradient(2.0) == 12.0
    cube.__code__ = square.__code__
    assert gradient(2.0) == 4.0                     # the gradient held before follows
    assert tad.grad(cube)(2.0) == 4.0
    cube.__defaults__ = (3.0,)
    assert gradient(2.0) == 12.0
    assert tad.value_and_grad(cube)(2.0) == (12.0, 12.0)
    assert "lambda_line" in tad.source(cube) and "<lambda>" not in tad.source(cube)


def test_closure_cells_are_read_and_followed():
    def make():
        k = 2.0
        f = lambda x: k * x * x  # noqa: E731

        def set_k(value):
            nonlocal k
            k = value
        return f, set_k

    f, set_k = make()
    gradient = tad.grad(f)
    assert gradient(3.0) == 12.0
    set_k(5.0)
    assert gradient(3.0) == 30.0
    assert tad.grad(f)(3.0) == 30.0
    assert tad.derivative(f, "forward")(3.0, 1.0) == (45.0, 30.0)


def test_new_code_or_defaults_given_to_a_lambda_are_followed_once_it_is_given_again():
    f = lambda x, s=3.0: s * np.sin(x)  # noqa: E731
    gradient = tad.grad(f)
    assert gradient(0.5) == 3.0 * math.cos(0.5)
    f.__defaults__ = (5.0,)
    assert tad.jvp(f, (0.5,), (1.0,))[1] == 5.0 * math.cos(0.5)
    assert gradient(0.5) == 5.0 * math.cos(0.5)
    f.__code__ = (lambda x, s=1.0: s * x * x).__code__  # noqa: E731
    assert tad.derivative(f)(0.5) == 5.0
    assert gradient(0.5) == 5.0


def test_cached_and_user_lambda_left_as_it_was():
    assert tad.derivative(SQUARES) is tad.derivative(SQUARES)
    assert SQUARES.__name__ == "<lambda>" and SQUARES.__qualname__ == "<lambda>"


def test_lambda_in_a_class_body():
    class Model:
        loss = staticmethod(lambda x: np.sum(np.cos(x)))

    np.testing.assert_allclose(tad.grad(Model.loss)(X.copy()), -np.sin(X))


# ------------------------------------------------------------------ higher order, Jacobians
def test_jacobians_hessian_and_hvp_of_a_lambda():
    x = X.copy()
    expected = np.diag(np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(tad.jacfwd(VECTOR)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(tad.jacrev(VECTOR)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(tad.hessian(CUBES)(x), np.diag(6 * x), rtol=1e-12)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(tad.hvp(CUBES)(x, v), 6 * x * v, rtol=1e-12)
    np.testing.assert_allclose(tad.hessian(lambda x: np.sum(np.sin(x)))(x), np.diag(-np.sin(x)),
                               rtol=1e-12)


# ------------------------------------------------------------------ the generated source
def test_generated_names_are_readable_and_deterministic():
    line = line_of(SQUARES)
    reverse = tad.source(SQUARES)
    assert reverse.startswith("import numpy as np")
    assert f"def lambda_line{line}_grad(x, y_bar=1.0):" in reverse
    assert f"Reverse mode (adjoints) of lambda_line{line} (test_lambdas.py, line {line})" in reverse
    assert f"def lambda_line{line}_jvp(x, x_dot=1.0):" in tad.source(SQUARES, "forward")
    assert tad.source(SQUARES, optimize=False) == tad.source(SQUARES, optimize=False)
    assert "<lambda>" not in reverse
    # the printed source runs as printed
    namespace = {}
    exec(compile(reverse, "printed", "exec"), namespace)
    np.testing.assert_allclose(namespace[f"lambda_line{line}_grad"](X.copy()), squares_gradient(X))


def test_stages_of_a_lambda():
    steps = tad.stages(SQUARES, mode="reverse", wrt="x")
    assert "lambda x: np.sum(x ** 2) + np.sin(x[0])" in steps["source"]     # as written
    assert steps["normalized"] == (f"def lambda_line{line_of(SQUARES)}(x):\n"
                                   "    y = np.sum(x ** 2) + np.sin(x[0])\n    return y\n")


# ------------------------------------------------------------------ refusals
def test_a_lambda_without_source_is_refused():
    namespace = {"np": np}
    exec("f = lambda x: np.sum(x ** 2)", namespace)
    for call in (lambda: tad.grad(namespace["f"])(X.copy()),
                 lambda: tad.jvp(namespace["f"], (X.copy(),), (X.copy(),)),
                 lambda: tad.source(eval("lambda x: x * x"))):     # noqa: S307
        with pytest.raises(tad.TransformError) as info:
            call()
        assert info.value.construct == "lambda"
        assert "cannot be read" in str(info.value) and "def" in str(info.value)
        assert info.value.filename == "<string>"


def test_a_lambda_whose_file_changed_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "edited_lambda_module.py"
    path.write_text("f = lambda x: x * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    import edited_lambda_module as module
    try:
        path.write_text("f = lambda x: x * x * x\n")
        with pytest.raises(tad.TransformError, match="is not the code that runs"):
            tad.grad(module.f)(2.0)
    finally:
        import sys
        sys.modules.pop("edited_lambda_module", None)


def test_lambda_called_at_once_inside_a_lambda_is_inlined():
    assert tad.grad(lambda x: (lambda v: v * v)(x))(2.0) == 4.0
    assert "x * x" in tad.source(lambda x: (lambda v: v * v)(x))


def test_lambda_passed_as_a_value_inside_the_differentiated_code_stays_refused():
    with pytest.raises(tad.TransformError) as info:
        tad.grad(lambda x: np.sum(np.apply_along_axis(lambda v: v * v, 0, x)))(X.copy())
    assert info.value.construct == "lambda"


def test_a_lambda_called_as_a_helper_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "lambda_helper_module.py"
    path.write_text(textwrap.dedent("""
        square = lambda v: v * v

        def f(x):
            return square(x) + x
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    import lambda_helper_module as module
    try:
        for mode in ("reverse", "forward"):
            with pytest.raises(tad.TransformError) as info:
                tad.derivative(module.f, mode)(2.0)
            assert info.value.construct == "lambda" and "def" in str(info.value)
    finally:
        import sys
        sys.modules.pop("lambda_helper_module", None)


def test_keyword_only_parameter_of_a_lambda_is_an_ordinary_one():
    """Refused until keyword-only parameters were supported (tests/test_functions_as_held.py)."""
    assert tad.grad(KEYWORD_ONLY)(1.5) == 1.0
    assert tad.grad(KEYWORD_ONLY)(1.5, s=3.0) == 3.0
    assert tad.grad(KEYWORD_ONLY, wrt="s")(1.5, s=3.0) == 1.5
    assert tad.jvp(KEYWORD_ONLY, (1.5,), (1.0,)) == (1.5, 1.0)
