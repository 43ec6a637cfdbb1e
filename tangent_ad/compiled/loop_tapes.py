"""A loop's taped values saved as one tuple per iteration, for Numba to compile.

The plain derivative pushes each value a loop's adjoint needs on one tape, and pops it in
the reverse loop; the compiled source gives each taped variable its own list
(``numba_source.py``). Numba writes out the code of a list's ``append`` and ``pop`` at
every place they are called, seconds of compile time for a loop that saves a dozen values.
Where a forward loop pushes values unconditionally (in its body, not under a branch) and
one reverse loop pops all of them unconditionally, each push becomes a local (``saved_x =
x``), the loop's body ends by pushing their tuple on one list, and the reverse loop's body
starts by popping that tuple back into the same locals: one ``append`` and one ``pop``
per loop. The tuple holds what each push held (the same object), and each iteration of
the reverse loop pops the one its forward iteration pushed, as the tape did.

>>> text = '''def f_grad(x, n, y_bar=1.0):
...     tape = []
...     for i in range(n):
...         tape.append(x)
...         t = x * x
...         tape.append(t)
...         x = np.sin(t)
...     x_bar = y_bar
...     for _ in range(n):
...         t = tape.pop()
...         t_bar = x_bar * np.cos(t)
...         x = tape.pop()
...         x_bar = 2.0 * x * t_bar
...     return x_bar
... '''
>>> print(loop_tapes(text, {"f_grad": "tape"}, {"x", "t", "tape", "n", "i"}))
def f_grad(x, n, y_bar=1.0):
    tape = []
    tape_loop = []     # one tuple per iteration of a loop: one append and one pop to compile
    for i in range(n):
        saved_x = x
        t = x * x
        saved_t = t
        x = np.sin(t)
        tape_loop.append((saved_x, saved_t))
    x_bar = y_bar
    for _ in range(n):
        saved_x, saved_t = tape_loop.pop()
        t = saved_t
        t_bar = x_bar * np.cos(t)
        x = saved_x
        x_bar = 2.0 * x * t_bar
    return x_bar
<BLANKLINE>
"""
import ast

_LOOPS = (ast.For, ast.While)


def loop_tapes(text, tapes, taken):
    """``text`` with the pushes and pops of each function's tape that a forward loop and
    its reverse loop make unconditionally saved as one tuple per iteration; the other pushes
    and pops stay as they are. ``tapes``: each function's tape, by name; ``taken``: the names
    in use (the new ones are added)."""
    tree = ast.parse(text)
    lines = text.split("\n")
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        tape = tapes.get(function.name)
        if tape is not None:
            _function_loops(lines, function, tape, taken)
    return "\n".join(lines)


def _function_loops(lines, function, tape, taken):
    made = [n for n in ast.walk(function) if isinstance(n, ast.Assign) and _is_name(n.targets, tape)
            and isinstance(n.value, ast.List) and not n.value.elts]
    if len(made) != 1 or made[0] not in function.body:
        return
    calls = sum(1 for n in ast.walk(function) if isinstance(n, ast.Call) and
                (_is_method(n, tape, "append") or _is_method(n, tape, "pop")))
    pushes, pops = {}, {}       # variable: [(statement, the loop whose body holds it, or None)]
    for loop_or_function in ast.walk(function):
        for field in ("body", "orelse"):
            for statement in getattr(loop_or_function, field, None) or []:
                owner = loop_or_function if isinstance(loop_or_function, _LOOPS) and field == "body" else None
                pushed = _push(statement, tape)
                if pushed is not None:
                    pushes.setdefault(pushed[0], []).append((statement, owner, pushed[1]))
                popped = _pop(statement, tape)
                if popped is not None:
                    pops.setdefault(popped, []).append((statement, owner))
    if calls != sum(map(len, pushes.values())) + sum(map(len, pops.values())):
        return          # a push or pop this does not read (inside an expression, a handler): leave all
    groups = {}     # (forward loop, reverse loop): [variable]
    for var, saved in pushes.items():
        restored = pops.get(var, [])
        forward = {owner for _, owner, _ in saved}
        reverse = {owner for _, owner in restored}
        if len(saved) != len(restored) or len(forward) != 1 or len(reverse) != 1:
            continue
        (loop,), (back,) = forward, reverse
        if (loop is None or back is None or loop.end_lineno >= back.lineno
                or _jumps(loop) or _jumps(back)):
            continue
        groups.setdefault((id(loop), id(back)), (loop, back, []))[2].append(var)
    for loop, back, names in groups.values():
        if sum(len(pushes[var]) for var in names) > 1:
            _save_as_tuples(lines, made[0], loop, back, {var: (pushes[var], pops[var]) for var in names}, tape, taken)


def _save_as_tuples(lines, made, loop, back, sites, tape, taken):
    tuple_tape = fresh_name(f"{tape}_loop", taken)
    slots = []          # in the order of the pushes in the forward body
    for var, (saved, restored) in sites.items():
        names = [fresh_name(f"saved_{var}", taken) for _ in saved]
        # the k-th pop of var in the reverse body restores its k-th last push
        for (statement, _, value), name_ in zip(saved, names):
            lines[statement.lineno - 1] = _indent(lines, statement) + f"{name_} = {value}"
            slots.append((statement.lineno, name_))
        for (statement, _), name_ in zip(restored, reversed(names)):
            lines[statement.lineno - 1] = _indent(lines, statement) + f"{var} = {name_}"
    ordered = ", ".join(name_ for _, name_ in sorted(slots))
    last, first = loop.body[-1], back.body[0]
    lines[last.end_lineno - 1] += f"\n{_indent(lines, loop.body[0])}{tuple_tape}.append(({ordered}))"
    lines[first.lineno - 1] = f"{_indent(lines, first)}{ordered} = {tuple_tape}.pop()\n" + lines[first.lineno - 1]
    comment = "" if "     # one tuple" in lines[made.lineno - 1] else \
        "     # one tuple per iteration of a loop: one append and one pop to compile"
    lines[made.lineno - 1] += f"\n{_indent(lines, made)}{tuple_tape} = []{comment}"


def _push(statement, tape):
    """``(variable, value text)`` of ``tape.append(v)`` or ``tape.append(copy_of(v))``."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    if not (_is_method(call, tape, "append") and len(call.args) == 1 and not call.keywords):
        return None
    value = call.args[0]
    if isinstance(value, ast.Name):
        return value.id, value.id
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "copy_of"
            and len(value.args) == 1 and isinstance(value.args[0], ast.Name)):
        return value.args[0].id, ast.unparse(value)
    return None


def _pop(statement, tape):
    """``v`` of ``v = tape.pop()``."""
    if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)
            and _is_method(statement.value, tape, "pop") and not statement.value.args):
        return statement.targets[0].id
    return None


def _is_method(call, owner, method):
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == method
            and isinstance(func.value, ast.Name) and func.value.id == owner)


def _is_name(targets, name_):
    return len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name_


def _jumps(loop):
    """Whether a ``break``, ``continue`` or ``return`` may leave ``loop``'s body early (the
    tuple is pushed at its end, and popped at the start of the reverse body)."""
    return bool(loop.orelse) or any(isinstance(node, (ast.Break, ast.Continue, ast.Return))
                                    for statement in loop.body for node in ast.walk(statement))


def _indent(lines, statement):
    line = lines[statement.lineno - 1].split("\n")[-1]
    return line[:len(line) - len(line.lstrip())]


def fresh_name(name_, taken):
    """``name_``, or ``name_2``, ``name_3``...: the first not in ``taken`` (added to it)."""
    candidate, n = name_, 1
    while candidate in taken:
        n += 1
        candidate = f"{name_}{n}"
    taken.add(candidate)
    return candidate
