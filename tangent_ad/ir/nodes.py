"""The structured program both modes work on.

After normalization a function is a list of these statements: assignments to
one name, ``if``, ``while`` and ``for`` over ``range``, and statements kept
verbatim because nothing in them is differentiated. ``break``, ``continue``
and early ``return`` are gone (rewritten into flags), and the function ends
with a single ``Return`` of one name.
"""
from dataclasses import dataclass

import gast

from .code import source_lines, src


@dataclass
class Assign:
    """``target = value``. After flattening an active one holds a single operation."""
    target: str
    value: gast.expr
    origin: object = None        # the user's node, for locations
    op: object = None            # set by flattening when the target is active
    augmented: bool = False      # written x op= v, which NumPy does in place
    index: gast.expr = None      # target[index] = value: a store into the array

    @property
    def text(self):
        """The statement as source: ``y = f(x)``, ``y[i] = v`` or ``y[i] += v``.

        Written once per form of the statement: the generators quote and emit each
        statement several times, and turning a tree into text is most of their cost."""
        key = (self.target, id(self.value), id(self.index), self.augmented)
        cached = self.__dict__.get("_text")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_text"] = (key, self._written())
        return cached[1]

    def _written(self):
        if self.index is None:
            return f"{self.target} = {src(self.value)}"
        index = self.index
        if isinstance(index, gast.Tuple) and index.elts:       # y[i, j], not y[(i, j)]
            inside = ", ".join(src(e) for e in index.elts) + ("," if len(index.elts) == 1 else "")
        else:
            inside = src(index)
        store = f"{self.target}[{inside}]"
        return f"{store} {'+=' if self.augmented else '='} {src(self.value)}"


@dataclass
class Unpack:
    """``a, b = helper(...)``: a call to a Python function that returns a tuple."""
    targets: list
    value: gast.expr
    origin: object = None
    op: object = None


@dataclass
class Raw:
    """A statement kept as written: nothing differentiated is assigned in it."""
    node: gast.stmt
    writes: frozenset = frozenset()


@dataclass
class Push:
    """``tape.append(value)`` onto a list used as a stack (in code that is a derivative itself)."""
    stack: str
    value: gast.expr
    origin: object = None


@dataclass
class If:
    test: gast.expr
    body: list
    orelse: list
    origin: object = None


@dataclass
class While:
    test: gast.expr
    body: list
    origin: object = None


@dataclass
class For:
    """``for target in range(...)`` (other iterables are rewritten to index loops)."""
    target: str
    iter: gast.expr
    body: list
    origin: object = None


@dataclass
class Return:
    name: str
    origin: object = None


@dataclass
class Function:
    name: str
    params: list
    defaults: dict               # param -> gast default expression
    body: list
    result: str                  # the name returned (the first, when a tuple is returned)
    parsed: object = None
    results: list = None         # every name returned: [result], or the tuple's names
    stored_params: set = None    # parameters written into (x[i] = v): copied on entry
    stacks: set = None           # a derivative's tape(s), when the function is generated code
    views: dict = None           # name -> the array whose memory it may view (t1 = y[0], t2 = y.T)
    in_place: dict = None        # array changed in place (y[i] = v) -> every name that may share it

    def __post_init__(self):
        if self.views is None:
            self.views = {}
        if self.in_place is None:
            self.in_place = {}
        if self.stacks is None:
            self.stacks = set()
        if self.results is None:
            self.results = [self.result]
        if self.stored_params is None:
            self.stored_params = set()


def name(id_):
    return gast.Name(id=id_, ctx=gast.Load(), annotation=None, type_comment=None)


def store(id_):
    return gast.Name(id=id_, ctx=gast.Store(), annotation=None, type_comment=None)


def constant(value):
    return gast.Constant(value=value, kind=None)


def blocks(statement):
    """The statement lists nested in a statement: both branches of an if, a loop's body."""
    if isinstance(statement, If):
        return [statement.body, statement.orelse]
    if isinstance(statement, (While, For)):
        return [statement.body]
    return []


def walk(statements):
    """Every statement, nested ones included, in order."""
    for s in statements:
        yield s
        for block in blocks(s):
            yield from walk(block)


def root_name(node):
    """``x`` for ``x``, ``x[i]``, ``x.T[0]``; None when the value is not rooted in a name."""
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def read_names(node):
    """Names a gast expression reads."""
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def written_names(node):
    """Names a gast statement (or target) stores to, recursively; ``x[i] = v`` writes ``x``."""
    names = set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            names.add(n.id)
        elif isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store) \
                and root_name(n):
            names.add(root_name(n))
    return names


def stack_push(node):
    """(list name, value) for a statement ``name.append(value)``; else None."""
    if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
        call = node.value
        func = call.func
        if isinstance(func, gast.Attribute) and func.attr == "append" and isinstance(func.value, gast.Name) \
                and len(call.args) == 1 and not call.keywords:
            return func.value.id, call.args[0]
    return None


def stack_pop(expr):
    """The list name of an expression ``name.pop()``; else None."""
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute) and expr.func.attr == "pop" \
            and isinstance(expr.func.value, gast.Name) and not expr.args and not expr.keywords:
        return expr.func.value.id
    return None


def writes(statements):
    """All names the IR statements assign, nested statements included."""
    result = set()
    for s in walk(statements):
        if isinstance(s, Assign):
            result.add(s.target)
        elif isinstance(s, Unpack):
            result |= set(s.targets)
        elif isinstance(s, Raw):
            result |= s.writes
        elif isinstance(s, For):
            result |= {s.target} if s.target else written_names(s.origin.target)
    return result


def to_source(function):
    """The function as Python source, as the pipeline sees it between its steps."""
    lines = [f"def {function.name}({', '.join(function.params)}):"]

    def block(statements, depth):
        if not statements:
            lines.append("    " * depth + "pass")
        for s in statements:
            pad = "    " * depth
            if isinstance(s, Assign):
                lines.append(pad + s.text)
            elif isinstance(s, Unpack):
                lines.append(pad + f"{', '.join(s.targets)} = {src(s.value)}")
            elif isinstance(s, Raw):
                lines.extend(pad + line for line in source_lines(src(s.node)))
            elif isinstance(s, Push):
                lines.append(pad + f"{s.stack}.append({src(s.value)})")
            elif isinstance(s, If):
                lines.append(pad + f"if {src(s.test)}:")
                block(s.body, depth + 1)
                if s.orelse:
                    lines.append(pad + "else:")
                    block(s.orelse, depth + 1)
            elif isinstance(s, While):
                lines.append(pad + f"while {src(s.test)}:")
                block(s.body, depth + 1)
            elif isinstance(s, For):
                target = s.target if s.target is not None else src(s.origin.target)
                lines.append(pad + f"for {target} in {src(s.iter)}:")
                block(s.body, depth + 1)
            elif isinstance(s, Return):
                lines.append(pad + f"return {', '.join(function.results)}")

    block(function.body, 1)
    return "\n".join(lines) + "\n"


def stored_argument_lines(function):
    """Lines that start a derivative of ``function`` when it stores into an argument: the
    derivative works on a copy (the caller's array stays as it was), which is right only
    when no other argument is the same memory, so that is checked first."""
    lines = []
    for p in sorted(function.stored_params):
        others = [q for q in function.params if q != p]
        if others:
            arguments = ", ".join(f"{q}={q}" for q in [p] + others)
            lines.append(f"separate_arrays({arguments})    # {p} is stored into: no other argument "
                         "may share its memory")
        lines.append(f"{p} = copy_of({p})    # stores into {p} leave the caller's array as it was")
    return lines

