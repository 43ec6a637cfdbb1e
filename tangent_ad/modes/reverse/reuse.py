"""Reusing an adjoint's array when the reverse sweep reads it for the last time.

Most adjoints are read once: ``t2_bar = t1_bar / t2`` is the last use of ``t1_bar``.
When ``t1_bar`` is an array the sweep made itself and nothing else refers to, the
division can run in place, as in a gradient written by hand::

    t1_bar /= t2
    t2_bar = t1_bar

No new array is made: for large arrays that saves the allocation and its page faults,
and the peak memory of the gradient. The reverse sweep decides when an adjoint is
*owned* (its array is new and of its value's full shape, and no other name shares it,
see ``memory.py``); this module reads the adjoint expressions' trees (Python's ``ast``),
and never changes them.

>>> def show(form):
...     return None if form is None else tuple(ast.unparse(f) if isinstance(f, ast.AST) else f for f in form)
>>> show(in_place_form(expression("unbroadcast(t4_bar * t5, t6)"), "t4_bar"))
('*', 't5', 'unbroadcast(t4_bar, t6)')
>>> show(in_place_form(expression("t1_bar / t2"), "t1_bar"))
('/', 't2', 't1_bar')
>>> show(in_place_form(expression("t1_bar / t1_bar"), "t1_bar")) is None
True
>>> show(in_place_form(expression("unbroadcast(t1_bar, t2)"), "t1_bar"))
(None, None, 'unbroadcast(t1_bar, t2)')
"""
import ast

import gast
import numpy

# runtime functions whose result is a new array of their ``x``'s full shape
NEW_FULL_ARRAY = {"sum_adjoint", "mean_adjoint", "index_adjoint"}

_OPERATORS = {ast.Mult: "*", ast.Div: "/"}


def expression(source):
    """The tree of an expression's source (for the examples)."""
    return ast.parse(source, mode="eval").body


def _call_name(node):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id
    return None


def makes_full_array(tree):
    """Whether ``tree`` is a call giving a new array of the value's full shape (``sum_adjoint``)."""
    return _call_name(tree) in NEW_FULL_ARRAY


def mentions(tree, name_):
    return any(isinstance(n, ast.Name) and n.id == name_ for n in ast.walk(tree))


def is_new_value(tree):
    """Whether ``tree`` gives a new object (arithmetic, or a reduction of it), never an
    existing array: after it runs, its operands may be changed in place."""
    node = tree
    while _call_name(node) == "unbroadcast" and node.args:
        node = node.args[0]             # unbroadcast(e, x) is e or a new reduction of it
    return isinstance(node, (ast.BinOp, ast.UnaryOp)) or _call_name(node) in NEW_FULL_ARRAY


def full_reduction_adjoint(tree):
    """``(function, g, x)`` for ``sum_adjoint(g, x)`` or ``mean_adjoint(g, x)`` with no axis: the
    adjoint of a full reduction, the same number at every element of ``x``. None otherwise."""
    name_ = _call_name(tree)
    if name_ in ("sum_adjoint", "mean_adjoint") and len(tree.args) == 2 and not tree.keywords:
        return name_, tree.args[0], tree.args[1]
    return None


def broadcast_sum_adjoint(tree):
    """``g`` when ``tree`` is ``sum_adjoint(g, x)`` or ``sum_adjoint(g, x, axis=..., keepdims=True)``:
    ``g`` spread over ``x``'s shape, which adding ``g`` itself into an array of that shape does
    by broadcasting. None otherwise.

    >>> ast.unparse(broadcast_sum_adjoint(expression("sum_adjoint(t4_bar, e, axis=1, keepdims=True)")))
    't4_bar'
    """
    if _call_name(tree) != "sum_adjoint" or len(tree.args) != 2:
        return None
    keywords = {k.arg: k.value for k in tree.keywords}
    keepdims = keywords.pop("keepdims", None)
    keywords.pop("axis", None)
    if keywords or (tree.keywords and not (isinstance(keepdims, ast.Constant) and keepdims.value is True)):
        return None
    return tree.args[0]


def index_adjoint_call(tree, var, shape_source=None):
    """``(g, index)`` when ``tree`` is ``index_adjoint(g, var, index)``: the adjoint of a read
    ``x[index]``, which adds into that part of ``x``'s adjoint only. ``shape_source``: a
    variable known to have var's shape and dtype, which the call may read instead of var
    (``index_adjoint(g, A, i)`` for ``B = A * 2.0``). None otherwise."""
    if _call_name(tree) == "index_adjoint" and len(tree.args) == 3 \
            and isinstance(tree.args[1], ast.Name) and tree.args[1].id in (var, shape_source):
        return tree.args[0], tree.args[2]
    return None


def in_place_form(tree, g):
    """``(operator, rest, value)`` when ``tree`` is ``g * rest`` or ``g / rest`` (possibly inside
    ``unbroadcast``) and ``rest`` does not read ``g``: then ``g op= rest`` followed by ``value``
    computes the same. ``(None, None, tree)`` when ``tree`` is ``g`` or ``unbroadcast(g, x)``
    (the value is ``g``'s array or a new one). None otherwise."""
    node, wrapper = tree, None
    if _call_name(tree) == "unbroadcast" and len(tree.args) == 2 and not tree.keywords:
        node, wrapper = tree.args[0], tree
        if mentions(tree.args[1], g):
            return None
    if isinstance(node, ast.Name) and node.id == g:
        return None, None, tree
    if not (isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS):
        return None
    if not (isinstance(node.left, ast.Name) and node.left.id == g) or mentions(node.right, g):
        return None
    operator = _OPERATORS[type(node.op)]
    if wrapper is None:
        return operator, node.right, node.left
    value = ast.Call(func=wrapper.func, args=[ast.Name(id=g, ctx=ast.Load()), wrapper.args[1]], keywords=[])
    return operator, node.right, value


def unary_ufunc_operand(tree, np_alias):
    """``t`` when ``tree`` is ``np.F(t)`` for a NumPy ufunc ``F`` of one float giving one float
    (``np.cos(t1)``), which can write its result into ``t``'s array; None otherwise.

    >>> unary_ufunc_operand(expression("np.cos(t1)"), "np"), unary_ufunc_operand(expression("np.sum(t1)"), "np")
    ('t1', None)
    """
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Attribute)
            and isinstance(tree.func.value, ast.Name) and tree.func.value.id == np_alias
            and len(tree.args) == 1 and isinstance(tree.args[0], ast.Name) and not tree.keywords):
        return None
    ufunc = getattr(numpy, tree.func.attr, None)
    if not (isinstance(ufunc, numpy.ufunc) and ufunc.nin == 1 and ufunc.nout == 1 and "d->d" in ufunc.types):
        return None
    return tree.args[0].id


_NEW_ARRAY_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult)


def makes_new_array(value, np_alias):
    """Whether the lowered expression ``value`` (gast) gives a new object every time, never one
    of its operands or a view of one: arithmetic (``x ** 2``, ``-x``) or a NumPy ufunc call
    (``np.sin(x)``). ``x.T``, ``x[1:]``, ``np.reshape(x, s)`` and a copy ``t = x`` may share
    ``x``'s memory, and do not count."""
    if isinstance(value, gast.BinOp):
        return isinstance(value.op, _NEW_ARRAY_OPERATORS)
    if isinstance(value, gast.UnaryOp):
        return isinstance(value.op, (gast.USub, gast.UAdd))
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id == np_alias:
        return isinstance(getattr(numpy, value.func.attr, None), numpy.ufunc) and not any(
            k.arg == "out" for k in value.keywords)
    return False


def is_number_literal(node):
    """Whether the gast atom ``node`` is a number written out (``2``, ``-0.5``)."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        node = node.operand
    return isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool)


def constant_times_name(tree):
    """``(c, n)`` when ``tree`` is ``c * n`` or ``n * c`` for a number ``c`` and a name ``n``:
    ``g *= c * n`` is then ``g *= n`` and ``g *= c``, without the array ``c * n``.

    >>> [ast.unparse(part) for part in constant_times_name(expression("2 * x"))]
    ['2', 'x']
    """
    if not (isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Mult)):
        return None
    for c, n in ((tree.left, tree.right), (tree.right, tree.left)):
        number = c.operand if isinstance(c, ast.UnaryOp) and isinstance(c.op, ast.USub) else c
        if isinstance(number, ast.Constant) and type(number.value) in (int, float) and isinstance(n, ast.Name):
            return c, n
    return None


# runtime functions that read an argument only for its shape and dtype: its position
SHAPE_ONLY = {"unbroadcast": 1, "sum_adjoint": 1, "mean_adjoint": 1, "index_adjoint": 1, "zeros_like": 0,
              "size_of": 0}


def read_for_shape_only(trees, names):
    """The ``names`` that ``trees`` read only as the shape argument of a runtime function
    (``unbroadcast(g, t2)``, ``size_of(t3)``): their values may change, not their shapes.

    >>> sorted(read_for_shape_only([expression("unbroadcast(t1 * t2, t2) + size_of(t3)")], {"t1", "t2", "t3"}))
    ['t3']
    """
    shape_reads, all_reads = {}, {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in names:
                all_reads[node.id] = all_reads.get(node.id, 0) + 1
            position = SHAPE_ONLY.get(_call_name(node))
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Name):
                n = node.args[position].id
                shape_reads[n] = shape_reads.get(n, 0) + 1
    return {n for n, count in all_reads.items() if shape_reads.get(n) == count}
