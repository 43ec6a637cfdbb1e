"""The last step: the module's source run, so that its functions exist.

The text is compiled under a file name of its own (``<tangent_ad reverse mod.f #3>``),
with its lines in ``linecache``: tracebacks show the generated line, ``inspect.getsource``
reads it, and tangent_ad can differentiate the derivative again.
"""
import itertools
import linecache
import types

from ..ir.code import source_lines

_counter = itertools.count(1)


def compile_source(text, name_, namespace, label, path=None):
    """Define the function ``name_`` by running ``text``, with its lines kept for tracebacks,
    ``inspect.getsource`` and further differentiation. ``path``: a file that holds ``text``
    (a compiled derivative on disk), which then names the code instead of ``label``."""
    if path is None:
        filename = f"<tangent_ad {label} #{next(_counter)}>"
        lines = [line + "\n" for line in source_lines(text)]       # numbered as the compiler does
        linecache.cache[filename] = (len(text), None, lines, filename)
    else:
        filename = str(path)
    code = compile(text, filename, "exec")
    namespace = _read_by(code, namespace)
    exec(code, namespace)
    function = namespace[name_]
    function.source = text
    return function


def _read_by(code, namespace):
    """The entries of ``namespace`` that ``code`` may read (any name it loads or looks up as an
    attribute): a derivative keeps those alive, not every global of the user's module."""
    names, pending = {"__name__", "__builtins__"}, [code]
    while pending:
        current = pending.pop()
        names.update(current.co_names)
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return {name_: namespace[name_] for name_ in names if name_ in namespace}
