"""Contenders: the ways of computing each workload's gradient that run.py times.

``entries(workload, args, groups)`` gives, for one workload and its arguments, a
list of ``Entry`` objects: a label, the ``--contenders`` group it belongs to, and a
function with its arguments that computes the gradient (``call()``).
``to_numpy(result)`` turns what it returned into a tuple of NumPy arrays / floats,
one per ``wrt`` parameter, to check it against the hand-written gradient.

tangent_ad and the hand-written gradients are always available. autograd, JAX and
PyTorch are optional: a group whose package does not import is reported as
missing (``optional_missing``) and skipped. None of them is a dependency.
"""
import importlib
import math
import types
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

GROUPS = ("tangent_ad", "handwritten", "autograd", "jax", "torch")
OPTIONAL = {"autograd": "autograd", "jax": "jax", "torch": "torch"}


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
# Workloads whose jit is not measured: jax.jit unrolls a Python loop into one XLA program.
JAX_JIT_SKIP = {
    "springs": "jax jit not measured: jit unrolls the 200-step Python loop, and compiling its "
               "gradient took over 9 minutes on a 2-core machine",
}


def jax_entries(w, args):
    import jax
    import jax.numpy as jnp
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
    jitted = jax.jit(jax.grad(f, argnums=argnums), static_argnums=static)

    def ready(g):
        def run(*a):
            return jax.block_until_ready(g(*a))
        return run

    convert = lambda r: tuple(np.asarray(v) if np.ndim(v) else float(v) for v in _as_tuple(r, n))  # noqa: E731
    out = [Entry("jax eager", "jax", ready(eager), jargs, convert, tracemalloc_ok=False)]
    if w.name in JAX_JIT_SKIP:
        raise _Partial(out, JAX_JIT_SKIP[w.name])
    out.append(Entry("jax jit", "jax", ready(jitted), jargs, convert, tracemalloc_ok=False,
                     note="first call compiles"))
    return out


class _Partial(NotApplicable):
    """Some entries of a group run, others do not (the message says which and why)."""

    def __init__(self, entries, reason):
        super().__init__(reason)
        self.entries = entries


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


BUILDERS = {"tangent_ad": tangent_ad_entries, "handwritten": handwritten_entries,
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
