"""Binding calls: each call of an active expression tied to what differentiates it.

A NumPy function or method with a rule gets its operands bound by the rule's
parameter names (``np.sum(x, axis=0)`` -> ``{"a": x, "axis": 0}``); a Python function
is differentiated in turn; anything else is refused with an error naming it.
"""
import inspect

import gast

from .. import rules
from ..ir import nodes as ir
from .lower import Op, is_simple
from .refusals import copied_argument, func_name
from ..ir.code import src


class CallBinding:
    """Part of :class:`~tangent_ad.front.flatten.Flattener`: calls bound to rules or functions.

    Operands are lowered by :class:`~tangent_ad.front.lower.ExpressionLowering` (``self.atom``)."""

    def call(self, value, origin, out):
        """(call on flattened operands, Op) for a call in an active expression."""
        func = value.func
        target = self.flow.resolve_callee(func)
        if isinstance(func, gast.Attribute) and self._is_value(func.value) \
                and (target is None or rules.rule_for(target) is None):
            return self.method_call(value, origin, out)     # scipy.stats.norm.logpdf has a rule
        name_ = func_name(func)
        if rules.python_builtins.is_builtin_reduction(target):
            return self.builtin_call(value, target, origin, out)
        rule = rules.rule_for(target) if target is not None else None
        unsupported = rules.RUNTIME_UNSUPPORTED.get(target) if target is not None and rule is None else None
        if unsupported:
            raise self.where.error(
                value, f"derivative of a derivative through {unsupported}",
                f"tangent_ad has no second-derivative rule for {unsupported} yet ({name_} in the "
                "first derivative's code); differentiate this part once, or register a rule with "
                "tangent_ad.custom_rule")
        if isinstance(rule, rules.MultiOutput):
            raise self.where.error(value, f"{name_} used as one value",
                                   f"{name_} returns several arrays: unpack them where it is called, "
                                   f"for example a, b = {name_}(...)")
        if rule is not None and rule.sequence_param and value.args and rule.name == "array" \
                and not self.is_list_value(value.args[0]):
            rule = rules.RULES["identity"]          # np.array(x) of one array: a copy
        if rule is not None:
            bound = self.bind(rule, value.args, value.keywords, value, origin, out)
            return self.rule_call(func, rule, bound, value), self.make_op(rule, bound)
        if inspect.isfunction(target):
            return self.user_call(value, target, origin, out)
        if target is None and isinstance(func, gast.Name):
            raise self.where.error(
                value, f"call to {name_}, a function held in a variable",
                f"tangent_ad cannot see which function {name_} is or what it captured (a closure or "
                "lambda made elsewhere); call a module-level function by its name and pass every "
                "value it uses as an argument")
        raise self.where.error(
            value, f"call to {name_}",
            f"tangent_ad has no derivative rule for {name_} and no Python source to differentiate; "
            "use a supported NumPy function, or register a rule with tangent_ad.custom_rule",
            message=f"call to {name_}: tangent_ad has no derivative rule for {name_} and it has no "
                    "Python source to differentiate; rewrite it with supported NumPy functions "
                    "(python -m tangent_ad --list-rules lists them), register a rule with "
                    f"tangent_ad.custom_rule({name_}, jvp=..., vjp=...), or keep it out of the "
                    "differentiated computation")

    def builtin_call(self, value, target, origin, out):
        """Python's ``sum``, ``max`` and ``min``: the rule chosen by the arguments given
        (``rules/python_builtins.py``); a list written out in the call is taken element by
        element, ``sum(x, start)`` is ``start + sum(x)``."""
        name_, func, args = target.__name__, value.func, list(value.args)
        one, two = rules.python_builtins.FORMS[target]
        keywords = {k.arg: k.value for k in value.keywords}
        if name_ == "sum" and len(args) == 2 and not keywords:
            keywords["start"] = args.pop()
        allowed = {"start"} if name_ == "sum" else set()
        if set(keywords) - allowed or not args or (name_ == "sum" and len(args) > 1):
            raise self.where.error(value, f"{name_}({src_args(value)}) on differentiated values",
                                   f"write {name_}(x) of an array" + ("" if name_ == "sum" else
                                   f", or {name_}(a, b) of two values (np.{two}(a, b) for arrays)"))
        chained = None
        if len(args) == 1 and isinstance(args[0], (gast.List, gast.Tuple)):
            args = list(args[0].elts)            # sum([a, b]), max((a, b)): the values one by one
            if not args:
                raise self.where.error(value, f"{name_} of an empty list", "give it the values")
            if name_ == "sum":
                chained = args[0]
                for element in args[1:]:
                    chained = gast.BinOp(left=chained, op=gast.Add(), right=element)
            elif len(args) == 1:
                chained = gast.UnaryOp(op=gast.UAdd(), operand=args[0])
        if name_ == "sum" and "start" in keywords:       # sum(x, s): s + sum(x)
            rest = chained if chained is not None else gast.Call(func=func, args=args, keywords=[])
            chained = gast.BinOp(left=keywords["start"], op=gast.Add(), right=rest)
        if chained is None and len(args) > 2:            # max(a, b, c): max(max(a, b), c)
            chained = args[0]
            for element in args[1:]:
                chained = gast.Call(func=func, args=[chained, element], keywords=[])
        if chained is not None:
            return self.operation(chained, origin, out)
        if len(args) == 1 and isinstance(args[0], gast.Name) and args[0].id in self.containers() \
                and args[0].id not in self.list_names():
            raise self.where.error(value, f"{name_} of the list {args[0].id} of differentiated values",
                                   f"stack the values into an array and use np.{name_}(..., axis=0)")
        if name_ != "sum" and len(args) == 1:        # max(ys): the largest of the list's values
            args = [self.list_as_array(args[0], origin, out) or args[0]]
        rule = rules.python_builtins.RULES[one] if len(args) == 1 else rules.RULES[two]
        bound = self.bind(rule, args, [], value, origin, out)
        call = gast.Call(func=func, args=args, keywords=[])
        return self.rule_call(func, rule, bound, call), self.make_op(rule, bound)

    def method_call(self, value, origin, out):
        """``x.sum(axis=0)``: the receiver is the rule's first operand."""
        func = value.func
        rule_name = rules.METHODS.get(func.attr)
        if rule_name is None:
            raise self.where.error(value, f"method .{func.attr}() of a differentiated value",
                                   "call the NumPy function instead, e.g. np.sum(x); "
                                   "python -m tangent_ad --list-rules lists the methods supported")
        receiver = self.atom(func.value, origin, out)
        rule = rules.RULES[rule_name]
        args = list(value.args)
        if rule_name in ("reshape", "transpose") and len(args) > 1:
            args = [gast.Tuple(elts=args, ctx=gast.Load())]       # x.reshape(2, 3)
        bound = self.bind(rule, [receiver] + args, value.keywords, value, origin, out, lowered=1)
        params = [p for p, _ in rule.signature]
        expr = gast.Call(func=gast.Attribute(value=receiver, attr=func.attr, ctx=gast.Load()),
                         args=[bound[p] for p in params[1:1 + len(args)]],
                         keywords=[gast.keyword(arg=k.arg, value=bound[k.arg]) for k in value.keywords])
        return expr, self.make_op(rule, bound)

    def rule_call(self, func, rule, bound, value):
        """The call as the primal computes it, on the flattened operands."""
        params = [p for p, default in rule.signature if default is not rules.VARIADIC]
        positional = [bound[p] for p in params[:len(value.args)]]
        variadic = rule.sequence_param
        if variadic and dict(rule.signature)[variadic] is rules.VARIADIC:
            positional += bound[variadic].elts
        keywords = [gast.keyword(arg=k.arg, value=bound[k.arg]) for k in value.keywords]
        return gast.Call(func=func, args=positional, keywords=keywords)

    def _is_value(self, expr):
        """Whether ``expr`` is data (so ``expr.f(...)`` is a method call), not a module or class."""
        obj = self.flow.resolve_callee(expr)
        return obj is None or not (inspect.ismodule(obj) or inspect.isclass(obj))

    def bind(self, rule, args, keywords, node, origin, out, lowered=0):
        """Operands of a rule call by parameter name, each an atom (a list of atoms for a list)."""
        signature = rule.signature
        fixed = [(p, d) for p, d in signature if d is not rules.VARIADIC]
        variadic = [p for p, d in signature if d is rules.VARIADIC]
        if len(args) > len(fixed) and not variadic:
            raise self.where.error(node, f"call to {rule.name} with {len(args)} positional arguments",
                                   f"{rule.name} takes {', '.join(p for p, _ in signature)}")
        bound = {}
        for index, (arg, (param, _)) in enumerate(zip(args, fixed)):
            bound[param] = arg if index < lowered else self.operand(rule, param, arg, origin, out)
        if variadic:
            elements = [self.atom(a, origin, out) for a in args[len(fixed):]]
            bound[variadic[0]] = gast.List(elts=elements, ctx=gast.Load())
        for keyword in keywords:
            if keyword.arg not in dict(signature):
                raise self.where.error(keyword.value, f"argument {keyword.arg}= of {rule.name}",
                                       f"{rule.name} is differentiated with the arguments "
                                       f"{', '.join(p for p, _ in signature)}")
            bound[keyword.arg] = self.operand(rule, keyword.arg, keyword.value, origin, out)
        for param, default in signature:
            if param not in bound and default is rules.REQUIRED:
                raise self.where.error(node, f"call to {rule.name} without {param}",
                                       f"pass {param}")
        for param, _ in signature:
            if isinstance(bound.get(param), (gast.List, gast.Tuple)) and param == rule.sequence_param:
                for k, element in enumerate(bound[param].elts):
                    bound[f"{param}.{k}"] = element
        return bound

    def operand(self, rule, param, arg, origin, out):
        """One argument of a rule call, lowered as its parameter allows (or refused)."""
        if param in rule.shape_only:          # read for its shape: kept as it is, never differentiated
            if is_simple(arg) or (isinstance(arg, (gast.List, gast.Tuple))
                                   and all(is_simple(e) for e in arg.elts)):
                return arg
            temp = self.new_temp()
            out.append(ir.Assign(temp, arg, origin=origin))
            return ir.name(temp)
        if param == rule.sequence_param:
            if isinstance(arg, (gast.List, gast.Tuple)):
                elements = [self.atom(e, origin, out) for e in arg.elts]
                return type(arg)(elts=elements, ctx=gast.Load())
            if isinstance(arg, gast.Name) and arg.id in self.list_names():
                return arg                          # np.stack(ys) of a list built in the function
            if self.is_active_expr(arg) and self._makes_list(arg, self.list_names()):
                return self.list_atom(arg, origin, out)     # np.stack(ys[1:])
            if self.is_active_expr(arg):
                raise self.where.error(arg, f"{rule.name} of a list of differentiated arrays held in a "
                                       "variable", f"write the arrays out in the call: "
                                       f"{rule.name}([a, b, c])")
            return self.inactive_atom(arg, origin, out)
        if param in rule.differentiable:
            if rule.name == "builtin_sum" or getattr(rule, "takes_lists", False):   # sum(ys): as they are
                return self.atom(arg, origin, out)
            return self.list_as_array(arg, origin, out) or self.atom(arg, origin, out)
        if self.is_active_expr(arg):
            raise self.where.error(arg, f"differentiated value as the {param} argument of {rule.name}",
                                   f"{param} must not depend on the differentiated arguments")
        return self.inactive_atom(arg, origin, out)

    def user_call(self, value, target, origin, out):
        """A call to a Python function, which is differentiated in turn: its operands lowered."""
        copied = self.check_call_mutation(value, target)     # refusals.py: memory the caller can see
        try:
            signature = inspect.signature(target)
            binding = signature.bind(*value.args, **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            raise self.where.error(value, f"call to {target.__name__}", str(exc)) from None
        bound = {}
        for param, arg in binding.arguments.items():
            if not isinstance(arg, gast.AST):       # gathered by *args or **kwargs of the callee
                stars = "*" if signature.parameters[param].kind is inspect.Parameter.VAR_POSITIONAL else "**"
                raise self.where.error(value, f"call to {target.__name__}, which gathers its arguments "
                                       f"({stars}{param})", f"call a function whose parameters are "
                                       f"named one by one, or register a rule with tangent_ad.custom_rule"
                                       f"({target.__name__}, jvp=..., vjp=...)")
            listed = self.is_active_expr(arg) and self._makes_list(arg, self.list_names())
            bound[param] = self.list_atom(arg, origin, out) if listed else self.atom(arg, origin, out)
        given = {p: copied_argument(a) if p in copied else a for p, a in bound.items()}   # refusals.py
        positional = [given[p] for p in list(binding.arguments)[:len(value.args)]]
        keywords = [gast.keyword(arg=k.arg, value=given[k.arg]) for k in value.keywords]
        expr = gast.Call(func=value.func, args=positional, keywords=keywords)
        active = tuple(p for p, a in bound.items() if isinstance(a, gast.Name) and a.id in self.active)
        lists = tuple(p for p in active if bound[p].id in self.list_names())
        return expr, Op(None, bound, active, callee=target, kind="call", lists=lists)


def src_args(call):
    """The arguments of ``call`` as written: ``x, key=f``."""
    parts = [src(a) for a in call.args] + [f"{k.arg}={src(k.value)}" for k in call.keywords]
    return ", ".join(parts)
