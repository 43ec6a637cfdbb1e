"""Elementwise rules: one line each, the partial derivative is the whole rule.

A unary partial is written over the operand ``x`` and the result ``y``; a
binary one over ``a``, ``b`` and ``y``. Each entry also names the domain its
tests draw inputs from (``log`` on positives, ``arccos`` inside (-1, 1)).
Constants are Python floats, never NumPy scalars, so that float32 stays float32.
"""
from .kinds import REQUIRED, Elementwise

# name: (dy/dx over x and y, test domain of x)
UNARY = {
    "negative": ("-1", "real"),
    "positive": ("1", "real"),
    "exp": ("y", "real"),
    "exp2": ("0.6931471805599453 * y", "real"),           # ln 2 * 2 ** x
    "expm1": ("y + 1", "real"),
    "log": ("1 / x", "positive"),
    "log2": ("1 / (0.6931471805599453 * x)", "positive"),
    "log10": ("1 / (2.302585092994046 * x)", "positive"),
    "log1p": ("1 / (1 + x)", "positive"),
    "sqrt": ("0.5 / y", "positive"),
    "cbrt": ("1 / (3 * y ** 2)", "real"),
    "square": ("2 * x", "real"),
    "reciprocal": ("-y ** 2", "real"),
    "sin": ("np.cos(x)", "real"),
    "cos": ("-np.sin(x)", "real"),
    "tan": ("1 + y ** 2", "unit"),
    "arcsin": ("1 / np.sqrt(1 - x ** 2)", "unit"),
    "arccos": ("-1 / np.sqrt(1 - x ** 2)", "unit"),
    "arctan": ("1 / (1 + x ** 2)", "real"),
    "sinh": ("np.cosh(x)", "real"),
    "cosh": ("np.sinh(x)", "real"),
    "tanh": ("1 - y ** 2", "real"),
    "arcsinh": ("1 / np.sqrt(x ** 2 + 1)", "real"),
    "arccosh": ("1 / np.sqrt(x ** 2 - 1)", "above_one"),
    "arctanh": ("1 / (1 - x ** 2)", "unit"),
    # |x| has a kink at 0: the derivative used there is 0 (np.sign(0) == 0)
    "absolute": ("np.sign(x)", "real"),
    "deg2rad": ("0.017453292519943295", "real"),          # pi / 180
    "rad2deg": ("57.29577951308232", "real"),             # 180 / pi
    "sinc": ("sinc_derivative(x)", "real"),
    "identity": ("1", "real"),                            # float(x), np.float64(x), x.copy(), ...
}

# name: (dy/da, dy/db over a, b and y, test domain of a, of b)
BINARY = {
    "add": ("1", "1", "real", "real"),
    "subtract": ("1", "-1", "real", "real"),
    "multiply": ("b", "a", "real", "real"),
    "true_divide": ("1 / b", "-a / b ** 2", "real", "real"),
    # a ** b is flat where a == 0 in two ways: a ** 0 is 1 for every a, and 0 ** b is 0 for every
    # b > 0. There b * a ** (b - 1) and log(a) * y are 0 * inf and log(0) * 0, nan, and
    # 0.0 ** -1.0 raises for Python floats. Raised to b - 1 only where b != 0, and with log(1)
    # for log(0), the partials are exactly 0; a literal exponent folds to 2 * x as before.
    "power": ("b * a ** (b - (b != 0))", "np.log(a + (a == 0)) * y", "positive", "real"),
    "float_power": ("b * np.float_power(a, b - (b != 0))", "np.log(a + (a == 0)) * y", "positive", "real"),
    # ties (a == b) split the derivative evenly between the operands
    "maximum": ("0.5 + 0.5 * np.sign(a - b)", "0.5 - 0.5 * np.sign(a - b)", "real", "real"),
    "minimum": ("0.5 - 0.5 * np.sign(a - b)", "0.5 + 0.5 * np.sign(a - b)", "real", "real"),
    "arctan2": ("b / (a ** 2 + b ** 2)", "-a / (a ** 2 + b ** 2)", "real", "real"),
    "hypot": ("a / y", "b / y", "real", "real"),
    "logaddexp": ("np.exp(a - y)", "np.exp(b - y)", "real", "real"),
    "logaddexp2": ("2.0 ** (a - y)", "2.0 ** (b - y)", "real", "real"),
    "remainder": ("1", "-np.floor(a / b)", "fraction", "one_to_two"),
    "fmod": ("1", "-np.trunc(a / b)", "fraction", "one_to_two"),
}

# clip(a, a_min, a_max): a's derivative is 1 inside [a_min, a_max] (bounds included), 0 outside
TERNARY = {
    "clip": ((("a", REQUIRED), ("a_min", REQUIRED), ("a_max", REQUIRED)),
             {"a": "clip_mask(a, a_min, a_max)", "a_min": "a < a_min", "a_max": "a > a_max"},
             ("real", None, None)),
}

# math.* functions take and return Python floats, so their partials stay in the math module:
# np.cos(x) would turn the adjoint, and every value computed from it, into a slower np.float64.
# Only partials that are finite wherever the function is defined are listed (1 / math.sqrt(0.0)
# raises where NumPy gives inf).
MATH_PARTIALS = {"sin": "math.cos(x)", "cos": "-math.sin(x)",
                 "sinh": "math.cosh(x)", "cosh": "math.sinh(x)",
                 "erf": "1.1283791670955126 * math.exp(-x * x)",       # 2 / sqrt(pi) e ** -x ** 2
                 "erfc": "-1.1283791670955126 * math.exp(-x * x)"}

UNARY_SIGNATURE = (("x", REQUIRED),)
BINARY_SIGNATURE = (("a", REQUIRED), ("b", REQUIRED))

# the same rule under the names NumPy and the math module give it: (spelling, rule)
NUMPY_UNARY = [(f"np.{name}", name) for name in UNARY if name != "identity"] + [
    ("np.abs", "absolute"), ("np.fabs", "absolute"), ("np.radians", "deg2rad"),
    ("np.degrees", "rad2deg"), ("np.conjugate", "identity"), ("np.conj", "identity"),
    ("np.real", "identity"),
    ("np.copy", "identity"), ("np.asarray", "identity"), ("np.ascontiguousarray", "identity"),
    # the array API's names (NumPy 2)
    ("np.acos", "arccos"), ("np.asin", "arcsin"), ("np.atan", "arctan"), ("np.acosh", "arccosh"),
    ("np.asinh", "arcsinh"), ("np.atanh", "arctanh"),
]
NUMPY_BINARY = [(f"np.{name}", name) for name in BINARY] + [
    ("np.divide", "true_divide"), ("np.fmax", "maximum"), ("np.fmin", "minimum"),
    ("np.mod", "remainder"), ("np.atan2", "arctan2"), ("np.pow", "power"),     # the last two: NumPy 2
]
MATH = [
    ("math.exp", "exp"), ("math.expm1", "expm1"), ("math.log", "log"), ("math.log2", "log2"),
    ("math.log10", "log10"), ("math.log1p", "log1p"), ("math.sqrt", "sqrt"), ("math.cbrt", "cbrt"),
    ("math.exp2", "exp2"), ("math.sin", "math_sin"), ("math.cos", "math_cos"), ("math.tan", "tan"),
    ("math.asin", "arcsin"), ("math.acos", "arccos"), ("math.atan", "arctan"),
    ("math.sinh", "math_sinh"), ("math.cosh", "math_cosh"), ("math.tanh", "tanh"), ("math.asinh", "arcsinh"),
    ("math.acosh", "arccosh"), ("math.atanh", "arctanh"), ("math.fabs", "absolute"),
    ("math.degrees", "rad2deg"), ("math.radians", "deg2rad"), ("math.pow", "power"),
    ("math.atan2", "arctan2"), ("math.hypot", "hypot"), ("math.fmod", "fmod"),
    ("math.erf", "math_erf"), ("math.erfc", "math_erfc"),
    ("abs", "absolute"), ("float", "float"), ("pow", "power"),
]
OPERATORS = [
    ("a + b", "Add", "add"), ("a - b", "Sub", "subtract"), ("a * b", "Mult", "multiply"),
    ("a / b", "Div", "true_divide"), ("a ** b", "Pow", "power"), ("a % b", "Mod", "remainder"),
    ("-x", "USub", "negative"), ("+x", "UAdd", "positive"),
]


def build():
    rules = {}
    for name, (partial, _) in UNARY.items():
        rules[name] = Elementwise(name, UNARY_SIGNATURE, {"x": partial})
    for name, partial in MATH_PARTIALS.items():
        rules[f"math_{name}"] = Elementwise(name, UNARY_SIGNATURE, {"x": partial})
    for name, (da, db, _, _) in BINARY.items():
        rules[name] = Elementwise(name, BINARY_SIGNATURE, {"a": da, "b": db})
    for name, (signature, partials, _) in TERNARY.items():
        rules[name] = Elementwise(name, signature, partials)
    return rules


def domains(name):
    """The test domains of a rule's operands, by parameter name."""
    name = name.removeprefix("math_")
    if name in UNARY:
        return {"x": UNARY[name][1]}
    if name in BINARY:
        return {"a": BINARY[name][2], "b": BINARY[name][3]}
    if name not in TERNARY:
        return {"x": "real"}
    signature, _, kinds = TERNARY[name]
    return {p: k for (p, _), k in zip(signature, kinds) if k}
