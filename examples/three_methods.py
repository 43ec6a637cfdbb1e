"""Symbolic, numerical and automatic differentiation of the same functions, measured.

Run from the repository root after installing the package with the symbolic and
plotting extras:

    python -m pip install ".[symbolic,plots]" && python examples/three_methods.py

The chapter's first section compares three ways to get a derivative: symbolic
differentiation (exact, but the expression can swell), numerical differences
(simple, but the step h trades truncation error against rounding error) and
automatic differentiation (exact up to rounding, at a small multiple of the cost
of the function). This script measures each claim on one family of functions,
nested sines and products of growing depth d:

    f_1(x) = sin(x) * x,    f_d(x) = sin(f_{d-1}(x)) * x

1. expression swell: the size of SymPy's derivative (operations counted by
   ``count_ops``, unsimplified and after ``simplify``; and after common
   subexpression elimination, which is what AD does) against the size of the code
   tangent_ad generates (tokens of ``tad.source``), for d = 1 ... 12;
2. the step h of central differences (``tad.numerical_grad``): the error against
   h on a log-log plot, the best h, and the theory's h* ~ eps^(1/3);
3. the error of each method against a 50-digit reference (SymPy/mpmath), and the
   time of each (best of repeats, at depths 1, 6 and 12).

A second family, g_d(x) = sin(g_{d-1}(x)) * g_{d-1}(x), reuses each level twice:
one line of code per level, but an expression tree that doubles at each level
(depths 1 ... 11).

``--quick`` runs depths 1 ... 6 with fewer repeats (the tests use it);
``--write-docs`` writes the measured tables into docs/three-methods.md (between its
marker lines) and the plots into docs/images/three_methods_*.png. Without
matplotlib the plots are skipped and said so; SymPy is required.
"""
import argparse
import importlib.util
import io
import math
import pathlib
import re
import sys
import tempfile
import time
import tokenize

import numpy as np

import tangent_ad as tad

try:
    import sympy
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("examples/three_methods.py needs SymPy: python -m pip install \".[symbolic]\"")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "three-methods.md"
IMAGES = ROOT / "docs" / "images"
EPS = np.finfo(float).eps
X0 = 0.7                       # the point every derivative is taken at
BEGIN, END = "<!-- three-methods:begin -->", "<!-- three-methods:end -->"


# ---------------------------------------------------------------- the functions
FAMILIES = {"f": "x", "g": "y"}   # f_d: y = sin(y) * x at each level; g_d: y = sin(y) * y


def function_source(depth, family="f"):
    """Python source of f_depth (or g_depth), one operation per line, as a user would write it."""
    lines = [f"def {family}{depth}(x):", "    y = np.sin(x) * x"]
    lines += [f"    y = np.sin(y) * {FAMILIES[family]}"] * (depth - 1)
    lines.append("    return y")
    return "\n".join(lines) + "\n"


def load_functions(depths, family="f"):
    """f_d for each depth, defined in a module file of their own (tangent_ad reads source)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="three_methods_"))
    path = folder / "nested.py"
    path.write_text("import numpy as np\n\n\n" + "\n\n".join(function_source(d, family) for d in depths))
    spec = importlib.util.spec_from_file_location(f"three_methods_{folder.name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return {d: getattr(module, f"{family}{d}") for d in depths}


def symbolic_expression(depth, x, family="f"):
    y = sympy.sin(x) * x
    for _ in range(depth - 1):
        y = sympy.sin(y) * (x if family == "f" else y)
    return y


def code_tokens(text):
    """Tokens of Python code, without comments, docstrings, imports or layout."""
    import ast
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    tree.body = [node for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
            tokenize.COMMENT}
    return sum(1 for token in tokenize.generate_tokens(io.StringIO(ast.unparse(tree)).readline)
               if token.type not in skip)


def expression_tokens(expression):
    return sum(1 for token in tokenize.generate_tokens(io.StringIO(str(expression)).readline)
               if token.type not in (tokenize.NEWLINE, tokenize.ENDMARKER))


def reference(derivative, x):
    """The derivative at X0 to 50 significant digits (mpmath), as an mpmath number."""
    import mpmath
    mpmath.mp.dps = 50
    return sympy.lambdify(x, derivative, "mpmath")(mpmath.mpf(X0))


def best_time(call, repeats, number):
    """Best of ``repeats`` timings of ``number`` calls, per call, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - start) / number)
    return best


# ---------------------------------------------------------------- 1. expression swell
def swell(functions, x, simplify_up_to, family="f"):
    rows = []
    for depth, f in functions.items():
        expression = symbolic_expression(depth, x, family)
        derivative = sympy.diff(expression, x)
        simplified = sympy.simplify(derivative) if depth <= simplify_up_to else None
        replacements, reduced = sympy.cse(derivative)
        source = tad.source(f, "reverse")
        rows.append({
            "depth": depth,
            "function_ops": sympy.count_ops(expression),
            "symbolic_ops": sympy.count_ops(derivative),
            "simplified_ops": None if simplified is None else sympy.count_ops(simplified),
            "cse_ops": sympy.count_ops(reduced) + sum(sympy.count_ops(e) for _, e in replacements),
            "symbolic_tokens": expression_tokens(derivative),
            "function_tokens": code_tokens(function_source(depth, family)),
            "ad_tokens": code_tokens(source),
            "ad_lines": sum(1 for line in source.splitlines()
                            if line.strip() and not line.strip().startswith(("#", "from ", "import "))),
        })
    return rows


# ---------------------------------------------------------------- 2. the step h
def step_sweep(f, exact):
    steps = 10.0 ** -(np.arange(4, 61) / 4)                # 1e-1 ... 1e-15, four per decade
    errors = np.array([abs(tad.numerical_grad(f, X0, h=h) - exact) / abs(exact) for h in steps])
    return steps, errors


def theory_step(expression, x):
    """h* = (3 eps |f| / |f'''|)^(1/3): where truncation h^2 |f'''| / 6 meets rounding eps |f| / h."""
    value = abs(float(expression.subs(x, X0)))
    third = abs(float(sympy.diff(expression, x, 3).subs(x, X0)))
    return (3 * EPS * value / third) ** (1 / 3)


# ---------------------------------------------------------------- 3. error and time
def error_and_time(functions, x, repeats, number, timed):
    rows = []
    for depth, f in functions.items():
        expression = symbolic_expression(depth, x)
        derivative = sympy.diff(expression, x)
        exact = reference(derivative, x)
        symbolic = sympy.lambdify(x, derivative, "math")
        gradient = tad.grad(f)
        results = {"symbolic": symbolic(X0), "numerical": tad.numerical_grad(f, X0),
                   "tangent_ad": gradient(X0)}
        errors = {name: float(abs((value - exact) / exact)) for name, value in results.items()}
        if depth not in timed:
            rows.append({"depth": depth, "exact": exact, "errors": errors, "times": None})
            continue
        times = {
            "function": best_time(lambda: f(X0), repeats, number),
            "symbolic": best_time(lambda: symbolic(X0), repeats, number),
            "numerical": best_time(lambda: tad.numerical_grad(f, X0), repeats, number),
            "tangent_ad": best_time(lambda: gradient(X0), repeats, number),
        }
        start = time.perf_counter()
        sympy.lambdify(x, sympy.diff(symbolic_expression(depth, x), x), "math")
        derive_symbolic = time.perf_counter() - start
        start = time.perf_counter()
        tad.derivative(load_functions([depth])[depth], "reverse")
        derive_ad = time.perf_counter() - start
        rows.append({"depth": depth, "exact": exact, "errors": errors, "times": times,
                     "derive_symbolic": derive_symbolic, "derive_ad": derive_ad})
    return rows


# ---------------------------------------------------------------- report
def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}e}"


def swell_table(rows, name, out):
    out.append(f"| depth d | {name}: ops | SymPy diff: ops | simplified: ops | after cse: ops "
               f"| SymPy diff: tokens | {name}: tokens | tangent_ad code: tokens | lines |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(f"| {r['depth']} | {r['function_ops']} | {r['symbolic_ops']} | "
                   f"{'-' if r['simplified_ops'] is None else r['simplified_ops']} | {r['cse_ops']} | "
                   f"{r['symbolic_tokens']} | {r['function_tokens']} | {r['ad_tokens']} | {r['ad_lines']} |")
    first, last = rows[0], rows[-1]
    out.append("")
    out.append(f"{name}, depth {first['depth']} to {last['depth']}: SymPy's derivative grows "
               f"{last['symbolic_ops'] / first['symbolic_ops']:.0f}x ({first['symbolic_ops']} -> "
               f"{last['symbolic_ops']} ops), tangent_ad's code "
               f"{last['ad_tokens'] / first['ad_tokens']:.1f}x ({first['ad_tokens']} -> {last['ad_tokens']} tokens); "
               f"at depth {last['depth']} the code is {last['ad_tokens'] / last['function_tokens']:.1f}x "
               f"{name}'s own tokens")


def report(swell_rows, swell_rows_g, sweep, time_rows):
    steps, errors, best_h, best_error, model_h, default_error, sweep_depth = sweep
    out = []
    out.append("1. Expression swell: the size of the derivative")
    out.append("   (SymPy: operations by count_ops; tangent_ad: tokens of the generated reverse-mode code)")
    out.append("")
    out.append("f_d(x) = sin(f_{d-1}(x)) * x, f_1(x) = sin(x) * x:")
    out.append("")
    swell_table(swell_rows, "f", out)
    out.append("")
    out.append("g_d(x) = sin(g_{d-1}(x)) * g_{d-1}(x), g_1(x) = sin(x) * x (one line of code per level):")
    out.append("")
    swell_table(swell_rows_g, "g", out)
    out.append("")
    out.append(f"2. Central differences on f_{sweep_depth} at x = {X0}: relative error against h")
    out.append("")
    out.append("| h | relative error |")
    out.append("|---:|---:|")
    for h, e in zip(steps[::4], errors[::4]):
        out.append(f"| {h:.0e} | {e:.2e} |")
    out.append("")
    out.append(f"best step for central differences: h = {best_h:.2e}, relative error {best_error:.2e}")
    out.append(f"eps^(1/3) = {EPS ** (1 / 3):.2e}; the model's h* = (3 eps |f| / |f'''|)^(1/3) = {model_h:.2e}")
    out.append(f"the default step of tad.numerical_grad, h = 1e-05: relative error {default_error:.2e}")
    out.append("")
    out.append(f"3. Error against a 50-digit reference, and time per derivative, at x = {X0}")
    out.append("")
    out.append("| depth d | SymPy (lambdified) error | numerical (h = 1e-5) error | tangent_ad error "
               "| f: time | SymPy: time | numerical: time | tangent_ad: time |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in time_rows:
        e, t = r["errors"], r["times"]
        times = ("| - | - | - | - |" if t is None else
                 f"| {t['function'] * 1e6:.1f} us | {t['symbolic'] * 1e6:.1f} us | {t['numerical'] * 1e6:.1f} us | "
                 f"{t['tangent_ad'] * 1e6:.1f} us |")
        out.append(f"| {r['depth']} | {e['symbolic']:.1e} | {e['numerical']:.1e} | {e['tangent_ad']:.1e} {times}")
    last = time_rows[-1]
    out.append("")
    out.append(f"deriving once at depth {last['depth']}: SymPy diff + lambdify {last['derive_symbolic'] * 1e3:.1f} ms, "
               f"tangent_ad's transformation {last['derive_ad'] * 1e3:.1f} ms")
    worst = {name: max(r["errors"][name] for r in time_rows) for name in ("symbolic", "numerical", "tangent_ad")}
    out.append(f"largest relative error over the depths: SymPy {worst['symbolic']:.1e}, "
               f"numerical {worst['numerical']:.1e}, tangent_ad {worst['tangent_ad']:.1e}")
    return "\n".join(out)


def plot(swell_rows, swell_rows_g, sweep, folder):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"\nmatplotlib is not installed: the plots in {folder} were skipped "
              "(python -m pip install \".[plots]\")")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, rows, name, title in ((axes[0], swell_rows, "f", "f_d = sin(f_{d-1}) * x"),
                                  (axes[1], swell_rows_g, "g", "g_d = sin(g_{d-1}) * g_{d-1}")):
        depths = [r["depth"] for r in rows]
        ax.semilogy(depths, [r["symbolic_ops"] for r in rows], "o-", label="SymPy diff (count_ops)")
        simplified = [(r["depth"], r["simplified_ops"]) for r in rows if r["simplified_ops"] is not None]
        if simplified:
            ax.semilogy(*zip(*simplified), "s--", label="SymPy diff, simplified")
        ax.semilogy(depths, [r["cse_ops"] for r in rows], "^:", label="SymPy diff after cse")
        ax.semilogy(depths, [r["ad_tokens"] for r in rows], "D-", label="tangent_ad code (tokens)")
        ax.semilogy(depths, [r["function_tokens"] for r in rows], "x-", color="gray",
                    label=f"{name} itself (tokens)")
        ax.set_xlabel("depth d")
        ax.set_ylabel("size of the derivative")
        ax.set_title(f"Expression swell: {title}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    swell_png = folder / "three_methods_swell.png"
    fig.savefig(swell_png, dpi=110)
    plt.close(fig)

    steps, errors, best_h, best_error, model_h, _, sweep_depth = sweep
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.loglog(steps, errors, "o-", markersize=3, label="central differences")
    ax.axvline(EPS ** (1 / 3), color="gray", linestyle="--", label="eps^(1/3)")
    ax.axvline(model_h, color="green", linestyle=":", label="model h*")
    ax.plot([best_h], [best_error], "r*", markersize=12, label=f"best h = {best_h:.1e}")
    ax.axhline(EPS, color="black", linestyle="-.", label="machine eps (AD, SymPy)")
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error")
    ax.set_title(f"Central differences on f_{sweep_depth} at x = {X0}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    step_png = folder / "three_methods_step.png"
    fig.savefig(step_png, dpi=110)
    plt.close(fig)
    return [swell_png, step_png]


def write_docs(text, command):
    page = DOCS.read_text()
    start, stop = page.index(BEGIN) + len(BEGIN), page.index(END)
    block = f"\n\nMeasured by `{command}`:\n\n```text\n{text}\n```\n\n"
    DOCS.write_text(page[:start] + block + page[stop:])
    print(f"\nwrote the measured tables into {DOCS.relative_to(ROOT)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="depths 1-6, fewer repeats (for the tests)")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the tables into docs/three-methods.md and the plots into docs/images")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="folder for the plots")
    args = parser.parse_args(argv)

    depths = list(range(1, 7 if args.quick else 13))
    repeats, number = (3, 100) if args.quick else (5, 300)
    timed = (1, 6) if args.quick else (1, 6, 12)
    x = sympy.Symbol("x")
    functions = load_functions(depths)

    swell_rows = swell(functions, x, simplify_up_to=2 if args.quick else 3)
    depths_g = list(range(1, 7 if args.quick else 12))
    swell_rows_g = swell(load_functions(depths_g, "g"), x, simplify_up_to=2, family="g")
    sweep_depth = 3
    expression = symbolic_expression(sweep_depth, x)
    exact = float(reference(sympy.diff(expression, x), x))
    steps, errors = step_sweep(functions[sweep_depth], exact)
    best = int(np.argmin(errors))
    default_error = abs(tad.numerical_grad(functions[sweep_depth], X0) - exact) / abs(exact)
    sweep = (steps, errors, steps[best], errors[best], theory_step(expression, x), default_error, sweep_depth)
    time_rows = error_and_time(functions, x, repeats, number, timed)

    text = report(swell_rows, swell_rows_g, sweep, time_rows)
    print(text)
    folder = args.out or (IMAGES if args.write_docs or not args.quick else None)
    if folder is not None:
        for png in plot(swell_rows, swell_rows_g, sweep, folder):
            print(f"plot written to {png}")
    if args.write_docs:
        write_docs(text, "python examples/three_methods.py --write-docs")
    ok = all(r["errors"]["tangent_ad"] < 1e-13 and r["errors"]["symbolic"] < 1e-13
             and r["errors"]["numerical"] < 1e-6 for r in time_rows)
    print("\nSymbolic, numerical and automatic derivatives agree." if ok else "\nDISAGREEMENT: see the table above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
