"""Which array libraries the test matrix runs on here, said out loud."""
import pytest

from conftest import ARRAY_LIBS


def test_numpy_and_the_strict_stand_in_always_run():
    names = [lib.name for lib in ARRAY_LIBS]
    assert names[:2] == ["numpy", "strict"]


def test_dask_runs_when_installed():
    try:
        import dask.array  # noqa: F401 - only whether it imports
    except ImportError:
        pytest.skip("the optional dask extra is not installed: the Dask column of the matrix did not run")
    assert "dask" in [lib.name for lib in ARRAY_LIBS]


def test_cupy_runs_when_a_gpu_is_present():
    try:
        import cupy
        cupy.zeros(1).sum()
    except Exception as exc:  # noqa: BLE001 - any reason CuPy cannot run here
        pytest.skip(f"no usable CuPy with a GPU here ({type(exc).__name__}): the CuPy column of the "
                    "matrix did not run; scripts/gpu_check.sh runs it on a GPU machine")
    assert "cupy" in [lib.name for lib in ARRAY_LIBS]
