"""What a list of differentiated values must not do: change where another name sees it.

tangent_ad differentiates a list that grows as a new list each time (``ys = ys + [v]``),
which is Python's meaning as long as no other name holds the same list while it
changes. Part of :class:`~tangent_ad.front.containers.ContainerLowering`; each check
names the user's line and the copy to write instead.
"""
import gast

from ..ir import nodes as ir

_GROWING = ("append", "extend")


class ListSharing:
    """The refusals of lists another name could see change."""

    def _check_list(self, name_, lists):
        """Refuse what would make the list's derivative wrong (see the module docstring)."""
        growths = self._growths(name_)
        grows = bool(growths)
        if grows and name_ in self.function.params:
            raise self.where.error(_place(growths[0]), f"changing the list {name_} the caller passed in",
                                   f"start a new list (out = list({name_})) and change that one")
        for s in ir.walk(self.function.body):
            value = s.value if isinstance(s, (ir.Assign, ir.Unpack)) else None
            if grows and isinstance(s, ir.Assign) and isinstance(value, gast.Name) and value.id == name_:
                raise self.where.error(s.origin, f"{s.target} = {name_}, a list that grows",
                                       f"both names would be the same list; copy it: "
                                       f"{s.target} = list({name_})")
            if grows and isinstance(s, ir.For) and isinstance(s.iter, gast.Name) and s.iter.id == name_ \
                    and any(g is e for e in ir.walk(s.body) for g in growths):
                raise self.where.error(s.origin, f"a for loop over the list {name_} that grows inside it",
                                       f"loop over a copy (for v in list({name_})) or over range(n)")
            if grows and isinstance(s, ir.Assign) and s.target == name_ and isinstance(value, gast.Name):
                raise self.where.error(s.origin, f"{name_} = {value.id}, then growing {name_}",
                                       f"both names would be the same list; copy it: "
                                       f"{name_} = list({value.id})")
            stored = value if value is not None else (_growth(s.node) or (None, None, None))[2] \
                if isinstance(s, ir.Raw) else None
            if grows and stored is not None and _holds(stored, name_) and not self._finished(s, name_):
                place = s.origin if isinstance(s, (ir.Assign, ir.Unpack)) else s.node
                raise self.where.error(place, f"the list {name_} put into another list while it still "
                                       "grows", f"put a copy there (list({name_})), or finish growing "
                                       f"{name_} first and start a new list ({name_} = []) for the next one")
        if name_ in (self.function.results or [self.function.result]):
            returned = [s for s in ir.walk(self.function.body) if isinstance(s, ir.Assign) and s.target == name_]
            place = returned[-1].origin if returned and returned[-1].origin is not None else self.parsed.node
            written = {n.id for n in gast.walk(self.parsed.node) if isinstance(n, gast.Name)}
            shown = name_ if name_ in written else "ys"          # y: the name normalize gave the result
            raise self.where.error(place, "returning a list of differentiated values from the function "
                                   "differentiated", f"return np.stack({shown}) (or np.array({shown})), or a "
                                   "tuple written out (return a, b); a helper may return a list")

    def _growths(self, name_):
        """The statements that change the list ``name_`` in place: ``.append``, ``.extend``,
        ``+=`` and ``ys[i] = v``."""
        return [s for s in ir.walk(self.function.body)
                if isinstance(s, ir.Raw) and (_growth(s.node) or self._element_store(s.node) or ("",))[0] == name_
                or isinstance(s, ir.Assign) and s.augmented and s.target == name_]

    def _finished(self, statement, name_):
        """Whether the list ``name_`` grows no more once ``statement`` has put it into another
        list: every ``.append`` to it comes before, in the same block, and inside a loop a new
        list (``name_ = []``) was started in that block before them."""
        path = _path_to(self.function.body, statement)
        block, index = path[-1]
        earlier = list(ir.walk(block[:index]))
        growths = self._growths(name_)
        if not all(any(g is e for e in earlier) for g in growths):
            return False
        in_loop = any(isinstance(owner, (ir.While, ir.For)) for owner in _owners(self.function.body, path))
        if not in_loop:
            return True
        starts = [k for k, s in enumerate(block[:index]) if isinstance(s, ir.Assign) and s.target == name_
                  and s.index is None and isinstance(s.value, (gast.List, gast.Tuple))]
        return bool(starts) and all(any(g is e for e in ir.walk(block[starts[-1] + 1:index])) for g in growths)


def _growth(node):
    """(list name, "append" or "extend", argument) for ``ys.append(v)`` / ``ys.extend(zs)``."""
    if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
        call = node.value
        func = call.func
        if isinstance(func, gast.Attribute) and func.attr in _GROWING and isinstance(func.value, gast.Name) \
                and len(call.args) == 1 and not call.keywords:
            return func.value.id, func.attr, call.args[0]
    return None


def _place(statement):
    return statement.node if isinstance(statement, ir.Raw) else statement.origin


def _holds(value, name_):
    """Whether ``value`` puts the list ``name_`` itself somewhere: ``ys`` or ``[ys, ...]``."""
    if isinstance(value, gast.Name):
        return value.id == name_
    return any(isinstance(d, (gast.List, gast.Tuple)) and any(isinstance(e, gast.Name) and e.id == name_
                                                             for e in d.elts) for d in gast.walk(value))


def _path_to(body, target, path=()):
    """[(block, index)] from the function's body down to the statement ``target``."""
    for index, s in enumerate(body):
        if s is target:
            return list(path) + [(body, index)]
        for inner in ir.blocks(s):
            found = _path_to(inner, target, tuple(path) + ((body, index),))
            if found:
                return found
    return None


def _owners(body, path):
    """The statements whose blocks hold the last step of ``path``."""
    return [block[index] for block, index in path[:-1]]
