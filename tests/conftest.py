"""Shared fixtures for the tangent_ad test suite.

`xp` runs a test once per array library.  Each library is an `ArrayLib` with
`to_array` (NumPy ndarray -> that library's array) and `from_array` (that library's
array -> NumPy ndarray; raises `TypeError` when handed anything else, so a result
that fell back to NumPy, or to a Python number, is caught).  CuPy joins the list only
when it imports and a GPU is present; otherwise it is simply not in the list.

`checker` bundles the gradient checks every differentiable function in the suite goes
through (see `GradChecker.check`).
"""
import atexit
import inspect
import os
import shutil
import sys
import tempfile
from typing import Callable, NamedTuple

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from strict_array import strict, unwrap  # noqa: E402

# compile=True compiles with Numba, whose LLVM optimisation is most of each compile's seconds.
# The tests check what compiled code computes, not how fast it runs, and LLVM's optimisations do
# not change results (no fast-math), so the suite compiles at level 0 and stays well under its
# time limit (benchmarks/ measures the code users get, at Numba's default level).
os.environ.setdefault("NUMBA_OPT", "0")

# compile=True keeps compiled derivatives on disk. The suite neither reads nor fills the user's
# cache: it keeps nothing (writing each compiled function out costs time the suite must not
# spend), except in tests/test_compiled_cache.py, whose fresh processes use folders of their own.
os.environ.setdefault("TANGENT_AD_CACHE", "0")
if "TANGENT_AD_CACHE_DIR" not in os.environ:
    os.environ["TANGENT_AD_CACHE_DIR"] = tempfile.mkdtemp(prefix="tangent_ad-test-cache-")
    atexit.register(shutil.rmtree, os.environ["TANGENT_AD_CACHE_DIR"], True)


class ArrayLib(NamedTuple):
    name: str
    to_array: Callable
    from_array: Callable


def _numpy_from(x):
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.generic):  # NumPy's own reductions give NumPy scalars
        return np.asarray(x)
    raise TypeError(f"expected a numpy.ndarray, got {type(x).__module__}.{type(x).__name__}: {x!r}")


def _numpy_to(x):
    return np.array(x, copy=True)


def _cupy_lib():
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        cupy.zeros(1).sum()  # the device really works
    except Exception:  # noqa: BLE001 - no CuPy, no driver or no GPU: not in the list
        return None

    def from_cupy(x):
        if not isinstance(x, cupy.ndarray):
            raise TypeError(f"expected a cupy.ndarray, got {type(x).__module__}.{type(x).__name__}: {x!r}")
        return cupy.asnumpy(x)

    return ArrayLib("cupy", cupy.asarray, from_cupy)


def _dask_lib():
    try:
        import dask
        import dask.array as da
    except ImportError:  # the optional dask extra is not installed: not in the list
        return None
    dask.config.set(scheduler="synchronous")   # the tests' arrays are small: no thread pool

    def to_dask(x):
        x = np.asarray(x)
        # a vector of even length in two chunks, so chunked code paths run; other arrays in
        # one chunk, since dask reshapes only arrays whose chunks split the new axes evenly
        # (tests/test_dask.py differentiates through arrays of many chunks)
        chunks = (x.shape[0] // 2,) if x.ndim == 1 and x.shape[0] % 2 == 0 else x.shape
        return da.from_array(x, chunks=chunks or ())

    def from_dask(x):
        if not isinstance(x, da.Array):
            raise TypeError(f"expected a dask.array.Array, got {type(x).__module__}.{type(x).__name__}: {x!r}")
        return np.asarray(x.compute())

    return ArrayLib("dask", to_dask, from_dask)


ARRAY_LIBS = [
    ArrayLib("numpy", _numpy_to, _numpy_from),
    ArrayLib("strict", strict, unwrap),
]
_DASK = _dask_lib()
if _DASK is not None:
    ARRAY_LIBS.append(_DASK)
_CUPY = _cupy_lib()
if _CUPY is not None:
    ARRAY_LIBS.append(_CUPY)


@pytest.fixture(params=ARRAY_LIBS, ids=[lib.name for lib in ARRAY_LIBS])
def xp(request):
    """The array library a test runs on: numpy, strict (the stand-in), cupy (GPU only)."""
    return request.param


@pytest.fixture
def checker(xp):
    return GradChecker(xp)


# ---------------------------------------------------------------------------
# Reference derivatives: central differences on float64 NumPy copies
# ---------------------------------------------------------------------------
# Five-point central difference: f'(x) ~ (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h,
# truncation error O(h^4).  With h = 1e-3 that is ~1e-13 and rounding ~1e-13 |f|,
# far below the 1e-6 tolerance the AD results are held to.
FD_STEP = 1e-3


def central_difference(phi, h=FD_STEP):
    """Derivative at 0 of phi: float -> ndarray (or float), by a 5-point central difference."""
    p1, m1 = np.asarray(phi(h), float), np.asarray(phi(-h), float)
    p2, m2 = np.asarray(phi(2 * h), float), np.asarray(phi(-2 * h), float)
    return (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * h)


def numeric_grad(f, args, i, kwargs=None):
    """Gradient of scalar f w.r.t. args[i] (float or float64 ndarray), by central differences."""
    kwargs = kwargs or {}
    a = args[i]

    def at(value):
        new = list(args)
        new[i] = value
        return float(f(*new, **kwargs))

    if isinstance(a, float):
        step = FD_STEP * max(1.0, abs(a))
        return float(central_difference(lambda t: at(a + t), step))
    grad = np.zeros(a.shape)
    for idx in np.ndindex(*a.shape):
        e = np.zeros(a.shape)
        e[idx] = 1.0
        step = FD_STEP * max(1.0, abs(float(a[idx])))
        grad[idx] = central_difference(lambda t: at(a + t * e), step)
    return grad


def numeric_jvp(f, args, tangents):
    """d/dt f(args + t * tangents) at t = 0 (tangent None: argument held fixed)."""
    def phi(t):
        moved = [a if v is None else a + t * v for a, v in zip(args, tangents)]
        return np.asarray(f(*moved), float)
    return central_difference(phi)


def unbroadcast(g, shape):
    """Sum g down to `shape` (the adjoint of broadcasting), for closed-form references."""
    g = np.asarray(g, float)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g.reshape(shape)


def assert_close(actual, expected, rtol, what):
    """|actual - expected| <= rtol * (|expected| + 1e-3 * max(1, max|expected|)), elementwise."""
    actual = np.asarray(actual, float)
    expected = np.asarray(expected, float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != expected {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * 1e-3 * scale, err_msg=what)


# ---------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------
def is_differentiable(a):
    return (type(a) is float) or (isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating))


def wrt_indices(f, wrt):
    names = list(inspect.signature(f).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return tuple(names.index(w) if isinstance(w, str) else w for w in items)


TOLERANCES = {
    # AD vs central differences, AD vs closed form, forward vs reverse, other library vs NumPy
    "float64": dict(fd=1e-6, exact=1e-10, dot=1e-10, lib=1e-12),
    # float32 results against the float64 reference: float32 itself carries ~1e-7 per op
    "float32": dict(fd=1e-4, exact=1e-4, dot=1e-4, lib=1e-5),
}


class GradChecker:
    """Checks tad's derivatives of `f` on one array library.

    For `f(*args)` with NumPy/Python arguments it converts the ndarray arguments to the
    library, then checks, for the differentiable arguments selected by `wrt`:

    * reverse mode: `tad.grad` (scalar output) or `tad.vjp` and the reverse
      `tad.derivative` with an `out_bar` seed (array output) against central
      differences of `f` (of `<u, f>` for a random `u`), and against `exact` if given;
    * `tad.value_and_grad`: the value is `f(*args)`, the gradient is `tad.grad`'s;
    * forward mode: `tad.jvp` with random tangents against the central-difference
      directional derivative (and `<exact, v>` for scalar `f`);
    * the dot-product identity `<J v, u> == <v, J^T u>` between `tad.jvp` and `tad.vjp`;
    * types: every gradient/cotangent of an array is an array of the same library,
      shape and dtype; of a Python float a Python float; of an int (or flag, or
      shape) `None` from `vjp`;
    * on a library other than NumPy, all of the above equal NumPy's results.

    `exact(u, *args)` returns the closed-form vector-Jacobian product (one entry per
    `wrt` argument) for the cotangent `u` (1.0 for a scalar output), in float64.
    """

    def __init__(self, lib):
        self.lib = lib

    # -- conversions ---------------------------------------------------------
    def to_lib(self, args):
        return [self.lib.to_array(a) if isinstance(a, np.ndarray) else a for a in args]

    def out_to_numpy(self, got, ref):
        """`got` (a result of tad) as NumPy, requiring the library of `ref` (f's own result)."""
        if isinstance(ref, (bool, int, float, np.generic)):
            # f computed on numbers only (no array argument involved): any number will do
            assert isinstance(got, (int, float, np.generic)) or (
                isinstance(got, np.ndarray) and got.shape == ()), \
                f"f returns a number, tad returned {type(got)}"
            return np.asarray(got, float)
        return self.lib.from_array(got)

    def grad_to_numpy(self, g, arg, what):
        """Check the type/shape/dtype of a gradient of `arg`, return it as NumPy."""
        if type(arg) is float:
            assert isinstance(g, float), \
                f"{what}: gradient of a Python float must be a Python float, got {type(g)}"
            return np.asarray(g, float)
        assert not isinstance(g, (float, int)) or isinstance(g, np.generic), \
            f"{what}: gradient of a {self.lib.name} array came back as a Python {type(g).__name__}"
        gn = self.lib.from_array(g)  # raises unless g is an array of this library
        assert gn.shape == arg.shape, f"{what}: gradient shape {gn.shape} != argument shape {arg.shape}"
        assert gn.dtype == arg.dtype, f"{what}: gradient dtype {gn.dtype} != argument dtype {arg.dtype}"
        return gn

    # -- the check -----------------------------------------------------------
    def check(self, f, args, wrt=0, exact=None, seed=0):
        import tangent_ad as tad

        args = list(args)
        idx = wrt_indices(f, wrt)
        single = not isinstance(wrt, tuple)
        for i in idx:
            assert is_differentiable(args[i]), "test bug: wrt names a non-float argument"
        dtypes = {a.dtype for a in args if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)}
        tol = TOLERANCES["float32" if np.dtype(np.float32) in dtypes else "float64"]
        ref_args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a
                    for a in args]
        rng = np.random.default_rng(seed)

        xargs = self.to_lib(args)
        ref_out = f(*xargs)
        out_np = self.out_to_numpy(ref_out, ref_out)
        scalar = out_np.shape == ()

        results = {}
        # ---- reverse mode ----
        if scalar:
            u_np = 1.0
            grads = tad.grad(f, wrt=wrt)(*xargs)
            if single:
                grads = (grads,)
            assert isinstance(grads, tuple) and len(grads) == len(idx), \
                f"tad.grad with wrt={wrt!r} must give {len(idx)} gradient(s), got {grads!r}"
            value, vg = tad.value_and_grad(f, wrt=wrt)(*xargs)
            assert_close(self.out_to_numpy(value, ref_out), out_np, 1e-12, "value_and_grad value vs f(*args)")
            vg = (vg,) if single else vg
            grads_np = [self.grad_to_numpy(g, args[i], f"grad wrt arg {i}") for g, i in zip(grads, idx)]
            for g, gv, i in zip(grads_np, vg, idx):
                assert_close(self.grad_to_numpy(gv, args[i], f"value_and_grad wrt arg {i}"), g, 1e-12,
                             f"value_and_grad gradient vs grad, arg {i}")

            def fs(*a):
                return f(*a)
        else:
            u_np = rng.standard_normal(out_np.shape)
            u = self.lib.to_array(u_np.astype(out_np.dtype))
            d = tad.derivative(f, mode="reverse", wrt=wrt)
            grads = d(*xargs, u)
            if single:
                grads = (grads,)
            assert isinstance(grads, tuple) and len(grads) == len(idx)
            grads_np = [self.grad_to_numpy(g, args[i], f"reverse derivative(out_bar) wrt arg {i}")
                        for g, i in zip(grads, idx)]

            def fs(*a):
                return np.sum(u_np * np.asarray(f(*a), float))
        results["grad"] = grads_np
        for g, i in zip(grads_np, idx):
            assert_close(g, numeric_grad(fs, ref_args, i), tol["fd"],
                         f"reverse gradient of arg {i} vs central differences")
        if exact is not None:
            ex = exact(u_np, *ref_args)
            assert len(ex) == len(idx), "test bug: exact() must give one entry per wrt argument"
            for g, e, i in zip(grads_np, ex, idx):
                assert_close(g, e, tol["exact"], f"reverse gradient of arg {i} vs closed form")

        # ---- vjp: cotangents of every argument, None for the non-differentiable ----
        out, f_vjp = tad.vjp(f, *xargs)
        assert_close(self.out_to_numpy(out, ref_out), out_np, 1e-12, "vjp output vs f(*args)")
        # a random seed also for a scalar output: f_vjp must scale by it
        w_np = float(rng.uniform(0.5, 2.0)) if scalar else u_np
        w_lib = w_np if scalar else self.lib.to_array(np.asarray(u_np).astype(out_np.dtype))
        cts = f_vjp(w_lib)
        assert isinstance(cts, tuple) and len(cts) == len(args), \
            f"f_vjp must return a tuple with one cotangent per primal ({len(args)}), got {cts!r}"
        cts_np = {}
        for i, (a, ct) in enumerate(zip(args, cts)):
            if not is_differentiable(a):
                assert ct is None, f"vjp cotangent of non-differentiable argument {i} ({a!r}) must be None, got {ct!r}"
                continue
            cts_np[i] = self.grad_to_numpy(ct, a, f"vjp cotangent of arg {i}")
            if i in idx:
                assert_close(cts_np[i], w_np * grads_np[idx.index(i)] if scalar else grads_np[idx.index(i)],
                             tol["dot"], f"vjp cotangent vs reverse gradient, arg {i}")
            else:
                assert_close(cts_np[i], numeric_grad(lambda *a: np.sum(w_np * np.asarray(f(*a), float)),
                                                     ref_args, i),
                             tol["fd"], f"vjp cotangent of arg {i} vs central differences")
        results["vjp"] = [cts_np.get(i) for i in range(len(args))]

        # ---- forward mode ----
        tangents_np = []
        for i, a in enumerate(args):
            if i not in idx:
                tangents_np.append(None)
            elif type(a) is float:
                tangents_np.append(float(rng.standard_normal()))
            else:
                tangents_np.append(rng.standard_normal(a.shape).astype(a.dtype))
        tangents = tuple(self.lib.to_array(v) if isinstance(v, np.ndarray) else v for v in tangents_np)
        out_f, out_dot = tad.jvp(f, tuple(xargs), tangents)
        assert_close(self.out_to_numpy(out_f, ref_out), out_np, 1e-12, "jvp output vs f(*args)")
        dot_np = self.out_to_numpy(out_dot, ref_out)
        assert dot_np.shape == out_np.shape, f"jvp tangent shape {dot_np.shape} != output shape {out_np.shape}"
        if not isinstance(ref_out, (int, float, np.generic)):
            if out_np.dtype.kind == "f":
                assert dot_np.dtype == out_np.dtype, f"jvp tangent dtype {dot_np.dtype} != output dtype {out_np.dtype}"
        results["jvp"] = dot_np
        ref_tangents = [None if v is None else (v.astype(np.float64) if isinstance(v, np.ndarray) else v)
                        for v in tangents_np]
        assert_close(dot_np, numeric_jvp(f, ref_args, ref_tangents), tol["fd"],
                     "forward tangent vs central-difference directional derivative")
        if exact is not None and scalar:
            ex = exact(1.0, *ref_args)
            expected = sum(float(np.sum(np.asarray(e, float) * ref_tangents[i])) for e, i in zip(ex, idx))
            assert_close(dot_np, expected, tol["exact"], "forward tangent vs closed form <grad, v>")

        # ---- dot-product identity: <J v, u> == <v, J^T u> ----
        lhs_terms = np.asarray(dot_np, float) * w_np
        rhs_terms = [np.asarray(ref_tangents[i], float) * cts_np[i] for i in idx]
        lhs = float(np.sum(lhs_terms))
        rhs = float(sum(np.sum(t) for t in rhs_terms))
        scale = float(np.sum(np.abs(lhs_terms))) + float(sum(np.sum(np.abs(t)) for t in rhs_terms)) + 1e-300
        assert abs(lhs - rhs) <= tol["dot"] * scale, \
            f"dot-product identity <Jv,u> = {lhs!r} vs <v,J^T u> = {rhs!r}"

        # ---- another library must agree with NumPy ----
        if self.lib.name != "numpy":
            np_lib = GradChecker(ARRAY_LIBS[0])
            ref = np_lib._results(f, args, wrt, u_np, w_np, tangents_np, scalar)
            for a, b in zip(results["grad"], ref["grad"]):
                assert_close(a, b, tol["lib"], f"{self.lib.name} gradient vs numpy gradient")
            for a, b in zip(results["vjp"], ref["vjp"]):
                if a is not None:
                    assert_close(a, b, tol["lib"], f"{self.lib.name} vjp vs numpy vjp")
            assert_close(results["jvp"], ref["jvp"], tol["lib"], f"{self.lib.name} jvp vs numpy jvp")
        return results

    def _results(self, f, args, wrt, u_np, w_np, tangents_np, scalar):
        """The raw NumPy results, for comparison with another library."""
        import tangent_ad as tad

        single = not isinstance(wrt, tuple)
        if scalar:
            grads = tad.grad(f, wrt=wrt)(*args)
            w = w_np
        else:
            u = np.asarray(u_np).astype(np.asarray(f(*args)).dtype)
            grads = tad.derivative(f, mode="reverse", wrt=wrt)(*args, u)
            w = u
        grads = (grads,) if single else grads
        _, f_vjp = tad.vjp(f, *args)
        cts = f_vjp(w)
        _, out_dot = tad.jvp(f, tuple(args), tuple(tangents_np))
        return {"grad": [np.asarray(g, float) for g in grads],
                "vjp": [None if c is None else np.asarray(c, float) for c in cts],
                "jvp": np.asarray(out_dot, float)}


def both_modes(f, args, wrt=0):
    """(reverse gradient, forward derivatives along each unit direction of args[wrt])."""
    import tangent_ad as tad
    grad = tad.grad(f, wrt=wrt)(*args)
    x = args[wrt]
    if not isinstance(x, np.ndarray):
        tangents = [None] * len(args)
        tangents[wrt] = 1.0
        return grad, tad.jvp(f, tuple(args), tuple(tangents))[1]
    forward = np.zeros_like(x)
    for i in range(x.size):
        tangents = [None] * len(args)
        tangents[wrt] = np.eye(x.size)[i].reshape(x.shape)
        forward.flat[i] = tad.jvp(f, tuple(args), tuple(tangents))[1]
    return grad, forward
