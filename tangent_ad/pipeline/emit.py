"""The end of the pipeline's writing: the module's source text, imports first.

The derivative asked for comes first, then the derivatives of the helpers it calls, each
after the helpers it calls in turn. The imports let the source run in a fresh namespace:
NumPy under the user's alias, the runtime helpers the code calls, the user's modules and
globals, and the derivatives of helpers from other modules.
"""
import ast
import builtins
import inspect
import sys

from .. import runtime
from ..ir.code import is_module_path, src

_HEADER_HELPERS = ("derivative", "registered_rule")


def emit(module, plan):
    """The source of ``plan``'s module (``plan.Plan``): what the entry's code calls, and no more."""
    used = plan.used()
    written = [entry for entry in used if entry.code is not None]
    ordered = [e for e in written if e.is_entry] + [e for e in written if not e.is_entry]
    body = "\n\n\n".join(entry.code.text() for entry in ordered)
    header = module.header + [_external_line(entry, module) for entry in used if entry.external is not None]
    free, called = free_and_called_names(body + "\n" + "\n".join(header))
    used_runtime = sorted(set(runtime.__all__) & called)
    lines = _imports(module, free)
    if used_runtime:
        lines.append(f"from tangent_ad.runtime import {', '.join(used_runtime)}")
    if header:
        helpers = [n for n in _HEADER_HELPERS if any(n + "(" in h for h in header)]
        if helpers:
            lines.append(f"from tangent_ad import {', '.join(helpers)}")
        lines += header
    head = "\n".join(lines)
    return (head + "\n\n\n" if head else "") + body + "\n"


def _external_line(entry, module):
    """``g_grad = derivative(other.g, mode='reverse', wrt='x')``: a helper of another module."""
    wrt = entry.wrt
    wrt_text = repr(wrt[0]) if len(wrt) == 1 else repr(tuple(wrt))
    raw = "" if module.optimize else ", optimize=False"
    return f"{entry.derived.name} = derivative({src(entry.func_expr)}, mode={entry.mode!r}, wrt={wrt_text}{raw})"


def _imports(module, free):
    """Imports that let the source run in a fresh namespace: modules, and the user's globals."""
    free = free - set(runtime.__all__) - set(_HEADER_HELPERS)
    lines, from_user = [], []
    if module.import_numpy and module.np_alias in free:
        lines.append(f"import numpy as {module.np_alias}")
    entry = module.entry
    home = sys.modules.get(entry.__module__)
    importable = (home is not None and entry.__module__ != "__main__"
                  and is_module_path(entry.__module__)
                  and getattr(home, "__dict__", None) is entry.__globals__)
    for name_ in sorted(free):
        if name_ not in module.namespace or hasattr(builtins, name_):
            continue
        value = module.namespace[name_]
        if inspect.ismodule(value):
            module_name = value.__name__
            if not is_module_path(module_name):
                continue        # no import line can name it; the namespace holds it
            lines.append(f"import {module_name}" if module_name == name_
                         else f"import {module_name} as {name_}")
        elif importable and module.renamed.get(name_, name_) in entry.__globals__:
            old = module.renamed.get(name_, name_)
            from_user.append(name_ if old == name_ else f"{old} as {name_}")
    if from_user:
        lines.append(f"from {entry.__module__} import {', '.join(from_user)}")
    return lines


def free_and_called_names(text):
    """(names the code reads but never binds, names it calls), from one parse of the text."""
    tree = ast.parse(text)
    loaded, bound, called = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
            bound |= {a.arg for a in node.args.args}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
    return loaded - bound, called
