"""Contenders: the ways of computing each workload's gradient that run.py times.

``entries(workload, args, groups)`` gives, for one workload and its arguments, a
list of ``Entry`` objects: a label, the ``--contenders`` group it belongs to, and a
function with its arguments that computes the gradient (``call()``).
``to_numpy(result)`` turns what it returned into a tuple of NumPy arrays / floats,
one per ``wrt`` parameter, to check it against the hand-written gradient.

tangent_ad and the hand-written gradients are always available. autograd, JAX,
PyTorch and tangent_ad's compiled variant (``compile=True``, which needs Numba) are
optional: a group whose package does not import is reported as missing
(``optional_missing``) and skipped. None of them is a dependency.

An entry that cannot run a workload (tangent_ad's compiled variant refusing a
construct, JAX refusing to reverse-differentiate a ``lax.while_loop``) is kept with
``refused`` set to the reason, so the tables show a "refused: ..." row rather than
leaving the contender out.
"""
import importlib
import math
import time
import types
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

GROUPS = ("tangent_ad", "handwritten", "compiled", "autograd", "jax", "torch")
# group -> the module it needs (its distribution has the same name)
OPTIONAL = {"compiled": "numba", "autograd": "autograd", "jax": "jax", "torch": "torch"}
COMPILED_LABEL = "tangent_ad compiled"


class NotApplicable(Exception):
    """This contender cannot run this workload (the reason is the message)."""


@dataclass
class Entry:
    label: str
    group: str
    fn: Callable
    args: tuple
    to_numpy: Callable = field(default=lambda r: r)
    tracemalloc_ok: bool = True      # its arrays are NumPy arrays, which tracemalloc sees
    note: str = ""
    compiles: bool = False           # its first call compiles (Numba, XLA): reported as compile time
    refused: str = ""                # why it cannot run this workload ("" when it can)
    build_time: float = 0.0          # seconds to build the gradient object before its first call

    def call(self):
        return self.fn(*self.args)


def optional_missing(groups):
    """{group: reason} for the optional groups asked for whose package does not import."""
    missing = {}
    for group in groups:
        module = OPTIONAL.get(group)
        if module is None:
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any failure to import means: skip it
            missing[group] = f"{type(exc).__name__}: {exc}"
    return missing


def _as_tuple(result, n):
    return tuple(result) if n > 1 else (result,)


# ---------------------------------------------------------------- tangent_ad
def tangent_ad_entries(w, args):
    import tangent_ad as tad
    n = len(w.wrt)
    out = []
    reverse = tad.derivative(w.function, "reverse", w.wrt_arg)
    out.append(Entry("tangent_ad reverse (generated fn)", "tangent_ad", reverse, args,
                     lambda r: _as_tuple(r, n)))
    g = tad.grad(w.function, wrt=w.wrt_arg)
    out.append(Entry("tangent_ad tad.grad", "tangent_ad", g, args, lambda r: _as_tuple(r, n)))
    if w.forward:
        forward = tad.derivative(w.function, "forward", w.wrt_arg)
        seeds = [tuple(1.0 if i == j else 0.0 for j in range(n)) for i in range(n)]

        def forward_gradient(*a):
            # one forward sweep per differentiated input: the gradient's i-th entry
            return tuple(forward(*a, *seed)[1] for seed in seeds)

        out.append(Entry(f"tangent_ad forward ({n} jvp)", "tangent_ad", forward_gradient, args,
                         lambda r: tuple(float(v) for v in r)))
    return out


# ------------------------------------------------------- tangent_ad compiled
_COMPILED = {}        # workload name -> the compiled gradient, built once per process


def _reason(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def refused_entry(label, group, reason, compiles=True):
    def refuse(*a):
        raise NotApplicable(reason)
    return Entry(label, group, refuse, (), refused=reason, compiles=compiles)


def compiled_entries(w, args):
    """tangent_ad's compiled (Numba) variant: seed_poly through tad.derivative(...,
    compile=True) called directly, the others through tad.grad(..., compile=True).

    The function is a fresh copy, so the first call (timed as the compile time) builds the
    derivative and compiles it from nothing; the gradient is kept per workload, so later
    tables (memory, scaling) reuse it rather than compiling again.
    """
    import tangent_ad as tad
    from workloads import fresh_copy
    n = len(w.wrt)
    how = "tad.derivative(..., compile=True)" if w.name == "seed_poly" else "tad.grad(..., compile=True)"
    if w.name not in _COMPILED:
        f = fresh_copy(w.function)
        start = time.perf_counter()
        try:
            if w.name == "seed_poly":
                g = tad.derivative(f, "reverse", wrt=w.wrt_arg, compile=True)
            else:
                g = tad.grad(f, wrt=w.wrt_arg, compile=True)
        except Exception as exc:  # noqa: BLE001 - a refusal is a result, shown in the table
            g = exc
        _COMPILED[w.name] = (g, time.perf_counter() - start)
    g, built = _COMPILED[w.name]
    if isinstance(g, Exception):
        return [refused_entry(COMPILED_LABEL, "compiled", _reason(g))]
    entry = Entry(COMPILED_LABEL, "compiled", g, args, lambda r: _as_tuple(r, n), note=f"via {how}",
                  compiles=True)
    entry.build_time = built          # building the gradient object, before its first call
    return [entry]


def handwritten_entries(w, args):
    n = len(w.wrt)
    return [Entry("hand-written NumPy", "handwritten", w.gradient, args, lambda r: _as_tuple(r, n))]


# ------------------------------------------------------------------- autograd
def autograd_entries(w, args):
    import autograd
    import autograd.numpy as anp
    from workloads import rebind
    shim = types.SimpleNamespace(sin=anp.sin, cos=anp.cos, exp=anp.exp, log=anp.log,
                                 tanh=anp.tanh, sqrt=anp.sqrt)
    f = rebind(w.function, np=anp, math=shim)
    positions = w.positions()
    g = autograd.grad(f, positions if len(positions) > 1 else positions[0])
    n = len(w.wrt)
    return [Entry("autograd", "autograd", g, args,
                  lambda r: tuple(np.asarray(v) if np.ndim(v) else float(v) for v in _as_tuple(r, n)))]


# ------------------------------------------------------------------------ jax
# Workloads whose jit of the plain Python loop is not measured: jax.jit unrolls it into
# one XLA program. Their loops are measured as lax.fori_loop instead (jax_loop_functions).
JAX_UNROLL_LIMIT = 100       # rnn_while: jit of the Python loop above this T is not measured
JAX_JIT_SKIP = {
    "springs": "jit of the Python loop not measured: jit unrolls the 200-step loop, and compiling "
               "its gradient took over 9 minutes on a 2-core machine (see 'jax jit (fori_loop)')",
}


def jax_loop_functions(jnp, lax):
    """The loop workloads written with JAX's structured loops, in two spellings each.

    ``fori_loop`` with static bounds lowers to a scan, which JAX reverse-differentiates;
    ``while_loop`` is the spelling of the workloads' data-dependent ``while``, which JAX
    cannot reverse-differentiate (jax.grad raises; the table shows its message).
    An ``if`` on a traced value becomes ``lax.cond``.
    """

    def rnn_step(W, U, xs):
        return lambda t, h: jnp.tanh(W @ h + U @ xs[t])

    def rnn_while_fori(W, U, xs, h0):
        h = lax.fori_loop(0, xs.shape[0], rnn_step(W, U, xs), h0)
        return jnp.sum(h * h)

    def rnn_while_while(W, U, xs, h0):
        step = rnn_step(W, U, xs)
        _, h = lax.while_loop(lambda c: c[0] < xs.shape[0], lambda c: (c[0] + 1, step(c[0], c[1])), (0, h0))
        return jnp.sum(h * h)

    def scalar_step(x):
        return lax.cond(x > 0.0, lambda x: -0.999 * x - 0.001 * jnp.sin(x),
                        lambda x: -x + 0.0005 * x * x, x)

    def scalar_loop_fori(x, n):
        return lax.fori_loop(0, n, lambda i, x: scalar_step(x), x)

    def scalar_loop_while(x, n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, scalar_step(c[1])), (0, x))[1]

    def springs_parts(k, dt):
        wall = jnp.zeros(1)

        def step(c):
            x, v = c
            left = jnp.concatenate((wall, x[:-1]))
            right = jnp.concatenate((x[1:], wall))
            a = k * (left - 2.0 * x + right)
            return x + dt * v, v + dt * a

        def energy(x, v):
            ends = jnp.concatenate((wall, x, wall))
            stretch = ends[1:] - ends[:-1]
            return 0.5 * jnp.sum(v * v) + 0.5 * k * jnp.sum(stretch * stretch)
        return step, energy

    def springs_fori(x, v, k, dt, steps):
        step, energy = springs_parts(k, dt)
        x, v = lax.fori_loop(0, steps, lambda t, c: step(c), (x, v))
        return energy(x, v)

    def springs_while(x, v, k, dt, steps):
        step, energy = springs_parts(k, dt)
        _, (x, v) = lax.while_loop(lambda c: c[0] < steps, lambda c: (c[0] + 1, step(c[1])), (0, (x, v)))
        return energy(x, v)

    return {"rnn_while": {"fori_loop": rnn_while_fori, "while_loop": rnn_while_while},
            "scalar_loop": {"fori_loop": scalar_loop_fori, "while_loop": scalar_loop_while},
            "springs": {"fori_loop": springs_fori, "while_loop": springs_while}}


def jax_entries(w, args):
    import jax
    import jax.numpy as jnp
    from jax import lax
    jax.config.update("jax_enable_x64", True)
    from workloads import rebind
    shim = types.SimpleNamespace(sin=jnp.sin, cos=jnp.cos, exp=jnp.exp, log=jnp.log,
                                 tanh=jnp.tanh, sqrt=jnp.sqrt)
    f = rebind(w.function, np=jnp, math=shim)
    positions = w.positions()
    argnums = positions if len(positions) > 1 else positions[0]
    params = w.function.__code__.co_varnames[:w.function.__code__.co_argcount]
    static = tuple(i for i, p in enumerate(params) if p in w.static)
    jargs = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    n = len(w.wrt)
    eager = jax.grad(f, argnums=argnums)

    def ready(g):
        def run(*a):
            return jax.block_until_ready(g(*a))
        return run

    def jit(fn):
        return ready(jax.jit(jax.grad(fn, argnums=argnums), static_argnums=static))

    convert = lambda r: tuple(np.asarray(v) if np.ndim(v) else float(v) for v in _as_tuple(r, n))  # noqa: E731
    out = [Entry("jax eager", "jax", ready(eager), jargs, convert, tracemalloc_ok=False)]
    if w.name in JAX_JIT_SKIP:
        out.append(refused_entry("jax jit", "jax", JAX_JIT_SKIP[w.name]))
    elif w.name == "rnn_while" and args[2].shape[0] > JAX_UNROLL_LIMIT:
        out.append(refused_entry("jax jit", "jax", f"jit of the Python loop not measured above T = "
                                 f"{JAX_UNROLL_LIMIT}: jit unrolls it, and compiling takes longer than the "
                                 "measurement (see 'jax jit (fori_loop)')"))
    else:
        out.append(Entry("jax jit", "jax", jit(f), jargs, convert, tracemalloc_ok=False, compiles=True,
                         note="Python loop unrolled by jit" if w.name in ("rnn_while",) else ""))
    for kind, fn in jax_loop_functions(jnp, lax).get(w.name, {}).items():
        out.append(Entry(f"jax jit ({kind})", "jax", jit(fn), jargs, convert, tracemalloc_ok=False,
                         compiles=True))
    return out


# ---------------------------------------------------------------------- torch
def torch_functions(torch):
    """The workloads in PyTorch's spelling (same arithmetic, same control flow)."""

    def seed_poly(x1, x2):
        return (x1 + x2) * (x1 - x2)

    def sin_sq_sum(x):
        return torch.sum(torch.sin(x ** 2))

    def mlp(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        logits = h @ W2 + b2
        e = torch.exp(logits)
        p = e / torch.sum(e, dim=1, keepdim=True)
        return -torch.sum(Y * torch.log(p)) / X.shape[0]

    def rnn_while(W, U, xs, h0):
        h = h0
        t = 0
        while t < xs.shape[0]:
            h = torch.tanh(W @ h + U @ xs[t])
            t = t + 1
        return torch.sum(h * h)

    def logreg(w, X, y):
        return torch.mean(torch.log(1.0 + torch.exp(-y * (X @ w))))

    def scalar_loop(x, n):
        i = 0
        while i < n:
            if x > 0.0:
                x = -0.999 * x - 0.001 * torch.sin(x)
            else:
                x = -x + 0.0005 * x * x
            i = i + 1
        return x

    def springs(x, v, k, dt, steps):
        wall = torch.zeros(1, dtype=x.dtype)
        t = 0
        while t < steps:
            left = torch.cat((wall, x[:-1]))
            right = torch.cat((x[1:], wall))
            a = k * (left - 2.0 * x + right)
            x = x + dt * v
            v = v + dt * a
            t = t + 1
        ends = torch.cat((wall, x, wall))
        stretch = ends[1:] - ends[:-1]
        return 0.5 * torch.sum(v * v) + 0.5 * k * torch.sum(stretch * stretch)

    return dict(seed_poly=seed_poly, sin_sq_sum=sin_sq_sum, mlp=mlp, rnn_while=rnn_while,
                logreg=logreg, scalar_loop=scalar_loop, springs=springs)


def torch_entries(w, args):
    import torch
    torch.set_num_threads(1)
    f = torch_functions(torch).get(w.name)
    if f is None:
        raise NotApplicable("no PyTorch spelling of this workload")
    positions = w.positions()
    targs = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            a = torch.from_numpy(a)
        elif isinstance(a, float) and i in positions:
            a = torch.tensor(a, dtype=torch.float64)
        if i in positions:
            a = a.detach().requires_grad_(True)
        targs.append(a)
    wrt = [targs[p] for p in positions]

    def gradient(*a):
        return torch.autograd.grad(f(*a), wrt)

    return [Entry("torch eager", "torch", gradient, tuple(targs),
                  lambda r: tuple(v.detach().numpy() if v.ndim else float(v) for v in r),
                  tracemalloc_ok=False)]


BUILDERS = {"tangent_ad": tangent_ad_entries, "handwritten": handwritten_entries, "compiled": compiled_entries,
            "autograd": autograd_entries, "jax": jax_entries, "torch": torch_entries}


def entries(w, args, groups):
    """The entries of the given groups for workload ``w`` (NotApplicable ones become notes)."""
    out, notes = [], []
    for group in groups:
        try:
            out += BUILDERS[group](w, args)
        except NotApplicable as exc:
            out += getattr(exc, "entries", [])
            notes.append(f"{group}: {exc}")
    return out, notes


def agree(a, b, rtol=1e-6, atol=1e-9):
    """Whether two gradient tuples agree (relative to the size of the reference)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.shape != y.shape:
            return False
        scale = max(float(np.max(np.abs(y))) if y.size else 0.0, 1e-300)
        if not np.all(np.abs(x - y) <= atol + rtol * scale):
            return False
        if not math.isfinite(float(np.sum(x))):
            return False
    return True
