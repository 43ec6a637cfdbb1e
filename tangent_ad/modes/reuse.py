"""Reusing an adjoint's array when the reverse sweep reads it for the last time.

Most adjoints are read once: ``t2_bar = t1_bar / t2`` is the last use of ``t1_bar``.
When ``t1_bar`` is an array the sweep made itself and nothing else refers to, the
division can run in place, as in a gradient written by hand::

    t1_bar /= t2
    t2_bar = t1_bar

No new array is made: for large arrays that saves the allocation and its page faults,
and the peak memory of the gradient. The reverse generator decides when an adjoint is
*owned* (its array is new and of its value's full shape, and no other name shares it);
this module reads the expressions.

>>> in_place_form("unbroadcast(t4_bar * t5, t6)", "t4_bar")
('*', 't5', 'unbroadcast(t4_bar, t6)')
>>> in_place_form("t1_bar / t2", "t1_bar")
('/', 't2', 't1_bar')
>>> in_place_form("t1_bar / t1_bar", "t1_bar") is None
True
>>> in_place_form("unbroadcast(t1_bar, t2)", "t1_bar")
(None, None, 'unbroadcast(t1_bar, t2)')
"""
import ast

# runtime functions whose result is a new array of their ``x``'s full shape
NEW_FULL_ARRAY = {"sum_adjoint", "mean_adjoint", "index_adjoint"}

_OPERATORS = {ast.Mult: "*", ast.Div: "/"}


def _parse(expr):
    return ast.parse(expr, mode="eval").body


def _call_name(node):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id
    return None


def makes_full_array(expr):
    """Whether ``expr`` is a call giving a new array of the value's full shape (``sum_adjoint``)."""
    return _call_name(_parse(expr)) in NEW_FULL_ARRAY


def mentions(expr, name_):
    return any(isinstance(n, ast.Name) and n.id == name_ for n in ast.walk(_parse(expr)))


def is_new_value(expr):
    """Whether ``expr`` gives a new object (arithmetic, or a reduction of it), never an
    existing array: after it runs, its operands may be changed in place."""
    node = _parse(expr)
    while _call_name(node) == "unbroadcast" and node.args:
        node = node.args[0]             # unbroadcast(e, x) is e or a new reduction of it
    return isinstance(node, (ast.BinOp, ast.UnaryOp)) or _call_name(node) in NEW_FULL_ARRAY


def full_reduction_adjoint(expr):
    """``(function, g, x)`` for ``sum_adjoint(g, x)`` or ``mean_adjoint(g, x)`` with no axis: the
    adjoint of a full reduction, the same number at every element of ``x``. None otherwise."""
    tree = _parse(expr)
    name_ = _call_name(tree)
    if name_ in ("sum_adjoint", "mean_adjoint") and len(tree.args) == 2 and not tree.keywords:
        return name_, ast.unparse(tree.args[0]), ast.unparse(tree.args[1])
    return None


def broadcast_sum_adjoint(expr):
    """``g`` when ``expr`` is ``sum_adjoint(g, x)`` or ``sum_adjoint(g, x, axis=..., keepdims=True)``:
    ``g`` spread over ``x``'s shape, which adding ``g`` itself into an array of that shape does
    by broadcasting. None otherwise.

    >>> broadcast_sum_adjoint("sum_adjoint(t4_bar, e, axis=1, keepdims=True)")
    't4_bar'
    """
    tree = _parse(expr)
    if _call_name(tree) != "sum_adjoint" or len(tree.args) != 2:
        return None
    keywords = {k.arg: k.value for k in tree.keywords}
    keepdims = keywords.pop("keepdims", None)
    keywords.pop("axis", None)
    if keywords or (tree.keywords and not (isinstance(keepdims, ast.Constant) and keepdims.value is True)):
        return None
    return ast.unparse(tree.args[0])


def in_place_form(expr, g):
    """``(operator, rest, value)`` when ``expr`` is ``g * rest`` or ``g / rest`` (possibly inside
    ``unbroadcast``) and ``rest`` does not read ``g``: then ``g op= rest`` followed by ``value``
    computes the same. ``(None, None, expr)`` when ``expr`` is ``g`` or ``unbroadcast(g, x)``
    (the value is ``g``'s array or a new one). None otherwise."""
    tree = _parse(expr)
    node, wrapper = tree, None
    if _call_name(tree) == "unbroadcast" and len(tree.args) == 2 and not tree.keywords:
        node, wrapper = tree.args[0], tree
        if mentions(ast.unparse(tree.args[1]), g):
            return None
    if isinstance(node, ast.Name) and node.id == g:
        return None, None, expr
    if not (isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS):
        return None
    if not (isinstance(node.left, ast.Name) and node.left.id == g) or mentions(ast.unparse(node.right), g):
        return None
    rest = ast.unparse(node.right)
    if wrapper is None:
        return _OPERATORS[type(node.op)], rest, g
    wrapper.args[0] = ast.Name(id=g, ctx=ast.Load())
    return _OPERATORS[type(node.op)], rest, ast.unparse(wrapper)
