"""Rules for SciPy's special functions and for ``scipy.stats.norm``'s logpdf, pdf, cdf, sf, logcdf
and logsf, registered only when SciPy imports: tangent_ad works without SciPy, and then these
calls are refused as any function without a rule is.

Each entry names its spelling, its rule and an example the tests differentiate
(``tests/test_rules_scipy.py``) in both modes against central differences, in float32 and
on the strict stand-in array.
"""
import importlib

from .entries import Entry
from .kinds import REQUIRED, Elementwise, Template

X = (("x", REQUIRED),)
AB = (("a", REQUIRED), ("b", REQUIRED))   # b, not y: y stands for the result in templates
NORMAL = (("x", REQUIRED), ("loc", "0.0"), ("scale", "1.0"))
NORMAL_DOMAINS = ("real", "real", "positive")
INV_SQRT_2PI = "0.3989422804014327"
PHI = f"{INV_SQRT_2PI} * np.exp(-0.5 * ((x - loc) / scale) ** 2)"                  # phi(z)
PHI_OVER_Y = f"{INV_SQRT_2PI} * np.exp(-0.5 * ((x - loc) / scale) ** 2 - y)"       # phi(z) / e ** y

# spelling: (signature, partials, test domain of each operand)
ELEMENTWISE = {
    "scipy.special.expit": (X, {"x": "y * (1 - y)"}, "real"),
    "scipy.special.logit": (X, {"x": "1 / (x * (1 - x))"}, "fraction"),
    "scipy.special.erf": (X, {"x": "1.1283791670955126 * np.exp(-x * x)"}, "real"),     # 2 / sqrt(pi)
    "scipy.special.erfc": (X, {"x": "-1.1283791670955126 * np.exp(-x * x)"}, "real"),
    "scipy.special.gammaln": (X, {"x": "digamma_of(x)"}, "positive"),
    "scipy.special.digamma": (X, {"x": "trigamma(x)"}, "positive"),
    "scipy.special.xlogy": (AB, {"a": "np.log(b)", "b": "xlogy_y_partial(a, b)"}, ("real", "positive")),
    "scipy.special.gamma": (X, {"x": "y * digamma_of(x)"}, "positive"),
    "scipy.special.loggamma": (X, {"x": "digamma_of(x)"}, "positive"),      # real x > 0: gammaln
    "scipy.special.betaln": (AB, {"a": "digamma_of(a) - digamma_of(a + b)",
                                  "b": "digamma_of(b) - digamma_of(a + b)"}, ("positive", "positive")),
    "scipy.special.beta": (AB, {"a": "y * (digamma_of(a) - digamma_of(a + b))",
                                "b": "y * (digamma_of(b) - digamma_of(a + b))"}, ("positive", "positive")),
    "scipy.special.ndtr": (X, {"x": f"{INV_SQRT_2PI} * np.exp(-0.5 * x * x)"}, "real"),
    # pdf / cdf, as exp(log pdf - log cdf): finite far into the left tail
    "scipy.special.log_ndtr": (X, {"x": f"{INV_SQRT_2PI} * np.exp(-0.5 * x * x - y)"}, "real"),
    "scipy.special.log_expit": (X, {"x": "-np.expm1(y)"}, "real"),          # 1 - expit(x) = expit(-x)
    "scipy.special.erfcx": (X, {"x": "2 * x * y - 1.1283791670955126"}, "real"),
    "scipy.special.erfinv": (X, {"x": "0.886226925452758 * np.exp(y * y)"}, "unit"),    # sqrt(pi) / 2
    "scipy.special.erfcinv": (X, {"x": "-0.886226925452758 * np.exp(y * y)"}, "fraction"),
    "scipy.special.xlog1py": (AB, {"a": "np.log1p(b)", "b": "xlog1py_y_partial(a, b)"}, ("real", "positive")),
    # entr(x) = -x log x, rel_entr(a, b) = a log(a / b), kl_div(a, b) = a log(a / b) - a + b, on
    # positive entries (at an entry 0 the partial in it is infinite: no derivative)
    "scipy.special.entr": (X, {"x": "-np.log(x) - 1"}, "positive"),
    "scipy.special.rel_entr": (AB, {"a": "np.log(a / b) + 1", "b": "-a / b"}, ("positive", "positive")),
    "scipy.special.kl_div": (AB, {"a": "np.log(a / b)", "b": "1 - a / b"}, ("positive", "positive")),
    "scipy.special.softplus": (X, {"x": "np.exp(x - y)"}, "real"),           # log(1 + e ** x): expit(x)
    "scipy.special.exp10": (X, {"x": "2.302585092994046 * y"}, "real"),       # ln 10 * 10 ** x
    "scipy.special.i0": (X, {"x": "bessel_i1(x)"}, "real"),
    "scipy.special.i1": (X, {"x": "bessel_i1_derivative(x)"}, "real"),
    "scipy.special.i0e": (X, {"x": "bessel_i1e(x) - np.sign(x) * y"}, "real"),
    "scipy.special.i1e": (X, {"x": "bessel_i1e_derivative(x, y)"}, "real"),
    # log N(x; loc, scale) = -z ** 2 / 2 - log(scale) - log(2 pi) / 2 with z = (x - loc) / scale
    "scipy.stats.norm.logpdf": (NORMAL, {"x": "-(x - loc) / scale ** 2", "loc": "(x - loc) / scale ** 2",
                                         "scale": "((x - loc) ** 2 / scale ** 2 - 1) / scale"}, NORMAL_DOMAINS),
    # pdf = phi(z) / scale: d/dx = -z / scale * pdf, d/dscale = (z ** 2 - 1) / scale * pdf
    "scipy.stats.norm.pdf": (NORMAL, {"x": "-(x - loc) / scale ** 2 * y", "loc": "(x - loc) / scale ** 2 * y",
                                      "scale": "((x - loc) ** 2 / scale ** 2 - 1) / scale * y"}, NORMAL_DOMAINS),
    # cdf = Phi(z): d/dx = phi(z) / scale, d/dloc = -phi(z) / scale, d/dscale = -z phi(z) / scale
    "scipy.stats.norm.cdf": (NORMAL, {"x": f"{PHI} / scale", "loc": f"-{PHI} / scale",
                                      "scale": f"-(x - loc) / scale ** 2 * {PHI}"}, NORMAL_DOMAINS),
    "scipy.stats.norm.sf": (NORMAL, {"x": f"-{PHI} / scale", "loc": f"{PHI} / scale",
                                     "scale": f"(x - loc) / scale ** 2 * {PHI}"}, NORMAL_DOMAINS),
    # logcdf: phi(z) / (scale cdf) = exp(log phi(z) - logcdf) / scale, finite in the far tail
    "scipy.stats.norm.logcdf": (NORMAL, {"x": f"{PHI_OVER_Y} / scale", "loc": f"-{PHI_OVER_Y} / scale",
                                         "scale": f"-(x - loc) / scale ** 2 * {PHI_OVER_Y}"}, NORMAL_DOMAINS),
    "scipy.stats.norm.logsf": (NORMAL, {"x": f"-{PHI_OVER_Y} / scale", "loc": f"{PHI_OVER_Y} / scale",
                                        "scale": f"(x - loc) / scale ** 2 * {PHI_OVER_Y}"}, NORMAL_DOMAINS),
}

# other names of the same function: {spelling: the spelling whose rule it shares}
ALIASES = {"scipy.special.psi": "scipy.special.digamma"}

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
    if module.startswith("scipy.stats."):     # scipy.stats.norm is an object, not a module
        return getattr(getattr(importlib.import_module("scipy.stats"), module.rpartition(".")[2]), attr)
    return getattr(importlib.import_module(module), attr)


def _rules():
    rules = {}
    for spelling, (signature, partials, _) in ELEMENTWISE.items():
        rules[spelling] = Elementwise(spelling.rpartition(".")[2], signature, partials)
    for spelling, entry in TEMPLATES.items():
        rules[spelling] = Template(spelling.rpartition(".")[2], *entry)
    for alias, spelling in ALIASES.items():
        rules[alias] = rules[spelling]
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
    for alias in ALIASES:
        out.append(Entry(alias, alias, f"{alias}(x)", {"x": ((3, 4), "positive")}))
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
