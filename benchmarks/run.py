"""CPU benchmark of tangent_ad's generated gradients against hand-written NumPy gradients.

    python benchmarks/run.py                      # every workload, every contender installed
    python benchmarks/run.py --workload mlp --workload logreg
    python benchmarks/run.py --contenders tangent_ad,handwritten,jax
    python benchmarks/run.py --quick              # tiny sizes, few repeats: a smoke run
    python benchmarks/run.py --scaling            # sin_sq_sum over n, rnn_while over T (+ a plot)
    python benchmarks/run.py --markdown           # tables as Markdown

The seven workloads live in benchmarks/workloads.py. BLAS (OpenMP, OpenBLAS, MKL) is
pinned to one thread before NumPy is imported, and so are PyTorch and JAX when they
are measured. All contenders of a workload are timed in one process, interleaved
(round-robin: each repetition times every contender once), warm (the first call is
excluded, and so is JAX's and Numba's compilation), and the median is reported; each sample
averages as many calls as take about --sample-ms milliseconds. Ratios are to the
hand-written gradient and to the primal (the NumPy function itself).

autograd, JAX, PyTorch and tangent_ad's compiled variant (`compile=True`, which needs
Numba; group `compiled`) are optional contenders, never dependencies: install them into
a separate virtual environment and run this script with its interpreter from the
repository root (the script puts the repository on sys.path), for example
`python -m venv /tmp/bench && /tmp/bench/bin/pip install -e . numpy gast autograd jax jaxlib
matplotlib numba scipy` plus a CPU build of torch. matplotlib, also optional, draws the
--scaling plot. benchmarks/profile_lines.py times the generated code of one workload line by line;
benchmarks/compiled_floors.py times the hand-written gradients compiled with Numba beside the
compiled variant (a floor for it).

A contender that cannot run a workload keeps its row, saying "refused: <reason>" (the
compiled variant refusing a construct; JAX's jit of a Python `if` on a traced value, or
jax.grad of a `lax.while_loop`). The loop workloads are also run by JAX with its
structured loops (`lax.fori_loop`, `lax.while_loop`; benchmarks/contenders.py).

Besides the timings: the compile time (first call) of the compiled variant and of JAX's
jit, the transformation time of each workload (its first call on an empty cache) and of
straight-line functions of 150, 300 and 600 statements, the overhead of tad.grad's wrapper
against calling the generated function (and what its check that the cached derivative is
still current costs), the time `import tangent_ad` costs, the peak memory of one gradient
call (tracemalloc for the NumPy and Numba contenders; for JAX and PyTorch, whose allocators
tracemalloc does not see, the growth of the resident set in a subprocess), and a summary
of every contender as a ratio to the hand-written gradient.
"""
import os
import sys

# Before NumPy is imported: one BLAS thread, so the numbers compare code, not cores.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
NUMPY_PREIMPORTED = "numpy" in sys.modules
for _var in THREAD_VARS:
    os.environ[_var] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import importlib.metadata  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _path in (HERE, ROOT):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import numpy as np  # noqa: E402

import contenders as cont  # noqa: E402
import tangent_ad as tad  # noqa: E402
from tangent_ad.pipeline import freshness  # noqa: E402
from workloads import WORKLOADS, fresh_copy  # noqa: E402

SCALING = {
    "sin_sq_sum": [10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6, 10 ** 7],
    "rnn_while": [10, 30, 100, 300, 1000],
}
SCALING_QUICK = {"sin_sq_sum": [10 ** 2, 10 ** 3], "rnn_while": [3, 6]}
STATEMENTS = [150, 300, 600]           # straight-line functions whose transformation is timed
STATEMENTS_QUICK = [25, 50, 100]
PLOT = os.path.join(ROOT, "docs", "benchmark_scaling.png")


# ------------------------------------------------------------------ output
class Out:
    """Prints text, and tables either aligned or as Markdown."""

    def __init__(self, markdown, stream=None):
        self.markdown = markdown
        self.stream = stream or sys.stdout

    def line(self, text=""):
        print(text, file=self.stream, flush=True)

    def heading(self, text):
        self.line()
        self.line(f"## {text}" if self.markdown else f"== {text} ==")
        self.line()

    def table(self, header, rows, align=None):
        rows = [[str(c) for c in r] for r in rows]
        align = align or ["<"] + [">"] * (len(header) - 1)
        if self.markdown:
            self.line("| " + " | ".join(header) + " |")
            self.line("|" + "|".join(" --- " if a == "<" else " ---: " for a in align) + "|")
            for r in rows:
                self.line("| " + " | ".join(r) + " |")
        else:
            widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                      for i, h in enumerate(header)]
            fmt = lambda cells: "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths))  # noqa: E731
            self.line(fmt(header))
            self.line("  ".join("-" * w for w in widths))
            for r in rows:
                self.line(fmt(r))
        self.line()


def fmt_time(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds:.3f} s"


def fmt_ratio(r):
    return "n/a" if r is None or not math.isfinite(r) else f"{r:.2f}x"


def fmt_bytes(n):
    if n >= 2 ** 20:
        return f"{n / 2 ** 20:.2f} MiB"
    return f"{n / 2 ** 10:.1f} KiB" if n >= 2 ** 10 else f"{n} B"


# ------------------------------------------------------------------ machine
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_name():
    try:
        deps = np.__config__.CONFIG["Build Dependencies"]
        blas = deps["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - only informative
        return "unknown"


def git_revision():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tangent_ad"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (rev + (" (tangent_ad/ has uncommitted changes)" if dirty else "")) if rev else "unknown"
    except Exception:  # noqa: BLE001
        return "unknown"


def print_machine(out, argv, groups, versions):
    out.heading("Machine")
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    out.line(f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    out.line(f"- command: python benchmarks/run.py {' '.join(argv)}".rstrip())
    out.line(f"- CPU: {cpu_model()}, {cores} logical cores ({usable} usable by this process)")
    out.line(f"- Python {platform.python_version()} ({platform.python_implementation()}), "
             f"NumPy {np.__version__} (BLAS: {blas_name()}), tangent_ad {tad.__version__} at "
             f"{git_revision()}")
    out.line(f"- load average (1, 5, 15 min) at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
             " (other processes on the machine compete for its cores)")
    if NUMPY_PREIMPORTED:
        out.line("- threads: NumPy was imported before this runner could pin BLAS threads; "
                 f"OMP/OPENBLAS/MKL_NUM_THREADS were {os.environ.get('OMP_NUM_THREADS')!r} at start")
    else:
        out.line("- threads: OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1 (set before "
                 "importing NumPy); PyTorch set_num_threads(1); JAX/XLA single-threaded (XLA_FLAGS)")
    out.line(f"- contenders: {', '.join(groups)}"
             + (f" ({'; '.join(f'{k} {v}' for k, v in versions.items())})" if versions else ""))


# ------------------------------------------------------------------ timing
def _calibrate(entry, target):
    """Calls per sample so that one sample takes about ``target`` seconds (after a warm call)."""
    start = time.perf_counter()
    entry.call()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, min(100_000, int(target / once)))


def time_interleaved(entries, repeat, target, budget=15.0):
    """{label: [seconds per call, one per repetition]}, round-robin over the entries.

    A contender slower than ``budget / repeat`` seconds a call gets fewer repetitions
    (at least 3), so that one slow contender does not take the whole run.
    """
    numbers, reps = {}, {}
    for e in entries:
        e.call()                               # warm: the first call is excluded
        numbers[e.label] = _calibrate(e, target)
        reps[e.label] = repeat
    samples = {e.label: [] for e in entries}
    gc_was_enabled = gc.isenabled()
    try:
        for round_ in range(repeat):
            for e in entries:
                if round_ >= reps[e.label]:
                    continue
                fn, args, number = e.fn, e.args, numbers[e.label]
                gc.disable()
                start = time.perf_counter()
                for _ in range(number):
                    fn(*args)
                elapsed = time.perf_counter() - start
                if gc_was_enabled:
                    gc.enable()
                samples[e.label].append(elapsed / number)
                if round_ == 0 and elapsed * repeat > budget:
                    reps[e.label] = max(3, int(budget / elapsed))
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def peak_memory(entry):
    """Peak bytes traced by tracemalloc during one call (NumPy's buffers are traced)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = entry.call()
        peak = tracemalloc.get_traced_memory()[1] - base
        del result
    finally:
        tracemalloc.stop()
    return peak


# ------------------------------------------------------------------ one workload
def primal_entry(w, args):
    return cont.Entry("primal (NumPy function)", "primal", w.function, args, lambda r: r)


def build_entries(w, args, groups, notes):
    """The contenders' entries for ``w``, each called once: ``first_call`` is that call's time
    (for a contender that compiles, its compile time), ``ok`` whether it agrees with the
    hand-written gradient. One that raises is kept with ``refused`` set to the reason."""
    entries, extra = cont.entries(w, args, groups)
    notes += [f"{w.name}: {n}" for n in extra]
    reference = w.gradient(*args)
    reference = tuple(reference) if len(w.wrt) > 1 else (reference,)
    for e in entries:
        if e.refused:
            continue
        try:
            start = time.perf_counter()
            e.call()
            e.first_call = time.perf_counter() - start
            ok = cont.agree(e.to_numpy(e.call()), reference)
        except Exception as exc:  # noqa: BLE001 - a contender that cannot run this workload
            e.refused = cont._reason(exc)
            continue
        e.ok = ok
        if e.compiles:
            e.note = "; ".join(filter(None, [e.note, f"first call {fmt_time(e.build_time + e.first_call)}"]))
        if not ok:
            notes.append(f"{w.name}: {e.label}: GRADIENT DISAGREES with the hand-written one")
    return entries


def refused_text(e, width=220):
    text = f"refused: {e.refused}"
    text = text if len(text) <= width else text[:width - 1] + "…"
    return text.replace("|", "\\|")


def bench_workload(out, w, size, groups, repeat, target, notes):
    args = w.inputs(size)
    primal = primal_entry(w, args)
    primal.ok = True
    entries = [primal] + build_entries(w, args, groups, notes)
    runnable = [e for e in entries if not e.refused]
    samples = time_interleaved(runnable, repeat, target)
    medians = {label: statistics.median(s) for label, s in samples.items()}
    t_primal = medians[primal.label]
    t_hand = medians.get("hand-written NumPy")
    min_hand = min(samples["hand-written NumPy"]) if "hand-written NumPy" in samples else None
    rows = []
    for e in entries:
        if e.refused:
            rows.append([e.label, "-", "-", "-", "0", "-", "-", "-", refused_text(e)])
            continue
        t = medians[e.label]
        s = samples[e.label]
        spread = statistics.quantiles(s, n=4) if len(s) >= 4 else None
        iqr = f"{(spread[2] - spread[0]) / t * 100:.0f}%" if spread and t > 0 else "-"
        rows.append([e.label, fmt_time(t), fmt_time(min(s)), iqr, str(len(s)),
                     fmt_ratio(t / t_hand) if t_hand else "n/a",
                     fmt_ratio(min(s) / min_hand) if min_hand else "n/a",
                     fmt_ratio(t / t_primal),
                     "-" if e is primal else ("yes" if e.ok else "NO") + (f" ({e.note})" if e.note else "")])
    title = f"{w.name}: {w.description}" + (f"; {w.size_label} = {size}" if w.size_label != "-" else "")
    out.line(f"### {title}" if out.markdown else f"-- {title}")
    out.line()
    out.table(["contender", "median", "min", "IQR", "reps", "/ hand-written", "/ hand (mins)", "/ primal",
               "matches hand-written"], rows)
    return Result(w, size, args, entries, medians, samples)


class Result:
    """One workload's timed entries, kept for the compile-time, memory and summary tables."""

    def __init__(self, w, size, args, entries, medians, samples):
        self.w, self.size, self.args = w, size, args
        self.entries, self.medians, self.samples = entries, medians, samples
        self.peaks = {}              # label -> (bytes, method)

    def ratio(self, label):
        hand, t = self.medians.get("hand-written NumPy"), self.medians.get(label)
        return t / hand if hand and t else None

    def ratios(self, label):
        """'median ratio (ratio of the fastest samples)' to the hand-written gradient."""
        hand, mine = self.samples.get("hand-written NumPy"), self.samples.get(label)
        fastest = min(mine) / min(hand) if hand and mine else None
        return f"{fmt_ratio(self.ratio(label))} ({fmt_ratio(fastest)})"

    def entry(self, label):
        return next((e for e in self.entries if e.label == label), None)


# ------------------------------------------------------------------ side measurements
def transformation_times(out, workloads, copies):
    """First tad.derivative on a fresh function object (an empty cache), and the first grad call."""
    rows = []
    for w in workloads:
        args = w.inputs(w.quick_size)
        cached = tad.derivative(w.function, "reverse", w.wrt_arg)
        gen, first = [], []
        for _ in range(copies):
            f = fresh_copy(w.function)
            start = time.perf_counter()
            d = tad.derivative(f, "reverse", w.wrt_arg)
            gen.append(time.perf_counter() - start)
            if d is cached or tad.derivative(f, "reverse", w.wrt_arg) is not d:
                raise RuntimeError(f"{w.name}: the fresh copy did not miss the cache (or did not cache)")
            f2 = fresh_copy(w.function)
            start = time.perf_counter()
            tad.grad(f2, wrt=w.wrt_arg)(*args)
            first.append(time.perf_counter() - start)
        lines = d.source.count("\n")
        rows.append([w.name, fmt_time(statistics.median(gen)), fmt_time(min(gen)),
                     fmt_time(statistics.median(first)), str(lines)])
    out.heading("Transformation time (first call, empty cache)")
    out.line(f"Median over {copies} fresh function object(s) per workload; each one is checked to miss "
             "tangent_ad's cache (a new derivative is generated) and to hit it on the second request. "
             "'first tad.grad call' = building tad.grad on a fresh copy and calling it once on the "
             "quick-size inputs (transformation + one gradient).")
    out.line()
    out.table(["workload", "tad.derivative (reverse), median", "min", "first tad.grad call, median",
               "generated lines"], rows)


def straight_line_source(n):
    """A function of n chained statements: a1 = np.sin(x) * 1.01, a2 = a1 * x + 0.5, ..."""
    lines = ["import numpy as np", "", "", "def chain(x):", "    a1 = np.sin(x) * 1.01"]
    for i in range(2, n + 1):
        lines.append(f"    a{i} = np.sin(a{i - 1}) * 1.01" if i % 2 else f"    a{i} = a{i - 1} * x + 0.5")
    lines.append(f"    return a{n}")
    return "\n".join(lines) + "\n"


def transformation_scaling(out, sizes, copies):
    """tad.derivative (reverse) of straight-line functions of growing length: it should grow
    linearly with the statements, not quadratically."""
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        sys.path.insert(0, directory)
        try:
            for n in sizes:
                name = f"_tangent_ad_bench_chain_{n}"
                with open(os.path.join(directory, name + ".py"), "w") as file:
                    file.write(straight_line_source(n))
                chain = importlib.import_module(name).chain
                wall, cpu = [], []
                for _ in range(copies):
                    f = fresh_copy(chain)              # a new function object: the cache misses
                    start, start_cpu = time.perf_counter(), time.process_time()
                    tad.derivative(f, "reverse")
                    wall.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                sys.modules.pop(name, None)
                median = statistics.median(wall)
                rows.append([str(n), fmt_time(median), fmt_time(min(wall)), fmt_time(statistics.median(cpu)),
                             f"{median / n * 1e3:.2f} ms"])
        finally:
            sys.path.remove(directory)
    out.heading("Transformation time against statements (straight-line code)")
    out.line(f"tad.derivative (reverse) of `a1 = np.sin(x) * 1.01; a2 = a1 * x + 0.5; ...` chained, "
             f"median over {copies} fresh function object(s). CPU = process time, steadier than wall "
             "time when other processes share the cores. Linear growth keeps 'per statement' flat.")
    out.line()
    out.table(["statements", "median", "min", "CPU, median", "per statement"], rows)


KINDS_ROW = "generated function for the call's kinds, tad.derivative(f, args=(3.0, 2.0))"


def wrapper_overhead(out, w, repeat):
    """Per-call cost of tad.grad's wrapper on seed_poly, against the generated function itself."""
    import timeit
    args = w.inputs(w.default_size)
    d = tad.derivative(w.function, "reverse", w.wrt_arg)
    g = tad.grad(w.function, wrt=w.wrt_arg)
    f = w.function
    wrt = w.wrt_arg
    hand = w.gradient
    try:        # the derivative built for the call's kinds (Python floats): the one tad.grad runs
        d_kinds = tad.derivative(f, "reverse", wrt, args=args)
    except TypeError:                        # a tangent_ad without argument-kind specialization
        d_kinds = None
    cases = [
        ("primal f(3.0, 2.0)", lambda: f(*args)),
        ("hand-written gradient", lambda: hand(*args)),
        ("generated function d(3.0, 2.0)", lambda: d(*args)),
    ]
    if d_kinds is not None:
        cases.append((KINDS_ROW, lambda: d_kinds(*args)))
    cases += [
        ("g = tad.grad(f); g(3.0, 2.0)", lambda: g(*args)),
        ("tad.grad(f)(3.0, 2.0) (cached)", lambda: tad.grad(f, wrt=wrt)(*args)),
        ("tad.derivative(f) lookup only", lambda: tad.derivative(f, "reverse", wrt)),
        ("freshness check alone (each g call runs it)", lambda: freshness.holds(d, f)),
    ]
    number = 2000 if repeat <= 3 else 20000
    results = {}
    for _ in range(repeat):                  # interleaved, like the main tables
        for label, fn in cases:
            results.setdefault(label, []).append(timeit.timeit(fn, number=number) / number)
    base = statistics.median(results["generated function d(3.0, 2.0)"])
    rows = [[label, f"{statistics.median(v) * 1e6:.2f}", f"{(statistics.median(v) - base) * 1e6:+.2f}"]
            for label, v in results.items()]
    out.heading(f"Call overhead on {w.name} (µs per call)")
    out.line(f"Median of {repeat} x {number} calls, through a lambda (which adds the same ~0.05 µs to each row).")
    out.line()
    out.table(["call", "µs", "vs generated fn"], rows)
    if d_kinds is not None:
        wrapper = statistics.median(results["g = tad.grad(f); g(3.0, 2.0)"]) - statistics.median(results[KINDS_ROW])
        out.line(f"tad.grad's wrapper: {wrapper * 1e6:.2f} µs per call (g(3.0, 2.0) less the derivative for floats "
                 "it runs, the row 'generated function for the call's kinds').")
        out.line()


def import_time(out, runs):
    """What `import tangent_ad` costs, measured in fresh interpreters."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run(code, *flags):
        return subprocess.run([sys.executable, *flags, "-c", code], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    probe = ("import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
             "import tangent_ad; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    run(probe)                                # warm the bytecode cache and the OS file cache
    numpy_s, tad_s, proc_np, proc_tad, proc_none = [], [], [], [], []
    for _ in range(runs):
        a, b = run(probe).stdout.split()
        numpy_s.append(float(a))
        tad_s.append(float(b))
        for code, into in (("import numpy", proc_np), ("import tangent_ad", proc_tad), ("pass", proc_none)):
            start = time.perf_counter()
            run(code)
            into.append(time.perf_counter() - start)
    out.heading("Import time")
    out.line(f"Median of {runs} fresh interpreter(s).")
    out.line()
    rows = [
        ["import tangent_ad, NumPy already imported (what a NumPy user pays)", fmt_time(statistics.median(tad_s))],
        ["import numpy (for scale)", fmt_time(statistics.median(numpy_s))],
        ["python -c 'import tangent_ad' (whole process)", fmt_time(statistics.median(proc_tad))],
        ["python -c 'import numpy' (whole process)", fmt_time(statistics.median(proc_np))],
        ["python -c 'pass' (interpreter start)", fmt_time(statistics.median(proc_none))],
    ]
    out.table(["what", "median"], rows)
    # Where the time goes: -X importtime's cumulative times of the modules tangent_ad pulls in.
    trace = run("import numpy; import tangent_ad", "-X", "importtime").stderr.splitlines()
    seen_numpy, entries = False, []
    for line in trace:
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:"):].split("|")]
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        self_us, cumulative_us, name = int(parts[0]), int(parts[1]), parts[2]
        if name == "numpy":
            seen_numpy = True
            continue
        if seen_numpy:
            entries.append((cumulative_us, self_us, name.strip()))
    top = sorted(entries, reverse=True)[:8]
    if top:
        out.line("Largest cumulative imports after NumPy (python -X importtime):")
        out.line()
        out.table(["module", "cumulative", "self"],
                  [[name, f"{c / 1000:.1f} ms", f"{s / 1000:.1f} ms"] for c, s, name in top])


def compile_child(w, size, group, label):
    """Runs in a fresh interpreter (--compile-child): the first call of one contender that compiles,
    as a user's first call in a new process meets it (nothing of that library warmed before)."""
    args = w.inputs(size)
    if group in cont.OPTIONAL:      # the library's own import is not compile time (as in the main process)
        importlib.import_module(cont.OPTIONAL[group])
    entries, _ = cont.entries(w, args, [group])
    e = next((e for e in entries if e.label == label and not e.refused), None)
    if e is None:
        return
    start = time.perf_counter()
    e.call()
    print(f"FIRST\t{e.build_time + time.perf_counter() - start}", flush=True)


def fresh_first_call(w, size, e, notes, cache=None):
    """Seconds of ``e``'s first call in a fresh interpreter (compile_child), or None; ``cache``:
    the folder the compiled variant keeps its code in (a new one: its first call compiles)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if cache is not None:
        env["TANGENT_AD_CACHE_DIR"] = cache
    cmd = [sys.executable, os.path.abspath(__file__), "--compile-child", e.label, "--workload", w.name,
           "--size", str(size), "--contenders", e.group]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        notes.append(f"{w.name}: {e.label}: the first call in a fresh interpreter took over 600 s")
        return None
    for line in done.stdout.splitlines():
        if line.startswith("FIRST\t"):
            return float(line.split("\t")[1])
    notes.append(f"{w.name}: {e.label}: first call in a fresh interpreter not measured: "
                 f"{done.stderr.strip()[-300:]}")
    return None


def compile_table(out, results, notes, fresh=True):
    """First call of every contender that compiles (tangent_ad compiled: build + Numba; JAX jit: XLA),
    in this run's process and in a fresh interpreter for the workloads ``fresh`` says (True: all;
    a collection: those names; False: none)."""
    rows = []
    for r in results:
        in_fresh = fresh is True or (fresh and r.w.name in fresh)
        for e in r.entries:
            if not e.compiles:
                continue
            if e.refused:
                rows.append([r.w.name, e.label, "-", "-", "-", "-", "-", "-", refused_text(e, 120)])
                continue
            first = e.build_time + e.first_call
            e.fresh_first, e.fresh_kept = None, None
            if in_fresh:
                with tempfile.TemporaryDirectory(prefix="tangent_ad-bench-cache-") as cache:
                    e.fresh_first = fresh_first_call(r.w, r.size, e, notes, cache)
                    if e.group == "compiled":       # the next run: the code is loaded from disk
                        e.fresh_kept = fresh_first_call(r.w, r.size, e, notes, cache)
            warm = r.medians.get(e.label)
            rows.append([r.w.name, e.label, fmt_time(e.fresh_first) if in_fresh else "not measured",
                         fmt_time(e.fresh_kept) if e.fresh_kept is not None else "-",
                         fmt_time(first), fmt_time(e.build_time) if e.group == "compiled" else "-",
                         fmt_time(warm), f"{first / warm:,.0f}" if warm else "n/a", ""])
    if not rows:
        return
    out.heading("Compile time (first call)")
    out.line("The first call of each contender that compiles: for tangent_ad compiled, building the gradient "
             "on a fresh copy of the function (tangent_ad's cache misses), generating its Numba variant and "
             "compiling it with Numba; for JAX jit, tracing and XLA compilation. 'fresh interpreter': that "
             "first call alone in a new Python process, as a user's first call meets it (after `import numba` "
             "or `import jax`; tangent_ad's compiled runtime helpers and XLA's start-up included); 'in this run': the same in the benchmark's process, where the "
             "workloads before it have already compiled the runtime helpers they share. 'build' is the part "
             "spent in tad.grad/tad.derivative(..., compile=True) before the first call, included in both. "
             "Each compiled function is then cached for its argument types. 'next run' (tangent_ad compiled "
             "only): the same first call in a second fresh interpreter, which loads the code the first one "
             "kept on disk (the cache folder starts empty for each workload, and for this run's process).")
    out.line()
    out.table(["workload", "contender", "first call, fresh interpreter", "first call, next run",
               "first call, in this run", "build", "warm call (median)", "first (this run) / warm", ""], rows,
              align=["<", "<", ">", ">", ">", ">", ">", ">", "<"])


def rss_available():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _rss_kib()[1] > 0
    except OSError:
        return False


def _rss_kib():
    """(VmRSS, VmHWM) of this process in KiB."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found.get("VmRSS", 0), found.get("VmHWM", 0)


RSS_ENV = {"MALLOC_MMAP_THRESHOLD_": "4096", "MALLOC_TRIM_THRESHOLD_": "0"}
# Below this (the hand-written gradient's tracemalloc peak) the resident set does not resolve a
# call's buffers: small ones come from memory the heap already holds, and the kernel's RSS
# counters are updated in batches of pages. Measured: on sin_sq_sum, logreg and mlp the two
# methods agree within about 20% on the same gradient; on rnn_while they do not.
RSS_MIN = 256 * 1024


def rss_child(w, size, groups):
    """Runs in a subprocess (--rss-child): each entry's peak resident memory over one warm call.

    glibc's mmap threshold is fixed low (RSS_ENV) so that each buffer of 4 KiB or more is
    mapped on allocation and unmapped on free, rather than kept in the heap for reuse: the
    resident set then follows the buffers alive. VmHWM (the high-water mark) is reset
    through /proc/self/clear_refs right before the call; peak = VmHWM after - VmRSS before.
    """
    args = w.inputs(size)
    for e in build_entries(w, args, groups, []):
        if e.refused:
            continue
        e.call()
        gc.collect()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _rss_kib()[0]
        result = e.call()
        peak = _rss_kib()[1] - before
        del result
        print(f"RSS\t{e.label}\t{peak * 1024}", flush=True)


def rss_peaks(w, size, groups, notes):
    """{label: bytes} from a fresh interpreter (rss_child), or {} when it cannot be measured."""
    env = dict(os.environ, **RSS_ENV)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, os.path.abspath(__file__), "--rss-child", "--workload", w.name, "--size", str(size),
           "--contenders", ",".join(groups)]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        notes.append(f"{w.name}: resident-memory measurement timed out")
        return {}
    if done.returncode != 0:
        notes.append(f"{w.name}: resident-memory measurement failed: {done.stderr.strip()[-300:]}")
    peaks = {}
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "RSS":
            peaks[parts[1]] = int(parts[2])
    return peaks


def jax_jit_label(r):
    """The JAX jit variant the summary shows: the fastest that ran."""
    ran = [e.label for e in r.entries if e.group == "jax" and e.label.startswith("jax jit") and not e.refused
           and e.label in r.medians]
    return min(ran, key=lambda label: r.medians[label]) if ran else None


TRACED = ("primal (NumPy function)", "hand-written NumPy", "tangent_ad reverse (generated fn)",
          cont.COMPILED_LABEL, "autograd")


def memory_table(out, results, groups, notes, quick=False):
    """Peak memory of one warm call: tracemalloc for NumPy-based contenders (NumPy's and Numba's
    buffers are traced), resident-set growth in a subprocess for JAX and PyTorch."""
    traced_cols = [label for label in TRACED if any(r.entry(label) for r in results)]
    rss_groups = [g for g in ("jax", "torch") if g in groups]
    measure_rss = bool(rss_groups) and rss_available()
    rss_cols = ["hand-written NumPy"] + (["jax jit"] if "jax" in rss_groups else []) + \
               (["torch eager"] if "torch" in rss_groups else [])
    rows = []
    for r in results:
        hand = None
        cells = {}
        for label in traced_cols:
            e = r.entry(label)
            if e is None or e.refused or not e.tracemalloc_ok:
                cells[label] = "refused" if e is not None and e.refused else "-"
                continue
            try:
                e.call()
                peak = peak_memory(e)
            except Exception as exc:  # noqa: BLE001
                notes.append(f"{r.w.name}: memory of {e.label} not measured: {type(exc).__name__}")
                cells[label] = "-"
                continue
            if label == "hand-written NumPy":
                hand = peak
            cells[label] = peak
        for label, p in cells.items():
            if not isinstance(p, str) and hand:
                r.peaks[label] = p / hand
        row = [r.w.name]
        for label in traced_cols:
            p = cells[label]
            row.append(p if isinstance(p, str) else fmt_bytes(p) + (
                f" ({p / hand:.2f}x)" if hand and label != "hand-written NumPy" else ""))
        if rss_groups:
            resolvable = hand is not None and hand >= RSS_MIN
            if measure_rss and not resolvable:
                row += [f"n/a (< {fmt_bytes(RSS_MIN)})"] * len(rss_cols)
                rows.append(row)
                continue
            peaks = rss_peaks(r.w, r.size, ["handwritten"] + rss_groups, notes) if measure_rss else {}
            hand_rss = peaks.get("hand-written NumPy")
            jit = jax_jit_label(r)
            for label in rss_cols:
                key = jit if label == "jax jit" else label
                p = peaks.get(key) if key else None
                if p is None:
                    e = r.entry(key) if key else None
                    row.append("refused" if e is not None and e.refused else "n/a")
                    continue
                ratio = f"{p / hand_rss:.2f}x" if hand_rss and label != "hand-written NumPy" else ""
                if hand_rss and label != "hand-written NumPy":
                    r.peaks[label] = p / hand_rss
                variant = key[len("jax jit "):].strip("()") if label == "jax jit" and key != "jax jit" else ""
                extra = ", ".join(filter(None, [ratio, variant]))
                row.append(fmt_bytes(p) + (f" ({extra})" if extra else ""))
        rows.append(row)
    out.heading("Peak memory of one call (ratio to the hand-written gradient)")
    out.line("tracemalloc columns: bytes allocated at the peak of one warm call beyond what was live before it "
             "(inputs excluded, the result included); tracemalloc sees NumPy's buffers and those Numba's "
             "runtime allocates, but not JAX's or PyTorch's allocators.")
    if rss_groups:
        out.line()
        out.line("RSS columns (JAX, PyTorch, and the hand-written gradient again as their reference): growth of "
                 "the resident set over one warm call in a fresh interpreter per workload, VmHWM after minus "
                 "VmRSS before, with glibc's mmap threshold fixed at 4 KiB so that freed buffers leave the "
                 "resident set (page granularity: 4 KiB); JAX's column is the fastest jit variant of the "
                 "gradient-time table. Measured only where the hand-written gradient's peak is at least "
                 f"{fmt_bytes(RSS_MIN)}: below that the resident set does not resolve a call's buffers (small "
                 "ones come from memory the heap already holds, and the kernel counts resident pages in "
                 "batches); compare the two hand-written columns for how far the methods agree."
                 if measure_rss else
                 "RSS columns: n/a, /proc/self/clear_refs cannot reset the high-water mark on this system.")
    out.line()
    header = ["workload"] + [f"{label} (tracemalloc)" if rss_groups else label for label in traced_cols]
    header = [h.replace(" (generated fn)", "").replace(" (NumPy function)", "") for h in header]
    if rss_groups:
        header += [f"{label} (RSS)" for label in rss_cols]
    out.table(header, rows)
    return rows


def first_call(e):
    """The first call's seconds: in a fresh interpreter where it was measured, else in this run."""
    fresh = getattr(e, "fresh_first", None)
    return fresh if fresh is not None else e.build_time + e.first_call


def summary_table(out, results):
    """One line per workload: every contender as a ratio to the hand-written gradient."""
    cols = [("generated fn", "tangent_ad reverse (generated fn)"), ("tad.grad", "tangent_ad tad.grad"),
            ("compiled", cont.COMPILED_LABEL), ("autograd", "autograd"), ("torch eager", "torch eager")]
    present = [(h, label) for h, label in cols if any(r.entry(label) for r in results)]
    has_jax = any(e.group == "jax" for r in results for e in r.entries)
    memory_cols = [(label, short) for label, short in (
        ("tangent_ad reverse (generated fn)", "generated fn"), (cont.COMPILED_LABEL, "compiled"),
        ("jax jit", "jax jit"), ("torch eager", "torch")) if any(label in r.peaks for r in results)]
    with_memory = bool(memory_cols)
    rows = []
    for r in results:
        row = [r.w.name, fmt_time(r.medians.get("hand-written NumPy"))]
        for _, label in present:
            e = r.entry(label)
            row.append("-" if e is None else "refused" if e.refused else r.ratios(label))
        if has_jax:
            jit = jax_jit_label(r)
            row.append(r.ratios(jit) + (f", {jit[len('jax jit '):].strip('()')}"
                                                        if jit and jit != "jax jit" else "") if jit else "refused")
        compiled = r.entry(cont.COMPILED_LABEL)
        if compiled is not None:
            row.append("refused" if compiled.refused else fmt_time(first_call(compiled)))
        if has_jax:
            jit = jax_jit_label(r)
            e = r.entry(jit) if jit else None
            row.append(fmt_time(first_call(e)) if e else "-")
        if with_memory:
            row.append(" / ".join(fmt_ratio(r.peaks.get(label)) if r.peaks.get(label) is not None else "-"
                                  for label, _ in memory_cols))
        rows.append(row)
    header = ["workload", "hand-written"] + [f"{h} / hand" for h, _ in present] + \
             (["jax jit / hand (fastest variant)"] if has_jax else []) + \
             (["compiled: first call"] if any(r.entry(cont.COMPILED_LABEL) for r in results) else []) + \
             (["jax jit: first call"] if has_jax else []) + \
             ([f"peak memory / hand: {' / '.join(h for _, h in memory_cols)}"] if with_memory else [])
    out.heading("Summary: ratios to the hand-written gradient")
    out.line("From the tables above: each time ratio is the ratio of medians, and in brackets the ratio of the "
             "fastest samples (steadier when other processes load the machine). "
             "'refused': the contender raised for this workload (the table above says "
             "why). JAX's column is its fastest jit spelling that ran (the plain Python loop, or lax.fori_loop); "
             "lax.while_loop is refused by jax.grad. First calls are those in a fresh interpreter where they "
             "were measured (the compile-time table). Peak memory as in the memory table ('-': not measured "
             "there, or refused).")
    out.line()
    out.table(header, rows)


# ------------------------------------------------------------------ scaling
def scaling(out, names, groups, repeat, target, quick, notes, plot_path):
    sizes = SCALING_QUICK if quick else SCALING
    results = {}
    for name in names:
        ns = sizes[name]
        w = WORKLOADS[name]
        table, labels = [], None
        series = {}
        for n in ns:
            args = w.inputs(n)
            entries = [primal_entry(w, args)] + build_entries(w, args, groups, notes)
            entries = [e for e in entries if e.label != "tangent_ad tad.grad" and not e.refused]
            for e in entries:
                if not hasattr(e, "ok"):
                    e.ok = True
            samples = time_interleaved(entries, repeat, target)
            med = {label: statistics.median(s) for label, s in samples.items()}
            labels = labels or [e.label for e in entries]
            for label in labels:
                series.setdefault(label, []).append(med.get(label, float("nan")))
            hand = med.get("hand-written NumPy")
            tad_t = med.get("tangent_ad reverse (generated fn)")
            table.append([str(n)] + [fmt_time(med.get(label)) for label in labels]
                         + [fmt_ratio(tad_t / hand if hand and tad_t else None)])
        out.line(f"### {name}: time per call against {w.size_label}" if out.markdown
                 else f"-- {name}: time per call against {w.size_label}")
        out.line()
        short = [label.replace(" (generated fn)", "").replace(" (NumPy function)", "") for label in labels]
        out.table([w.size_label] + short + ["tangent_ad / hand"], table)
        results[name] = (ns, series)
        if name == "rnn_while" and "jax" in groups:
            out.line(f"(JAX jit of the Python loop is left out above T = {cont.JAX_UNROLL_LIMIT}: jit unrolls "
                     "the loop, and compiling 1000 steps takes longer than the measurement; "
                     "'jax jit (fori_loop)' runs at every T.)")
            out.line()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - matplotlib is optional
        out.line("(matplotlib is not importable: no plot written.)")
        return results
    if plot_path:
        fig, axes = plt.subplots(2, len(results), figsize=(5.5 * len(results), 7.5), sharex="col",
                                 gridspec_kw={"height_ratios": [3, 2]}, squeeze=False)
        for column, (name, (ns, series)) in enumerate(results.items()):
            top, bottom = axes[0][column], axes[1][column]
            hand = series.get("hand-written NumPy")
            colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
            for i, (label, ts) in enumerate(series.items()):
                style = "-o" if "tangent_ad" in label or "hand" in label or "primal" in label else "--."
                short = label.replace(" (generated fn)", "").replace(" (NumPy function)", "")
                color = colors[i % len(colors)]
                top.loglog(ns, ts, style, label=short, color=color)
                if hand and label != "hand-written NumPy":
                    bottom.loglog(ns, [t / h for t, h in zip(ts, hand)], style, label=short, color=color)
            top.set_ylabel("seconds per call (median)")
            top.set_title(name)
            bottom.axhline(1.0, color="green", lw=1)
            bottom.set_ylabel("time / hand-written")
            bottom.set_xlabel(WORKLOADS[name].size_label)
            for ax in (top, bottom):
                ax.grid(True, which="both", alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.suptitle("Gradient time against problem size, one BLAS thread: " + cpu_model(), fontsize=9)
        fig.tight_layout()
        os.makedirs(os.path.dirname(plot_path), exist_ok=True)
        fig.savefig(plot_path, dpi=110)
        plt.close(fig)
        out.line(f"Plot written to {os.path.relpath(plot_path, os.getcwd())}")
    return results


# ------------------------------------------------------------------ main
def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", action="append", choices=list(WORKLOADS), metavar="NAME",
                   help=f"run only this workload (repeatable): {', '.join(WORKLOADS)}")
    p.add_argument("--contenders", default=",".join(cont.GROUPS),
                   help="comma-separated, of: " + ", ".join(cont.GROUPS) + " (default: all; "
                        "optional ones that are not installed are skipped with a note)")
    p.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (a smoke run)")
    p.add_argument("--scaling", action="store_true",
                   help="only the scaling tables (sin_sq_sum over n, rnn_while over T) and a plot")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--repeat", type=int, help="repetitions per contender (default 21, quick 3)")
    p.add_argument("--sample-ms", type=float, help="target milliseconds per sample (default 20, quick 1)")
    p.add_argument("--size", type=int, help="override the size of every selected workload")
    p.add_argument("--plot", default=PLOT,
                   help="where --scaling writes its plot (default docs/benchmark_scaling.png)")
    p.add_argument("--no-extras", action="store_true",
                   help="skip transformation, call-overhead, import and memory measurements")
    p.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)  # memory_table's subprocess
    p.add_argument("--compile-child", metavar="LABEL", help=argparse.SUPPRESS)  # compile_table's subprocess
    args = p.parse_args(argv)
    groups = [g.strip() for g in args.contenders.split(",") if g.strip()]
    unknown = [g for g in groups if g not in cont.GROUPS]
    if unknown:
        p.error(f"unknown contender(s) {', '.join(unknown)}; choose from {', '.join(cont.GROUPS)}")
    return args, groups


def main(argv=None, stream=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args, groups = parse_args(argv)
    if args.rss_child:
        rss_child(WORKLOADS[args.workload[0]], args.size, groups)
        return 0
    if args.compile_child:
        compile_child(WORKLOADS[args.workload[0]], args.size, groups[0], args.compile_child)
        return 0
    # compile=True keeps compiled code on disk; this run compiles afresh, in a folder of its own
    kept = tempfile.mkdtemp(prefix="tangent_ad-bench-cache-")
    os.environ["TANGENT_AD_CACHE_DIR"] = kept
    try:
        return run(argv, args, groups, stream)
    finally:
        shutil.rmtree(kept, ignore_errors=True)


def run(argv, args, groups, stream):
    out = Out(args.markdown, stream)
    repeat = args.repeat or (3 if args.quick else 21)
    target = (args.sample_ms or (1.0 if args.quick else 20.0)) / 1000.0
    missing = cont.optional_missing(groups)
    for group, why in missing.items():
        out.line(f"note: contender {group} is not installed, skipped ({why})")
    groups = [g for g in groups if g not in missing]
    versions = {}
    for g in groups:
        if g in cont.OPTIONAL:
            try:
                versions[cont.OPTIONAL[g]] = importlib.metadata.version(cont.OPTIONAL[g])
            except Exception:  # noqa: BLE001 - only informative
                versions[cont.OPTIONAL[g]] = "?"
    if "torch" in groups:
        import torch
        torch.set_num_threads(1)
    out.line("# tangent_ad CPU benchmark" if args.markdown else "tangent_ad CPU benchmark")
    print_machine(out, argv, groups, versions)
    notes = []
    workloads = [WORKLOADS[n] for n in (args.workload or WORKLOADS)]

    if args.scaling:
        out.heading("Scaling")
        out.line(f"Median of {repeat} interleaved repetitions; each sample about {target * 1e3:g} ms.")
        out.line()
        chosen = [n for n in SCALING if not args.workload or n in args.workload]
        if not chosen:
            out.line(f"(--scaling covers {' and '.join(SCALING)}; none of them was selected.)")
        else:
            scaling(out, chosen, groups, repeat, target, args.quick, notes,
                    args.plot if not args.quick else None)
    else:
        out.heading("Gradient time")
        out.line(f"Median of {repeat} interleaved repetitions (round-robin over contenders), warm; each "
                 f"sample averages as many calls as take about {target * 1e3:g} ms. IQR = interquartile "
                 "range / median; reps = samples taken (fewer for a contender slower than about "
                 f"{15 / repeat:.2g} s a call). '/ hand-written' and '/ primal' are ratios of medians; "
                 "'/ hand (mins)' is the ratio of the fastest samples, the steadier figure when other "
                 "processes load the machine. "
                 "'forward (k jvp)' computes the full gradient with k forward sweeps.")
        out.line()
        results = []
        for w in workloads:
            size = args.size or (w.quick_size if args.quick else w.default_size)
            results.append(bench_workload(out, w, size, groups, repeat, target, notes))
        # --quick measures the first call in a fresh interpreter for one workload only (a smoke run)
        compile_table(out, results, notes, fresh=False if args.no_extras else ("seed_poly",) if args.quick else True)
        if not args.no_extras:
            copies = 1 if args.quick else 9
            transformation_times(out, workloads, copies)
            statements = STATEMENTS_QUICK if args.quick else STATEMENTS
            transformation_scaling(out, statements, 1 if args.quick else 3)
            if "seed_poly" in [w.name for w in workloads] or args.quick:
                wrapper_overhead(out, WORKLOADS["seed_poly"], 3 if args.quick else 15)
            import_time(out, 1 if args.quick else 7)
            if args.quick:
                memory_results = [r for r in results if r.w.name in ("sin_sq_sum", "rnn_while")]
            else:
                memory_results = results
            memory_table(out, memory_results, groups, notes, args.quick)
        summary_table(out, results)
    out.line(f"Load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if notes:
        out.heading("Notes")
        for n in notes:
            out.line(f"- {n}")
    bad = [n for n in notes if "DISAGREES" in n]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
