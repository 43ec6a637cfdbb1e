"""compile=True and the globals Numba freezes: a writeable array is refused, a read-only one
is compiled in, and either way the compiled gradient is never one computed from old values.

Numba compiles a global NumPy array into the machine code as a constant at the first call;
the plain derivative reads it at every call. So an array someone may still change in place
(`A[:] = 10.0`) is refused by name, at the line that reads it, wherever the compiled code
would read it: as a global, in a tuple, as an attribute of a module, in a closure, or in a
function the derivative calls as it is.
"""
import sys
import textwrap
import types

import numpy as np
import pytest

import tangent_ad as tad

pytest.importorskip("numba")    # the test extra installs it: these tests always run


def load(tmp_path, name, text):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop(name, None)
        return __import__(name)
    finally:
        sys.path.remove(str(tmp_path))


X = np.array([0.1, -0.4, 0.7])


def refusal(function):
    with pytest.raises(tad.CompileError) as caught:
        tad.grad(function, compile=True)(X)
    return str(caught.value)


def test_a_writeable_global_array_is_refused_at_the_line_that_reads_it(tmp_path):
    module = load(tmp_path, "frozen_global", '''
        import numpy as np

        A = np.array([1.0, 2.0, 3.0])

        def f(x):
            y = np.sin(x)
            return np.sum(A * y)
    ''')
    message = refusal(module.f)
    assert "frozen_global.py:8" in message and "`A`" in message and "setflags(write=False)" in message
    np.testing.assert_allclose(tad.grad(module.f)(X), module.A * np.cos(X))     # the plain one works


def test_a_read_only_global_array_is_compiled_in_and_gives_the_plain_gradient(tmp_path):
    module = load(tmp_path, "readonly_global", '''
        import numpy as np

        A = np.array([1.0, 2.0, 3.0])
        A.setflags(write=False)

        def f(x):
            return np.sum(A * np.sin(x))
    ''')
    np.testing.assert_allclose(tad.grad(module.f, compile=True)(X), module.A * np.cos(X), rtol=1e-14)


@pytest.mark.parametrize("where, text", [
    ("T[1]", '''
        import numpy as np

        T = (2.0, np.array([1.0, 2.0, 3.0]))

        def f(x):
            return np.sum(T[1] * np.sin(x)) * T[0]
    '''),
    ("settings_of_f.A", '''
        import numpy as np
        import settings_of_f

        def f(x):
            return np.sum(settings_of_f.A * np.sin(x))
    '''),
    ("weights", '''
        import numpy as np

        weights = np.array([1.0, 2.0, 3.0])

        def scale(n):
            return weights[n] * 2.0

        def f(x):
            return np.sum(np.sin(x)) * scale(1)
    '''),
])
def test_a_writeable_array_read_in_a_tuple_a_module_or_a_called_function_is_refused(tmp_path, where, text):
    (tmp_path / "settings_of_f.py").write_text("import numpy as np\nA = np.array([1.0, 2.0, 3.0])\n")
    module = load(tmp_path, f"frozen_{abs(hash(where))}", text)
    message = refusal(module.f)
    assert f"`{where}`" in message
    plain = tad.grad(module.f)(X)
    assert np.all(np.isfinite(plain))


def test_an_array_in_a_closure_is_refused(tmp_path):
    module = load(tmp_path, "frozen_closure", '''
        import numpy as np

        def make():
            A = np.array([1.0, 2.0, 3.0])

            def f(x):
                return np.sum(A * np.sin(x))
            return f, A
    ''')
    f, A = module.make()
    message = refusal(f)
    assert "`A`" in message


def test_the_compiled_gradient_never_uses_old_elements(tmp_path):
    """The whole point: after A changes in place, the gradient is the new one, or refused."""
    module = load(tmp_path, "changing_global", '''
        import numpy as np

        A = np.array([1.0, 2.0, 3.0])

        def f(x):
            return np.sum(A * np.sin(x))
    ''')
    module.A.setflags(write=False)
    g = tad.grad(module.f, compile=True)
    np.testing.assert_allclose(g(X), [1.0, 2.0, 3.0] * np.cos(X), rtol=1e-14)
    module.A = np.array([10.0, 10.0, 10.0])           # a new (writeable) array: rebuilt, then refused
    with pytest.raises(tad.CompileError):
        g(X)
    module.A = np.full(3, 5.0)
    module.A.setflags(write=False)                     # a new read-only array: compiled with it
    np.testing.assert_allclose(g(X), 5.0 * np.cos(X), rtol=1e-14)


def test_modules_are_stand_ins_only_for_the_users_own():
    from tangent_ad.compiled import disk_cache
    assert disk_cache.is_library(np) and disk_cache.is_library(types.ModuleType("numpy.linalg"))
    assert not disk_cache.is_library(types.ModuleType("settings"))


REBOUND = {
    "a module's attribute": ('''
        import numpy as np
        import knobs_{n}

        def f(x):
            return knobs_{n}.K * np.sum(np.sin(x))
    ''', lambda module, value: setattr(sys.modules[f"knobs_{module.n}"], "K", value)),
    "a global of a function called as it is": ('''
        import numpy as np

        K = 2.0

        def scale(n):
            return n * K

        def f(x):
            return np.sum(np.sin(x)) * scale(1.0)
    ''', lambda module, value: setattr(module, "K", value)),
    "a closure cell of a function called as it is": ('''
        import numpy as np

        def make(k):
            def scale(n):
                return n * k

            def set_k(value):
                nonlocal k
                k = value
            return scale, set_k

        scale, set_k = make(2.0)

        def f(x):
            return np.sum(np.sin(x)) * scale(1.0)
    ''', lambda module, value: module.set_k(value)),
    "a global of a helper's derivative in another module": ('''
        import numpy as np
        from helper_{n} import bent

        def f(x):
            return bent(x)
    ''', lambda module, value: setattr(sys.modules[f"knobs_{module.n}"], "K", value)),
}


@pytest.mark.parametrize("case", sorted(REBOUND))
def test_a_value_numba_compiled_in_and_then_rebound_is_seen(tmp_path, case):
    """Numba froze K; the plain derivative reads it live. Rebinding it makes the compiled
    variant again, through tad.grad (arrays and floats), value_and_grad and derivative."""
    text, rebind = REBOUND[case]
    n = abs(hash(case)) % 10 ** 6
    (tmp_path / f"knobs_{n}.py").write_text("K = 2.0\n")
    (tmp_path / f"helper_{n}.py").write_text(
        f"import numpy as np\nimport knobs_{n}\n\ndef bent(x):\n    return knobs_{n}.K * np.sum(np.sin(x))\n")
    module = load(tmp_path, f"rebound_{n}", text.format(n=n))
    module.n = n
    sys.path.insert(0, str(tmp_path))
    try:
        grad = tad.grad(module.f, compile=True)
        both = tad.value_and_grad(module.f, compile=True)
        np.testing.assert_allclose(grad(X), 2.0 * np.cos(X), rtol=1e-14)
        assert grad(0.3) == pytest.approx(2.0 * np.cos(0.3), rel=1e-14)
        for K in (7.0, -1.5):
            rebind(module, K)
            np.testing.assert_allclose(grad(X), K * np.cos(X), rtol=1e-14)
            assert grad(0.3) == pytest.approx(K * np.cos(0.3), rel=1e-14)
            np.testing.assert_allclose(both(X)[1], K * np.cos(X), rtol=1e-14)
            np.testing.assert_allclose(tad.derivative(module.f, compile=True)(X), K * np.cos(X), rtol=1e-14)
            np.testing.assert_allclose(tad.grad(module.f)(X), K * np.cos(X), rtol=1e-14)
    finally:
        sys.path.remove(str(tmp_path))
