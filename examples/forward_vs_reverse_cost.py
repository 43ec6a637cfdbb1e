"""The cost argument: a gradient of n inputs by n forward sweeps, or by one reverse sweep.

Run from the repository root after installing the package:

    python -m pip install . && python examples/forward_vs_reverse_cost.py

The function is f(x) = sum(sin(x) * x) for x with n entries. Forward mode gives one
directional derivative per run of the generated f_jvp, so the whole gradient takes
n runs, seeding x_dot with each unit vector in turn; reverse mode gives the whole
gradient from one run of the generated f_grad (one forward and one reverse sweep).
For n = 10 ... 10^4 it measures both (and f itself), checks that they give the
same gradient, prints a table and, with matplotlib installed, draws the times
against n into docs/images/forward_vs_reverse.png (or the file given with --out).

Every forward sweep is timed for n up to --max-sweeps (10^4 by default, so every
number in the default table is measured). For a larger n only --max-sweeps sweeps
are timed and the total is that time times n / --max-sweeps; the table marks
those rows "estimated". --quick runs small sizes only (for the tests).
"""
import argparse
import pathlib
import time

import numpy as np

import tangent_ad as tad

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "images" / "forward_vs_reverse.png"
SIZES = (10, 30, 100, 300, 1000, 3000, 10_000)
QUICK_SIZES = (10, 30, 100, 300)


def f(x):
    return np.sum(np.sin(x) * x)


def exact_gradient(x):
    return np.cos(x) * x + np.sin(x)


def best_time(run, repeats):
    """The shortest of ``repeats`` timings of ``run()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def forward_gradient(forward, x, sweeps=None):
    """The gradient from forward sweeps, one per unit vector (the first ``sweeps`` of them)."""
    n = x.size
    sweeps = n if sweeps is None else min(sweeps, n)
    seed = np.zeros_like(x)
    gradient = np.zeros_like(x)
    for i in range(sweeps):
        seed[i] = 1.0
        _, gradient[i] = forward(x, x_dot=seed)
        seed[i] = 0.0
    return gradient


def measure(n, max_sweeps, repeats):
    """One row of the table: times in seconds for f, one reverse sweep and n forward sweeps."""
    x = np.linspace(-2.0, 2.0, n)
    forward = tad.derivative(f, mode="forward")
    reverse = tad.derivative(f, mode="reverse")
    sweeps = min(n, max_sweeps)
    row = {"n": n, "estimated": sweeps < n}
    row["f"] = best_time(lambda: f(x), repeats * 10)
    row["reverse"] = best_time(lambda: reverse(x), repeats * 10)
    timed = best_time(lambda: forward_gradient(forward, x, sweeps), repeats if n <= 1000 else 1)
    row["forward"] = timed * n / sweeps
    # Both ways give the same gradient (compared on the entries the forward sweeps computed).
    g_forward = forward_gradient(forward, x, sweeps)
    g_reverse = reverse(x)
    row["agree"] = bool(np.allclose(g_forward[:sweeps], g_reverse[:sweeps], rtol=1e-12, atol=1e-12)
                        and np.allclose(g_reverse, exact_gradient(x), rtol=1e-12, atol=1e-12))
    row["ratio"] = row["forward"] / row["reverse"]
    return row


def plot(rows, out):
    """Times against n on log-log axes; return False (and say so) without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: the plot ({out}) was skipped; "
              'python -m pip install ".[plots]" adds it')
        return False
    n = np.array([row["n"] for row in rows])
    fig, ax = plt.subplots(figsize=(7.5, 5))
    ax.loglog(n, [row["forward"] for row in rows], "o-", label="forward mode: n sweeps (one per input)")
    ax.loglog(n, [row["reverse"] for row in rows], "s-", label="reverse mode: one forward + one reverse sweep")
    ax.loglog(n, [row["f"] for row in rows], "^--", color="gray", label="f(x) itself")
    for row in rows:
        if row["estimated"]:
            ax.annotate("estimated", (row["n"], row["forward"]), xytext=(5, -12),
                        textcoords="offset points", fontsize=8)
    ax.set_xlabel("n, the number of inputs")
    ax.set_ylabel("time for the whole gradient (seconds)")
    ax.set_title("Gradient of f(x) = sum(sin(x) * x): forward against reverse mode")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"plot saved to {out}")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only n in {QUICK_SIZES}, one repeat")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="the values of n")
    parser.add_argument("--max-sweeps", type=int, default=10_000,
                        help="time at most this many forward sweeps per n, and scale up beyond")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to save the PNG plot")
    parser.add_argument("--no-plot", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    repeats = 1 if args.quick else 3

    print("f(x) = sum(sin(x) * x); times in seconds for the whole gradient (best of several runs)")
    print(f"{'n':>7}  {'f(x)':>10}  {'reverse: 1 sweep':>17}  {'forward: n sweeps':>18}  "
          f"{'forward / reverse':>17}  same gradient")
    rows = []
    for n in sizes:
        row = measure(n, args.max_sweeps, repeats)
        rows.append(row)
        note = "  (estimated)" if row["estimated"] else ""
        print(f"{n:>7}  {row['f']:>10.2e}  {row['reverse']:>17.2e}  {row['forward']:>18.2e}  "
              f"{row['ratio']:>17.0f}  {'yes' if row['agree'] else 'NO'}{note}")
    if any(row["estimated"] for row in rows):
        print(f"(estimated: {args.max_sweeps} forward sweeps timed, multiplied by n / {args.max_sweeps})")
    last = rows[-1]
    print()
    print(f"At n = {last['n']}: n forward sweeps take {last['ratio']:.0f} times as long as one reverse "
          f"sweep; the reverse sweep costs {last['reverse'] / last['f']:.1f} evaluations of f.")
    if not all(row["agree"] for row in rows):
        raise SystemExit("forward and reverse mode disagree")
    if not args.no_plot:
        plot(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
