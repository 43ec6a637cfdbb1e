"""User functions that fall outside the differentiable subset.

Each function holds exactly one construct that tangent_ad must refuse, and
the line where that construct starts carries a marker comment ``# <- key``.
tests/test_errors.py finds the expected line by its marker and the expected
column from the line text, so this file can be edited freely: no line or
column numbers are written down anywhere.

Everything apart from the marked construct is inside the supported subset,
so the only honest outcome is a TransformError pointing at the marker.
The few functions at the end (``control_*``) are inside the subset and must
be differentiated normally.
"""
import contextlib
import functools
import math
import types

import numpy as np

COUNTER = 0.0
SCALE = 2.0


# ---------------------------------------------------------------- statements

def try_case(x):
    y = x
    for i in range(2):
        try:  # <- try
            y = y * 2.0
        except ValueError:
            y = y + 1.0
    return y


def with_case(x):
    y = x * 1.5
    with contextlib.nullcontext():  # <- with
        y = y * 2.0
    return y


def global_case(x):
    global COUNTER  # <- global
    COUNTER = COUNTER + 1.0
    return x * 2.0


def make_nonlocal_case():
    scale = 2.0

    def nonlocal_case(x):
        nonlocal scale  # <- nonlocal
        scale = scale + 1.0
        return x * scale

    return nonlocal_case


nonlocal_case = make_nonlocal_case()


def yield_case(x):
    y = x * 2.0
    yield y * 3.0  # <- yield


def del_case(x):
    y = x * 2.0
    z = y * 3.0
    for i in range(1):
        del y  # <- del
    return z


def nested_def_case(x):
    y = x * 2.0
    if y > 0.0:
        def inner(v):  # <- nested-def
            for k in range(3):
                if v > k:
                    return v * k
            return v
        y = inner(y)
    return y


async def async_def_case(x):  # <- async-def
    return x * 2.0


def class_case(x):
    class Box:  # <- class
        scale = 2.0
    return x * 3.0


def while_else_case(x):
    y = x
    while y < 10.0:  # <- while-else
        y = y * 2.0
    else:
        y = y + 1.0
    return y


def for_else_case(x):
    y = x
    for i in range(3):  # <- for-else
        y = y * 2.0
    else:
        y = y + 1.0
    return y


def match_case(x, n):
    y = x
    match n:  # <- match
        case 0:
            y = x * 2.0
        case _:
            y = x * 3.0
    return y


def zip_case(x, w):
    total = 0.0
    for a, b in zip(x, w):  # <- zip
        total = total + a * b
    return total


def zip_single_target_case(x, w):
    total = 0.0
    for pair in zip(x, w):  # <- zip-single
        total = total + pair[0] * pair[1]
    return total


def enumerate_case(x):
    total = 0.0
    for i, v in enumerate(x):  # <- enumerate
        total = total + v * i
    return total


def reversed_case(x):
    total = 0.0
    for v in reversed(x):  # <- reversed
        total = total * 2.0 + v
    return total


def list_loop_case(x):
    total = 0.0
    for v in [x[0], x[1] * 2.0]:  # <- list-loop
        total = total + v * v
    return total


# --------------------------------------------------------------- expressions

class _Applier:
    """A callable object, not a plain Python function (which would be inlined with the lambda
    given to it, tests/test_function_arguments.py): the lambda given to it is refused."""

    def __call__(self, f, v):
        return f(v)


_apply = _Applier()


def lambda_case(x):
    y = x * 2.0
    z = _apply(lambda v: v * 2.0, y)  # <- lambda
    return y * 3.0 + z


def listcomp_case(x):
    k = 0
    while k < len([v for v in x if v > 10.0]):  # <- listcomp
        k = k + 1
    return x[0] * 2.0


def setcomp_case(x):
    s = {v * 2.0 for v in x}  # <- setcomp
    return x[0] * 2.0


def dictcomp_case(x):
    d = {i: x[i] * 2.0 for i in range(3)}  # <- dictcomp
    return d[0]


def genexp_case(x):
    gen = (v * 2.0 for v in x)  # <- genexp
    return x[0] * 2.0


def walrus_case(x):
    z = (y := x * 2.0) + 1.0  # <- walrus
    return z * 3.0


def _scale(v, k):
    return v * k


def star_args_case(x):
    args = (x, 2.0)
    return 1.0 * _scale(*args)  # <- star-args


def kwargs_case(x,
                **options):  # <- kwargs
    return x * 2.0


# ------------------------------------------------------- mutation of values

def setitem_case(x):
    y = np.outer(x, x)
    y.T[0] = 1.0  # <- setitem
    return np.sum(y)


def setitem_arg_case(x):
    y = np.outer(x, x)
    y[1][0] = 0.0  # <- setitem-arg
    return np.sum(y * y)


def setitem_aug_case(x):
    y = np.outer(x, x)
    y.T[2] += 1.0  # <- setitem-aug
    return np.sum(y)


def fill_method_case(x):
    y = x * 2.0
    y.fill(1.0)  # <- fill
    return np.sum(y)


def out_argument_case(x):
    y = x * 2.0
    np.multiply(y, 0.0, out=y)  # <- out-arg
    return np.sum(y)


def alias_aug_case(x):
    y = x * 2.0
    z = y  # <- alias-made
    z += x  # <- alias-aug
    return np.sum(y)


def view_aug_case(x):
    y = x * 2.0
    v = y[0:2]  # <- view-made
    v *= 3.0  # <- view-aug
    return np.sum(y)


def copyto_case(x):
    y = x * 2.0
    np.copyto(y, x)  # <- copyto
    return np.sum(y)


def attr_case(x, box):
    y = x * 2.0
    box.value = y  # <- attr
    return y * 3.0


# ---------------------------------------- calls without source or rule

def reduce_case(x):
    y = 2.0 * functools.reduce(np.multiply, x)  # <- reduce
    return y


def fsum_case(x):
    total = 2.0 * math.fsum(x)  # <- fsum
    return total


def eig_case(a):
    w = 1.0 + np.linalg.eigvals(a)  # <- eigvals
    return np.sum(w)


# A function whose source cannot be read: it was defined by executing a
# string, so inspect.getsource has no file to read it from.
_namespace = {}
exec("def opaque_helper(v):\n    return v * 3.0\n", _namespace)
opaque_helper = _namespace["opaque_helper"]

# The same through a code object compiled from a string.
_module_code = compile("def opaque_compiled(v):\n    return v * 4.0\n",
                       "<generated>", "exec")
_function_code = [c for c in _module_code.co_consts
                  if isinstance(c, types.CodeType)][0]
opaque_compiled = types.FunctionType(_function_code, globals())


def opaque_call_case(x):
    y = 2.0 * opaque_helper(x)  # <- opaque-call
    return y


def opaque_compiled_call_case(x):
    y = x + 1.0
    return y * opaque_compiled(x)  # <- opaque-compiled-call


# ------------------------------------------------- more of the fence

def import_case(x):
    import math  # <- import
    return math.sin(x) * 2.0


def set_display_case(x):
    s = {x, 1.0}  # <- set-display
    return x * 2.0


def keyword_only_case(x, *, scale=2.0):  # <- keyword-only
    return x * scale


def positional_only_case(x, /):  # <- positional-only
    return x * 2.0


def tuple_value_case(x):
    t = (x, 2.0 * x)  # <- tuple-value
    return t[0] * t[1]


def list_value_case(x):
    parts = [x, 2.0 * x]  # <- list-value
    return np.sum(np.concatenate(parts))


def dict_value_case(x):
    d = {"scaled": x * 2.0}  # <- dict-value
    return d["scaled"] * x


def bool_op_case(x):
    y = x or 1.0  # <- bool-op
    return y * x


def attribute_value_case(x):
    y = x.real * 2.0  # <- attribute-value
    return np.sum(y)


def method_without_rule_case(x):
    y = x[0].item() * 2.0  # <- method-without-rule
    return y * x[1]


def sort_method_case(x):
    y = x * 2.0
    y.sort()  # <- sort-method
    return np.sum(y * x)


def call_for_effect_case(x):
    y = x * 2.0
    np.add.at(y, [0, 0], 1.0)  # <- call-for-effect
    return np.sum(y * y)


def builtin_max_case(x):
    y = max(x) * 2.0  # <- builtin-max
    return y


def builtin_sum_case(x):
    total = 2.0 * sum(x)  # <- builtin-sum
    return total


def random_draw_case(x):
    noise = np.random.normal(x, 1.0)  # <- random-draw
    return np.sum(noise * noise)


def unpack_array_case(x):
    a, b = x[0:2]  # <- unpack-array
    return a * b


def no_return_case(x):  # <- no-return
    y = x * 2.0


def bare_return_case(x):
    y = x * 2.0
    if y > 100.0:
        return  # <- bare-return
    return y


def tuple_returned_twice_case(x):
    if x > 100.0:
        return x, 2.0 * x  # <- tuple-returned-twice
    return x * x, x


def shape_argument_case(x):
    p = 1.0 + np.sum(x * x)
    return np.linalg.norm(x, ord=p)  # <- shape-argument


def shared_update_case(x):
    y = x * 2.0
    z = y
    z += x  # <- shared-update
    return np.sum(y)


def complex_case(x):
    z = x * (1.0 + 1.0j)  # <- complex
    return np.real(z * np.conj(z))


def eval_case(x):
    y = eval("x * x")  # <- eval
    return y * 2.0


def constructor_value_case(x):
    s = np.sum(x)
    y = np.full_like(x, s)  # <- constructor-value
    return np.sum(y * x)


def heaviside_value_case(x):
    h0 = np.mean(x)
    y = np.heaviside(x, h0)  # <- heaviside-value
    return np.sum(y * x)


def _double_in_place(v):
    v *= 2.0
    return v + 1.0


def helper_changes_argument_case(x):
    y = x * 1.0
    z = _double_in_place(y)  # <- helper-changes-argument
    return np.sum(z * y)


# ------------------------------------------- where the error is reported

def _helper_with_try(v):
    try:  # <- helper-try
        w = v * 2.0
    except ValueError:
        w = v
    return w


def calls_helper_with_try(x):
    return 3.0 * _helper_with_try(x)


def _keep(f):
    """A decorator that changes nothing: getsource then starts at '@'."""
    return f


@_keep
def decorated_lambda_case(x):
    y = x + 1.0
    square = _apply(lambda v: v * v, y)  # <- decorated-lambda
    return y + square


def make_differentiated_with():
    """A function decorated with tangent_ad itself, one level indented."""
    import tangent_ad as tad

    @tad.differentiate
    def differentiated_with(x):
        y = x * 2.0
        with contextlib.nullcontext():  # <- differentiated-with
            y = y * 3.0
        return y

    return differentiated_with


# ------------------------------------------- inside the subset: no error

def control_setitem_inactive(x):
    """Writing into an array that does not depend on x is allowed."""
    z = np.zeros(3)
    z[1] = 2.0
    return np.sum(x * z)


def control_reads_global(x):
    """Reading a module-level constant needs no global statement."""
    return x * (SCALE + 1.0)
