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
