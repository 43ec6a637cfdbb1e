"""Keep the user's names apart from the names the generated code needs for itself.

Generated code calls runtime helpers (``unbroadcast``, ``zeros_like``, ...) and
``derivative`` by their own names. A function whose parameter, local variable or
global has one of those names would have it overwritten by the import, or would
shadow the helper, and get a wrong derivative. Such a name of the user's is given a
fresh name in the parsed function (``zeros_like`` becomes ``zeros_like2``); a global
keeps its object under the new name, and the generated source imports it as
``from module import zeros_like as zeros_like2``. Every other name stays as written, and
so does a global that is the runtime helper itself (in a derivative differentiated again).

Generated local variables (``tape``, ``_``, temporaries, adjoints) are chosen fresh
against the function's names where they are made (see :mod:`tangent_ad.naming`).

>>> import gast
>>> tree = gast.parse("def f(x):\\n    return unbroadcast(x) * x")
>>> rename_clashes(tree.body[0], namespace={})
({'unbroadcast': 'unbroadcast2'}, {})
>>> import ast; print(ast.unparse(gast.gast_to_ast(tree)).splitlines()[1].strip())
return unbroadcast2(x) * x
"""
import gast
import numpy as _numpy

from .. import runtime

# names the generated code binds at module level: never the user's
GENERATED_GLOBALS = frozenset(runtime.__all__) | {"derivative", "registered_rule"}


def rename_clashes(node, namespace):
    """Rename, in the function ``node``, every name that clashes with a generated global.

    ``namespace``: what the function's free names refer to (a new name avoids these too).
    Returns ({old name: new name}, {new name: old name} of the renamed globals, which keep
    their objects under the new name).
    """
    names = [n for n in gast.walk(node) if isinstance(n, gast.Name)]
    used = {n.id for n in names}
    stored = {n.id for n in names if isinstance(n.ctx, (gast.Store, gast.Param, gast.Del))}
    # the generated code reads NumPy as np (or the module's own alias): a local by that name
    # would hide it
    numpy_names = {"np"} | {k for k, v in namespace.items() if v is _numpy}
    # a global that is the runtime helper itself (a derivative differentiated again reads
    # seed_adjoint from tangent_ad.runtime) means what the generated code means: kept
    same_helper = {n for n in used - stored if n in namespace and namespace[n] is getattr(runtime, n, None)}
    clashes = sorted(((used & GENERATED_GLOBALS) - same_helper) | (stored & numpy_names))
    renamed = {}
    avoid = used | set(namespace) | GENERATED_GLOBALS
    for old in clashes:
        number = 2
        while f"{old}{number}" in avoid:
            number += 1
        renamed[old] = f"{old}{number}"
        avoid.add(renamed[old])
    for n in names:
        if n.id in renamed:
            n.id = renamed[n.id]
    renamed_globals = {new: old for old, new in renamed.items() if old in namespace and old not in stored}
    return renamed, renamed_globals
