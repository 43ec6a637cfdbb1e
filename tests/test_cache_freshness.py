"""A cached derivative is never stale, never keeps its function alive, and long code transforms fast.

Each staleness test changes one thing a derivative was built from (tangent_ad/freshness.py
lists them) after the derivative was made and used, and checks that the next gradient is
the gradient of the code that now runs. Modules are written to a temporary directory and
imported, so that they can be edited, reloaded and redefined like a user's own.
"""
import gc
import importlib
import os
import sys
import textwrap
import types
import uuid
import weakref

import numpy as np
import pytest

import tangent_ad as tad


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """``modules.write(text)`` writes a module and imports it; ``modules.edit(module, text)``
    rewrites its file as an editor would (the module keeps running the old code)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)      # a reload reads the file, not a .pyc
    made = []

    class Modules:
        def write(self, text):
            name = f"freshness_{uuid.uuid4().hex[:12]}"
            (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
            importlib.invalidate_caches()
            made.append(name)
            return importlib.import_module(name)

        def edit(self, module, text):
            path = module.__file__
            stamp = os.stat(path).st_mtime + 2       # a later time, whatever the clock's resolution
            with open(path, "w") as file:
                file.write(textwrap.dedent(text))
            os.utime(path, (stamp, stamp))

    yield Modules()
    for name in made:
        sys.modules.pop(name, None)


# ------------------------------------------------------------------ helpers of other modules
def test_a_helper_of_another_module_redefined(modules):
    helpers = modules.write("""
        def bend(x):
            return x * x
    """)
    other = modules.write("""
        def bend(x):
            return x * x * x
    """)
    main = modules.write(f"""
        import {helpers.__name__} as helpers

        def f(x):
            return helpers.bend(x) + x
    """)
    assert tad.grad(main.f)(2.0) == 5.0
    helpers.bend = other.bend
    assert tad.grad(main.f)(2.0) == 13.0
    _, tangent = tad.jvp(main.f, (2.0,), (1.0,))
    assert tangent == 13.0


def test_a_global_of_the_helpers_module_changed(modules):
    helpers = modules.write("""
        import numpy as np

        K = 2.0
        act = np.sin

        def bend(x):
            return K * act(x)
    """)
    main = modules.write(f"""
        from {helpers.__name__} import bend

        def f(x):
            return bend(x) * 1.0
    """)
    assert tad.grad(main.f)(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    helpers.K = 3.0
    assert tad.grad(main.f)(0.5) == pytest.approx(3.0 * np.cos(0.5), rel=1e-15)
    helpers.act = np.cos
    assert tad.grad(main.f)(0.5) == pytest.approx(-3.0 * np.sin(0.5), rel=1e-15)
    _, tangent = tad.jvp(main.f, (0.5,), (1.0,))
    assert tangent == pytest.approx(-3.0 * np.sin(0.5), rel=1e-15)


def test_reload_of_the_helpers_module(modules):
    helpers = modules.write("""
        def bend(x):
            return x * x
    """)
    main = modules.write(f"""
        import {helpers.__name__} as helpers

        def f(x):
            return helpers.bend(x) * 2.0
    """)
    g = tad.grad(main.f)
    assert g(3.0) == 12.0
    modules.edit(helpers, """
        def bend(x):
            return x * x * x
    """)
    importlib.reload(helpers)
    assert g(3.0) == 54.0
    assert tad.grad(main.f)(3.0) == 54.0
    assert tad.value_and_grad(main.f)(3.0) == (54.0, 54.0)


def test_reload_of_the_function_s_own_module(modules):
    main = modules.write("""
        SCALE = 2.0

        def f(x):
            return SCALE * x * x
    """)
    old = main.f
    assert tad.grad(old)(3.0) == 12.0
    modules.edit(main, """
        SCALE = 2.0

        def f(x):
            return SCALE * x * x * x
    """)
    importlib.reload(main)
    assert tad.grad(main.f)(3.0) == 54.0
    # the old function still runs its old code, but the reload rebound the SCALE it reads:
    # its derivative must be built again, and the file no longer has its source
    assert old(3.0) == 18.0
    with pytest.raises(tad.TransformError, match="not the code that runs"):
        tad.grad(old)(3.0)


# ------------------------------------------------------------------ attributes and closures
def test_a_class_attribute_the_function_calls_rebound():
    class cfg:              # a class as a namespace of settings
        act = np.sin

    def f(x):
        return cfg.act(x) * 2.0

    assert tad.grad(f)(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    cfg.act = np.cos
    assert tad.grad(f)(0.5) == pytest.approx(-2.0 * np.sin(0.5), rel=1e-15)
    _, tangent = tad.jvp(f, (0.5,), (1.0,))
    assert tangent == pytest.approx(-2.0 * np.sin(0.5), rel=1e-15)


def test_a_module_attribute_the_function_calls_rebound(modules):
    cfg = modules.write("""
        import numpy as np

        act = np.sin
    """)
    main = modules.write(f"""
        import {cfg.__name__} as cfg

        def f(x):
            return cfg.act(x) * 2.0
    """)
    g = tad.grad(main.f)
    assert g(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    cfg.act = np.tanh
    assert g(0.5) == pytest.approx(2.0 / np.cosh(0.5) ** 2, rel=1e-15)


def test_a_closure_variable_rebound_with_nonlocal():
    def make():
        scale, act = 2.0, np.sin

        def f(x):
            return scale * act(x)

        def change(new_scale, new_act):
            nonlocal scale, act
            scale, act = new_scale, new_act

        return f, change

    f, change = make()
    g = tad.grad(f)
    assert g(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    change(3.0, np.sin)
    assert g(0.5) == pytest.approx(3.0 * np.cos(0.5), rel=1e-15)
    assert tad.grad(f)(0.5) == pytest.approx(3.0 * np.cos(0.5), rel=1e-15)
    change(3.0, np.cos)
    assert tad.grad(f)(0.5) == pytest.approx(-3.0 * np.sin(0.5), rel=1e-15)
    _, tangent = tad.jvp(f, (0.5,), (1.0,))
    assert tangent == pytest.approx(-3.0 * np.sin(0.5), rel=1e-15)


# ------------------------------------------------------------------ code and defaults
def square(x):
    return x * x


def cube(x):
    return x * x * x


def test_code_swapped_as_autoreload_does():
    f = types.FunctionType(square.__code__, square.__globals__, "f")
    g = tad.grad(f)
    assert g(2.0) == 4.0
    f.__code__ = cube.__code__
    assert g(2.0) == 12.0
    assert tad.grad(f)(2.0) == 12.0
    assert tad.jvp(f, (2.0,), (1.0,)) == (8.0, 12.0)


def test_defaults_changed():
    def f(x, a=2.0):
        return a * x * x

    g = tad.grad(f)
    assert g(3.0) == 12.0
    f.__defaults__ = (5.0,)
    assert g(3.0) == 30.0
    assert g(x=3.0) == 30.0
    assert tad.grad(f)(3.0) == 30.0
    assert tad.jvp(f, (3.0,), (1.0,)) == (45.0, 30.0)


def test_defaults_of_a_helper_changed(modules):
    main = modules.write("""
        def helper(x, a=2.0):
            return a * x * x

        def f(x):
            return helper(x) + x
    """)
    assert tad.grad(main.f)(3.0) == 13.0
    main.helper.__defaults__ = (5.0,)
    assert tad.grad(main.f)(3.0) == 31.0
    assert tad.jvp(main.f, (3.0,), (1.0,)) == (48.0, 31.0)


def test_forward_mode_sees_a_helper_it_calls_under_another_name(modules):
    main = modules.write("""
        def helper(x):
            return x * x

        def f(x):
            return helper(x) * 2.0
    """)
    other = modules.write("""
        def helper(x):
            return x * x * x
    """)
    assert "helper_jvp" in tad.source(main.f, "forward")       # the helper's own name is not read
    assert tad.jvp(main.f, (2.0,), (1.0,)) == (8.0, 8.0)
    main.helper = other.helper
    assert tad.jvp(main.f, (2.0,), (1.0,)) == (16.0, 24.0)


def test_a_file_edited_on_disk_is_never_mixed_with_the_code_that_runs(modules):
    main = modules.write("""
        def f(x):
            return x * x
    """)
    assert tad.grad(main.f)(3.0) == 6.0
    modules.edit(main, """
        def f(x):
            return x * x * x
    """)
    # f still runs x * x: its cached gradient is that code's ...
    assert main.f(3.0) == 9.0 and tad.grad(main.f)(3.0) == 6.0
    # ... and a derivative not made yet cannot be built from the new text
    with pytest.raises(tad.TransformError, match="not the code that runs"):
        tad.jvp(main.f, (3.0,), (1.0,))
    importlib.reload(main)
    assert tad.grad(main.f)(3.0) == 27.0
    assert tad.jvp(main.f, (3.0,), (1.0,)) == (27.0, 27.0)


def test_a_rule_registered_after_the_derivative_was_made(modules):
    main = modules.write("""
        import numpy as np

        def soft(x):
            return np.log(1.0 + np.exp(x))

        def f(x):
            return soft(x) * 2.0
    """)
    assert tad.grad(main.f)(0.0) == pytest.approx(1.0, rel=1e-15)
    tad.custom_rule(main.soft, jvp=lambda x, x_dot: 3.0 * x_dot, vjp=lambda g, x: 3.0 * g)
    assert tad.grad(main.f)(0.0) == 6.0


def test_an_unchanged_derivative_is_reused():
    def f(x):
        return np.sin(x) * 2.0

    d = tad.derivative(f)
    assert tad.derivative(f) is d
    assert tad.grad(f).derivative is d


# ------------------------------------------------------------------ memory
def capturing(big):
    def f(x):
        return np.sum(big * x)
    return f


def test_a_gradient_does_not_keep_its_closure_alive():
    refs = []
    for _ in range(3):
        big = np.ones(1_000_000)
        f = capturing(big)
        assert tad.grad(f)(2.0) == 1_000_000.0
        assert tad.value_and_grad(f)(2.0)[1] == 1_000_000.0
        assert tad.jvp(f, (2.0,), (1.0,))[1] == 1_000_000.0
        refs.append((weakref.ref(f), weakref.ref(big)))
        del f, big
    gc.collect()
    assert all(f() is None and big() is None for f, big in refs)


def test_a_derivative_keeps_only_the_globals_it_reads(modules):
    main = modules.write("""
        import numpy as np

        big = np.ones(1_000_000)

        def f(x):
            return np.sin(x) * 2.0
    """)
    d = tad.derivative(main.f)
    g = tad.grad(main.f)
    assert g(0.0) == 2.0
    big = weakref.ref(main.big)
    del main.big
    gc.collect()
    assert big() is None
    assert d(0.0) == 2.0 and g(0.0) == 2.0


def test_derivatives_of_derivatives_still_run_with_the_globals_they_read():
    def f(x):
        return np.sin(x) * x

    assert tad.grad(tad.grad(f))(0.5) == pytest.approx(2 * np.cos(0.5) - 0.5 * np.sin(0.5), rel=1e-14)
    namespace = {}
    d = tad.derivative(f)
    exec(compile(d.source, "<fresh>", "exec"), namespace)
    assert namespace[d.__name__](0.5) == d(0.5)


# ------------------------------------------------------------------ long code
def test_six_hundred_statements_transform_and_give_the_right_gradient(modules):
    lines = ["import numpy as np", "", "def f(x):", "    a1 = np.sin(x) * 1.01"]
    for i in range(2, 601):
        lines.append(f"    a{i} = np.sin(a{i - 1}) * 1.01" if i % 2 else f"    a{i} = a{i - 1} * x + 0.5")
    lines.append("    return a600")
    f = modules.write("\n".join(lines) + "\n").f
    x = 0.3
    a, a_dot = np.sin(x) * 1.01, np.cos(x) * 1.01      # the same chain by hand, with its derivative
    for i in range(2, 601):
        if i % 2:
            a, a_dot = np.sin(a) * 1.01, np.cos(a) * a_dot * 1.01
        else:
            a, a_dot = a * x + 0.5, a_dot * x + a
    assert tad.grad(f)(x) == pytest.approx(a_dot, rel=1e-12)


# ------------------------------------------------------------------ the fast path and numbers
# A gradient function keeps one derivative per kind of call (gradient_calls.py) and takes a call
# of floats through a fast path that checks only the derivative it runs: each must still see
# every change, whichever ran last, and tad.grad(f) must not hand back a function built before.
def test_a_change_is_seen_by_the_float_and_the_array_derivatives(modules):
    main = modules.write("""
        import numpy as np

        act = np.sin

        def f(x, a):
            return np.sum(act(x * a))
    """)
    g = tad.grad(main.f, wrt=(0, 1))
    x = np.array([0.3, 0.7])
    for _ in range(2):              # the second round runs the fast path
        assert g(0.5, 2.0) == pytest.approx((2.0 * np.cos(1.0), 0.5 * np.cos(1.0)), rel=1e-15)
        np.testing.assert_allclose(g(x, 2.0)[0], 2.0 * np.cos(2.0 * x), rtol=1e-15)
    floats = g.derivative
    main.act = np.cos
    assert g(0.5, 2.0) == pytest.approx((-2.0 * np.sin(1.0), -0.5 * np.sin(1.0)), rel=1e-15)
    assert g.derivative is not floats
    np.testing.assert_allclose(g(x, 2.0)[1], np.sum(-x * np.sin(2.0 * x)), rtol=1e-15)
    assert g(0.5, 2.0) == pytest.approx((-2.0 * np.sin(1.0), -0.5 * np.sin(1.0)), rel=1e-15)
    assert tad.grad(main.f, wrt=(0, 1))(0.5, 2.0) == pytest.approx((-2.0 * np.sin(1.0), -0.5 * np.sin(1.0)))
    _, tangent = tad.jvp(main.f, (0.5, 2.0), (1.0, None))
    assert tangent == pytest.approx(-2.0 * np.sin(1.0), rel=1e-15)


def test_code_swapped_after_the_fast_path_ran():
    f = types.FunctionType(square.__code__, square.__globals__, "f")
    g = tad.grad(f)
    assert g(2.0) == 4.0 and g(2.0) == 4.0
    f.__code__ = cube.__code__
    assert g(2.0) == 12.0 and g(2.0) == 12.0
    assert "of cube" in g.derivative.source
    f.__code__ = square.__code__
    assert g(2.0) == 4.0 and tad.grad(f)(2.0) == 4.0


def test_tad_grad_of_a_changed_function_shows_its_new_derivative_without_a_call(modules):
    main = modules.write("""
        import numpy as np

        act = np.sin

        def f(x):
            return act(x) * 2.0
    """)
    assert tad.grad(main.f)(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    assert tad.grad(main.f)(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    main.act = np.tanh
    g = tad.grad(main.f)            # found again only while it is current
    assert "np.cos" not in g.derivative.source and "(1 - t1 ** 2)" in g.derivative.source
    assert g(0.5) == pytest.approx(2.0 / np.cosh(0.5) ** 2, rel=1e-15)


def test_defaults_changed_between_fast_and_general_calls():
    def f(x, a=2.0):
        return a * x * x

    g = tad.grad(f)
    assert g(3.0, 2.0) == 12.0 and g(3.0, 2.0) == 12.0      # every argument: the fast path
    assert g(3.0) == 12.0                                    # a default: the general path
    f.__defaults__ = (5.0,)
    assert g(3.0) == 30.0 and g(3.0, 2.0) == 12.0 and g(3.0) == 30.0
