"""Reads of an argument flattened into leaf parameters (``pytrees.py``), rewritten.

``params["W"]`` becomes the leaf's name, ``W, b = params`` one assignment per leaf, a
``for`` loop over a list argument one copy of its body per entry, ``helper(*pair)`` and
``helper(**options)`` the leaves passed one by one, ``len(params)`` a number. Any other use
raises a TransformError at the user's line with what to write instead.
"""
import ast
import copy
import inspect

import gast


class Tree:
    """A flattened parameter's structure, each leaf holding the name of its parameter."""

    def __init__(self, spec, names):
        self.kind = spec[0] if isinstance(spec, tuple) else None
        if self.kind is None:
            self.leaf = next(names)
            return
        self.children = [(key, Tree(child, names)) for key, child in spec[1]]

    @property
    def sequence(self):
        """A tuple, a list or a namedtuple: unpacked, looped over, spread with *."""
        return self.kind in ("tuple", "list") or isinstance(self.kind, type)

    @property
    def kind_name(self):
        return self.kind.__name__ if isinstance(self.kind, type) else self.kind

    def sliced(self, part):
        tree = Tree.__new__(Tree)
        tree.kind, tree.children = self.kind, self.children[part]
        return tree

    def child(self, key):
        """The subtree at a constant key, or None when there is none."""
        if self.kind == "dict" or (isinstance(self.kind, type) and type(key) is str):
            return next((t for k, t in self.children if k == key), None)       # a namedtuple's field
        if type(key) is not int:
            return None
        index = key + len(self.children) if key < 0 else key
        return self.children[index][1] if 0 <= index < len(self.children) else None


def _name(id_):
    return gast.Name(id=id_, ctx=gast.Load(), annotation=None, type_comment=None)


class Rewriter(gast.NodeTransformer):
    """Replace each constant-key read of a flattened parameter by its leaf's name."""

    def __init__(self, trees, where, objects=None, namespace=None):
        self.trees = trees
        self.where = where
        self.objects = objects or {}        # parameter -> the name of its class (pytrees.OBJECT)
        self.namespace = namespace or {}

    def rewrite(self, function):
        for child in (n for s in function.body for n in gast.walk(s)):
            if isinstance(child, gast.Name) and child.id in self.trees and not isinstance(child.ctx, gast.Load):
                self.refuse(child, f"assigning to the parameter {child.id}",
                            f"assign to a new name; {child.id} is read through its keys")
            if isinstance(child, (gast.Lambda, gast.FunctionDef)) and child is not function:
                inner = {a.id for a in parameter_nodes_names(child.args)}
                for name_ in inner & set(self.trees):
                    self.refuse(child, f"a nested function whose parameter {name_} hides the "
                                f"argument {name_}", "give the parameter another name")
        self.function = function
        function.body = [s for item in map(self.visit, function.body) for s in _statements(item)]

    def refuse(self, node, construct, hint):
        raise self.where.error(node, construct, hint)

    # --- what a flattened parameter expression resolves to
    def resolve(self, node):
        """(tree, the keys left over) for ``p``, ``p["W"]``, ``p[0]["b"]``...; None otherwise."""
        keys = []
        while isinstance(node, (gast.Subscript, gast.Attribute)):
            keys.append(node)
            node = node.value
        if not (isinstance(node, gast.Name) and node.id in self.trees):
            return None
        tree = self.trees[node.id]
        keys.reverse()
        for index, subscript in enumerate(keys):
            if tree.kind is None:
                return tree, keys[index:]
            if isinstance(subscript, gast.Attribute):       # p.W of a namedtuple
                child = tree.child(subscript.attr) if isinstance(tree.kind, type) else None
                if child is None or subscript.attr.startswith("_"):
                    self.refuse(subscript, f"the attribute .{subscript.attr} of the {tree.kind_name} "
                                f"argument {node.id}", "read its entries with constant keys or "
                                "field names, or unpack it")
                tree = child
                continue
            if isinstance(subscript.slice, gast.Slice) and tree.kind in ("tuple", "list"):
                bounds = [_constant_key(part) if part is not None else None for part in
                          (subscript.slice.lower, subscript.slice.upper, subscript.slice.step)]
                written = [part is not None for part in (subscript.slice.lower, subscript.slice.upper,
                                                         subscript.slice.step)]
                if all(b is not None or not w for b, w in zip(bounds, written)):
                    tree = tree.sliced(slice(*bounds))      # params[:-1]: its entries, a list
                    continue
            key = _constant_key(subscript.slice)
            if key is None:
                self.refuse(subscript, f"a computed key into the argument {node.id}",
                            f"read it with a constant key ({node.id}['W'], {node.id}[0]): tangent_ad "
                            "differentiates each entry as a parameter of its own")
            child = tree.child(key)
            if child is None:
                self.refuse(subscript, f"the key {key!r} of the argument {node.id}",
                            f"{node.id} has no such entry in this call; its keys are "
                            f"{[k for k, _ in tree.children]}")
            tree = child
        return tree, []

    def expression(self, node, whole_ok=False):
        """The rewritten expression of a flattened parameter read; a whole container only when
        ``whole_ok`` (then the Tree itself)."""
        tree, rest = self.resolve(node)
        if tree.kind is None:
            out = _name(tree.leaf)
            for subscript in rest:
                if isinstance(subscript, gast.Attribute):
                    out = gast.Attribute(value=out, attr=subscript.attr, ctx=subscript.ctx)
                else:
                    out = gast.Subscript(value=out, slice=self.visit(subscript.slice), ctx=subscript.ctx)
            return out
        if whole_ok:
            return tree
        if _sequence(tree):         # np.stack(ps), sum(ps): the list written out, [ps_0, ps_1]
            return gast.copy_location(self.literal(tree), node)
        base = node
        while isinstance(base, (gast.Subscript, gast.Attribute)):
            base = base.value
        self.refuse(node, f"using the whole {tree.kind_name} {_text(node)} (an argument whose entries "
                    "are differentiated, or *args / **kwargs) other than through constant keys",
                    f"read its entries with constant keys ({base.id}['W'], {base.id}[0]) or unpack it "
                    f"(a, b = {base.id}); pass the entries to a helper one by one")

    def literal(self, tree):
        if tree.kind is None:
            return _name(tree.leaf)
        elts = [self.literal(child) for _, child in tree.children]
        return (gast.List if tree.kind == "list" else gast.Tuple)(elts=elts, ctx=gast.Load())

    # --- visitors
    def visit_Subscript(self, node):
        if self.resolve(node) is not None:
            if not isinstance(node.ctx, gast.Load):
                self.refuse(node, "assigning into an argument that is differentiated through",
                            "build a new value in a local variable instead")
            return self.expression(node)
        return self.generic_visit(node)

    def visit_Attribute(self, node):
        if self.resolve(node) is not None:
            return self.expression(node)
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.trees and isinstance(node.ctx, gast.Load):
            return self.expression(node)
        return node

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, gast.Name) and func.id == "len" and len(node.args) == 1 \
                and not node.keywords and self.resolve(node.args[0]) is not None:
            tree, rest = self.resolve(node.args[0])
            if tree.kind is not None:
                return gast.Constant(value=len(tree.children), kind=None)
        method = self.method(func)
        if method is not None:          # self.part(x) -> Model.part(self, x): a helper like any other
            node.args = [func.value] + list(node.args)
            func = node.func = gast.Attribute(value=_name(method), attr=func.attr, ctx=gast.Load())
        node.func = self.visit(func)
        args = []
        for arg in node.args:
            if isinstance(arg, gast.Starred) and self.resolve(arg.value) is not None:
                tree = self.expression(arg.value, whole_ok=True)
                if isinstance(tree, Tree) and tree.sequence:
                    args += [self.leaf(t, arg) for _, t in tree.children]
                    continue
            args.append(self.visit(arg))
        keywords = []
        for keyword in node.keywords:
            if keyword.arg is None and self.resolve(keyword.value) is not None:
                tree = self.expression(keyword.value, whole_ok=True)
                if isinstance(tree, Tree) and tree.kind == "dict":
                    odd = [k for k, _ in tree.children if not (isinstance(k, str) and k.isidentifier())]
                    if odd:
                        self.refuse(keyword.value, f"passing the key {odd[0]!r} of {_text(keyword.value)} "
                                    "as a keyword argument", "pass keys that are names (scale=...)")
                    keywords += [gast.keyword(arg=k, value=self.leaf(t, keyword.value))
                                 for k, t in tree.children]
                    continue
            keywords.append(self.visit(keyword))
        node.args, node.keywords = args, keywords
        return node

    def method(self, func):
        """The class name for ``obj.method`` where ``obj`` is an instance parameter and ``method``
        a plain function of its class, neither assigned in the function; else None."""
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)
                and func.value.id in self.objects):
            return None
        class_name = self.objects[func.value.id]
        cls = self.namespace.get(class_name)
        try:
            raw = inspect.getattr_static(cls, func.attr)
        except AttributeError:
            return None
        stored = {n.id for s in self.function.body for n in gast.walk(s)
                  if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
        if not inspect.isfunction(raw) or stored & {class_name, func.value.id}:
            return None
        return class_name

    def leaf(self, tree, where):
        if tree.kind is not None:
            self.refuse(where, f"passing a nested {tree.kind_name} inside an argument that is "
                        "differentiated through", "pass its entries one by one")
        return _name(tree.leaf)

    def visit_For(self, node):
        """``for W, b in params:`` over a list or tuple argument: the loop unrolled, one copy of
        the body per entry, each entry's leaves assigned to the loop's names."""
        iterated, numbered = node.iter, False
        if isinstance(iterated, gast.Call) and isinstance(iterated.func, gast.Name) and \
                iterated.func.id == "enumerate" and len(iterated.args) == 1 and not iterated.keywords:
            iterated, numbered = iterated.args[0], True
        if self.resolve(iterated) is None:
            return self.generic_visit(node)
        tree = self.expression(iterated, whole_ok=True)
        if not isinstance(tree, Tree) or not tree.sequence:
            return self.generic_visit(node)         # an entry that is an array: a loop over its rows
        text = _text(iterated)
        if node.orelse or any(isinstance(n, (gast.Break, gast.Continue)) for n in _loop_level(node.body)):
            self.refuse(node, f"break, continue or else in a loop over the argument {text}",
                        "loop over all its entries without break, or read them with constant keys")
        target = node.target
        if numbered:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                self.refuse(node, f"enumerate({text}) into one name", "write for i, entry in enumerate(...)")
            counter, target = target.elts
        out = []
        for index, (_, child) in enumerate(tree.children):
            if numbered:
                out.append(gast.copy_location(gast.Assign(targets=[counter], value=gast.Constant(
                    value=index, kind=None), type_comment=None), node))
            body = copy.deepcopy(node.body)
            if isinstance(target, gast.Name) and child.kind is not None:
                self.alias(node, target.id)
                self.trees[target.id] = child       # the loop's name is that entry, in this copy
                try:
                    out += [s for item in map(self.visit, body) for s in _statements(item)]
                finally:
                    del self.trees[target.id]
                continue
            if isinstance(target, (gast.Tuple, gast.List)):
                if child.kind is None:
                    self.refuse(node, f"unpacking an entry of {text} that is an array", "index the array")
                out += self.unpack(node, target, child)
            else:
                out.append(gast.copy_location(gast.Assign(targets=[target], value=self.leaf(child, node),
                                                          type_comment=None), node))
            out += [s for item in map(self.visit, body) for s in _statements(item)]
        return out

    def alias(self, loop, name_):
        """A loop's name bound to a dict or list entry must be read only inside the loop."""
        inside = {id(n) for s in loop.body + [loop.target] for n in gast.walk(s)}
        uses = [n for n in gast.walk(self.function) if isinstance(n, gast.Name) and n.id == name_
                and id(n) not in inside]
        stored = [n for s in loop.body for n in gast.walk(s) if isinstance(n, gast.Name)
                  and n.id == name_ and not isinstance(n.ctx, gast.Load)]
        if uses or stored:
            self.refuse(loop, f"the loop name {name_}, an entry of an argument that is differentiated "
                        "through, used outside the loop or assigned to",
                        f"use another name outside the loop, and read {name_}'s entries with constant keys")

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0], (gast.Tuple, gast.List)) \
                and self.resolve(node.value) is not None:
            tree = self.expression(node.value, whole_ok=True)
            if isinstance(tree, Tree):
                return self.unpack(node, node.targets[0], tree)
        return self.generic_visit(node)

    def unpack(self, node, target, tree):
        """``a, b = p``: one assignment per leaf, in order."""
        if not tree.sequence or len(target.elts) != len(tree.children) or \
                any(isinstance(e, gast.Starred) for e in target.elts):
            self.refuse(node, f"unpacking the {tree.kind_name} {_text(node.value)} of "
                        f"{len(tree.children)} entries into {len(target.elts)} names",
                        "unpack a tuple or list into as many names as it holds, or read its "
                        "entries with constant keys")
        out = []
        for element, (_, child) in zip(target.elts, tree.children):
            if isinstance(element, (gast.Tuple, gast.List)) and child.kind is not None:
                out += self.unpack(node, element, child)
                continue
            assign = gast.Assign(targets=[element], value=self.leaf(child, node), type_comment=None)
            out.append(gast.copy_location(assign, node))
        return out


def parameter_nodes(args):
    """The parameters of a ``gast.arguments``, in order: positional, ``*args``, keyword-only,
    ``**kwargs``; each (node, kind)."""
    out = [(p, "positional") for p in list(getattr(args, "posonlyargs", None) or []) + list(args.args)]
    if args.vararg is not None:
        out.append((args.vararg, "vararg"))
    out += [(p, "keyword") for p in args.kwonlyargs]
    if args.kwarg is not None:
        out.append((args.kwarg, "varkw"))
    return out


def parameter_nodes_names(args):
    return [p for p, _ in parameter_nodes(args)]


def _sequence(tree):
    """A list or tuple of leaves or of lists and tuples (no dict inside)."""
    return tree.kind is None or (tree.kind in ("tuple", "list") and all(_sequence(c) for _, c in tree.children))


def _statements(item):
    return item if isinstance(item, list) else [item]


def _loop_level(statements):
    """The nodes of ``statements`` outside any nested loop or function."""
    for s in statements:
        yield s
        if isinstance(s, (gast.For, gast.While, gast.FunctionDef, gast.Lambda)):
            continue
        for field in ("body", "orelse"):
            yield from _loop_level(getattr(s, field, None) or [])


def _text(node):
    try:
        return ast.unparse(gast.gast_to_ast(node))
    except Exception:   # noqa: BLE001 - only for the message
        return "argument"


def _constant_key(node):
    if isinstance(node, gast.Constant) and type(node.value) in (str, int):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) \
            and isinstance(node.operand, gast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None
