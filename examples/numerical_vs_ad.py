"""Numerical differences against automatic differentiation: the error as the step h shrinks.

Run from the repository root after installing the package:

    python -m pip install . && python examples/numerical_vs_ad.py

It first repeats the chapter's example (the forward difference of x^2 at 2 with
h = 0.01 gives 4.01), then differentiates y = sin(x^2) at x = 1 (exact derivative
2 cos 1) with forward differences (f(x+h) - f(x)) / h and central differences
(f(x+h) - f(x-h)) / 2h for h from 1e-1 to 1e-15, prints the error table, finds the
best step, and compares with tangent_ad, which is exact up to rounding. The
chapter's error model for forward differences, E(h) = M h / 2 + eps / h, predicts
the best step h* = 2 sqrt(eps / M), about 1e-8 in double precision.

With matplotlib installed (python -m pip install ".[plots]") it also draws the
errors against h on log-log axes into docs/images/numerical_error.png (or the
file given with --out); without it, it prints the numbers and says the plot was
skipped.
"""
import argparse
import math
import pathlib

import numpy as np

import tangent_ad as tad

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "images" / "numerical_error.png"
EPS = np.finfo(float).eps


def square(x):
    return x ** 2


def sin_square(x):
    return np.sin(x ** 2)


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def error_table(f, x, exact, steps):
    """|forward difference - exact| and |central difference - exact| for each step h."""
    forward = np.array([abs(forward_difference(f, x, h) - exact) for h in steps])
    central = np.array([abs(central_difference(f, x, h) - exact) for h in steps])
    return forward, central


def experiment(x=1.0):
    """The numbers the plot and the table show, as a dict."""
    exact = 2 * x * math.cos(x ** 2)
    powers = np.arange(1, 16)
    steps = 10.0 ** -powers                          # 1e-1, 1e-2, ..., 1e-15
    forward, central = error_table(sin_square, x, exact, steps)
    dense = np.logspace(-1, -15, 141)                # for the plot: ten steps per decade
    dense_forward, dense_central = error_table(sin_square, x, exact, dense)
    ad = tad.grad(sin_square)(x)
    # The model of the chapter: truncation M h / 2 plus rounding eps / h, where M = |f''(x)|
    # and eps is the rounding error of one evaluation of f (machine epsilon times |f(x)|).
    second = abs(2 * math.cos(x ** 2) - 4 * x ** 2 * math.sin(x ** 2))
    rounding = EPS * abs(math.sin(x ** 2))
    return {
        "x": x, "exact": exact, "steps": steps, "forward": forward, "central": central,
        "dense_steps": dense, "dense_forward": dense_forward, "dense_central": dense_central,
        "ad": ad, "ad_error": abs(ad - exact),
        "best_forward_h": steps[int(np.argmin(forward))],
        "best_central_h": steps[int(np.argmin(central))],
        "model_M": second, "model_eps": rounding,
        "model_best_h": 2 * math.sqrt(rounding / second),
    }


def plot(results, out):
    """Draw the errors against h into ``out``; return False (and say so) without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: the plot ({out}) was skipped; "
              'python -m pip install ".[plots]" adds it')
        return False
    steps = results["dense_steps"]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    ax.loglog(steps, results["dense_forward"], "o-", ms=3, lw=1, label="forward difference (f(x+h) - f(x)) / h")
    ax.loglog(steps, results["dense_central"], "s-", ms=3, lw=1,
              label="central difference (f(x+h) - f(x-h)) / 2h")
    model = results["model_M"] * steps / 2 + results["model_eps"] / steps
    ax.loglog(steps, model, "k--", lw=1, label="model for forward differences: M h / 2 + eps / h")
    level = max(results["ad_error"], 1e-17)
    what = "0 (drawn at 1e-17)" if results["ad_error"] == 0 else f"{results['ad_error']:.1e}"
    ax.axhline(level, color="tab:green", lw=2, label=f"tangent_ad (automatic differentiation): error {what}")
    ax.axvline(results["model_best_h"], color="gray", lw=0.8, ls=":")
    ax.annotate(f"h* = 2 sqrt(eps / M) = {results['model_best_h']:.1e}",
                (results["model_best_h"], 1e-13), xytext=(6, 0), textcoords="offset points", fontsize=9)
    ax.set_xlabel("step h")
    ax.set_ylabel("absolute error of the derivative")
    ax.set_title(f"d/dx sin(x^2) at x = {results['x']:g}: numerical differences against AD")
    ax.set_ylim(1e-18, 1e3)
    ax.invert_xaxis()
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center")
    fig.tight_layout()
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"plot saved to {out}")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to save the PNG plot")
    parser.add_argument("--no-plot", action="store_true", help="print the numbers only")
    args = parser.parse_args(argv)

    h = 0.01
    chapter = forward_difference(square, 2.0, h)
    print(f"The chapter's example: forward difference of x^2 at 2 with h = {h}: {chapter:.10f} "
          f"(exact 4, error {abs(chapter - 4):.2e})")
    print(f"tangent_ad: d/dx x^2 at 2 = {tad.grad(square)(2.0)!r}")
    print()

    results = experiment()
    results["chapter_forward_difference"] = chapter
    print(f"d/dx sin(x^2) at x = 1; exact value 2 cos(1) = {results['exact']!r}")
    print(f"{'h':>8}  {'forward difference error':>24}  {'central difference error':>24}")
    for step, fe, ce in zip(results["steps"], results["forward"], results["central"]):
        print(f"{step:8.0e}  {fe:24.3e}  {ce:24.3e}")
    print()
    print(f"best step for forward differences: h = {results['best_forward_h']:.0e} "
          f"(error {results['forward'].min():.1e}); the model's h* = 2 sqrt(eps / M) = "
          f"{results['model_best_h']:.1e}")
    print(f"best step for central differences: h = {results['best_central_h']:.0e} "
          f"(error {results['central'].min():.1e})")
    print(f"tangent_ad: {results['ad']!r}, error {results['ad_error']:.1e} "
          f"(machine epsilon is {EPS:.1e})")
    if not args.no_plot:
        results["plotted"] = plot(results, args.out)
    return results


if __name__ == "__main__":
    main()
