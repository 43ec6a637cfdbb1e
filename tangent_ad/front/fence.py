"""The fence: reject, with the user's file, line and column, what tangent_ad cannot differentiate.

Constructs that depend on what is differentiated (assignment into a
differentiated array, a call with no source and no rule) are checked later,
where activity is known; this module rejects what is never supported.
"""
import gast

# node type -> (construct, what to write instead). Lambdas, nested defs, list comprehensions
# and generator expressions pass: normalize.py inlines and writes them out as loops, and
# refuses the uses it cannot (hoisting.py).
UNSUPPORTED = {
    gast.Try: ("try statement", "move the try/except outside the differentiated function"),
    gast.With: ("with statement", "move the with block outside the differentiated function"),
    gast.AsyncWith: ("async with statement", "differentiate plain synchronous code"),
    gast.SetComp: ("set comprehension", "write an explicit for loop"),
    gast.DictComp: ("dict comprehension", "write an explicit for loop"),
    gast.Global: ("global statement", "pass the value as an argument and return the new value"),
    gast.Nonlocal: ("nonlocal statement", "pass the value as an argument and return the new value"),
    gast.Yield: ("yield", "return a value instead of writing a generator"),
    gast.YieldFrom: ("yield", "return a value instead of writing a generator"),
    gast.Await: ("await", "differentiate plain synchronous code"),
    gast.Delete: ("del statement", "leave the variable in place, or assign a new value to it"),
    gast.AsyncFunctionDef: ("nested async function definition", "define plain functions at module level"),
    gast.ClassDef: ("class definition", "define classes outside the differentiated function"),
    gast.NamedExpr: ("assignment expression (:=)", "assign the value in its own statement first"),
    gast.Match: ("match statement", "write the cases as if/elif/else"),
    gast.Import: ("import statement", "import at module level"),
    gast.ImportFrom: ("import statement", "import at module level"),
    gast.AsyncFor: ("async for loop", "differentiate plain synchronous code"),
    gast.Starred: ("star expression (*args)", "pass the arguments one by one"),
    gast.Set: ("set display", "use a tuple"),
}


# builtins that read or run code through strings or the namespace, and complex()
_NAMESPACE_CALLS = {"eval", "exec", "compile", "globals", "locals", "vars", "__import__", "setattr",
                    "delattr", "complex"}


def check_function(parsed):
    """Raise TransformError for the first unsupported construct in ``parsed``'s function."""
    node, where = parsed.node, parsed.location
    args = node.args
    # tad.grad, value_and_grad, jvp and vjp make the derivative of such a function for the
    # arguments of each call (front/pytrees.py rewrites these parameters away before the
    # fence); what is left here is a helper, tad.hessian / jacfwd / jacrev, or tad.source
    called = ("tad.grad, tad.value_and_grad, tad.jvp and tad.vjp take it, made for the arguments "
              "of each call; for a helper called from differentiated code, tad.hessian, tad.jacfwd, "
              "tad.jacrev or tad.source, ")
    for extra, construct in ((args.vararg, "*args parameter"), (args.kwarg, "**kwargs parameter")):
        if extra is not None:
            raise where.error(extra, construct, called + "list each parameter by name")
    if args.kwonlyargs:
        raise where.error(args.kwonlyargs[0], "keyword-only parameter",
                          called + "make it an ordinary parameter with a default value")
    if getattr(args, "posonlyargs", None):
        raise where.error(args.posonlyargs[0], "positional-only parameter", "use ordinary parameters")
    for statement in node.body:
        for child in gast.walk(statement):
            _check_node(child, where)


_UNSUPPORTED_TYPES = tuple(UNSUPPORTED)


def _check_node(node, where):
    if isinstance(node, _UNSUPPORTED_TYPES):          # one test for the common, supported node
        for node_type, (construct, hint) in UNSUPPORTED.items():
            if isinstance(node, node_type):
                raise where.error(node, construct, hint)
    if isinstance(node, (gast.For, gast.While)) and node.orelse:
        kind = "for" if isinstance(node, gast.For) else "while"
        raise where.error(node, f"{kind} ... else", "set a flag before break and test it after the loop")
    if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        for target in targets:
            for part in gast.walk(target):
                if isinstance(part, gast.Attribute) and isinstance(part.ctx, gast.Store):
                    raise where.error(part, "attribute assignment",
                                      "compute the value into a local variable and return it")
    if isinstance(node, gast.Constant) and isinstance(node.value, complex):
        raise where.error(node, "complex number", "tangent_ad differentiates real-valued code: keep "
                          "real and imaginary parts in separate real arrays")
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id in _NAMESPACE_CALLS:
        name_ = node.func.id
        hint = ("keep real and imaginary parts in separate real arrays" if name_ == "complex" else
                "write the code out: the derivative runs in a namespace of its own, so code that "
                "reads names as strings or the function's own namespace cannot be followed")
        raise where.error(node, f"call to {name_}", hint)
    if isinstance(node, gast.Call):
        for keyword in node.keywords:
            if keyword.arg is None:
                raise where.error(keyword.value, "star expression (**kwargs)",
                                  "pass the keyword arguments one by one")
