"""A floor for compiled gradients: each loop workload's hand-written gradient compiled with
numba.njit, beside tangent_ad's compiled variant and the hand-written gradient itself,
timed interleaved in one process (fastest of 15 samples), with the arrays each allocates
per call.

    NUMBA_NRT_STATS=1 python benchmarks/compiled_floors.py [WORKLOAD ...]

NUMBA_NRT_STATS=1 lets Numba count its allocations (it costs a little time). Needs Numba.
docs/performance.md quotes it to say how far a missed compiled target is from what code
that Numba compiles can reach at all.
"""
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba.core.runtime import rtsys  # noqa: E402

import tangent_ad as tad  # noqa: E402
from workloads import WORKLOADS  # noqa: E402


def lap_nb(y, out):
    """workloads._laplacian without out= keywords, which Numba does not compile."""
    out[:] = -2.0 * y
    out[1:] += y[:-1]
    out[:-1] += y[1:]
    return out


def springs_grad_nb(x, v, k, dt, steps):
    """workloads.springs_grad, the same algorithm, calling lap_nb."""
    x = x.copy()
    v = v.copy()
    a = np.empty_like(x)
    for _ in range(steps):
        lap_nb(x, a)
        a *= k * dt
        x += dt * v
        v += a
    x_bar = lap_nb(x, np.empty_like(x))
    x_bar *= -k
    v_bar = v
    lap = np.empty_like(x)
    for _ in range(steps):
        lap_nb(v_bar, lap)
        lap *= k * dt
        v_bar += dt * x_bar
        x_bar += lap
    return x_bar


def seed_poly_grad_y_bar(x1, x2, y_bar=1.0):
    """workloads.seed_poly_grad with the generated derivative's signature (a defaulted y_bar)."""
    return 2.0 * x1 * y_bar, -2.0 * x2 * y_bar


def calls_per_sample(fn, args, target=0.02):
    fn(*args)
    start = time.perf_counter()
    fn(*args)
    return max(1, int(target / max(time.perf_counter() - start, 1e-7)))


def timed(fn, args):
    """Seconds of one call of ``fn`` (its first: it compiles)."""
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def floors(name, rounds=15):
    w = WORKLOADS[name]
    args = w.inputs(w.default_size)
    if name == "springs":
        globals()["lap_nb"] = numba.njit(lap_nb)
        hand_nb = numba.njit(springs_grad_nb)
    else:
        hand_nb = numba.njit(w.gradient)
    hand_compile = timed(hand_nb, args)
    if name == "seed_poly":
        compiled = tad.derivative(w.function, "reverse", wrt=w.wrt_arg, compile=True)
    else:
        compiled = tad.grad(w.function, wrt=w.wrt_arg, compile=True)
    compiled_compile = timed(compiled, args)
    cases = [("hand-written (Python/NumPy)", w.gradient), ("njit(hand-written)", hand_nb)]
    if name == "seed_poly":
        cases.append(("njit(hand-written, y_bar=1.0 default)", numba.njit(seed_poly_grad_y_bar)))
    cases.append(("tangent_ad compiled", compiled))
    numbers = {label: calls_per_sample(fn, args) for label, fn in cases}
    samples = {label: [] for label, _ in cases}
    for _ in range(rounds):                    # interleaved: each round times every case once
        for label, fn in cases:
            start = time.perf_counter()
            for _ in range(numbers[label]):
                fn(*args)
            samples[label].append((time.perf_counter() - start) / numbers[label])
    base = min(samples[cases[0][0]])
    print(f"== {name}  (first call: njit(hand-written) {hand_compile:.2f} s, "
          f"tangent_ad compiled {compiled_compile:.2f} s)")
    for label, _ in cases:
        fastest = min(samples[label])
        print(f"   {label:40s} {fastest * 1e6:10.2f} us  {fastest / base:6.3f}x hand-written "
              f"(fastest of {rounds})")
    if name != "seed_poly":
        counts = []
        for fn in (compiled, hand_nb):
            before = rtsys.get_allocation_stats().alloc
            fn(*args)
            counts.append(rtsys.get_allocation_stats().alloc - before)
        print(f"   arrays allocated per call: tangent_ad compiled {counts[0]}, njit(hand-written) {counts[1]}"
              + ("" if os.environ.get("NUMBA_NRT_STATS") == "1" else " (0 unless NUMBA_NRT_STATS=1)"))


if __name__ == "__main__":
    for workload in sys.argv[1:] or ["seed_poly", "scalar_loop", "springs", "rnn_while"]:
        floors(workload)
