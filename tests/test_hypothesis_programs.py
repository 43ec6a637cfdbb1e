"""Random programs written by Hypothesis, differentiated in both modes.

tests/program_strategies.py writes each program (branches, loops with data-dependent
conditions, jumps, helper calls, stores into arrays, the rules of the rule table) and the
check it goes through: the reverse gradient and the forward tangent against 5-point central
differences, the two modes against each other, ``vjp`` against both, and the value against
calling the function. Inputs next to a kink or a branch boundary are redrawn.

``test_construct_programs`` mixes in constructs at the edge of the subset (lists filled in
loops, ``np.r_``/``np.c_``, closures made by helpers, stores through views of local buffers,
default arguments, ``functools.wraps`` decorators, names that clash with the generated code's):
there, each mode must either refuse with a TransformError naming the program's file and a line
holding such a construct, or give derivatives that agree with central differences.

The runs are derandomized, so CI sees the same programs every time; a failure prints the
program and the inputs' seed. ``scripts/random_programs.py`` runs the same strategies for
thousands of programs (docs/reliability.md).
"""
import os
import tempfile

# Hypothesis keeps its files (and, when a test fails, a patch) under .hypothesis in the working
# directory; keep them out of the source tree
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "tangent_ad-hypothesis"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from program_strategies import KINDS, check_or_reject, programs  # noqa: E402

SETTINGS = dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


@settings(max_examples=100, **SETTINGS)
@given(program=programs("scalar"))
def test_scalar_programs(program):
    """Python floats only: math.* and builtins next to NumPy, arrays built entry by entry."""
    with tempfile.TemporaryDirectory() as directory:
        check_or_reject(program, directory)


@settings(max_examples=120, **SETTINGS)
@given(program=programs("vector"))
def test_vector_programs(program):
    """Floats and vectors: reductions, rows, stores, masks."""
    with tempfile.TemporaryDirectory() as directory:
        check_or_reject(program, directory)


@settings(max_examples=120, **SETTINGS)
@given(program=programs("matrix"))
def test_matrix_programs(program):
    """Square matrices, rows (1, n), columns (n, 1), vectors and floats broadcast together;
    matrix products, solve, inv, det and axis reductions."""
    with tempfile.TemporaryDirectory() as directory:
        check_or_reject(program, directory)


@settings(max_examples=100, **SETTINGS)
@given(program=st.sampled_from(KINDS).flatmap(lambda kind: programs(kind, constructs=True)))
def test_construct_programs(program):
    """Every kind of program, each with some of program_strategies.CONSTRUCTS: per mode, a refusal
    at one of them (file, line and construct named) or derivatives that agree with central
    differences; a wrong value or derivative, another error, or a refusal elsewhere fails."""
    with tempfile.TemporaryDirectory() as directory:
        check_or_reject(program, directory)
