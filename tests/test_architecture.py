"""The house keeps its shape: layers import downwards only, and no module imports itself
back through another.

    runtime, errors          what generated code runs on; what every layer raises
    ir                       the generated code's tree: nodes, names, templates, text
    rules                    derivative rules, as data
    front                    parse, fence, normalize, analyze, lower: the user's function
    modes                    forward and reverse sweeps over the lowered function
    pipeline                 the steps in order, emitting and compiling, the cache
    compiled                 compile=True: the generated source rewritten for Numba, and compiled
    public                   api, higher, jacobians, targets, arguments, checks
    teaching                 explain, stages, coverage, the command line

Every import counts, at the top of a module or inside a function: an import deferred
to call time is still a wall crossed. See ARCHITECTURE.md.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tangent_ad"

LAYERS = ["runtime", "errors", "ir", "rules", "front", "modes", "pipeline", "compiled", "public", "teaching", "top"]
PUBLIC = {"api", "higher", "jacobians", "targets", "arguments", "callables", "checks", "selfcheck",
          "structured", "structured_modes", "highlighting", "gradient_calls", "decorator", "_doc_examples"}


def layer_of(module):
    """The layer of a module named relative to the package (``front.flatten``, ``api``)."""
    head = module.split(".")[0]
    if module in ("", "__main__"):
        return "top"                  # the package's front door imports everything
    if head in PUBLIC:
        return "public"
    if head in LAYERS:
        return head
    raise AssertionError(f"tangent_ad.{module} belongs to no layer; add it to LAYERS or PUBLIC")


def modules():
    """Every module of the package: relative dotted name -> path."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name, path, known):
    """The package modules ``name`` imports, anywhere in its code."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{target}.{alias.name}".lstrip(".")
                found.add(full if full in known else target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tangent_ad":
            found.add(node.module[len("tangent_ad."):] if "." in node.module else "")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tangent_ad":
                    found.add(alias.name[len("tangent_ad."):] if "." in alias.name else "")
    found.discard(name)
    return found


KNOWN = modules()
GRAPH = {name: imports(name, path, KNOWN) for name, path in KNOWN.items()}


def crossings(allowed):
    """(importer, imported) pairs where ``allowed(importer layer, imported layer)`` is false."""
    return sorted((a, b) for a, targets in GRAPH.items() for b in targets
                  if not allowed(layer_of(a), layer_of(b)))


def test_every_module_has_a_layer():
    for name in KNOWN:
        layer_of(name)


def test_layers_import_downwards_only():
    order = {layer: i for i, layer in enumerate(LAYERS)}
    # runtime and errors sit side by side at the bottom; neither imports the other
    assert crossings(lambda a, b: a == b or order[b] < order[a] and {a, b} != {"runtime", "errors"}) == []


def test_runtime_imports_nothing_of_the_transformer():
    # generated code imports tangent_ad.runtime alone: it must load without the transformer
    assert crossings(lambda a, b: a != "runtime" or b == "runtime") == []


def test_rules_import_no_pass():
    assert crossings(lambda a, b: a != "rules" or b in ("rules", "runtime", "errors", "ir")) == []


def test_nothing_below_teaching_imports_it():
    assert crossings(lambda a, b: b != "teaching" or a in ("teaching", "top")) == []


def test_no_import_cycles():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


def package_of(module):
    """The folder a module lives in; each module of the public layer stands alone."""
    return module if layer_of(module) in ("public", "top") else module.split(".")[0]


def resolved_imports(name, path):
    """(bound name, module it names or comes from, imported name) for each ``from`` import."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[:len(package) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        elif (node.module or "").split(".")[0] == "tangent_ad":
            source = node.module[len("tangent_ad."):] if "." in node.module else ""
        else:
            continue
        for alias in node.names:
            full = f"{source}.{alias.name}".lstrip(".")
            yield alias.asname or alias.name, full if full in KNOWN else source, alias.name


def test_no_module_calls_another_packages_private_helpers():
    """``module._helper`` from another package is a wall bending: such a helper is made
    public (``targets.py`` holds the ones the API shares). Modules of one folder may share
    theirs (``runtime.core._shape``)."""
    offenders = []
    for name, path in KNOWN.items():
        modules_bound = {}
        for bound, source, imported in resolved_imports(name, path):
            if source in KNOWN and source.split(".")[-1] == imported:
                modules_bound[bound] = source          # from .. import api: api names a module
            elif imported.startswith("_") and package_of(source) != package_of(name):
                offenders.append(f"{name}: from {source} import {imported}")
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules_bound and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and package_of(modules_bound[node.value.id]) != package_of(name)):
                offenders.append(f"{name}: {node.value.id}.{node.attr}")
    assert offenders == []


@pytest.mark.parametrize("layer", ["front", "modes", "pipeline", "rules", "ir"])
def test_modules_have_one_job(layer):
    """Modules of the transformer stay small enough to read in one sitting."""
    long = {name: len(path.read_text().splitlines()) for name, path in KNOWN.items()
            if layer_of(name) == layer}
    assert {name: n for name, n in long.items() if n > 450} == {}


def test_the_wall_check_sees_a_broken_wall():
    # the checks above read real imports: a module importing upwards is caught
    fake = {"runtime.core": {"front.flatten"}}
    assert [(a, b) for a, targets in fake.items() for b in targets
            if layer_of(b) != "runtime" and layer_of(a) == "runtime"] == [("runtime.core", "front.flatten")]
    assert "front.flatten" in KNOWN and "pipeline.cache" in GRAPH["api"] | GRAPH["jacobians"] | {
        t for a in GRAPH["api"] for t in GRAPH.get(a, ())}
