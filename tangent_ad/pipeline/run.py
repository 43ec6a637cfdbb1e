"""The pipeline, top to bottom: from a function to its compiled derivative.

    parse -> fence -> normalize -> analyze -> lower      (prepare.py, for f and each helper)
          -> plan: the helpers' derivatives, callees first  (plan.py)
          -> forward | reverse | split                      (generate.py)
          -> emit the source text                           (emit.py)
          -> compile                                        (compile.py)

One generated module holds the derivative of the function asked for and of every plain
Python function it calls; its source is the code that runs. ``cache.py`` keeps what this
builds, and builds it again when anything it was built from changes.
"""
import weakref

from . import freshness
from .compile import compile_source
from .emit import emit
from .generate import generate
from .module import Module
from .plan import Plan


def build(func, request, helper_derivative):
    """The compiled derivative of ``func`` for ``request`` (``module.Request``).

    ``helper_derivative(g, mode, wrt)`` gives the derivative of a helper ``g`` defined in
    another module (its own pipeline, cached: ``cache.derivative_function``).
    """
    module = Module(func, request)
    plan = Plan(module, func, request, external=helper_derivative)
    for entry in plan.callees_first():
        entry.code = generate(entry)
    text = emit(module, plan)
    derived = plan.entry.derived
    function = compile_source(text, derived.name, module.namespace,
                              f"{request.mode} {func.__module__}.{func.__qualname__}")
    _describe(function, func, request, plan)
    return function


def _describe(function, func, request, plan):
    """What tangent_ad needs to know later of a derivative it compiled."""
    derived = plan.entry.derived
    function._tangent_ad_info = derived
    # the differentiated parameters as the derivative names them: the leaves of a dict's
    # entries (params_W, params_b), in the order the API flattens them (front/pytrees.py)
    derived.wrt_leaves = plan.entry.prepared.wrt if plan.entry.prepared is not None else ()
    # a dict the function returns, returned as a tuple in this order (front/pytrees.py)
    derived.output_keys = getattr(plan.entry.prepared.parsed, "output_keys", None) \
        if plan.entry.prepared is not None else None
    function._tangent_ad_source_function = weakref.ref(func)
    if request.mode == "split":
        function.backward = function.__globals__[derived.backward]
    contexts = [entry.context for entry in plan.order if entry.context is not None]
    # each generated function's tape, by the function's name (compiled/ gives each value its own)
    function._tangent_ad_tapes = {entry.derived.name: entry.context.tape for entry in plan.order
                                  if entry.context is not None and entry.context.tape is not None}
    if any(context.has_plain_twin for context in contexts):
        # how to ask for the same derivative in plain code (see cache.py)
        function._tangent_ad_plain = request.key()[:6]
        if request.layout is not None or request.has_aux:
            function._tangent_ad_plain_options = {"layout": request.layout, "has_aux": request.has_aux}
    sources = [entry.func for entry in plan.order if entry.prepared is not None]
    helpers = [(entry.func, entry.external) for entry in plan.order if entry.external is not None]
    function._tangent_ad_built_from = freshness.record(func, sources, helpers)
