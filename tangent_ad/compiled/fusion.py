"""Straight-line array code gathered into fewer, larger expressions, for Numba to fuse.

The generated derivative keeps one operation per line, as the chapter's tables do. NumPy
runs each line as one pass over the data; so does Numba, unless the operations are in one
expression, which it compiles to one loop with one result array. Two rewrites gather them,
both within one block of simple statements (no loop or branch in between):

- **an update in place merged into the line that made the array**: ``t1_bar = np.cos(t1)``
  then ``t1_bar *= x`` becomes ``t1_bar = np.cos(t1) * x``. Only for a value made by an
  operation (never a bare name, an attribute or a slice, which may be another name's memory);
- **a value used once written where it is used**: ``t1 = x ** 2`` then ``np.cos(t1)``
  becomes ``np.cos(x ** 2)``, when nothing between them changes what ``x ** 2`` reads and
  the value is read nowhere else (a value saved on a tape is read twice).

>>> print(fuse('''def f_grad(x, y_bar=1.0):
...     t1 = x ** 2
...     t2_bar = y_bar
...     t1_bar = np.cos(t1)
...     t1_bar *= t2_bar
...     t1_bar *= 2
...     return t1_bar
... '''))
def f_grad(x, y_bar=1.0):
    t1_bar = np.cos(x ** 2) * y_bar * 2
    return t1_bar
<BLANKLINE>
"""
import ast

_MERGED_OPS = (ast.Mult, ast.Add, ast.Sub, ast.Div)
_ELEMENTWISE_OPS = (ast.Mult, ast.Add, ast.Sub, ast.Div, ast.Pow)
# NumPy functions of one element each, which Numba fuses with the arithmetic around them
_UFUNCS = {"sin", "cos", "tan", "tanh", "sinh", "cosh", "exp", "log", "sqrt", "abs", "sign",
           "square", "arctan", "arcsin", "arccos", "log1p", "expm1", "maximum", "minimum", "where"}
_LONGEST = 100      # a statement no longer than this after a value is written into it
_SIDE_EFFECTS = {"pop", "append", "extend", "insert", "clear"}
_MUTATING_HELPERS = {"index_accumulate", "list_set"}


def fuse(text):
    """``text`` (generated functions) with updates merged and values used once forwarded."""
    lines = text.split("\n")
    dropped = set()         # lines merged or forwarded away: blank until the end, so lines keep their numbers
    while True:
        tree = ast.parse("\n".join(lines))
        edit = _next_edit(tree)
        if edit is None:
            break
        dropped |= edit(lines)
    return "\n".join(line for i, line in enumerate(lines) if i not in dropped)


def _next_edit(tree):
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        uses = _loads(function)
        for body in _bodies(function):
            for i, statement in enumerate(body):
                edit = _merge(body, i) or _forward(body, i, uses)
                if edit is not None:
                    return edit
    return None


def _bodies(function):
    """Every list of statements in ``function``: its body, and each block inside it."""
    pending = [function.body]
    while pending:
        body = pending.pop()
        yield body
        for statement in body:
            for field in ("body", "orelse"):
                inner = getattr(statement, field, None)
                if inner and isinstance(inner, list) and not isinstance(statement, ast.FunctionDef):
                    pending.append(inner)


def _loads(function):
    """How many times each name is read in ``function``."""
    counts = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            counts[node.target.id] = counts.get(node.target.id, 0) + 1      # v += a reads v
    return counts


def _single_line(node):
    return node.lineno == node.end_lineno


# --------------------------------------------------------------------- updates in place
def _merge(body, i):
    """``v = E`` followed by ``v op= A``: the edit writing ``v = E op A``, or None."""
    if i + 1 >= len(body):
        return None
    made, update = body[i], body[i + 1]
    if not (_assigns_a_name(made) and isinstance(update, ast.AugAssign)
            and isinstance(update.target, ast.Name) and update.target.id == made.targets[0].id
            and isinstance(update.op, _MERGED_OPS) and _single_line(made) and _single_line(update)):
        return None
    name_ = made.targets[0].id
    if isinstance(made.value, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred)):
        return None             # v may be another name's memory: its update changes that name too
    if not (_elementwise(made.value) and _elementwise(update.value)):
        return None             # an update in place of a made array costs no new array: keep it
    if name_ in _names(update.value) or _has_side_effects(made.value) or _has_side_effects(update.value):
        return None
    def edit(lines):
        made.value = ast.BinOp(left=made.value, op=update.op, right=update.value)
        _rewrite(lines, made)
        return _drop(lines, update)
    return edit


# --------------------------------------------------------------------- values used once
def _forward(body, i, uses):
    """``t = E`` whose one read is in a later statement of ``body``: the edit writing ``E``
    there, or None."""
    made = body[i]
    if not (_assigns_a_name(made) and _single_line(made) and _elementwise(made.value)):
        return None
    name_ = made.targets[0].id
    if uses.get(name_, 0) != 1:
        return None
    read = _names(made.value)
    for later in body[i + 1:]:
        if not isinstance(later, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
            return None         # a loop or a branch: the use may run another number of times
        use = _load_of(later, name_)
        if use is not None:
            if (not _single_line(later) or name_ in _written(later) or not _fusable_use(later, use)
                    or len(ast.unparse(later)) + len(ast.unparse(made.value)) - len(name_) > _LONGEST):
                return None

            def edit(lines):
                _substitute(later, use, made.value)
                _rewrite(lines, later)
                return _drop(lines, made)
            return edit
        if _written(later) & (read | {name_}):
            return None         # what E reads changes before the use
    return None


def _elementwise(node):
    """Whether ``node`` is arithmetic and one-element NumPy functions of names and numbers,
    which Numba compiles into one loop."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ELEMENTWISE_OPS) and _elementwise(node.left) and _elementwise(node.right)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and _elementwise(node.operand)
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in _UFUNCS
                and not node.keywords and all(_elementwise(a) for a in node.args))
    return False


def _fusable_use(statement, use):
    """Whether the read ``use`` of ``statement`` is where an elementwise value fuses: the
    whole value of an assignment, or an operand of arithmetic or of a one-element function."""
    if isinstance(statement, (ast.Assign, ast.AugAssign)) and statement.value is use:
        return True
    for parent in ast.walk(statement):
        if isinstance(parent, ast.BinOp) and (parent.left is use or parent.right is use):
            return isinstance(parent.op, _ELEMENTWISE_OPS)
        if isinstance(parent, ast.UnaryOp) and parent.operand is use:
            return True
        if isinstance(parent, ast.Call) and any(a is use for a in parent.args):
            return _elementwise(ast.Call(parent.func, [ast.Constant(0)] * len(parent.args), parent.keywords))
    return False


def _load_of(statement, name_):
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id == name_ and isinstance(node.ctx, ast.Load):
            return node
    return None


def _written(statement):
    """The names ``statement`` binds or changes in place."""
    names = set()
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    if isinstance(statement, ast.AugAssign):
        targets = [statement.target]
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)      # x = ..., x[i] = ..., x += ...
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _MUTATING_HELPERS:
                names.add(node.args[0].id)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.attr in _SIDE_EFFECTS):
            names.add(node.func.value.id)
    return names


# ------------------------------------------------------------------------------ shared
def _assigns_a_name(statement):
    return (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name))


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _has_side_effects(node):
    """A call that changes something (a tape's pop, a list's append, a helper that adds in place)."""
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _SIDE_EFFECTS:
            return True
        if isinstance(func, ast.Name) and func.id in _MUTATING_HELPERS:
            return True
    return False


def _drop(lines, statement):
    """Blank ``statement``'s line; the set of its index, to leave out at the end."""
    lines[statement.lineno - 1] = ""
    return {statement.lineno - 1}


def _substitute(statement, name_node, value):
    """``statement`` with ``value`` in place of the Name node ``name_node``."""
    for parent in ast.walk(statement):
        for field, child in ast.iter_fields(parent):
            if child is name_node:
                setattr(parent, field, value)
                return
            if isinstance(child, list) and any(c is name_node for c in child):
                child[[i for i, c in enumerate(child) if c is name_node][0]] = value
                return


def _rewrite(lines, statement):
    """Write the (changed) one-line ``statement`` over its old text; a comment after it stays.
    Python puts in the parentheses its operators need, and no others."""
    line = lines[statement.lineno - 1]
    lines[statement.lineno - 1] = (line[:statement.col_offset] + ast.unparse(statement)
                                   + line[statement.end_col_offset:])
