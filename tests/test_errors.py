"""The error contract: what tangent_ad refuses, where it says so, and how.

Code outside the differentiable subset must raise ``tad.TransformError`` (a
``SyntaxError``) that names the user's file, the line and column where the
offending construct starts, and the construct; it must never produce a
derivative. Wrong use of the API raises ``ValueError``/``TypeError`` with a
message that says what was expected and what was found.

The user functions live in tests/fence_cases.py, a real file, so the
locations are real. Expected lines are found through the ``# <- key`` marker
comments in that file and expected columns from the text of the marked line,
so no line or column number is written down in this file.
"""
import ast
import inspect
import os
import re
import sys
import traceback
import types
from dataclasses import dataclass, field

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fence_cases as fc  # noqa: E402
import tangent_ad as tad  # noqa: E402

FENCE_FILE = os.path.realpath(fc.__file__)
with open(FENCE_FILE, encoding="utf-8") as _fh:
    FENCE_SOURCE = _fh.read()
FENCE_LINES = FENCE_SOURCE.splitlines()
FENCE_TREE = ast.parse(FENCE_SOURCE, FENCE_FILE)

MODES = ("reverse", "forward")


# --------------------------------------------------------------- test data

def marked_line(key):
    """The 1-based line number and the text of the line marked ``# <- key``."""
    pattern = re.compile(r"#\s*<-\s*" + re.escape(key) + r"\s*$")
    hits = [(i + 1, line) for i, line in enumerate(FENCE_LINES)
            if pattern.search(line)]
    assert len(hits) == 1, f"marker '# <- {key}' found {len(hits)} times"
    return hits[0]


def exact(name):
    """The construct must be exactly ``name``."""
    def check(construct):
        return construct == name
    check.describe = repr(name)
    return check


def mentions(*alternatives):
    """The construct must mention every word of at least one alternative."""
    def check(construct):
        text = construct.lower()
        return any(all(word in text for word in alt.lower().split())
                   for alt in alternatives)
    check.describe = " or ".join(repr(a) for a in alternatives)
    return check


def call_to(name):
    """'call to <name>', the name as written or qualified."""
    def check(construct):
        return construct.startswith("call to ") and name in construct
    check.describe = f"'call to ...{name}...'"
    return check


@dataclass
class Case:
    key: str                 # marker in fence_cases.py
    func: object             # the user function (or a zero-arg getter)
    args: object             # zero-arg callable returning fresh arguments
    anchors: tuple           # text whose first index in the line is a valid column
    construct: object        # predicate on err.construct
    nodes: tuple             # ast node types that start at the location
    message: tuple = field(default=())  # extra regexes the message must match
    # Where the offence is spread over two statements (an alias made on one
    # line, written through on the next), either one is a fair place to
    # report it: (marker, anchors) of the other acceptable line.
    also: tuple = field(default=())

    def locations(self):
        """The acceptable (line, column) pairs."""
        found = set()
        for key, anchors in ((self.key, self.anchors),) + self.also:
            lineno, text = marked_line(key)
            for anchor in anchors:
                assert anchor in text, f"anchor {anchor!r} not in line {lineno}: {text!r}"
                found.add((lineno, text.index(anchor)))
        return found

    def __repr__(self):
        return self.key


def scalar():
    return (3.0,)


def vector():
    return (np.array([1.0, 2.0, 3.0]),)


SOURCE_UNREADABLE = (
    r"(?i)(source.{0,60}(cannot|can't|could not|couldn't|unable|not be|isn't|is not)"
    r"|(cannot|can't|could not|couldn't|unable to|not) (read|get|find|retrieve|load|inspect)"
    r".{0,40}source)"
)

CASES = [
    # statements
    Case("try", fc.try_case, scalar, ("try",), exact("try statement"), (ast.Try,)),
    Case("with", fc.with_case, scalar, ("with",), exact("with statement"), (ast.With,)),
    Case("global", fc.global_case, scalar, ("global",), exact("global statement"),
         (ast.Global,)),
    Case("nonlocal", fc.nonlocal_case, scalar, ("nonlocal",),
         exact("nonlocal statement"), (ast.Nonlocal,)),
    Case("yield", fc.yield_case, scalar, ("yield",), exact("yield"), (ast.Yield,)),
    Case("del", fc.del_case, scalar, ("del",), exact("del statement"), (ast.Delete,)),
    Case("nested-def", fc.nested_def_case, scalar, ("def",),
         mentions("def", "function definition", "nested function"),
         (ast.FunctionDef,)),
    Case("async-def", fc.async_def_case, scalar, ("async",), mentions("async"),
         (ast.AsyncFunctionDef,)),
    Case("class", fc.class_case, scalar, ("class",), mentions("class"),
         (ast.ClassDef,)),
    Case("while-else", fc.while_else_case, scalar, ("while",), mentions("while else"),
         (ast.While,)),
    Case("for-else", fc.for_else_case, scalar, ("for",), mentions("for else"),
         (ast.For,)),
    Case("match", fc.match_case, lambda: (3.0, 0), ("match",), mentions("match"),
         (ast.Match,)),
    Case("zip-single", fc.zip_single_target_case,
         lambda: (np.array([1.0, 2.0]), np.array([3.0, 4.0])),
         ("for", "zip("), mentions("for", "zip"), (ast.For, ast.Call)),
    Case("reversed", fc.reversed_case, vector, ("for", "reversed("),
         mentions("for", "reversed"), (ast.For, ast.Call)),
    # expressions
    Case("lambda", fc.lambda_case, scalar, ("lambda",), exact("lambda"),
         (ast.Lambda,)),
    Case("listcomp", fc.listcomp_case, vector, ("[v",), exact("list comprehension"),
         (ast.ListComp,)),
    Case("setcomp", fc.setcomp_case, vector, ("{v",), mentions("set comprehension"),
         (ast.SetComp,)),
    Case("dictcomp", fc.dictcomp_case, vector, ("{i",),
         mentions("dict comprehension", "dictionary comprehension"), (ast.DictComp,)),
    Case("genexp", fc.genexp_case, vector, ("(v",), exact("generator expression"),
         (ast.GeneratorExp,)),
    Case("walrus", fc.walrus_case, scalar, ("y :=",),
         mentions(":=", "walrus", "assignment expression", "named expression"),
         (ast.NamedExpr,)),
    Case("star-args", fc.star_args_case, scalar, ("_scale(", "*args"),
         mentions("*", "star", "unpack"), (ast.Call, ast.Starred)),
    # mutation
    # stores into a differentiated array: x[i] = v is supported, not through a view
    Case("setitem", fc.setitem_case, vector, ("y.T[0]",),
         exact("assignment into an array being differentiated through a view"),
         (ast.Assign, ast.Subscript)),
    Case("setitem-arg", fc.setitem_arg_case, vector, ("y[1][0]",),
         exact("assignment into an array being differentiated through a view"),
         (ast.Assign, ast.Subscript)),
    Case("setitem-aug", fc.setitem_aug_case, vector, ("y.T[2]",),
         mentions("assignment into an array"), (ast.AugAssign, ast.Subscript)),
    # in-place writes through a method or an out= argument are mutation too
    Case("fill", fc.fill_method_case, vector, ("y.fill",),
         mentions("fill", "place", "array", "mutat"), (ast.Call,)),
    Case("out-arg", fc.out_argument_case, vector, ("np.multiply", "out=y"),
         mentions("out", "place", "array", "mutat"), (ast.Call, ast.keyword)),
    Case("attr", fc.attr_case, lambda: (3.0, types.SimpleNamespace()), ("box.value",),
         exact("attribute assignment"), (ast.Assign, ast.Attribute)),
    # calls to functions with no source and no rule
    Case("reduce", fc.reduce_case, vector, ("functools.reduce",), call_to("reduce"),
         (ast.Call,), (r"reduce",)),
    Case("fsum", fc.fsum_case, vector, ("math.fsum",), call_to("fsum"),
         (ast.Call,), (r"fsum",)),
    Case("eigvals", fc.eig_case, lambda: (np.array([[2.0, 1.0], [1.0, 3.0]]),),
         ("np.linalg.eigvals",), call_to("eigvals"), (ast.Call,), (r"eigvals",)),
    Case("opaque-call", fc.opaque_call_case, scalar, ("opaque_helper(",),
         mentions("opaque_helper"), (ast.Call,),
         (r"opaque_helper", SOURCE_UNREADABLE)),
    Case("opaque-compiled-call", fc.opaque_compiled_call_case, scalar,
         ("opaque_compiled(",), mentions("opaque_compiled"), (ast.Call,),
         (r"opaque_compiled", SOURCE_UNREADABLE)),
    # more of the fence (docs/supported.md, "Rejected, and what to write instead")
    Case("import", fc.import_case, scalar, ("import",), exact("import statement"), (ast.Import,)),
    Case("set-display", fc.set_display_case, scalar, ("{x",), exact("set display"), (ast.Set,)),
    Case("positional-only", fc.positional_only_case, scalar, ("x, /",), mentions("positional-only"),
         (ast.arg,)),
    Case("dict-value", fc.dict_value_case, scalar, ("{",), mentions("dict"), (ast.Dict,)),
    Case("bool-op", fc.bool_op_case, scalar, ("x or",), exact("and/or on differentiated values"),
         (ast.BoolOp,)),
    Case("attribute-value", fc.attribute_value_case, vector, ("x.real",), mentions("attribute real"),
         (ast.Attribute,)),
    Case("method-without-rule", fc.method_without_rule_case, vector, ("x[0].item",), mentions("method item"),
         (ast.Call,)),
    Case("sort-method", fc.sort_method_case, vector, ("y.sort",), mentions("sort place"), (ast.Call,)),
    Case("call-for-effect", fc.call_for_effect_case, vector, ("np.add.at",), mentions("np.add.at unused"),
         (ast.Call,)),
    Case("random-draw", fc.random_draw_case, vector, ("np.random.normal",), call_to("np.random.normal"),
         (ast.Call,)),
    Case("no-return", fc.no_return_case, scalar, ("def",), mentions("without a return"),
         (ast.FunctionDef,)),
    Case("bare-return", fc.bare_return_case, scalar, ("return",), exact("return without a value"),
         (ast.Return,)),
    Case("tuple-returned-twice", fc.tuple_returned_twice_case, scalar, ("x, 2.0",),
         mentions("tuple more than one place"), (ast.Tuple,)),
    Case("shape-argument", fc.shape_argument_case, vector, ("p)",), mentions("ord argument"), (ast.Name,)),
    Case("shared-update", fc.shared_update_case, vector, ("z +=",), mentions("shares memory"),
         (ast.AugAssign,)),
    Case("complex", fc.complex_case, scalar, ("1.0j",), mentions("complex"), (ast.Constant,)),
    Case("eval", fc.eval_case, scalar, ("eval(",), call_to("eval"), (ast.Call,)),
    Case("constructor-value", fc.constructor_value_case, vector, ("np.full_like",), mentions("full_like"),
         (ast.Call,)),
    Case("heaviside-value", fc.heaviside_value_case, vector, ("np.heaviside",), mentions("heaviside"),
         (ast.Call,)),
    Case("helper-changes-argument", fc.helper_changes_argument_case, vector, ("_double_in_place(",),
         mentions("_double_in_place in place"), (ast.Call,)),
    # where the report lands
    Case("helper-try", fc.calls_helper_with_try, scalar, ("try",),
         exact("try statement"), (ast.Try,)),
    Case("decorated-lambda", fc.decorated_lambda_case, scalar, ("lambda",),
         exact("lambda"), (ast.Lambda,)),
]

# Writes through an alias or a view, and through a NumPy function: NumPy
# mutates in place, so translating ``z += x`` as ``z = z + x`` changes what the
# function computes. A tool may reject these (then with the usual location) or
# get them right, but never return a wrong derivative.
ALIASING_CASES = [
    Case("alias-aug", fc.alias_aug_case, vector, ("z +=",),
         mentions("place", "alias", "array", "augmented", "mutat"),
         (ast.AugAssign, ast.Assign), also=(("alias-made", ("z = y",)),)),
    Case("view-aug", fc.view_aug_case, vector, ("v *=",),
         mentions("place", "view", "array", "augmented", "mutat"),
         (ast.AugAssign, ast.Assign), also=(("view-made", ("v = y",)),)),
    Case("copyto", fc.copyto_case, vector, ("np.copyto",),
         mentions("copyto", "place", "array", "mutat"), (ast.Call,)),
]

CASE_IDS = [c.key for c in CASES]
BY_KEY = {c.key: c for c in CASES}



def says_what_instead(sentence, construct):
    """Beyond naming the construct, the sentence goes on to a second clause
    (after ';', ':', ',', a dash or a full stop) that says what to write
    instead. The wording is free, so only the shape is checked: a separate
    clause of a few words after the construct."""
    rest = sentence[sentence.lower().index(construct.lower()) + len(construct):]
    parts = re.split(r"[;:,.]\s|\s[-\u2014]\s|;", rest, maxsplit=1)
    return len(parts) == 2 and len(parts[1].split()) >= 3


def check_transform_error(err, case):
    """Everything the contract says about a TransformError for ``case``."""
    expected = case.locations()
    lines = sorted({line for line, _ in expected})
    assert isinstance(err, tad.TransformError)
    assert isinstance(err, SyntaxError)
    assert err.filename not in (None, "<stdin>", "<unknown>", "<string>")
    assert os.path.realpath(err.filename) == FENCE_FILE, err.filename
    assert err.lineno in lines, (
        f"line: expected {' or '.join(map(str, lines))} "
        f"({' / '.join(FENCE_LINES[n - 1].strip() for n in lines)!r}), got {err.lineno}")
    cols = sorted(col for line, col in expected if line == err.lineno)
    assert err.col_offset in cols, f"column: expected one of {cols}, got {err.col_offset}"
    assert err.offset == err.col_offset + 1, (err.offset, err.col_offset)
    assert isinstance(err.construct, str)
    assert case.construct(err.construct), (
        f"construct: expected {case.construct.describe}, got {err.construct!r}")
    msg = str(err)
    prefix = f"{err.filename}:{err.lineno}:{err.col_offset + 1}: "
    assert msg.startswith(prefix), f"expected prefix {prefix!r}, got {msg!r}"
    assert "fence_cases.py" in msg
    sentence = msg[len(prefix):]
    assert err.construct.lower() in sentence.lower(), (err.construct, sentence)
    assert says_what_instead(sentence, err.construct), (
        f"does not go on to say what is supported instead: {sentence!r}")
    for pattern in case.message:
        assert re.search(pattern, msg), f"{pattern!r} not in {msg!r}"


# ----------------------------------------------------- the test data itself

@pytest.mark.parametrize("case", CASES + ALIASING_CASES,
                         ids=CASE_IDS + [c.key for c in ALIASING_CASES])
def test_expected_location_is_a_node_start(case):
    """Self-check: each expected (line, column) is where Python's parser
    starts a node of the construct's type, and the marked line is inside the
    function under test (or the helper it calls)."""
    starts = {(n.lineno, n.col_offset) for n in ast.walk(FENCE_TREE)
              if isinstance(n, case.nodes)}
    for key, anchors in ((case.key, case.anchors),) + case.also:
        lineno, _ = marked_line(key)
        here = {loc for loc in case.locations() if loc[0] == lineno}
        assert here & starts, (key, here)


# ------------------------------------------------ fenced constructs: modes

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fenced_source(case, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.source(case.func, mode)
    check_transform_error(info.value, case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fenced_grad(case):
    result = "not computed"
    with pytest.raises(tad.TransformError) as info:
        result = tad.grad(case.func)(*case.args())
    assert result == "not computed"
    check_transform_error(info.value, case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fenced_is_caught_as_syntax_error(case):
    with pytest.raises(SyntaxError):
        tad.source(case.func, "reverse")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ALIASING_CASES, ids=[c.key for c in ALIASING_CASES])
def test_write_through_alias_is_rejected_or_right(case, mode):
    x = case.args()[0]
    expected = tad.numerical_grad(case.func, x.copy())
    try:
        if mode == "reverse":
            got = tad.grad(case.func)(x.copy())
        else:
            got = np.array([tad.jvp(case.func, (x.copy(),), (e,))[1]
                            for e in np.eye(x.size)])
    except tad.TransformError as err:
        check_transform_error(err, case)
        return
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8,
                               err_msg="wrong derivative, and no TransformError")


# ------------------------------------------- fenced constructs: entry points

RUNNABLE = ["try", "with", "lambda", "listcomp", "setitem", "attr", "reduce",
            "opaque-call", "helper-try"]


def _value_and_grad(f, args):
    return tad.value_and_grad(f)(*args)


def _derivative_reverse(f, args):
    return tad.derivative(f, mode="reverse")(*args)


def _derivative_forward(f, args):
    return tad.derivative(f, mode="forward")(*args)


def _jvp(f, args):
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray)
                     else (1.0 if isinstance(a, float) else None) for a in args)
    return tad.jvp(f, args, tangents)


def _vjp(f, args):
    out, f_vjp = tad.vjp(f, *args)
    return f_vjp(1.0)


def _decorated_grad(f, args):
    return tad.differentiate(f).grad(*args)


def _decorated_jvp(f, args):
    return tad.differentiate(f).jvp(args, tuple(
        np.ones_like(a) if isinstance(a, np.ndarray)
        else (1.0 if isinstance(a, float) else None) for a in args))


def _decorated_value_and_grad(f, args):
    return tad.differentiate(f).value_and_grad(*args)


def _decorated_source_forward(f, args):
    return tad.differentiate(f).source("forward")


def _decorated_derivative_reverse(f, args):
    return tad.differentiate(f).derivative("reverse")


def _decorated_with_arguments(f, args):
    return tad.differentiate(mode="forward", wrt=0)(f).source("forward")


ENTRY_POINTS = [_value_and_grad, _derivative_reverse, _derivative_forward, _jvp, _vjp,
                _decorated_grad, _decorated_jvp, _decorated_value_and_grad,
                _decorated_source_forward, _decorated_derivative_reverse,
                _decorated_with_arguments]


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda e: e.__name__.strip("_"))
@pytest.mark.parametrize("key", RUNNABLE)
def test_fenced_every_entry_point(key, entry):
    case = BY_KEY[key]
    result = "not computed"
    with pytest.raises(tad.TransformError) as info:
        result = entry(case.func, case.args())
    assert result == "not computed"
    check_transform_error(info.value, case)


@pytest.mark.parametrize("key", RUNNABLE)
def test_decorating_does_not_raise_and_still_calls_f(key):
    """The error comes when a derivative is requested, not at decoration;
    the decorated object still computes f."""
    case = BY_KEY[key]
    decorated = tad.differentiate(case.func)
    decorated_fwd = tad.differentiate(mode="forward", wrt=0)(case.func)
    expected = case.func(*case.args())
    for d in (decorated, decorated_fwd):
        got = d(*case.args())
        np.testing.assert_allclose(got, expected)
    with pytest.raises(tad.TransformError) as info:
        decorated.grad(*case.args())
    check_transform_error(info.value, case)


def test_decorated_with_tangent_ad_itself():
    """@tad.differentiate inside a function body: the source read is indented
    and starts with a decorator line; the location is still the file's."""
    d = fc.make_differentiated_with()
    assert d(3.0) == 18.0
    case = Case("differentiated-with", d, scalar, ("with",), exact("with statement"),
                (ast.With,))
    with pytest.raises(tad.TransformError) as info:
        d.grad(3.0)
    check_transform_error(info.value, case)
    for mode in MODES:
        with pytest.raises(tad.TransformError) as info:
            d.source(mode)
        check_transform_error(info.value, case)


def test_fence_error_is_repeatable():
    """A failed transform leaves nothing half-built behind."""
    case = BY_KEY["try"]
    for _ in range(2):
        with pytest.raises(tad.TransformError) as info:
            tad.grad(case.func)(3.0)
        check_transform_error(info.value, case)


def test_fence_error_shows_in_a_traceback():
    """Printed the way Python prints a SyntaxError, the error still shows the
    file, the line and the construct."""
    case = BY_KEY["with"]
    with pytest.raises(tad.TransformError) as info:
        tad.source(case.func, "reverse")
    err = info.value
    text = "".join(traceback.format_exception_only(type(err), err))
    assert f'File "{err.filename}", line {err.lineno}' in text, text
    assert "with statement" in text, text


# ------------------------------------- functions whose source cannot be read

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("func", [fc.opaque_helper, fc.opaque_compiled],
                         ids=["exec", "FunctionType"])
def test_unreadable_source_at_top_level(func, mode):
    with pytest.raises(OSError):
        inspect.getsource(func)  # the premise
    with pytest.raises(tad.TransformError) as info:
        tad.source(func, mode)
    msg = str(info.value)
    assert func.__name__ in msg, msg
    assert re.search(SOURCE_UNREADABLE, msg), msg


@pytest.mark.parametrize("func", [fc.opaque_helper, fc.opaque_compiled],
                         ids=["exec", "FunctionType"])
def test_unreadable_source_at_top_level_grad(func):
    result = "not computed"
    with pytest.raises(tad.TransformError) as info:
        result = tad.grad(func)(3.0)
    assert result == "not computed"
    assert re.search(SOURCE_UNREADABLE, str(info.value)), str(info.value)


# ------------------------------------- controls: inside the subset, no error

@pytest.mark.parametrize("mode", MODES)
def test_control_setitem_into_inactive_array(mode):
    x = np.array([1.0, 2.0, 3.0])
    assert isinstance(tad.source(fc.control_setitem_inactive, mode), str)
    if mode == "reverse":
        np.testing.assert_allclose(tad.grad(fc.control_setitem_inactive)(x),
                                   [0.0, 2.0, 0.0])
    else:
        out, out_dot = tad.jvp(fc.control_setitem_inactive, (x,),
                               (np.array([1.0, 1.0, 1.0]),))
        np.testing.assert_allclose(out, 4.0)
        np.testing.assert_allclose(out_dot, 2.0)


@pytest.mark.parametrize("mode", MODES)
def test_control_reading_a_global(mode):
    assert isinstance(tad.source(fc.control_reads_global, mode), str)
    if mode == "reverse":
        assert tad.grad(fc.control_reads_global)(3.0) == pytest.approx(3.0)
    else:
        out, out_dot = tad.jvp(fc.control_reads_global, (3.0,), (1.0,))
        assert out == pytest.approx(9.0)
        assert out_dot == pytest.approx(3.0)


# ------------------------------------------------------- wrong use of the API

def two_params(x1, x2):
    return (x1 + x2) * (x1 - x2)


def vector_valued(x):
    return x * 2.0


def square_sum(x):
    return np.sum(x * x)


def _names_parameters(msg):
    return "x1" in msg and "x2" in msg


@pytest.mark.parametrize("wrt", [2, 5, -3, "z", (0, 7), ("x1", "y")],
                         ids=["2", "5", "-3", "z", "0,7", "x1,y"])
def test_wrt_out_of_range_or_unknown_grad(wrt):
    with pytest.raises(ValueError) as info:
        tad.grad(two_params, wrt=wrt)(3.0, 2.0)
    assert _names_parameters(str(info.value)), str(info.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wrt", [2, "z"])
def test_wrt_out_of_range_or_unknown_source(wrt, mode):
    with pytest.raises(ValueError) as info:
        tad.source(two_params, mode, wrt=wrt)
    assert _names_parameters(str(info.value)), str(info.value)
    with pytest.raises(ValueError) as info:
        tad.derivative(two_params, mode, wrt=wrt)
    assert _names_parameters(str(info.value)), str(info.value)


def test_wrt_unknown_on_decorator():
    with pytest.raises(ValueError) as info:
        tad.differentiate(wrt="z")(two_params).grad(3.0, 2.0)
    assert _names_parameters(str(info.value)), str(info.value)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_grad_of_non_scalar_output(shape):
    x = np.ones(shape)
    result = "not computed"
    with pytest.raises(ValueError) as info:
        result = tad.grad(vector_valued)(x)
    assert result == "not computed"
    msg = str(info.value)
    assert "scalar" in msg.lower(), msg
    assert str(shape) in msg, f"shape {shape} not in {msg!r}"
    assert "out_bar" in msg or "vjp" in msg, msg


def test_value_and_grad_of_non_scalar_output():
    with pytest.raises(ValueError) as info:
        tad.value_and_grad(vector_valued)(np.ones((2, 3)))
    msg = str(info.value)
    assert "scalar" in msg.lower() and "(2, 3)" in msg, msg


def test_non_scalar_output_with_vjp_is_fine():
    """The suggested way out works."""
    out, f_vjp = tad.vjp(vector_valued, np.ones(3))
    (x_bar,) = f_vjp(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x_bar, [2.0, 4.0, 6.0])


def _says_expected_and_found(msg, expected, found):
    """States the requirement (expected / needs / must / one per ...) and
    gives both counts."""
    states_rule = re.search(r"(?i)expect|need|must|should|\bone\b.*\bper\b", msg)
    return bool(states_rule and re.search(rf"\b{re.escape(expected)}\b", msg)
                and re.search(rf"\b{re.escape(found)}\b", msg))


@pytest.mark.parametrize("tangents,found",
                         [((1.0,), "1"), ((1.0, 0.0, 1.0), "3"), ((), "0")],
                         ids=["too-few", "too-many", "none"])
def test_jvp_tangent_count_mismatch(tangents, found):
    with pytest.raises(ValueError) as info:
        tad.jvp(two_params, (3.0, 2.0), tangents)
    msg = str(info.value)
    assert _says_expected_and_found(msg, "2", found), msg


def test_jvp_tangent_shape_mismatch():
    with pytest.raises(ValueError) as info:
        tad.jvp(square_sum, (np.ones(3),), (np.ones(2),))
    msg = str(info.value)
    assert "(3,)" in msg and "(2,)" in msg, msg


def test_jvp_tangent_shape_mismatch_2d():
    with pytest.raises(ValueError) as info:
        tad.jvp(square_sum, (np.ones((2, 3)),), (np.ones((3, 2)),))
    msg = str(info.value)
    assert "(2, 3)" in msg and "(3, 2)" in msg, msg


def _says_ints_not_differentiable(msg):
    return "int" in msg.lower() and "differentiab" in msg.lower()


def test_int_argument_in_wrt_grad():
    with pytest.raises(TypeError) as info:
        tad.grad(two_params)(3, 2.0)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


def test_int_argument_in_wrt_tuple():
    with pytest.raises(TypeError) as info:
        tad.grad(two_params, wrt=(0, 1))(3.0, 2)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


def test_int_argument_in_wrt_by_name():
    with pytest.raises(TypeError) as info:
        tad.grad(two_params, wrt="x2")(3.0, 2)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


def test_int_argument_in_wrt_decorated():
    with pytest.raises(TypeError) as info:
        tad.differentiate(two_params).grad(3, 2.0)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


@pytest.mark.parametrize("value", [np.int64(3), np.array([1, 2, 3]), True],
                         ids=["numpy-int", "int-array", "bool"])
def test_integer_valued_argument_in_wrt(value):
    with pytest.raises(TypeError) as info:
        tad.grad(square_sum)(value)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


def test_int_argument_in_wrt_value_and_grad():
    with pytest.raises(TypeError) as info:
        tad.value_and_grad(two_params)(3, 2.0)
    assert _says_ints_not_differentiable(str(info.value)), str(info.value)


def test_vjp_gives_none_for_an_int():
    out, f_vjp = tad.vjp(two_params, 3, 2.0)
    assert out == pytest.approx(5.0)
    x1_bar, x2_bar = f_vjp(1.0)
    assert x1_bar is None
    assert x2_bar == pytest.approx(-4.0)


def test_vjp_out_bar_shape_mismatch():
    out, f_vjp = tad.vjp(vector_valued, np.ones(3))
    with pytest.raises(ValueError) as info:
        f_vjp(np.ones(2))
    msg = str(info.value)
    assert "(3,)" in msg and "(2,)" in msg, msg


def test_int_argument_not_in_wrt_is_fine():
    """An int that is not differentiated is an ordinary argument."""
    assert tad.grad(two_params)(3.0, 2) == pytest.approx(6.0)


# ------------------------------------------------------------ error classes

def test_transform_error_is_a_syntax_error():
    assert issubclass(tad.TransformError, SyntaxError)


def test_internal_error_is_a_runtime_error():
    assert issubclass(tad.InternalError, RuntimeError)
    assert not issubclass(tad.InternalError, tad.TransformError)
