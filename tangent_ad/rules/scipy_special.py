"""Rules for SciPy's special functions and ``scipy.stats.norm.logpdf``, registered only when
SciPy imports: tangent_ad works without SciPy, and then these calls are refused as any
function without a rule is.

Each entry names its spelling, its rule and an example the tests differentiate
(``tests/test_rules_scipy.py``) in both modes against central differences, in float32 and
on the strict stand-in array.
"""
import importlib

from .entries import Entry
from .kinds import REQUIRED, Elementwise, Template

X = (("x", REQUIRED),)
AB = (("a", REQUIRED), ("b", REQUIRED))   # b, not y: y stands for the result in templates

# spelling: (signature, partials, test domain of each operand)
ELEMENTWISE = {
    "scipy.special.expit": (X, {"x": "y * (1 - y)"}, "real"),
    "scipy.special.logit": (X, {"x": "1 / (x * (1 - x))"}, "fraction"),
    "scipy.special.erf": (X, {"x": "1.1283791670955126 * np.exp(-x * x)"}, "real"),     # 2 / sqrt(pi)
    "scipy.special.erfc": (X, {"x": "-1.1283791670955126 * np.exp(-x * x)"}, "real"),
    "scipy.special.gammaln": (X, {"x": "digamma_of(x)"}, "positive"),
    "scipy.special.digamma": (X, {"x": "trigamma(x)"}, "positive"),
    "scipy.special.xlogy": (AB, {"a": "np.log(b)", "b": "xlogy_y_partial(a, b)"}, ("real", "positive")),
    # log N(x; loc, scale) = -z ** 2 / 2 - log(scale) - log(2 pi) / 2 with z = (x - loc) / scale
    "scipy.stats.norm.logpdf": ((("x", REQUIRED), ("loc", "0.0"), ("scale", "1.0")),
                                {"x": "-(x - loc) / scale ** 2", "loc": "(x - loc) / scale ** 2",
                                 "scale": "((x - loc) ** 2 / scale ** 2 - 1) / scale"},
                                ("real", "real", "positive")),
}

LSE = "axis=axis, b=b, keepdims=keepdims, return_sign=return_sign"
TEMPLATES = {
    "scipy.special.logsumexp": (
        (("a", REQUIRED), ("axis", "None"), ("b", "None"), ("keepdims", "False"), ("return_sign", "False")),
        {"a": f"logsumexp_tangent(a, a_dot, y, {LSE})"}, {"a": f"logsumexp_adjoint(g, a, y, {LSE})"}),
    "scipy.special.softmax": ((("x", REQUIRED), ("axis", "None")), {"x": "softmax_tangent(x_dot, y, axis=axis)"},
                              {"x": "softmax_adjoint(g, y, axis=axis)"}),
    "scipy.special.log_softmax": ((("x", REQUIRED), ("axis", "None")),
                                  {"x": "log_softmax_tangent(x_dot, y, axis=axis)"},
                                  {"x": "log_softmax_adjoint(g, y, axis=axis)"}),
}

M = ((3, 4), "real")
EXAMPLES = {
    "scipy.special.logsumexp": [("scipy.special.logsumexp(x)", {"x": M}),
                                ("scipy.special.logsumexp(x, axis=1)", {"x": M}),
                                ("scipy.special.logsumexp(x, axis=0, keepdims=True)", {"x": M})],
    "scipy.special.softmax": [("scipy.special.softmax(x, axis=1)", {"x": M}), ("scipy.special.softmax(x)", {"x": M})],
    "scipy.special.log_softmax": [("scipy.special.log_softmax(x, axis=-1)", {"x": M}),
                                  ("scipy.special.log_softmax(x)", {"x": M})],
    "scipy.stats.norm.logpdf": [("scipy.stats.norm.logpdf(x, m, s)",
                                 {"x": M, "m": ((4,), "real"), "s": ((3, 1), "positive")}),
                                ("scipy.stats.norm.logpdf(x)", {"x": M})],
}


def available():
    """Whether SciPy imports here."""
    try:
        importlib.import_module("scipy.special")
        importlib.import_module("scipy.stats")
    except ImportError:
        return False
    return True


def _resolve(spelling):
    module, _, attr = spelling.rpartition(".")
    if module == "scipy.stats.norm":
        return getattr(importlib.import_module("scipy.stats").norm, attr)
    return getattr(importlib.import_module(module), attr)


def _rules():
    rules = {}
    for spelling, (signature, partials, _) in ELEMENTWISE.items():
        rules[spelling] = Elementwise(spelling.rpartition(".")[2], signature, partials)
    for spelling, entry in TEMPLATES.items():
        rules[spelling] = Template(spelling.rpartition(".")[2], *entry)
    rules["scipy.special.logsumexp"].refusal = lambda literals: (
        ("scipy.special.logsumexp with return_sign=True", "it gives a tuple; leave return_sign at False, "
         "or register a rule with tangent_ad.custom_rule") if literals.get("return_sign") is True else None)
    return rules


def entries():
    """The catalog entries of the SciPy rules: an example each, with its inputs."""
    out = []
    for spelling, (signature, partials, domains) in ELEMENTWISE.items():
        domains = (domains,) if isinstance(domains, str) else domains
        names = [p for p, _ in signature]
        inputs = {p: ((3, 4), d) for p, d in zip(names, domains)}
        out.append(Entry(spelling, spelling, f"{spelling}({', '.join(names)})", inputs))
    for spelling, examples in EXAMPLES.items():
        (example, inputs), *extra = examples
        out.append(Entry(spelling, spelling, example, inputs, list(extra)))
    return out


def build():
    """``({callable: rule}, {spelling: rule})`` when SciPy imports, two empty dicts otherwise."""
    if not available():
        return {}, {}
    rules = _rules()
    return {_resolve(spelling): rule for spelling, rule in rules.items()}, rules
