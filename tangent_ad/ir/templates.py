"""Fill derivative templates with operands and tidy the result.

Rules are written as small Python expressions over placeholder names (``x``,
``a``, ``b``, ``y``, ``g``); a template is parsed once (and kept, per template
text), its placeholders replaced by copies of the operands' trees, constants
folded on the tree and trivial factors dropped, so the generated code reads like
a person wrote it. Operands are trees, never text parsed again: the lowered
statement's own expressions, or ``ast.Name`` for a name; source is written once,
from the finished tree, by callers that want text.

>>> import ast
>>> minus = ast.BinOp(left=ast.Name(id="a"), op=ast.Sub(), right=ast.Name(id="b"))
>>> ast.unparse(fill_ast("-x", {"x": minus}))
'-(a - b)'

>>> fill("b * a ** (b - 1)", {"a": "x", "b": "2"})
'2 * x'
>>> [fill("b * a ** (b - (b != 0))", {"a": "x", "b": b}) for b in ("2", "0")]
['2 * x', '0 * x ** 0']
>>> fill("1 * g", {"g": "y_bar"}), fill("-1 * g", {"g": "t1_bar"})
('y_bar', '-t1_bar')
>>> fill("np.cos(x) * g", {"x": "u", "g": "(a + b)", "np": "onp"})
'onp.cos(u) * (a + b)'
>>> fill("g * (1 / x)", {"g": "t1_bar", "x": "t2"})
't1_bar / t2'
>>> fill("np.einsum(s, *dotted)", {"s": "'ij->'", "dotted": "[a_dot, b]"})
"np.einsum('ij->', a_dot, b)"

"""
import ast
import functools
import keyword
import operator
from types import MappingProxyType

_LOAD = ast.Load()
_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}


def parse_expr(source):
    return ast.parse(source, mode="eval").body


@functools.lru_cache(maxsize=None)
def template_tree(template):
    """The parsed template (or a rule's default, ``None``, ``-1``), parsed once per text.
    Shared: nothing changes it, filling in copies it."""
    return parse_expr(template)


def expression(value):
    """A tree for ``value``, given as a tree (kept as is) or as source: a name becomes
    ``ast.Name`` without parsing; other source is parsed once per text and copied."""
    if isinstance(value, ast.AST):
        return value
    if value.isidentifier() and not keyword.iskeyword(value):
        return ast.Name(id=value, ctx=ast.Load())
    return _copy(template_tree(value))


def fill(template, values, fold=True):
    """Substitute ``values`` (placeholder -> tree or source) into ``template`` and simplify;
    returns source, written once from the filled-in tree.

    ``fold=False`` leaves the result as substituted (``1 * g``, ``0.5 + 0.5 * np.sign(...)``),
    for showing what constant folding does.
    """
    return ast.unparse(fill_ast(template, values, fold))


def fill_ast(template, values, fold=True):
    """``fill`` as a tree. ``template``: source (parsed once, then kept) or a tree, which is
    left unchanged; ``values``: placeholder -> tree or source. Each placeholder becomes a copy
    of its operand's tree, so the result is the caller's own to change."""
    tree = template_tree(template) if isinstance(template, str) else template
    tree = _copy(tree, {key: expression(val) for key, val in values.items()})
    return simplify(tree) if fold else tree


def _copy(node, replacements=MappingProxyType({})):
    """A copy of ``node`` with each name in ``replacements`` replaced by a copy of its tree."""
    if isinstance(node, ast.Name):
        if node.id in replacements:
            return _copy(replacements[node.id])
        return ast.Name(id=node.id, ctx=getattr(node, "ctx", _LOAD))
    if isinstance(node, ast.expr_context):
        return node
    new = type(node).__new__(type(node))
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, ast.AST):
            value = _copy(value, replacements)
        elif isinstance(value, list):
            value = [_copy(v, replacements) if isinstance(v, ast.AST) else v for v in value]
        setattr(new, field, value)
    return new


def _number(node):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return None if value is None else -value
    return None


def _const(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = float(value)
    node = ast.Constant(value=abs(value))
    return ast.UnaryOp(op=ast.USub(), operand=node) if value < 0 else node


def _negate(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    return ast.UnaryOp(op=ast.USub(), operand=node)


def simplify(node):
    """Fold numeric constants and drop multiplications by one, additions of zero, powers of one."""
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            setattr(node, field, simplify(value))
        elif isinstance(value, list):
            setattr(node, field, [simplify(v) if isinstance(v, ast.AST) else v for v in value])
    if isinstance(node, ast.Call):        # f(s, *[a, b]) -> f(s, a, b)
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred) and isinstance(arg.value, (ast.List, ast.Tuple)):
                args += arg.value.elts
            else:
                args.append(arg)
        node.args = args
        return node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = node.operand
        if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
            return inner.operand
        return node
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        lnum, rnum = _number(node.left), _number(node.comparators[0])
        if lnum is not None and rnum is not None:       # b - (b != 0) with b = 2: 2 - 1
            return _const(int(_COMPARE[type(node.ops[0])](lnum, rnum)))
        return node
    if not isinstance(node, ast.BinOp):
        return node
    left, right, op = node.left, node.right, node.op
    lnum, rnum = _number(left), _number(right)
    if lnum is not None and rnum is not None and type(op) in _FOLD:
        if not (isinstance(op, ast.Pow) and (abs(rnum) > 8 or rnum < 0)):
            return _const(_FOLD[type(op)](lnum, rnum))
    if isinstance(op, ast.Mult):
        if lnum == 1:
            return right
        if rnum == 1:
            return left
        if lnum == -1:
            return _negate(right)
        if rnum == -1:
            return _negate(left)
        if isinstance(left, ast.UnaryOp) and isinstance(left.op, ast.USub) and _number(left) is None:
            return _negate(simplify(ast.BinOp(left=left.operand, op=op, right=right)))
        if isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub) and _number(right) is None:
            return _negate(simplify(ast.BinOp(left=left, op=op, right=right.operand)))
    if isinstance(op, ast.Div) and rnum == 1:
        return left
    if isinstance(op, ast.Mult) and isinstance(right, ast.BinOp) and isinstance(right.op, ast.Div) \
            and _number(right.left) == 1:
        return ast.BinOp(left=left, op=ast.Div(), right=right.right)      # g * (1 / x) -> g / x
    if isinstance(op, ast.Pow) and rnum == 1:
        return left
    if isinstance(op, ast.Add):
        if lnum == 0:
            return right
        if rnum == 0:
            return left
        if isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub):
            return ast.BinOp(left=left, op=ast.Sub(), right=right.operand)
    if isinstance(op, ast.Sub):
        if rnum == 0:
            return left
        if isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub):
            return ast.BinOp(left=left, op=ast.Add(), right=right.operand)
    return node


def free_names(source):
    """Names an expression (source or tree) reads, not attributes."""
    tree = template_tree(source) if isinstance(source, str) else source
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
