"""Tape memory and time of a gradient through a long loop, with and without checkpointing.

    python benchmarks/checkpoint_memory.py              # n = 10^3, 10^4, 10^5
    python benchmarks/checkpoint_memory.py --quick      # a smoke run

The loop has an array state (a 32-wide recurrent update). Memory is the peak that
tracemalloc sees during one gradient call (the tape, the snapshots and the
temporaries), time the median of a few calls measured without tracemalloc.
"""
import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import tracemalloc

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tangent_ad as tad  # noqa: E402


def recurrence(h, W, n):
    for t in range(n):
        h = np.tanh(W @ h) + 0.5 * h
    return np.sum(h * h)


def peak_memory(gradient, args):
    tracemalloc.start()
    gradient(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def median_time(gradient, args, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gradient(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small n, one repeat: a smoke run")
    args = parser.parse_args(argv)
    sizes = [100, 1000] if args.quick else [1000, 10000, 100000]
    repeats = 1 if args.quick else 3
    rng = np.random.default_rng(0)
    h, W = rng.normal(size=32), rng.normal(size=(32, 32)) * 0.15
    plain = tad.grad(recurrence, wrt=1)
    checkpointed = tad.grad(recurrence, wrt=1, checkpoint=True)
    print(f"# {' '.join(sys.argv)}: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, NumPy {np.__version__}, {datetime.date.today()}, BLAS threads 1")
    print("| n | tape memory, plain | with checkpoint=True | time, plain | with checkpoint=True | "
          "largest relative difference |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        inputs = (h, W, n)
        g_plain, g_check = plain(*inputs), checkpointed(*inputs)      # also compiles both
        difference = float(np.max(np.abs(g_check - g_plain)) / np.max(np.abs(g_plain)))
        memory = [peak_memory(g, inputs) for g in (plain, checkpointed)]
        seconds = [median_time(g, inputs, repeats) for g in (plain, checkpointed)]
        print(f"| {n:,} | {memory[0] / 2**20:.2f} MiB | {memory[1] / 2**20:.2f} MiB | "
              f"{seconds[0] * 1e3:.1f} ms | {seconds[1] * 1e3:.1f} ms | {difference:.1e} |")


if __name__ == "__main__":
    main()
