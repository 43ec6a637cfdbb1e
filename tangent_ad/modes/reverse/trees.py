"""Generated code kept as trees: an expression holds its tree, its text is written once, and
the names it reads are read off the tree, never by parsing text back.

>>> import ast
>>> f = Fragment(ast.parse("unbroadcast(t1_bar * np.cos(x), y) if c else z", mode="eval").body)
>>> f.text
'unbroadcast(t1_bar * np.cos(x), y) if c else z'
>>> f.loads                     # as written: the body of a conditional expression first
('unbroadcast', 't1_bar', 'np', 'x', 'y', 'c', 'z')
>>> lines = Lines()
>>> lines.line("x_bar = zeros_like(x)", reads=("zeros_like", "x"))
>>> lines.comment("a comment reads nothing")
>>> lines.line("y = tape.pop()", reads=("tape",))
>>> lines.names_read()
['zeros_like', 'x', 'tape']
"""
import ast
from collections import deque

from ...ir.code import Code


class Fragment:
    """An expression or a statement of generated code: its tree (Python's ``ast``), its text
    (``ast.unparse`` of the tree unless given) and the names it reads, in the order written.
    The tree may be shared: never change it."""

    __slots__ = ("tree", "_text", "_loads")

    def __init__(self, tree, text=None):
        self.tree = tree
        self._text = text
        self._loads = None

    @classmethod
    def name(cls, id_):
        return cls(ast.Name(id=id_, ctx=ast.Load()), id_)

    @property
    def text(self):
        if self._text is None:
            self._text = ast.unparse(self.tree)
        return self._text

    @property
    def loads(self):
        if self._loads is None:
            self._loads = tuple(loads(self.tree))
        return self._loads

    def mentions(self, name_):
        return name_ in self.loads

    def __repr__(self):
        return f"Fragment({self.text!r})"


def name(id_):
    """A name read in a tree."""
    return ast.Name(id=id_, ctx=ast.Load())


def call(function, *args):
    """``function(args)`` as a tree."""
    return ast.Call(func=name(function), args=list(args), keywords=[])


def assignment(targets, value):
    """``a, b = value`` (names ``targets``, ``value`` a tree) as a statement Fragment."""
    if len(targets) == 1:
        target = ast.Name(id=targets[0], ctx=ast.Store())
    else:
        target = ast.Tuple(elts=[ast.Name(id=t, ctx=ast.Store()) for t in targets], ctx=ast.Store())
    tree = ast.fix_missing_locations(ast.Assign(targets=[target], value=value, type_comment=None))
    return Fragment(tree, f"{', '.join(targets)} = {ast.unparse(value)}")


def names_in_walk_order(tree):
    """Every name in a tree (``ast`` or ``gast``; read or written), in the order ``ast.walk``
    meets them: level by level. The tape saves the values an adjoint reads in this order."""
    found = []
    todo = deque([tree])
    while todo:
        node = todo.popleft()
        if type(node).__name__ == "Name":
            if node.id not in found:
                found.append(node.id)
            continue
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                todo.extend(v for v in value if _is_node(v))
            elif _is_node(value):
                todo.append(value)
    return found


def loads(tree):
    """The names a tree (``ast`` or ``gast``) reads, in the order its text writes them."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node).__name__
        if kind == "Name":
            if type(getattr(node, "ctx", None)).__name__ not in ("Store", "Del"):
                found.append(node.id)
            continue
        stack.extend(reversed(_children(node, kind)))
    return found


def _children(node, kind):
    """The nodes under ``node``, in the order the text writes them (``ast.unparse``'s order)."""
    if kind == "IfExp":
        return [node.body, node.test, node.orelse]
    if kind == "Dict":
        return [part for key, value in zip(node.keys, node.values) for part in (key, value) if part is not None]
    if kind == "arguments":         # each parameter's default follows it
        positional = list(getattr(node, "posonlyargs", [])) + list(node.args)
        defaults = [None] * (len(positional) - len(node.defaults)) + list(node.defaults)
        ordered = [part for arg, default in zip(positional, defaults) for part in (arg, default)]
        ordered.append(node.vararg)
        ordered += [part for arg, default in zip(node.kwonlyargs, node.kw_defaults) for part in (arg, default)]
        ordered.append(node.kwarg)
        return [part for part in ordered if part is not None]
    children = []
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            children += [v for v in value if _is_node(v)]
        elif _is_node(value):
            children.append(value)
    return children


def _is_node(value):
    return hasattr(value, "_fields")


class Lines(Code):
    """Lines of generated code that remember the names each line reads, from the trees it was
    made of: what the reverse sweep reads is known without parsing what it wrote."""

    def __init__(self):
        super().__init__()
        self.reads = []             # per line: the names it reads in order; None: not known

    def line(self, text, reads=()):
        """A line and the names it reads in order; ``reads=None``: not known."""
        before = len(self.lines)
        super().line(text)
        added = len(self.lines) - before
        if added:
            self.reads += [None if reads is None else tuple(reads)] + [()] * (added - 1)

    def blank(self):
        super().blank()
        self.reads.append(())

    def extend(self, other):
        super().extend(other)
        self.reads += getattr(other, "reads", [None] * len(other.lines))

    def names_read(self):
        """Every name the lines read, in order of first appearance."""
        order, seen = [], set()
        for reads in self.reads:
            if reads is None:
                raise AssertionError("lines written without the names they read")
            for n in reads:
                if n not in seen:
                    seen.add(n)
                    order.append(n)
        return order
