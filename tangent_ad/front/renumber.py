"""Temporaries renumbered in the order they are printed.

Normalizing names a temporary for a conditional expression before flattening
names the ones of the statements above it, so ``t1`` could print after ``t3``.
Once the function is flattened its temporaries are given the same numbers again,
in the order they are first assigned in the code as it prints: ``t1`` first,
then ``t2``, ... The set of names is unchanged, only who holds which.
"""
import dataclasses

import gast

from ..ir import nodes as ir


def renumber_temporaries(function, active, flow, names):
    """Rename ``names.temps`` in ``function`` (and in the sets that name them) to printed order."""
    mapping = _printed_order(function.body, names.temps)
    if not mapping:
        return
    renamed = set()                     # ids of gast nodes done: nodes are shared between fields
    for s in ir.walk(function.body):
        _rename_statement(s, mapping, renamed)
    function.results = [mapping.get(r, r) for r in function.results]
    function.result = mapping.get(function.result, function.result)
    function.views = {mapping.get(k, k): mapping.get(v, v) for k, v in function.views.items()}
    function.in_place = {mapping.get(k, k): {mapping.get(n, n) for n in v} for k, v in function.in_place.items()}
    _rename_set(active, mapping)
    _rename_set(flow.local_names, mapping)
    flow.varied = frozenset(mapping.get(n, n) for n in flow.varied)
    flow.useful = frozenset(mapping.get(n, n) for n in flow.useful)


def _printed_order(body, temps):
    """{old name: new name} for the temporaries whose number is not their printed place."""
    handed_out = set(temps)
    order, seen = [], set()
    for s in ir.walk(body):
        for target in _assigned(s):
            if target in handed_out and target not in seen:
                seen.add(target)
                order.append(target)
    order += [t for t in temps if t not in seen]      # no longer in the code: keep their place
    return {old: new for old, new in zip(order, temps) if old != new}


def _assigned(s):
    if isinstance(s, ir.Assign):
        return [s.target]
    if isinstance(s, ir.Unpack):
        return s.targets
    if isinstance(s, ir.Raw):
        return sorted(ir.written_names(s.node))
    if isinstance(s, ir.For) and s.target is not None:
        return [s.target]
    return []


def _rename_statement(s, mapping, renamed):
    for field in dataclasses.fields(s):
        value = getattr(s, field.name)
        if isinstance(value, str):
            setattr(s, field.name, mapping.get(value, value))
        elif isinstance(value, frozenset):
            setattr(s, field.name, frozenset(mapping.get(n, n) for n in value))
        elif isinstance(value, list) and value and isinstance(value[0], str):
            setattr(s, field.name, [mapping.get(n, n) for n in value])
        elif isinstance(value, gast.AST):
            _rename_tree(value, mapping, renamed)
        elif dataclasses.is_dataclass(value):            # an Op: its operands
            for atom in value.bound.values():
                if isinstance(atom, gast.AST):
                    _rename_tree(atom, mapping, renamed)
    s.__dict__.pop("_text", None)                        # an Assign's text, written before the rename


def _rename_tree(tree, mapping, renamed):
    for node in gast.walk(tree):
        if isinstance(node, gast.Name) and id(node) not in renamed:
            renamed.add(id(node))
            node.id = mapping.get(node.id, node.id)


def _rename_set(names, mapping):
    changed = {n for n in names if n in mapping}
    names -= changed
    names |= {mapping[n] for n in changed}
