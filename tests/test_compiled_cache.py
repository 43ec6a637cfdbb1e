"""compile=True keeps compiled derivatives on disk: the next run loads them, and nothing stale.

Each check runs a fresh Python process, as a user's next run is: the first compiles and
writes, the second loads (Numba's own counters say which), and a changed global, a changed
helper in another module or a global with no fingerprint gives freshly compiled code with
the right numbers.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")    # the test extra installs it: these tests always run

from tangent_ad.compiled import disk_cache  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# the processes run as a user's do: Numba at its own optimisation level (conftest.py lowers it for
# the suite's speed, and Numba does not load code kept at level 0)
USERS_ENVIRONMENT = {key: value for key, value in os.environ.items() if key != "NUMBA_OPT"}

MODEL = '''
import numpy as np
from helpers import bend

K = {K}

def f(x):
    s = 0.0
    i = 0
    while i < 3:
        s = s + K * np.sum(np.sin(x) * x) + bend(x)
        i = i + 1
    return s
'''

HELPERS = '''
import numpy as np

C = {C}

def bend(x):
    return C * np.sum(x * x)
'''

RUN = '''
import json, sys
import numpy as np
import tangent_ad as tad
import model
x = np.linspace(0.1, 1.0, 5)
d = tad.derivative(model.f, compile=True)
gradient = d(x)
stats = d.stats
print(json.dumps({"gradient": list(map(float, gradient)),
                  "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
'''


def expected(K, C):
    x = np.linspace(0.1, 1.0, 5)
    return 3 * (K * (np.cos(x) * x + np.sin(x)) + 2 * C * x)


def write(folder, K=2.0, C=0.5):
    (folder / "model.py").write_text(MODEL.format(K=K))
    (folder / "helpers.py").write_text(HELPERS.format(C=C))


def run(folder, cache, **environment):
    """One fresh process computing the compiled gradient: its numbers and Numba's cache counters."""
    (folder / "run.py").write_text(RUN)
    env = {**USERS_ENVIRONMENT, "TANGENT_AD_CACHE": "1", "TANGENT_AD_CACHE_DIR": str(cache), "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
           **environment}
    done = subprocess.run([sys.executable, "run.py"], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def kept_files(cache):
    return sorted(p.name for p in (cache / "compiled").glob(f"{disk_cache.FILE_PREFIX}*.py"))


def test_the_next_run_loads_the_compiled_derivative_and_a_changed_global_compiles_afresh(tmp_path):
    cache = tmp_path / "cache"
    write(tmp_path, K=2.0)
    first = run(tmp_path, cache)
    assert first["misses"] == 1 and first["hits"] == 0
    np.testing.assert_allclose(first["gradient"], expected(2.0, 0.5), rtol=1e-12)
    files = kept_files(cache)
    assert len(files) == 2          # f's derivative, and the helper's (its module's own file)

    second = run(tmp_path, cache)
    assert second["hits"] == 1 and second["misses"] == 0
    assert second["gradient"] == first["gradient"]

    write(tmp_path, K=3.0)          # Numba froze K = 2.0 into the kept code: it must not be loaded
    third = run(tmp_path, cache)
    assert third["misses"] == 1 and third["hits"] == 0
    np.testing.assert_allclose(third["gradient"], expected(3.0, 0.5), rtol=1e-12)
    assert len(kept_files(cache)) == 3      # a new file for f's derivative; the helper's is the same

    write(tmp_path, K=2.0)          # back to the first value: the first file's code is right again
    np.testing.assert_allclose(run(tmp_path, cache)["gradient"], expected(2.0, 0.5), rtol=1e-12)


def test_a_changed_global_of_a_helper_in_another_module_compiles_the_caller_afresh(tmp_path):
    cache = tmp_path / "cache"
    write(tmp_path, C=0.5)
    run(tmp_path, cache)
    write(tmp_path, C=-4.0)
    changed = run(tmp_path, cache)
    assert changed["misses"] == 1 and changed["hits"] == 0
    np.testing.assert_allclose(changed["gradient"], expected(2.0, -4.0), rtol=1e-12)


def test_with_the_cache_off_nothing_is_written_and_every_run_compiles(tmp_path):
    cache = tmp_path / "cache"
    write(tmp_path)
    for _ in range(2):
        result = run(tmp_path, cache, TANGENT_AD_CACHE="0")
        assert result["misses"] == 1 and result["hits"] == 0      # Numba counts a compile as a miss
        np.testing.assert_allclose(result["gradient"], expected(2.0, 0.5), rtol=1e-12)
    assert not cache.exists()


def test_an_unwritable_cache_folder_still_compiles(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    write(tmp_path)
    result = run(tmp_path, blocker / "cache")
    np.testing.assert_allclose(result["gradient"], expected(2.0, 0.5), rtol=1e-12)


SCALED = '''
import numpy as np

N = {N}

def scale(n):
    return 1.0 / (n * N)

def f(x):
    return np.sum(np.sin(x)) * scale(3)
'''


def test_a_function_called_as_it_is_is_fingerprinted_with_the_globals_it_reads(tmp_path):
    cache = tmp_path / "cache"
    x = np.linspace(0.1, 1.0, 5)
    for N, hits in ((1, 0), (1, 1), (2, 0)):      # `scale` is compiled as it is, and reads N
        (tmp_path / "model.py").write_text(SCALED.format(N=N))
        result = run(tmp_path, cache)
        assert result["hits"] == hits
        np.testing.assert_allclose(result["gradient"], np.cos(x) / (3 * N), rtol=1e-12)


def test_a_global_without_a_fingerprint_is_compiled_without_the_cache(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "model.py").write_text("import numba\n" + SCALED.format(N=1).replace(
        "def scale", "@numba.njit\ndef scale"))
    x = np.linspace(0.1, 1.0, 5)
    for _ in range(2):      # `scale` was compiled by the user: no fingerprint, so no disk cache
        result = run(tmp_path, cache)
        assert result["hits"] == 0
        np.testing.assert_allclose(result["gradient"], np.cos(x) / 3, rtol=1e-12)
    assert not (cache / "compiled").exists() or kept_files(cache) == []


def test_value_fingerprints_see_what_compiled_code_sees():
    fp = disk_cache.value_fingerprint
    a = np.arange(4.0)
    assert fp(a) == fp(a.copy()) and fp(a) != fp(a + 1) and fp(a) != fp(a.astype(np.float32))
    assert fp((1, 2.0)) == fp((1, 2.0)) != fp((1, 2.5))
    assert fp(1) != fp(1.0) != fp(True)
    assert fp(np.sin) == "numpy:sin" and fp(np.float64(2.0)) != fp(2.0)
    assert fp([1.0]) is None and fp((1.0, object())) is None
    assert fp(lambda t: t * 2.0) == fp(lambda t: t * 2.0) != fp(lambda t: t * 3.0)
    text = "def f(x):\n    return K * x\n"
    assert disk_cache.fingerprint(text, {"K": 2.0}, {}) != disk_cache.fingerprint(text, {"K": 3.0}, {})
    assert disk_cache.fingerprint(text, {"K": object()}, {}) is None
    assert disk_cache.fingerprint(text, {"g": None}, {"g": None}) is None      # a callee without one
    assert disk_cache.fingerprint(text, {"g": None}, {"g": "ab"}) != disk_cache.fingerprint(
        text, {"g": None}, {"g": "cd"})


def test_the_command_line_clears_the_cache(tmp_path):
    cache = tmp_path / "cache"
    (cache / "compiled").mkdir(parents=True)
    (cache / "compiled" / "x.py").write_text("")
    env = {**USERS_ENVIRONMENT, "TANGENT_AD_CACHE": "1", "TANGENT_AD_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tangent_ad", "--clear-cache"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and str(cache) in done.stdout
    assert not cache.exists()


def test_a_value_read_from_a_module_of_the_users_is_fingerprinted(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "model.py").write_text(textwrap.dedent('''
        import numpy as np
        import settings

        def f(x):
            return settings.K * np.sum(np.sin(x))
    '''))
    x = np.linspace(0.1, 1.0, 5)
    for K, hits in ((2.0, 0), (2.0, 1), (5.0, 0)):     # Numba freezes settings.K into the code
        (tmp_path / "settings.py").write_text(f"K = {K}\n")
        result = run(tmp_path, cache)
        assert result["hits"] == hits
        np.testing.assert_allclose(result["gradient"], K * np.cos(x), rtol=1e-12)


def test_a_helper_called_through_its_module_compiles_and_is_fingerprinted(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "model.py").write_text(MODEL.format(K=2.0).replace(
        "from helpers import bend", "import helpers").replace("+ bend(x)", "+ helpers.bend(x)"))
    for C, hits in ((0.5, 0), (0.5, 1), (-4.0, 0)):
        (tmp_path / "helpers.py").write_text(HELPERS.format(C=C))
        result = run(tmp_path, cache)
        assert result["hits"] == hits
        np.testing.assert_allclose(result["gradient"], expected(2.0, C), rtol=1e-12)


DYNAMIC = '''
import importlib.util, json, sys
import numpy as np
import tangent_ad as tad
spec = importlib.util.spec_from_file_location("loaded_by_path", "model.py")
module = importlib.util.module_from_spec(spec)
if {register}:
    sys.modules["loaded_by_path"] = module
spec.loader.exec_module(module)
d = tad.derivative(module.f, compile=True)
if {unregister}:
    del sys.modules["loaded_by_path"]     # Numba can no longer import the kept code's module
x = np.linspace(0.1, 1.0, 5)
gradient = d(x)
print(json.dumps({{"gradient": list(map(float, gradient)), "hits": sum(d.stats.cache_hits.values())}}))
'''


@pytest.mark.parametrize("register, unregister", [(False, False), (True, True)])
def test_code_of_a_module_numba_cannot_import_is_compiled_afresh(tmp_path, register, unregister):
    """Numba reloads kept code by importing its module by name: a module loaded from a path
    (not in sys.modules) is not kept, and kept code whose module is gone is compiled again."""
    cache = tmp_path / "cache"
    (tmp_path / "model.py").write_text(textwrap.dedent('''
        import numpy as np

        def f(x):
            s = 0.0
            for i in range(3):
                s = s + np.sum(np.sin(x) * x)
            return s
    '''))
    x = np.linspace(0.1, 1.0, 5)
    first = True
    for script in (DYNAMIC.format(register=True, unregister=False),      # kept, module importable
                   DYNAMIC.format(register=register, unregister=unregister)):
        (tmp_path / "dynamic.py").write_text(script)
        env = {**USERS_ENVIRONMENT, "TANGENT_AD_CACHE": "1", "TANGENT_AD_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "dynamic.py"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        np.testing.assert_allclose(result["gradient"], 3 * (np.cos(x) * x + np.sin(x)), rtol=1e-12)
        if not first:
            assert result["hits"] == 0
        first = False
