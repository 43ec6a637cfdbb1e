"""SciPy's special functions, tested from their catalog entries as tests/test_rule_table.py tests
NumPy's: both modes against central differences, float32, and the strict stand-in array; and
exact values. Skipped, with the reason, where SciPy is not installed (it is an optional extra)."""
import numpy as np
import pytest

scipy = pytest.importorskip("scipy", reason="SciPy is not installed: pip install 'tangent_ad[scipy]'")
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402
import scipy.special as sp  # noqa: E402
from scipy.special import expit  # noqa: E402
from scipy.stats import norm  # noqa: E402

import tangent_ad as tad  # noqa: E402
import test_rule_table as table  # noqa: E402
from conftest import both_modes  # noqa: E402
from tangent_ad import rules  # noqa: E402
from tangent_ad.rules import scipy_special  # noqa: E402


_numpy_source = table.function_source


def _source(example, names):
    return "import scipy.special\nimport scipy.stats\n\n" + _numpy_source(example, names)


@pytest.fixture(autouse=True)
def scipy_sources(monkeypatch):
    monkeypatch.setattr(table, "function_source", _source, raising=True)


def _cases():
    cases = []
    for entry in scipy_special.entries():
        for number, (example, inputs) in enumerate([(entry.example, entry.inputs)] + entry.extra):
            cases.append(pytest.param(example, inputs, entry.rtol, id=f"{entry.spelling}#{number}"))
    return cases


CASES = _cases()


@pytest.mark.parametrize("example, inputs, rtol", CASES)
def test_scipy_rule_both_modes_match_central_differences(example, inputs, rtol, tmp_path):
    table.test_rule_both_modes_match_central_differences(example, inputs, rtol, tmp_path)


@pytest.mark.parametrize("example, inputs, rtol", CASES)
def test_scipy_rule_float32(example, inputs, rtol, tmp_path):
    table.test_rule_float32_gives_float32_and_agrees(example, inputs, rtol, tmp_path)


# SciPy's Python-level functions convert their input with np.asarray, which a CuPy-like array
# refuses before any derivative runs; its ufuncs dispatch, and are tested here
UFUNC_CASES = [c for c in CASES if not any(n in c.id for n in ("logsumexp", "softmax", "softplus", "scipy.stats."))]


@pytest.mark.parametrize("example, inputs, rtol", UFUNC_CASES)
def test_scipy_rule_on_the_strict_stand_in_array(example, inputs, rtol, tmp_path):
    table.test_rule_on_the_strict_stand_in_array(example, inputs, rtol, tmp_path)


def test_every_scipy_rule_is_listed_and_resolves():
    listed = {spelling for spelling, _ in rules.listing()}
    for entry in scipy_special.entries():
        assert entry.spelling in listed
        module, _, name = entry.spelling.rpartition(".")
        obj = getattr(scipy.stats.norm if module == "scipy.stats.norm" else __import__(module, fromlist=[name]), name)
        assert rules.rule_for(obj) is rules.scipy_tables()[1][entry.spelling], entry.spelling


def lse(x):
    return scipy.special.logsumexp(x)


def gamma_sum(x):
    return np.sum(scipy.special.gammaln(x) + scipy.special.digamma(x))


def erfs(x):
    return np.sum(scipy.special.erf(x) - scipy.special.erfc(x))


def xlogy_at_zero(x):
    return np.sum(scipy.special.xlogy(x, 2.0 + x))


def xlogy_at_origin(y):
    return np.sum(scipy.special.xlogy(0.0, y + 1.0))


def normal_cdf(x):
    return np.sum(scipy.stats.norm.cdf(x) + scipy.stats.norm.sf(x, 1.0, 2.0))


def normal_log_tails(x):
    return np.sum(scipy.stats.norm.logcdf(x) + scipy.special.log_ndtr(x))


def bessel_at_zero(x):
    return np.sum(scipy.special.i1(x) + scipy.special.i1e(x) + scipy.special.i0(x))


def log_expit_far_right(x):
    return np.sum(scipy.special.log_expit(x))


@pytest.mark.parametrize("f, x, expected", [
    # phi(0) = 1 / sqrt(2 pi); the survival function of N(1, 2) at 0 falls by phi(-1/2) / 2
    (normal_cdf, np.array([0.0]), [1 / np.sqrt(2 * np.pi) - np.exp(-0.125) / np.sqrt(2 * np.pi) / 2]),
    # far in the left tail d log Phi(x) / dx = phi / Phi, about -x (at -30, twice): no 0 / 0
    (normal_log_tails, np.array([-30.0]), [2 * 30.033259667433677]),
    # i1'(0) = i1e'(0) = 1/2, i0'(0) = i1(0) = 0
    (bessel_at_zero, np.array([0.0]), [1.0]),
    # 1 - expit(40) = expit(-40), not 1 - 1.0 = 0
    (log_expit_far_right, np.array([40.0]), [4.248354255291589e-18]),
    (lse, np.log(np.array([1.0, 3.0])), [0.25, 0.75]),
    # d gammaln / dx = digamma, d digamma / dx = trigamma: at 1, -euler_gamma and pi^2 / 6
    (gamma_sum, np.array([1.0]), [-0.5772156649015329 + np.pi ** 2 / 6]),
    (erfs, np.array([0.0]), [4 / np.sqrt(np.pi)]),
    # at x = 0 the derivative in x is log(y) = log(2); in y it is 0 (xlogy(0, y) is 0 for every y)
    (xlogy_at_zero, np.array([0.0]), [np.log(2.0)]),
    (xlogy_at_origin, np.array([0.0]), [0.0]),
])
def test_exact_values(f, x, expected):
    grad, forward = both_modes(f, [x])
    np.testing.assert_allclose(grad, expected, rtol=1e-12)
    np.testing.assert_allclose(forward, expected, rtol=1e-12)


def signed_lse(x):
    return scipy.special.logsumexp(x, return_sign=True)[0]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_logsumexp_with_return_sign_is_refused(mode):
    with pytest.raises(tad.TransformError, match="return_sign=True"):
        tad.derivative(signed_lse, mode)



def dotted(x):
    return np.sum(scipy.stats.norm.logpdf(x) + scipy.special.expit(x))


def from_stats(x):
    return np.sum(norm.logpdf(x, 0.5, 2.0) + norm.logpdf(x))


def module_alias(x):
    return np.sum(sp.expit(x) * sp.erf(x))


def imported_name(x):
    return np.sum(expit(x) ** 2)


@pytest.mark.parametrize("f", [dotted, from_stats, module_alias, imported_name])
def test_every_natural_spelling_finds_the_rule(f):
    """scipy.stats.norm.logpdf(x) reads like a method of a value (norm is an instance, not a
    module): the call resolves to a function with a rule, so the rule is used."""
    x = np.array([0.3, -0.7, 1.1])
    grad, forward = both_modes(f, [x])
    expected = table.numerical_vjp(f, [x], 1.0)[0]
    np.testing.assert_allclose(grad, expected, rtol=1e-6)
    np.testing.assert_allclose(forward, expected, rtol=1e-6)


def quantiles(x):
    return np.sum(scipy.stats.norm.ppf(x))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_method_of_a_scipy_distribution_without_a_rule_is_refused_at_the_call(mode):
    with pytest.raises(tad.TransformError) as info:
        tad.derivative(quantiles, mode)
    assert info.value.filename == __file__ and ".ppf()" in str(info.value)


def standardized(x):
    return np.sum(scipy.stats.zscore(x) ** 2)      # no rule; its source has a with block


def entropy_of(x):
    return scipy.stats.entropy(x)                  # no rule; decorated by a wrapper


@pytest.mark.parametrize("f", [standardized, entropy_of])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_scipy_function_without_a_rule_is_refused_at_the_users_call(f, mode):
    with pytest.raises(tad.TransformError) as info:
        tad.derivative(f, mode)
    assert info.value.filename == __file__, info.value.filename
    assert "custom_rule" in str(info.value)
