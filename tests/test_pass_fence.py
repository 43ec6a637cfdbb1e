"""The fence (``prepare.fence``, front/fence.py): what is refused, and where the message points.

Each refused line of tests/pass_inputs_fence.py carries a marker ``# <- name``; the
expected line number is read from the file, so the test checks that the message names
the construct and the line it is written on, not a number copied from today's output.
"""
import inspect
import pathlib

import numpy as np
import pytest

import pass_inputs_fence as inputs
import tangent_ad as tad
from tangent_ad.pipeline import prepare

SOURCE = pathlib.Path(inputs.__file__).resolve()
LINES = SOURCE.read_text().splitlines()


def marked_line(marker):
    """The 1-based number of the line ending with ``# <- marker``."""
    found = [i + 1 for i, line in enumerate(LINES) if line.endswith(f"# <- {marker}")]
    assert len(found) == 1, f"test bug: marker {marker!r} found {len(found)} times"
    return found[0]


def fence(func):
    prepare.fence(prepare.parse(func, list(inspect.signature(func).parameters)[:1]))


# function, marker, column (1-based), the whole message after "file:line:column: "
REFUSED = [
    (inputs.uses_try, "try", 5,
     "try statement is not supported in differentiated code; move the try/except outside the "
     "differentiated function"),
    (inputs.uses_for_else, "for else", 5,
     "for ... else is not supported in differentiated code; set a flag before break and test it "
     "after the loop"),
    (inputs.uses_attribute_assignment, "attribute assignment", 5,
     "attribute assignment is not supported in differentiated code; compute the value into a "
     "local variable and return it"),
    (inputs.uses_global, "global", 5,
     "global statement is not supported in differentiated code; pass the value as an argument "
     "and return the new value"),
    (inputs.uses_kwargs, "kwargs", 22,
     "**kwargs parameter is not supported in differentiated code; tad.grad, tad.value_and_grad, "
     "tad.jvp and tad.vjp take it, made for the arguments of each call; for a helper called from "
     "differentiated code, tad.hessian, tad.jacfwd, tad.jacrev or tad.source, list each parameter by name"),
    (inputs.uses_eval, "eval", 9,
     "call to eval is not supported in differentiated code; write the code out: the derivative "
     "runs in a namespace of its own, so code that reads names as strings or the function's own "
     "namespace cannot be followed"),
    (inputs.uses_star_arguments, "star", 26,
     "star expression (*args) is not supported in differentiated code; pass the arguments one "
     "by one"),
    (inputs.refused_after_fine_lines, "with", 5,
     "with statement is not supported in differentiated code; move the with block outside the "
     "differentiated function"),
]


@pytest.mark.parametrize("func,marker,column,message", REFUSED, ids=[c[1] for c in REFUSED])
def test_fence_refuses_with_file_line_and_construct(func, marker, column, message):
    line = marked_line(marker)
    with pytest.raises(tad.TransformError) as info:
        fence(func)
    error = info.value
    assert str(error) == f"{SOURCE}:{line}:{column}: {message}"
    assert (pathlib.Path(error.filename).resolve(), error.lineno, error.offset) == (SOURCE, line, column)
    assert error.construct in message.split(" is not supported")[0]
    # the quoted text is the user's line, as Python shows it in a traceback
    assert error.text == LINES[line - 1]


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_public_api_raises_the_fence_error_before_anything_runs(mode):
    """tad.source goes through the same fence: the same place, nothing generated."""
    line = marked_line("try")
    with pytest.raises(tad.TransformError) as info:
        tad.source(inputs.uses_try, mode)
    assert (info.value.lineno, info.value.offset, info.value.construct) == (line, 5, "try statement")


@pytest.mark.parametrize("func", [inputs.uses_lambda, inputs.uses_list_comprehension,
                                  inputs.uses_nested_def])
def test_fence_lets_lambdas_nested_defs_and_comprehensions_through(func):
    """normalize.py inlines them and writes them out as loops (tests/test_local_functions.py,
    tests/test_comprehensions.py), and refuses there the uses it cannot."""
    fence(func)


def test_fence_refuses_the_first_construct_in_written_order():
    """Lines that are fine before the refused one are passed over; the with statement is named."""
    with pytest.raises(tad.TransformError) as info:
        fence(inputs.refused_after_fine_lines)
    assert info.value.lineno == marked_line("with")
    assert info.value.construct == "with statement"


def test_fence_lets_the_supported_subset_through():
    """A for loop over range, a NumPy call, an accumulation: no error, and the gradient is right."""
    assert fence(inputs.accepted) is None
    x = 0.7
    expected = sum(i * np.cos(x * i) for i in range(3))
    assert tad.grad(inputs.accepted)(x) == pytest.approx(expected, rel=1e-14)
