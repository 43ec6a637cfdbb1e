"""Compiled derivatives: ``tad.grad(f, compile=True)``.

The plain derivative is generated as always; a backend then compiles a variant of it.
The one backend today is Numba (``compile=True`` or ``compile="numba"``): the source is
rewritten where Numba needs it (``numba_source.py``), the runtime helpers have compiled
versions (``numba_runtime.py``, ``numba_shapes.py``), and the functions are compiled per
argument types on their first call (``numba_build.py``), or loaded from the code a previous
run kept on disk (``disk_cache.py``). The compiled variant is kept on the plain derivative
it was made from, so it is made again when the plain one is (``pipeline/cache.py``), and
also when a value Numba compiled in is rebound (``frozen.py``).
"""
BACKENDS = ("numba",)


def backend_name(compile):
    """The backend ``compile=`` asks for: None for the plain derivative.

    >>> backend_name(False), backend_name(True), backend_name("numba")
    (None, 'numba', 'numba')
    """
    if compile is None or compile is False:
        return None
    if compile is True:
        return "numba"
    if isinstance(compile, str) and compile in BACKENDS:
        return compile
    raise ValueError(f"compile={compile!r}: use compile=True (or one of the backends: "
                     f"{', '.join(map(repr, BACKENDS))}), or compile=False for the plain derivative")


def compiled_variant(plain, backend):
    """The compiled variant of the generated derivative ``plain`` (``plain`` itself when
    ``backend`` is None): a function taking the same arguments, with its own ``.source``;
    made once per plain derivative."""
    if backend is None:
        return plain
    kept = plain.__dict__.setdefault("_tangent_ad_compiled", {})
    if backend not in kept or not kept[backend]._tangent_ad_frozen(None):
        kept[backend] = _numba_variant(plain)       # first, or what Numba compiled in was rebound
    return kept[backend]


def _numba_variant(plain):
    """The Numba dispatcher of ``plain``'s compiled source, returned as it is (a call costs
    Numba's own dispatch, no Python frame of ours), with ``plain``'s attributes and its
    compile step wrapped so that what Numba cannot compile raises a CompileError."""
    from ..pipeline.freshness import check_of, extended
    from .numba_build import build, compile_failure, numba_module, without_disk_cache
    numba = numba_module()
    dispatcher, text, probes = build(plain)
    numba_errors = numba.core.errors.NumbaError
    compile_for_args = dispatcher._compile_for_args    # Numba calls it for new argument types

    def compile_for(*args, **kwargs):
        try:
            try:
                return compile_for_args(*args, **kwargs)
            except ImportError:     # code kept on disk that cannot be loaded here: compile it afresh
                without_disk_cache(dispatcher)
                return compile_for_args(*args, **kwargs)
        except numba_errors as error:
            raise compile_failure(error, plain, text) from None

    dispatcher._compile_for_args = compile_for
    dispatcher.source = text
    dispatcher.plain = plain
    for attribute in ("_tangent_ad_info", "_tangent_ad_source_function", "_tangent_ad_scalars"):
        if hasattr(plain, attribute):
            setattr(dispatcher, attribute, getattr(plain, attribute))
    # what Numba compiled in, read through the user's modules and functions (compiled/frozen.py):
    # rebinding any of it makes the compiled variant again, as a change the plain check sees does
    dispatcher._tangent_ad_frozen = check_of(probes)
    if hasattr(plain, "_tangent_ad_built_from"):
        dispatcher._tangent_ad_built_from = extended(plain._tangent_ad_built_from, probes)
    return dispatcher
