"""Every rule in the table, tested from the table.

Each covered spelling in ``tangent_ad.rules.catalog`` comes with an example;
here each example is differentiated in both modes, for every input at once,
against central differences, forward against reverse, in float64 and float32,
on NumPy and on the strict stand-in array. Every binary elementwise rule is
also run under each broadcasting pattern. A rule added to the table is tested
the moment it gets its catalog entry, and a rule without one fails here.
"""
import itertools

import numpy as np
import pytest

import tangent_ad as tad
from conftest import central_difference
from strict_array import strict, unwrap
from test_random_programs import load
from tangent_ad import rules
from tangent_ad.rules import catalog, elementwise

RTOL = 1e-6


# ------------------------------------------------------------------ inputs
def draw(rng, shape, domain):
    """Inputs away from kinks, ties and branch boundaries."""
    size = int(np.prod(shape)) if shape else 1
    if domain == "real":
        values = rng.uniform(0.3, 1.5, size) * rng.choice([-1.0, 1.0], size)
    elif domain == "positive":
        values = rng.uniform(0.5, 2.0, size)
    elif domain == "unit":
        values = rng.uniform(-0.8, 0.8, size)
    elif domain == "above_one":
        values = rng.uniform(1.2, 3.0, size)
    elif domain == "fraction":
        values = rng.uniform(0.1, 0.9, size)
    elif domain == "one_to_two":
        values = rng.uniform(1.1, 1.9, size)
    elif domain == "distinct":      # well separated, so max/min have no near-ties
        values = rng.permutation(size) * 0.25 - 0.1 * size + rng.uniform(0.0, 0.05, size)
    elif domain in ("square", "spd"):
        n = shape[0]
        m = rng.uniform(-1.0, 1.0, (n, n))
        values = (m @ m.T if domain == "spd" else m) + n * np.eye(n)
        return values
    else:
        raise AssertionError(domain)
    return float(values[0]) if not shape else values.reshape(shape)


def function_source(example, names):
    body = example if "return" in example else f"return {example}"
    lines = "\n".join("    " + line for line in body.splitlines())
    return f"import math\n\nimport numpy as np\n\n\ndef f({', '.join(names)}):\n{lines}\n"


# ------------------------------------------------------------------ cases
def _cases(on_array_libraries=False):
    cases = []
    for entry in catalog.entries():
        if on_array_libraries and entry.host_only:
            continue            # documented: it builds a NumPy array (the reason is in the catalog)
        examples = [(entry.example, entry.inputs)] + list(entry.extra)
        for number, (example, inputs) in enumerate(examples):
            if rules.is_function(entry.spelling) and not entry.spelling.startswith("x.") \
                    and rules.resolve_spelling(entry.spelling) is None:
                continue        # math.cbrt, math.exp2: Python 3.11 and later; np.acos, np.concat: NumPy 2
            if on_array_libraries and all(shape == () for shape, _ in inputs.values()):
                continue        # Python floats only (math.*): no array library involved
            cases.append(pytest.param(example, inputs, entry.rtol, id=f"{entry.spelling}#{number}"))
    return cases


CASES = _cases()
ARRAY_CASES = _cases(on_array_libraries=True)


def _prepare(example, inputs, tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    names = list(inputs)
    f = load(function_source(example, names), tmp_path / "rule_example.py")
    args = [draw(rng, shape, domain) for shape, domain in inputs.values()]
    return f, args, rng


def _as_float(value):
    return np.asarray(value, dtype=float)


def numerical_vjp(f, args, out_bar):
    """Gradient of <out_bar, f(args)> by central differences, one input entry at a time."""
    def phi_at(i, direction):
        def phi(t):
            moved = list(args)
            moved[i] = args[i] + t * direction
            return float(np.sum(out_bar * _as_float(f(*moved))))
        return phi
    grads = []
    for i, a in enumerate(args):
        if isinstance(a, float):
            grads.append(float(central_difference(phi_at(i, 1.0))))
            continue
        g = np.zeros(a.shape)
        for index in np.ndindex(*a.shape):
            e = np.zeros(a.shape)
            e[index] = 1.0
            g[index] = central_difference(phi_at(i, e))
        grads.append(g)
    return grads


def reverse(f, args, out_bar):
    wrt = tuple(range(len(args)))
    d = tad.derivative(f, "reverse", wrt=wrt)
    grads = d(*args, out_bar)
    return list(grads)


def _close(actual, expected, rtol, what):
    actual, expected = _as_float(actual), _as_float(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * 1e-2 * scale, err_msg=what)


@pytest.mark.parametrize("example, inputs, rtol", CASES)
def test_rule_both_modes_match_central_differences(example, inputs, rtol, tmp_path):
    f, args, rng = _prepare(example, inputs, tmp_path)
    out = f(*args)
    out_bar = rng.uniform(-1.0, 1.0, np.shape(out)) if np.shape(out) else 1.0
    grads = reverse(f, args, out_bar)
    expected = numerical_vjp(f, args, out_bar)
    for i, (g, e, a) in enumerate(zip(grads, expected, args)):
        _close(g, e, rtol, f"reverse-mode gradient of input {i}")
        assert np.shape(g) == np.shape(a), f"gradient {i} has shape {np.shape(g)}, input {np.shape(a)}"
    tangents = [rng.uniform(-1.0, 1.0, np.shape(a)) if np.shape(a) else float(rng.uniform(-1, 1))
                for a in args]
    value, out_dot = tad.jvp(f, tuple(args), tuple(tangents))
    _close(value, out, 1e-12, "value from forward mode")
    assert np.shape(out_dot) == np.shape(out), "the tangent has the output's shape"
    forward = float(np.sum(out_bar * _as_float(out_dot)))
    backward = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents))
    agreement = max(1e-9, rtol * 1e-3)      # float32 examples agree to float32 rounding
    np.testing.assert_allclose(forward, backward, rtol=agreement, atol=agreement,
                               err_msg="forward and reverse disagree: <out_bar, J t> != <J^T out_bar, t>")


@pytest.mark.parametrize("example, inputs, rtol", ARRAY_CASES)
def test_rule_float32_gives_float32_and_agrees(example, inputs, rtol, tmp_path):
    """A float32 input gets a float32 gradient, unless the function itself computes in
    float64 (np.float_power, a product with an integer array): then the gradient
    follows the computation, as NumPy's own promotion does."""
    f, args, rng = _prepare(example, inputs, tmp_path)
    args32 = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
    out = f(*args)
    out_bar = rng.uniform(-1.0, 1.0, np.shape(out)) if np.shape(out) else 1.0
    out_bar32 = out_bar.astype(np.float32) if isinstance(out_bar, np.ndarray) else out_bar
    grads64 = reverse(f, args, out_bar)
    grads32 = reverse(f, args32, out_bar32)
    computes_in = np.result_type(f(*args32))
    for i, (g32, g64, a) in enumerate(zip(grads32, grads64, args32)):
        if isinstance(a, np.ndarray):
            assert g32.dtype in (np.float32, computes_in), \
                f"gradient {i} of a float32 input is {g32.dtype}; the function computes in {computes_in}"
        _close(g32, g64, 2e-3, f"float32 gradient {i} against float64")
    tangents = [np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args32]
    value, out_dot = tad.jvp(f, tuple(args32), tuple(tangents))
    if getattr(value, "dtype", None) == np.float32:
        assert np.asarray(out_dot).dtype == np.float32, f"tangent is {np.asarray(out_dot).dtype}"


@pytest.mark.parametrize("example, inputs, rtol", ARRAY_CASES)
def test_rule_on_the_strict_stand_in_array(example, inputs, rtol, tmp_path):
    f, args, rng = _prepare(example, inputs, tmp_path)
    out = f(*args)
    out_bar = rng.uniform(-1.0, 1.0, np.shape(out)) if np.shape(out) else 1.0
    expected = reverse(f, args, out_bar)
    wrapped = [strict(a) if isinstance(a, np.ndarray) else a for a in args]
    bar = strict(out_bar) if isinstance(out_bar, np.ndarray) else out_bar
    got = reverse(f, wrapped, bar)
    for i, (g, e, a) in enumerate(zip(got, expected, wrapped)):
        if isinstance(a, np.ndarray) or type(a).__name__ == "StrictArray":
            assert type(g).__name__ == "StrictArray", f"gradient {i} left the array library: {type(g)}"
        _close(unwrap(g) if type(g).__name__ == "StrictArray" else g, e, 1e-12, f"strict gradient {i}")
    tangents = [strict(np.ones(np.shape(a))) if isinstance(a, np.ndarray) else 1.0 for a in args]
    _, out_dot = tad.jvp(f, tuple(wrapped), tuple(tangents))
    if np.shape(out):
        assert type(out_dot).__name__ == "StrictArray", f"the tangent left the array library: {type(out_dot)}"


# -------------------------------------------------------- broadcasting
BROADCAST = {
    "scalar": ((), (3, 4)),
    "row": ((4,), (3, 4)),
    "column": ((3, 1), (3, 4)),
    "keepdims": ((1, 4), (3, 4)),
    "rank difference": ((2, 3, 4), (4,)),
    "both broadcast": ((3, 1), (1, 4)),
}


def _binary_cases():
    cases = []
    spellings = [(s, r) for s, r in elementwise.NUMPY_BINARY if rules.resolve_spelling(s) is not None] + \
                [(s, r) for s, _, r in elementwise.OPERATORS if "b" in s]
    for (spelling, rule), (pattern, shapes) in itertools.product(spellings, BROADCAST.items()):
        example = spelling if "b" in spelling and " " in spelling else f"{spelling}(a, b)"
        for swapped in (False, True):
            sa, sb = shapes[::-1] if swapped else shapes
            d = elementwise.domains(rule)
            inputs = {"a": (sa, d["a"]), "b": (sb, d["b"])}
            cases.append(pytest.param(example, inputs, id=f"{spelling}-{pattern}{'-swapped' if swapped else ''}"))
    return cases


@pytest.mark.parametrize("example, inputs", _binary_cases())
def test_binary_rule_under_broadcasting(example, inputs, tmp_path):
    test_rule_both_modes_match_central_differences(example, inputs, RTOL, tmp_path)


@pytest.mark.parametrize("example, inputs", _binary_cases())
def test_binary_rule_under_broadcasting_on_the_strict_stand_in_array(example, inputs, tmp_path):
    test_rule_on_the_strict_stand_in_array(example, inputs, RTOL, tmp_path)


# -------------------------------------------------------- the table itself
def test_every_rule_has_a_tested_spelling():
    used = {entry.rule for entry in catalog.entries()}
    lists = set(rules.containers.build())       # list and tuple operations: tests/test_containers.py
    untested = set(rules.RULES) - used - lists
    assert not untested, f"rules without a catalog example (add one to rules/catalog.py): {sorted(untested)}"


def test_at_least_150_differentiable_spellings_are_listed():
    differentiable = [s for s, modes in rules.listing() if "reverse" in modes and "forward" in modes]
    assert len(differentiable) >= 150, len(differentiable)
    assert len(set(differentiable)) == len(differentiable), "a spelling is listed twice"


def test_every_listed_function_resolves_to_its_rule():
    for entry in catalog.entries():
        obj = rules.resolve_spelling(entry.spelling)
        if entry.rule in rules.python_builtins.RULES:      # sum, max, min: picked by the arguments
            assert rules.python_builtins.is_builtin_reduction(obj), entry.spelling
        elif obj is not None and not entry.spelling.startswith("x."):
            assert rules.rule_for(obj) is rules.RULES[entry.rule], entry.spelling


@pytest.mark.parametrize("spelling", [s for s in catalog.CONSTANTS
                                      if s.startswith("np.") and rules.resolve_spelling(s) is not None])
def test_constant_functions_are_nondifferentiable(spelling):
    assert rules.is_nondifferentiable(rules.resolve_spelling(spelling)), spelling


# -------------------------------------------------------- listing and docs
def test_list_rules_prints_one_covered_function_per_line(capsys):
    from tangent_ad.teaching.cli import main
    assert main(["--list-rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    both = [line for line in lines if line.split()[-2:] == ["forward", "reverse"]]
    assert len(both) >= 150
    assert any(line.split()[0] == "np.linalg.inv" for line in both)
    assert any(line.split()[0] == "np.floor" and line.endswith("constant") for line in lines)


def test_docs_coverage_table_is_generated_from_the_rule_table():
    from pathlib import Path

    from tangent_ad.teaching import coverage
    path = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"
    assert path.read_text() == coverage.markdown() + "\n", \
        "docs/coverage.md is out of date: python -m tangent_ad --list-rules --markdown > docs/coverage.md"


@pytest.mark.parametrize("example, inputs, rtol", CASES)
def test_rule_not_optimized_gives_the_same_numbers(example, inputs, rtol, tmp_path):
    """optimize=False shows the plain transformation; it must compute the same derivative."""
    f, args, rng = _prepare(example, inputs, tmp_path)
    out = f(*args)
    out_bar = rng.uniform(-1.0, 1.0, np.shape(out)) if np.shape(out) else 1.0
    wrt = tuple(range(len(args)))
    plain = tad.derivative(f, "reverse", wrt=wrt, optimize=False)(*args, out_bar)
    for i, (g, e) in enumerate(zip(plain, reverse(f, args, out_bar))):
        _close(g, e, 1e-12, f"not-optimized gradient {i}")
    tangents = [np.ones(np.shape(a)) if np.shape(a) else 1.0 for a in args]
    forward = tad.derivative(f, "forward", wrt=wrt, optimize=False)(*args, *tangents)[1]
    _close(forward, tad.jvp(f, tuple(args), tuple(tangents))[1], 1e-12, "not-optimized tangent")


def test_the_readme_states_the_measured_counts():
    """The README's count sentence is the listing's: 283 spellings, of them the SciPy ones."""
    import re
    from pathlib import Path
    pytest.importorskip("scipy", reason="the README counts the SciPy rules too")
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    listed = [s for s, modes in rules.listing(custom_rules=False) if "reverse" in modes and "forward" in modes]
    total = re.search(r"(\d+) spellings in both modes", readme)
    scipy_count = re.search(r"and (\d+) SciPy functions", readme)
    assert total and int(total.group(1)) == len(listed), "update the README's count sentence"
    assert scipy_count and int(scipy_count.group(1)) == sum(s.startswith("scipy.") for s in listed)
