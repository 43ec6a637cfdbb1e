"""Instrumenting generated code: a recording call after every assignment and around every loop and branch.

``instrument(text, entry)`` parses the generated source, inserts calls to the
recorder (bound to the global name ``RECORDER``) and returns the tree to compile
with the facts about each instrumented statement the recorder reads: its text,
the names it assigns, its phase (the forward or the reverse sweep, from the
``# reverse sweep`` comment's line), the comment heading its group, and whether it
is tape bookkeeping.
"""
import ast
import copy
import io
import re
import tokenize

from ..ir.code import source_lines

__all__ = ["RECORDER", "instrument"]

RECORDER = "__tangent_ad_explain__"
_COUNTER_NAME = re.compile(r"iterations\d*$")


def _call(method, *args):
    return ast.Call(func=ast.Attribute(value=ast.Name(id=RECORDER, ctx=ast.Load()), attr=method,
                                       ctx=ast.Load()),
                    args=list(args), keywords=[])


def _stmt(method, *args):
    return ast.Expr(value=_call(method, *args))


def _guarded(sid, enter_args, body):
    """``enter(...)`` then ``try: body finally: leave(sid)``: frames stay balanced across break/return."""
    return [_stmt("enter", ast.Constant(sid), *enter_args),
            ast.Try(body=body or [ast.Pass()], handlers=[], orelse=[],
                    finalbody=[_stmt("leave", ast.Constant(sid))])]


def _leaves(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _leaves(element)
    elif isinstance(target, ast.Starred):
        yield from _leaves(target.value)
    else:
        yield target


def _as_load(target):
    node = copy.deepcopy(target)
    for sub in ast.walk(node):
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()
    return node


def _is_tape_call(node, method):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == method and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "tape")


class _Instrumenter:
    def __init__(self, text):
        self.text = text
        self.lines = source_lines(text)      # indexed by the parser's line numbers
        self.statements = []
        self.function = None
        self.entry = None
        self.reverse_from = None     # first line of the current function's reverse sweep
        self.definitions = {}        # name -> the text of its one non-tape assignment

    def add(self, **info):
        self.statements.append(info)
        return len(self.statements) - 1

    def phase(self, node):
        if self.reverse_from is not None and node.lineno > self.reverse_from:
            return "reverse"
        return "forward"

    def segment(self, node):
        text = ast.get_source_segment(self.text, node)
        return text if text is not None else ast.unparse(node)

    def header(self, node):
        """The head of a compound statement, without its colon: ``while i < n``."""
        if isinstance(node, ast.For):
            return f"for {self.segment(node.target)} in {self.segment(node.iter)}"
        return f"{'while' if isinstance(node, ast.While) else 'if'} {self.segment(node.test)}"

    def note(self, node):
        """The comment at the end of a compound statement's first line, if any."""
        line = self.lines[node.lineno - 1]
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
        except (tokenize.TokenError, SyntaxError):
            return ""
        comments = [t.string[1:].strip() for t in tokens if t.type == tokenize.COMMENT]
        return comments[-1] if comments else ""

    def comment_above(self, node):
        """The comment on the line just above ``node``: None if there is none, "" at a phase marker."""
        line = self.lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        if not line.startswith("#"):
            return None
        text = line[1:].strip()
        return "" if text in ("forward sweep", "reverse sweep") else text

    # ---------------------------------------------------------------- module
    def module(self, tree, entry):
        self.entry = entry
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                self.function_def(node)

    def function_def(self, node):
        self.function = node.name
        self.reverse_from = None
        end = getattr(node, "end_lineno", len(self.lines))
        for number in range(node.lineno, end):
            if self.lines[number - 1].strip() == "# reverse sweep":
                self.reverse_from = number
        self.definitions = self._definitions(node)
        body = node.body
        docstring = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            docstring, body = body[:1], body[1:]
        sid = self.add(kind="function", text=node.name, entry=node.name == self.entry, phase="forward",
                       function=node.name)
        parameters = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        arguments = ast.Dict(keys=[ast.Constant(p) for p in parameters],
                             values=[ast.Name(id=p, ctx=ast.Load()) for p in parameters])
        node.body = docstring + _guarded(sid, [arguments], self.block(body))

    def _definitions(self, node):
        found = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                if not _is_tape_call(sub.value, "pop"):
                    found.setdefault(sub.targets[0].id, []).append(self.segment(sub.value))
        return {name: texts[0] for name, texts in found.items() if len(set(texts)) == 1}

    # ---------------------------------------------------------------- blocks
    def block(self, statements):
        out = []
        comment = ""
        for node in statements:
            above = self.comment_above(node)
            if above is not None:
                comment = above
            out.extend(self.statement(node, comment))
            if isinstance(node, (ast.If, ast.While, ast.For)):
                comment = ""                # a comment heads the simple statements up to a block
        return out

    def statement(self, node, comment):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return self.assignment(node, comment)
        if isinstance(node, ast.Expr) and _is_tape_call(node.value, "append"):
            sid = self.add(kind="push", text=self.segment(node), names=("tape[-1]",), phase=self.phase(node),
                           line=node.lineno, comment=comment, function=self.function, bookkeeping=True)
            last = ast.Subscript(value=ast.Name(id="tape", ctx=ast.Load()),
                                 slice=ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1)), ctx=ast.Load())
            return [node, _stmt("push", ast.Constant(sid), last)]
        if isinstance(node, ast.If):
            return self.if_(node)
        if isinstance(node, ast.While):
            return self.loop(node, target=None)
        if isinstance(node, ast.For):
            return self.loop(node, target=node.target)
        if isinstance(node, ast.Return) and node.value is not None:
            sid = self.add(kind="return", text=self.segment(node), phase=self.phase(node),
                           line=node.lineno, function=self.function)
            node.value = _call("returned", ast.Constant(sid), node.value)
            return [node]
        for field in ("body", "orelse", "finalbody"):       # any other block statement (try, with)
            if isinstance(getattr(node, field, None), list):
                setattr(node, field, self.block(getattr(node, field)))
        for handler in getattr(node, "handlers", []):
            handler.body = self.block(handler.body)
        return [node]

    def assignment(self, node, comment):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        leaves = [leaf for target in targets for leaf in _leaves(target)]
        names = tuple(leaf.id if isinstance(leaf, ast.Name) else ast.unparse(leaf) for leaf in leaves)
        bookkeeping = (_is_tape_call(node.value, "pop")
                       or (len(names) == 1 and names[0] == "tape")
                       or (len(names) == 1 and _COUNTER_NAME.match(names[0]) is not None
                           and (isinstance(node, ast.AugAssign)
                                or isinstance(node.value, ast.Constant))))
        sid = self.add(kind="assign", text=self.segment(node), names=names, phase=self.phase(node),
                       line=node.lineno, comment=comment, function=self.function, bookkeeping=bookkeeping)
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return [node]
        values = ast.Tuple(elts=[_as_load(leaf) for leaf in leaves], ctx=ast.Load())
        return [node, _stmt("assign", ast.Constant(sid), values)]

    def if_(self, node):
        test = self.header(node)
        if isinstance(node.test, ast.Name) and node.test.id in self.definitions:
            test = f"{test} ({self.definitions[node.test.id]})"
        sid = self.add(kind="if", text=test, phase=self.phase(node), function=self.function, line=node.lineno,
                       has_else=bool(node.orelse))
        node.body = _guarded(sid, [ast.Constant(True)], self.block(node.body))
        node.orelse = _guarded(sid, [ast.Constant(False)], self.block(node.orelse))
        return [node]

    def loop(self, node, target):
        replays = False
        target_text = None
        if target is not None:
            target_text = ast.unparse(target) if isinstance(target, ast.Name) else None
            it = node.iter
            replays = (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                       and len(it.args) == 1 and isinstance(it.args[0], ast.Name)
                       and _COUNTER_NAME.match(it.args[0].id) is not None)
        sid = self.add(kind="loop", text=self.header(node), phase=self.phase(node), replays=replays,
                       target=target_text, function=self.function, note=self.note(node), line=node.lineno)
        item = [_as_load(target)] if target_text else []
        body = [_stmt("iteration", ast.Constant(sid), *item)] + self.block(node.body)
        node.body = body
        node.orelse = self.block(node.orelse)
        if target is not None:
            node.iter = _call("items", ast.Constant(sid), node.iter)
        return _guarded(sid, [], [node])


def instrument(text, entry):
    """The tree of ``text`` with the recording calls inserted, and the facts about each statement.

    ``entry`` names the generated function that is called (the helpers it calls are
    instrumented too); statement number ``sid`` of the recorder's calls indexes the list.
    """
    tree = ast.parse(text)
    instrumenter = _Instrumenter(text)
    instrumenter.module(tree, entry)
    ast.fix_missing_locations(tree)
    return tree, instrumenter.statements
