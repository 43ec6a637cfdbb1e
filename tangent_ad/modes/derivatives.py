"""Apply a rule to one operation: its tangent (forward) and its adjoint contributions (reverse)."""
import ast
import functools

import gast

from .. import rules
from ..ir.code import src
from ..ir.templates import expression, fill_ast, free_names, template_tree


class Derivatives:
    """Tangent and adjoint expressions for the operations of one function: rules' templates
    filled in with the operands' trees; forward mode gets the tangent as source, reverse
    mode the adjoints as trees."""

    def __init__(self, shapes, np_alias, names, local_names, external, location, cleanups):
        self.cleanups = cleanups          # which clean-ups apply (cleanups.py)
        self.shapes = shapes
        self.location = location
        self.local_names = local_names
        self.np = np_alias
        self.names = names
        self.tangent_name = names.tangent
        self.adjoint_name = names.adjoint
        self.external = external          # (object, preferred name, expression) -> name in the code
        self._adjoints = {}               # (id(assign), g) -> adjoint_trees
        self._adjoint_texts = {}          # (id(assign), g) -> adjoint
        self._operand_trees = {}          # id(assign) -> (assign, placeholder -> tree)

    # ------------------------------------------------------------ operands
    def _values(self, assign, extra=()):
        """Placeholder -> tree: the operands, parameters left at their default, the result;
        then ``extra`` (trees or names)."""
        values = dict(self._operands(assign))
        values.update(extra)
        return values

    def _operands(self, assign):
        """The placeholders of ``_values`` that do not change, made once per operation:
        the operands' trees converted from the lowered statement, never parsed from text."""
        key = id(assign)
        if key not in self._operand_trees:
            op = assign.op
            values = {"np": expression(self.np)}
            targets = getattr(assign, "targets", None)
            if targets:
                values.update({f"y{i}": expression(t) for i, t in enumerate(targets)})
            else:
                values["y"] = expression(assign.target)
            for param, default in op.rule.signature:
                if param in op.bound:
                    values[param] = self._as_expression(op.bound[param])
                elif isinstance(default, str):
                    values[param] = template_tree(default)
            self._operand_trees[key] = assign, values
        return self._operand_trees[key][1]

    def _as_expression(self, node):
        """Tree of an operand; an index with slices is written ``np.s_[1:3]``."""
        tree = gast.gast_to_ast(node)
        if any(isinstance(n, ast.Slice) for n in ast.walk(tree)):
            s_ = ast.Attribute(value=expression(self.np), attr="s_", ctx=ast.Load())
            return ast.Subscript(value=s_, slice=tree, ctx=ast.Load())
        return tree

    @staticmethod
    def _var(op, param):
        return op.bound[param].id

    def _unbound(self, op):
        return {p for p, _ in op.rule.signature if p not in op.bound}

    def _fill(self, template, assign, extra=()):
        """Source of ``_fill_tree``."""
        return ast.unparse(self._fill_tree(template, assign, extra))

    def _fill_tree(self, template, assign, extra=()):
        """A template filled in, leaving out arguments that were left at their default."""
        tree = _without_defaults(template, frozenset(self._unbound(assign.op)))
        return fill_ast(tree, self._values(assign, extra), self.cleanups.fold_constants)

    def _fill_plain(self, template, assign, extra=()):
        """Source of a template filled in as written (elementwise and ``where`` rules)."""
        return ast.unparse(fill_ast(template, self._values(assign, extra), self.cleanups.fold_constants))

    # ------------------------------------------------------------------ forward
    # A tangent may be smaller than its value as long as it broadcasts to it (a scalar
    # tangent 1.0 of an array, x1_dot of t1 = x1 + x2): elementwise rules broadcast it
    # anyway, and it is expanded with broadcast_like only where a shape matters.

    def _dots(self, assign, full):
        op, rule = assign.op, assign.op.rule
        dots = {}
        for p in op.active:
            var = self._var(op, p)
            dot = self.tangent_name(var)
            if (rule.elementwise or isinstance(rule, rules.Where) or full(var)) and self.cleanups.known_shapes:
                dots[p] = _name(dot)
            else:
                dots[p] = ast.Call(func=_name("broadcast_like"), args=[_name(dot), _name(var)], keywords=[])
        return dots

    def _check_literals(self, assign):
        """Refuse, where the call is written, literal arguments its rule has no derivative for
        (np.linalg.norm(x, 'nuc')), rather than fail when the derivative runs."""
        rule = assign.op.rule
        refused = rule.refusal(_literals(assign.op.bound)) if rule.refusal else None
        if refused:
            raise self.location.error(assign.origin, *refused)

    def tangent(self, assign, full):
        """Source of the tangent of ``assign.target``; ``full(var)``: var's tangent has var's shape."""
        self._check_literals(assign)
        op, rule = assign.op, assign.op.rule
        dots = self._dots(assign, full)
        named = {f"{p}_dot": d for p, d in dots.items()}
        if isinstance(rule, rules.Elementwise):
            template = " + ".join(f"({rule.partials[p]}) * {p}_dot" for p in op.active)
            return self._fill_plain(template, assign, named)
        if isinstance(rule, rules.Where):
            return self._fill_plain("np.where(condition, A, B)", assign,
                                    {"A": dots.get("a", _ZERO), "B": dots.get("b", _ZERO)})
        if isinstance(rule, rules.Linear):
            return src(self._with_tangents(assign.value, op, dots))
        if isinstance(rule, rules.Template):
            parts = []
            for p in op.active:
                base, k = _element(p)
                extra = dict(named)
                if k is not None:
                    extra["dotted"] = gast.gast_to_ast(
                        self._with_tangents(op.bound[base], op, {p: dots[p]}, only=p))
                parts.append(self._fill(rule.tangents[base], assign, extra))
            return " + ".join(parts)
        if isinstance(rule, rules.IndexStore):
            extra = {"a_dot": dots.get("a", _ZERO), "v_dot": dots.get("v", _ZERO)}
            return self._fill(rule.tangent, assign, extra)
        if isinstance(rule, rules.MultiOutput):
            return self._fill(rule.tangent, assign, named)
        if isinstance(rule, rules.Whole):           # ys + [v]: an operand left out adds zeros
            zeros = {f"{p}_dot": ast.Call(func=_name("zeros_like"), args=[self._as_expression(op.bound[p])],
                                          keywords=[]) for p in rule.differentiable if p not in dots}
            return self._fill(rule.tangent, assign, {**named, **zeros})
        if isinstance(rule, rules.Custom):
            jvp = self._rule_function(assign, "jvp")
            args = [src(op.bound[p]) for p, _ in rule.signature if p in op.bound]
            tangents = [ast.unparse(dots[p]) if p in dots else f"zeros_like({src(op.bound[p])})"
                        for p, _ in rule.signature if p in op.bound]
            return f"{jvp}({', '.join(args + tangents)})"
        raise AssertionError(rule)

    def _with_tangents(self, expr, op, dots, only=None):
        """``expr`` with each active operand replaced by its tangent (list elements left
        inactive become zeros, since the tangent of a list is the list of tangents)."""
        replacements = {}
        for p in op.active if only is None else [only]:
            replacements[id(op.bound[p])] = gast.ast_to_gast(dots[p])
        sequence = op.rule.sequence_param
        if sequence and only is None and isinstance(op.bound.get(sequence), (gast.List, gast.Tuple)):
            for element in op.bound[sequence].elts:
                if id(element) not in replacements:
                    zero = gast.ast_to_gast(ast.Call(func=_name("zeros_like"),
                                                     args=[gast.gast_to_ast(element)], keywords=[]))
                    replacements[id(element)] = zero
        return _replace(expr, replacements)

    def tangent_is_full(self, assign, full):
        """Whether the tangent of ``assign`` provably has the target's shape."""
        op, rule = assign.op, assign.op.rule
        if not (rule.elementwise or isinstance(rule, rules.Where)):
            return True
        shape = frozenset()
        for p in op.active:
            var = self._var(op, p)
            partial_shape = frozenset()
            if rule.elementwise:
                partial = fill_ast(rule.partials[p], self._values(assign))
                partial_shape = self.shapes.union(free_names(partial) & self.local_names)
            var_shape = self.shapes.var(var)
            # a smaller tangent times a partial of the value's full shape has that shape
            if full(var) or (var_shape and var_shape <= partial_shape):
                shape |= partial_shape | var_shape
            else:
                shape |= self.shapes.expr(None)
        if isinstance(rule, rules.Where):
            shape |= self.shapes.union(_names_of(op.bound["condition"]) & self.local_names)
        return shape == self.shapes.var(assign.target)

    # ------------------------------------------------------------------ reverse
    def contributions(self, assign, g):
        """[(operand variable, source of its adjoint contribution)] of one operation."""
        return self.adjoint(assign, g)[0]

    def adjoint(self, assign, g):
        """(contributions, prelude): the prelude lines compute parts several operands share.
        The text of ``adjoint_trees``."""
        key = (id(assign), g)
        if key not in self._adjoint_texts:
            contributions, prelude = self.adjoint_trees(assign, g)
            self._adjoint_texts[key] = ([(var, ast.unparse(expr)) for var, expr in contributions],
                                        [ast.unparse(statement) for statement in prelude])
        return self._adjoint_texts[key]

    def adjoint_trees(self, assign, g):
        """``adjoint`` before it is written as text: [(operand variable, expression)] and the
        statements of the prelude, as trees of Python's ``ast``. They are cached and shared:
        a caller never changes them."""
        key = (id(assign), g)
        if key not in self._adjoints:
            contributions, prelude = self._adjoint(assign, g)
            if self.cleanups.known_shapes:
                contributions = [(var, self._shape_reads(expr)) for var, expr in contributions]
            self._adjoints[key] = contributions, prelude
        return self._adjoints[key]

    def _shape_reads(self, tree):
        """``tree`` reading, where only a value's shape and dtype matter (``sum_adjoint(g, t1)``),
        the earliest variable with the same shape (``sum_adjoint(g, x)`` for ``t1 = np.sin(x)``):
        then ``t1`` need not be kept for the reverse sweep, nor computed by ``tad.grad``.
        Changes ``tree``, which the caller has just made."""
        for call in ast.walk(tree):
            position = SHAPE_ONLY_ARGUMENT.get(call.func.id) if (
                isinstance(call, ast.Call) and isinstance(call.func, ast.Name)) else None
            if position is None or len(call.args) <= position:
                continue
            arg = call.args[position]
            if isinstance(arg, ast.Name) and arg.id in self.local_names:
                source = self.shapes.same_shape_source(arg.id)
                if source != arg.id:
                    call.args[position] = ast.Name(id=source, ctx=ast.Load())
        return tree

    def _adjoint(self, assign, g):
        op, rule = assign.op, assign.op.rule
        self._check_literals(assign)
        if isinstance(rule, rules.Custom):
            return self._custom_adjoint(assign, g)
        if "reverse" not in rule.modes:
            raise self.location.error(
                assign.origin, f"reverse mode through {rule.name}",
                f"{rule.name} is part of a derivative's code and has a forward-mode rule only; "
                "differentiate the derivative in forward mode (tad.hvp, tad.hessian, tad.jacfwd)")
        out = []
        for p in op.active:
            var = self._var(op, p)
            base, k = _element(p)
            extra = {"g": expression(g)} if k is None else {"g": expression(g), "k": ast.Constant(value=k)}
            if isinstance(rule, rules.Elementwise):
                expr = fill_ast(f"g * ({rule.partials[p]})", self._values(assign, extra),
                                self.cleanups.fold_constants)
                out.append((var, self._unbroadcast(expr, assign, var)))
            elif isinstance(rule, rules.Where):
                expr = fill_ast(rule.adjoints[p], self._values(assign, extra), self.cleanups.fold_constants)
                out.append((var, self._unbroadcast(expr, assign, var)))
            elif isinstance(rule, rules.Linear) and base == rule.sequence_param and k is None:
                out.append((var, self._each_element(rule.adjoint, assign, extra, var)))
            elif isinstance(rule, rules.Linear):
                out.append((var, self._fill_tree(rule.adjoint, assign, extra)))
            elif isinstance(rule, (rules.Template, rules.IndexStore, rules.Whole)):
                out.append((var, self._fill_tree(rule.adjoints[base], assign, extra)))
            else:
                raise AssertionError(rule)
        return out, []

    def _each_element(self, template, assign, extra, var):
        """``np.stack(ys)`` of a list held in a variable: the adjoint of every element at once,
        ``cotangents([stack_adjoint(g, k) for k in range(len(ys))])``."""
        k = self.names.fresh("k")
        element = self._fill_tree(template, assign, {**extra, "k": _name(k)})
        loop = ast.comprehension(target=ast.Name(id=k, ctx=ast.Store()), is_async=0, ifs=[],
                                 iter=ast.Call(func=_name("range"), keywords=[], args=[
                                     ast.Call(func=_name("len"), args=[_name(var)], keywords=[])]))
        return ast.Call(func=_name("cotangents"), args=[ast.ListComp(elt=element, generators=[loop])],
                        keywords=[])

    def _custom_adjoint(self, assign, g):
        op, rule = assign.op, assign.op.rule
        vjp = self._rule_function(assign, "vjp")
        args = [gast.gast_to_ast(op.bound[p]) for p, _ in rule.signature if p in op.bound]
        call = ast.Call(func=_name(vjp), args=[expression(g)] + args, keywords=[])
        if len(args) == 1:
            return [(self._var(op, p), call) for p in op.active], []
        parts = [self.names.fresh(f"{self.adjoint_name(self._var(op, p))}_from_{rule.name}")
                 if p in op.active else self.names.special("_") for p, _ in rule.signature if p in op.bound]
        contributions = [(self._var(op, p), _name(part)) for (p, _), part in zip(rule.signature, parts)
                         if p in op.active]
        targets = ast.Tuple(elts=[ast.Name(id=part, ctx=ast.Store()) for part in parts], ctx=ast.Store())
        return contributions, [_assignment(targets, call)]

    def parts_adjoint(self, assign, gs):
        """The operand's adjoint of ``a, b = rule(x)`` given the outputs' adjoints (source each)."""
        return ast.unparse(self.parts_adjoint_tree(assign, gs))

    def parts_adjoint_tree(self, assign, gs):
        """``parts_adjoint`` as a tree; ``gs``: a tree or source each."""
        trees = [expression(g) for g in gs]
        extra = {f"g{i}": tree for i, tree in enumerate(trees)}
        extra["gs"] = ast.List(elts=trees, ctx=ast.Load())
        return self._fill_tree(assign.op.rule.adjoint, assign, extra)

    def _rule_function(self, assign, which):
        rule = assign.op.rule
        func = getattr(rule, which)
        if func is None:
            mode = "forward" if which == "jvp" else "reverse"
            raise self.location.error(
                assign.origin, f"{mode}-mode derivative of {rule.name}",
                f"the rule registered for {rule.name} with tangent_ad.custom_rule has no {which}; "
                f"register one with custom_rule({rule.name}, {which}=...)")
        preferred = getattr(func, "__name__", "")
        if not preferred.isidentifier():            # a lambda
            preferred = f"{rule.name}_{which}"
        return self.external(func, preferred, rule.func, which)

    def _unbroadcast(self, expr, assign, var):
        if self.cleanups.known_shapes and (self.shapes.var(assign.target) == self.shapes.var(var)
                                           or self._only_array_operand(assign, var)):
            return expr
        return ast.Call(func=_name("unbroadcast"), args=[expr, _name(var)], keywords=[])


    def _only_array_operand(self, assign, var):
        """Whether every operand of ``assign`` other than ``var`` is a number (``h = np.tanh(t4)``,
        ``y = 2.0 * x``): then this result has var's shape here, even where the variable it is
        assigned to changes shape (a loop's ``h``), and var's adjoint needs no ``unbroadcast``."""
        for atom in assign.op.bound.values():
            if isinstance(atom, gast.Name) and (atom.id == var or self.shapes.var(atom.id) == frozenset()):
                continue
            if isinstance(atom, gast.UnaryOp) and isinstance(atom.op, (gast.USub, gast.UAdd)):
                atom = atom.operand
            if not (isinstance(atom, gast.Constant) and type(atom.value) in (int, float)):
                return False
        return True


# runtime functions that read one argument only for its shape and dtype: its position
SHAPE_ONLY_ARGUMENT = {"unbroadcast": 1, "sum_adjoint": 1, "mean_adjoint": 1, "index_adjoint": 1,
                       "zeros_like": 0}


def _name(id_):
    return ast.Name(id=id_, ctx=ast.Load())


_ZERO = ast.Constant(value=0.0)     # the tangent of an inactive operand; copied where it is filled in


def _assignment(targets, value):
    """``targets = value`` as a statement tree that ``ast.unparse`` writes."""
    return ast.fix_missing_locations(ast.Assign(targets=[targets], value=value, type_comment=None))


def _element(param):
    """``("arrays", 1)`` for the list element ``arrays.1``, ``(param, None)`` otherwise."""
    base, dot, index = param.partition(".")
    return (base, int(index)) if dot else (param, None)


@functools.lru_cache(maxsize=None)
def _without_defaults(template, unbound):
    """The template's tree without the arguments in ``unbound``, made once per template and
    arguments left out; shared, never changed (filling in copies it)."""
    return _drop_defaults(ast.parse(template, mode="eval").body, unbound)


def _drop_defaults(tree, unbound):
    """Leave out of calls in a template the arguments that the user left at their default."""
    for call in ast.walk(tree):
        if isinstance(call, ast.Call):
            while call.args and isinstance(call.args[-1], ast.Name) and call.args[-1].id in unbound:
                call.args.pop()
            call.keywords = [k for k in call.keywords
                             if not (isinstance(k.value, ast.Name) and k.value.id in unbound)]
    return tree


def _literals(bound):
    """{parameter: value} of the operands written as literals: 'nuc', 2, -1.0, (0, 1)."""
    values = {}
    for param, atom in bound.items():
        try:
            values[param] = ast.literal_eval(src(atom))
        except (ValueError, TypeError, SyntaxError):
            pass        # a name or an expression: known only when the code runs
    return values


def _names_of(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def _replace(expr, replacements):
    """A copy of ``expr`` with the nodes in ``replacements`` (by id) replaced."""
    if id(expr) in replacements:
        return replacements[id(expr)]
    if isinstance(expr, list):
        return [_replace(e, replacements) for e in expr]
    if not isinstance(expr, gast.AST):
        return expr
    fields = {f: _replace(getattr(expr, f), replacements) for f in expr._fields}
    return type(expr)(**fields)
