"""The generated source, rewritten so that Numba can compile it.

The plain derivative is already close to what ``@njit`` accepts; two things are not:

- **the tape**: one Python list holding floats, booleans and arrays side by side. Numba
  compiles lists whose items share one type, so each taped variable gets its own list
  (``tape_x``, ``tape_cond``). The reverse sweep pops values in the reverse order of the
  pushes, and every ``v = tape.pop()`` restores a value pushed as ``tape.append(v)``,
  so the last ``v`` pushed is the one each pop finds on ``tape_v`` too. What a loop saves
  on every iteration is saved as one tuple per iteration instead (``loop_tapes.py``);
- **``np.s_[1:]``**, which Numba does not know: written ``slice(1, None)``.

Two more rewrites cut what Numba compiles at the first call, not what the code computes:
a sum or mean along one axis is a call of a helper written as loops (``axis_sum(x, 1,
True)``, ``numba_reductions.py``), and ``a @ b`` is ``matmul(a, b)`` (``numba_matmul.py``).
Then operations on arrays are gathered into fewer lines (``fusion.py``), so that Numba
runs them as one loop.

Comments stay where they are, so the compiled source reads like the plain one:
``# line 12: x = np.sin(x)`` above the lines that compute it.

>>> text = '''def f_grad(x, n, y_bar=1.0):
...     tape = []
...     tape.append(x)
...     y = x * x
...     x = tape.pop()
...     return 2.0 * x * y_bar
... '''
>>> print(numba_source(text, {"f_grad": "tape"}, set()).text)
def f_grad(x, n, y_bar=1.0):
    tape_x = []     # one list per taped variable: Numba compiles lists of one type
    tape_x.append(x)
    y = x * x
    x = tape_x.pop()
    return 2.0 * x * y_bar
<BLANKLINE>
"""
import ast
import re
from dataclasses import dataclass

from .fusion import fuse
from .loop_tapes import fresh_name, loop_tapes

_LINE_COMMENT = re.compile(r"^\s*# line (\d+): (.*)$")


@dataclass
class NumbaSource:
    text: str           # the source to compile
    functions: list     # the names of the functions it defines, in order


class Unsupported(Exception):
    """A generated line Numba cannot compile: ``lineno`` in the generated text, and why."""

    def __init__(self, lineno, reason):
        super().__init__(reason)
        self.lineno = lineno
        self.reason = reason


def numba_source(text, tapes, numpy_names, compiled_helpers=None):
    """``text`` (a generated module) as Numba compiles it; ``tapes``: each generated
    function's tape, by function name; ``numpy_names``: the names NumPy is bound to;
    ``compiled_helpers``: the runtime helpers Numba has versions of (None: do not check)."""
    tree = ast.parse(text)
    if compiled_helpers is not None:
        _check_helpers(tree, compiled_helpers)
    taken = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    reductions, imported = _reduction_edits(tree, numpy_names, taken)
    products, imported_products = _matmul_edits(tree, taken)
    imported += imported_products
    edits = (_slice_edits(tree, numpy_names) + _reversed_range_edits(tree) + _keepdims_edits(tree, numpy_names)
             + _reuse_edits(tree) + reductions + products)
    text = _write_edits(text, edits)
    text = "\n".join(_REUSE_COMMENT.sub("", line) for line in text.split("\n"))   # out= is gone
    text = loop_tapes(text, tapes, taken)
    lines = text.split("\n")
    _typed_zeros(lines, taken)
    _import_first(lines, imported)
    functions = [node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)]
    for function in functions:
        tape = tapes.get(function.name)
        if tape is not None:
            _split_tape(lines, function.lineno - 1, function.end_lineno, tape, taken)
    return NumbaSource(fuse("\n".join(lines)), [f.name for f in functions])


_ZERO_ADJOINT = re.compile(r"^(\s*)((\w+)_bar) = 0\.0$")


def _typed_zeros(lines, taken):
    """``v_bar = 0.0``, the zero adjoint of a branch that did not reach ``v``, written
    ``v_bar = zeros_like(v)``: an array's adjoint is then an array on every path, as Numba
    needs (a variable has one type). ``zeros_like`` is imported where it was not."""
    changed = False
    for i, line in enumerate(lines):
        match = _ZERO_ADJOINT.match(line)
        if match and match.group(3) in taken:
            lines[i] = f"{match.group(1)}{match.group(2)} = zeros_like({match.group(3)})"
            changed = True
    if not changed or "zeros_like" in taken:
        return
    for i, line in enumerate(lines):
        if line.startswith("from tangent_ad.runtime import "):
            names = sorted(set(line.split(" import ", 1)[1].split(", ")) | {"zeros_like"})
            lines[i] = f"from tangent_ad.runtime import {', '.join(names)}"
            return
    first = next(i for i, line in enumerate(lines) if line.startswith("def "))
    lines[first] = "from tangent_ad.runtime import zeros_like\n\n\n" + lines[first]   # one item: lines keep their numbers


def user_line(text, lineno):
    """``(line, code)`` of the user's function that generated line ``lineno`` of ``text``
    computes: from the nearest ``# line N: code`` comment above it; None when there is none.

    In the reverse sweep the comment above is the statement whose adjoint follows
    (``# t1 = math.sin(x)``): the user's line is the one above that statement in the forward
    sweep."""
    lines = text.split("\n")
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        line = lines[i]
        match = _LINE_COMMENT.match(line)
        if match:
            return int(match.group(1)), match.group(2)
        stripped = line.strip()
        if stripped.startswith("# ") and "=" in stripped:
            statement = stripped[2:]
            forward = [j for j in range(i) if lines[j].strip() == statement]
            if forward:
                return user_line(text, forward[-1] + 1)
        if line.startswith("def "):
            break
    return None


# ----------------------------------------------------------------------- helpers
def _check_helpers(tree, compiled_helpers):
    """Refuse the first call of a runtime helper that has no compiled version."""
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "tangent_ad.runtime":
            imported |= {alias.asname or alias.name for alias in node.names}
    missing = imported - set(compiled_helpers) - {"reusable"}     # reusable: see _reuse_edits
    if not missing:
        return
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id in missing]
    first = min(calls, key=lambda node: node.lineno)
    raise Unsupported(first.lineno, f"its derivative calls the helper {first.func.id}(), "
                                    f"which has no compiled version yet")


# ------------------------------------------------------------------------- np.s_
def _slice_edits(tree, numpy_names):
    """Each ``np.s_[...]`` written as the index it stands for: ``slice(1, None)``, ``(0, slice(None))``."""
    edits = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "s_" and isinstance(node.value.value, ast.Name)
                and node.value.value.id in numpy_names):
            edits.append((node, _index_text(node.slice)))
    return edits


def _reversed_range_edits(tree):
    """``reversed(range(n))``, which Numba does not compile, as ``range(n - 1, -1, -1)``."""
    edits, handled = [], set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "reversed"
                and len(node.args) == 1 and isinstance(node.args[0], ast.Call)
                and isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "range"):
            handled.add(id(node.func))
            bounds = [ast.unparse(a) for a in node.args[0].args]
            if len(bounds) == 1:
                edits.append((node, f"range({_minus_one(bounds[0])}, -1, -1)"))
            elif len(bounds) == 2:
                edits.append((node, f"range({_minus_one(bounds[1])}, {_minus_one(bounds[0])}, -1)"))
            else:
                raise Unsupported(node.lineno, "a loop over a range with a step, run backwards")
        elif isinstance(node, ast.Name) and node.id == "reversed" and id(node) not in handled:
            raise Unsupported(node.lineno, "reversed() of something other than a range")
    return edits


def _keepdims_edits(tree, numpy_names):
    """``np.sum(x, axis=1, keepdims=True)``, whose ``keepdims`` Numba does not take, as
    ``np.expand_dims(np.sum(x, axis=1), 1)``."""
    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in numpy_names):
            continue
        if _reduction_call(node, numpy_names) is not None:
            continue        # a sum or mean along one axis: _reduction_edits
        keywords = {k.arg: k.value for k in node.keywords}
        keepdims = keywords.get("keepdims")
        if keepdims is None or (isinstance(keepdims, ast.Constant) and keepdims.value is False):
            continue
        axis = keywords.get("axis", node.args[1] if len(node.args) > 1 else None)
        if not (isinstance(keepdims, ast.Constant) and keepdims.value is True
                and isinstance(axis, ast.Constant) and isinstance(axis.value, int) and len(node.args) == 1):
            raise Unsupported(node.lineno, "keepdims=True with an axis that is not one number")
        numpy = node.func.value.id
        edits.append((node, f"{numpy}.expand_dims({numpy}.{node.func.attr}({ast.unparse(node.args[0])}, "
                            f"axis={axis.value}), {axis.value})"))
    return edits


_REDUCTIONS = {"sum": "axis_sum", "mean": "axis_mean"}


def _reduction_edits(tree, numpy_names, taken):
    """``np.sum(x, axis=1, keepdims=True)``, ``x.mean(0)``: a sum or mean along one axis given
    as a number, as ``axis_sum(x, 1, True)`` (``numba_reductions.py``: loops, which Numba
    compiles in a fraction of the time its own sum along an axis takes). ``(edits, imports)``:
    the imports name each helper used, under a name the function does not use."""
    edits, names = [], {}
    for node in ast.walk(tree):
        found = _reduction_call(node, numpy_names)
        if found is None:
            continue
        helper, array, axis, keepdims = found
        if helper not in names:
            names[helper] = fresh_name(helper, taken)
        edits.append((node, f"{names[helper]}({array}, {axis}, {keepdims})"))
    imported = [helper + (f" as {name_}" if name_ != helper else "") for helper, name_ in sorted(names.items())]
    imports = [f"from tangent_ad.compiled.numba_reductions import {', '.join(imported)}"] if imported else []
    return edits, imports


def _reduction_call(node, numpy_names):
    """``(helper, array text, axis, keepdims)`` of a sum or mean along one axis written as a
    number (``np.sum(x, 1)``, ``x.mean(axis=-1, keepdims=True)``); None for any other call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _REDUCTIONS):
        return None
    owner, args = node.func.value, list(node.args)
    if isinstance(owner, ast.Name) and owner.id in numpy_names:
        if not args:
            return None
        array, args = args[0], args[1:]
    else:
        array = owner
    keywords = {k.arg: k.value for k in node.keywords}
    if len(args) > 1 or set(keywords) - {"axis", "keepdims"} or (args and "axis" in keywords):
        return None
    axis = args[0] if args else keywords.get("axis")
    keepdims = keywords.get("keepdims")
    try:
        axis = ast.literal_eval(axis) if axis is not None else None
        keepdims = ast.literal_eval(keepdims) if keepdims is not None else False
    except (ValueError, TypeError):
        return None
    if type(axis) is not int or type(keepdims) is not bool:
        return None
    if any(isinstance(n, (ast.Call, ast.Subscript)) for n in ast.walk(array)):
        return None         # another edit may write inside it: the two would overlap
    return _REDUCTIONS[node.func.attr], ast.unparse(array), axis, keepdims


def _matmul_edits(tree, taken):
    """``a @ b`` of two names (or their attributes: ``W.T``) as ``matmul(a, b)``
    (``numba_matmul.py``: one compiled function fewer per kind of product). ``(edits, imports)``."""
    products = [node for node in ast.walk(tree) if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
                and all(_plain_operand(side) for side in (node.left, node.right))]
    if not products:
        return [], []
    name_ = fresh_name("matmul", taken)
    edits = [(node, f"{name_}({ast.unparse(node.left)}, {ast.unparse(node.right)})") for node in products]
    return edits, ["from tangent_ad.compiled.numba_matmul import matmul" + (f" as {name_}" if name_ != "matmul" else "")]


def _plain_operand(node):
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and _plain_operand(node.value))


def _import_first(lines, imports):
    """``imports`` written after the runtime's import (or above the first function), on its
    line: the lines keep their numbers."""
    if not imports:
        return
    for i, line in enumerate(lines):
        if line.startswith("from tangent_ad.runtime import "):
            lines[i] = "\n".join([line] + imports)
            return
    first = next(i for i, line in enumerate(lines) if line.startswith("def "))
    lines[first] = "\n".join(imports) + "\n\n\n" + lines[first]


def _reuse_edits(tree):
    """``np.cos(t1, out=reusable(t1))`` as ``np.cos(t1)``: the compiled code makes its own arrays."""
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(
                k.arg == "out" and isinstance(k.value, ast.Call) and isinstance(k.value.func, ast.Name)
                and k.value.func.id == "reusable" for k in node.keywords):
            plain = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "out"])
            edits.append((node, ast.unparse(plain)))
    return edits


_REUSE_COMMENT = re.compile(r"\s+# \w+ is not read again: its array holds the result$")


def _minus_one(bound):
    """``bound - 1``, folded when ``bound`` is a number."""
    try:
        return str(int(bound) - 1)
    except ValueError:
        simple = isinstance(ast.parse(bound, mode="eval").body, (ast.Name, ast.Call, ast.Attribute, ast.Subscript))
        return f"{bound} - 1" if simple else f"({bound}) - 1"


def _write_edits(text, edits):
    """``text`` with each ``(node, new text)`` of ``edits`` written over the node's text."""
    lines = text.split("\n")
    # last first, so earlier positions stay right
    for node, new in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        if node.lineno != node.end_lineno:
            raise Unsupported(node.lineno, "an index written over several lines")
        line = lines[node.lineno - 1]
        lines[node.lineno - 1] = line[:node.col_offset] + new + line[node.end_col_offset:]
    return "\n".join(lines)


def _index_text(index):
    if isinstance(index, ast.Tuple):
        parts = [_index_text(e) for e in index.elts]
        return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"
    if isinstance(index, ast.Slice):
        bounds = [ast.unparse(b) if b is not None else "None" for b in (index.lower, index.upper, index.step)]
        if bounds[2] == "None":
            bounds.pop()
        return f"slice({', '.join(bounds)})"
    if isinstance(index, ast.Constant) and index.value is Ellipsis:
        raise Unsupported(index.lineno, "an index with ... (Ellipsis)")
    return ast.unparse(index)


# -------------------------------------------------------------------------- tapes
def _split_tape(lines, start, end, tape, taken):
    """Give each value ``lines[start:end]`` (one function) saves on ``tape`` its own list."""
    t = re.escape(tape)
    make = re.compile(rf"^(\s*){t} = \[\]$")
    push = re.compile(rf"^(\s*){t}\.append\(((?:copy_of\()?(\w+)\)?)\)$")
    pop = re.compile(rf"^(\s*)(\w+) = {t}\.pop\(\)$")
    used = re.compile(rf"\b{t}\b")
    pushed, popped, made_at = [], set(), None
    for i in range(start, end):
        line = lines[i]
        if make.match(line):
            made_at = i
        elif (m := push.match(line)) is not None:
            pushed.append(m.group(3))
        elif (m := pop.match(line)) is not None:
            popped.add(m.group(2))
        elif used.search(line.split("#")[0]):
            raise Unsupported(i + 1, f"the tape used as {line.strip()!r}")
    if made_at is None or set(pushed) != popped:
        raise Unsupported(start + 1, "a tape whose values are not restored under the names they were saved from")
    if not pushed:          # every value is saved as a loop's tuple (loop_tapes.py)
        lines[made_at] = ""
        return
    names = {}
    for var in dict.fromkeys(pushed):
        names[var] = fresh_name(f"{tape}_{var}", taken)
    indent = make.match(lines[made_at]).group(1)
    made = [f"{indent}{names[var]} = []" for var in names]
    made[0] += "     # one list per taped variable: Numba compiles lists of one type"
    for i in range(start, end):
        line = lines[i]
        if (m := push.match(line)) is not None:
            lines[i] = f"{m.group(1)}{names[m.group(3)]}.append({m.group(2)})"
        elif (m := pop.match(line)) is not None:
            lines[i] = f"{m.group(1)}{m.group(2)} = {names[m.group(2)]}.pop()"
    lines[made_at:made_at + 1] = ["\n".join(made)]
