"""The stand-in array library is as strict as CuPy: results stay StrictArray, and
nothing turns it into a NumPy array behind the test's back."""
import copy

import numpy as np
import pytest

from strict_array import StrictArray, strict, unwrap

A = np.arange(1.0, 13.0).reshape(3, 4) / 4.0
V = np.array([0.5, -1.0, 2.0, 1.5])


@pytest.fixture
def a():
    return strict(A)


@pytest.fixture
def v():
    return strict(V)


# ---------------------------------------------------------------------------
# no implicit conversion
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("convert", [np.asarray, np.array, np.asanyarray, np.ascontiguousarray,
                                     lambda x: np.asarray(x, dtype=float)],
                         ids=["asarray", "array", "asanyarray", "ascontiguousarray", "asarray(dtype)"])
def test_implicit_conversion_raises(a, convert):
    with pytest.raises(TypeError, match="implicit conversion to a NumPy array is not allowed"):
        convert(a)


def test_mixing_with_ndarray_in_ufunc_raises(a):
    with pytest.raises(TypeError):
        a + A
    with pytest.raises(TypeError):
        A * a
    with pytest.raises(TypeError):
        np.add(a, A)
    with pytest.raises(TypeError):
        a + np.array(1.0)  # even a 0-d host array


def test_mixing_with_ndarray_in_array_function_raises(a):
    with pytest.raises(TypeError):
        np.concatenate([a, A])
    with pytest.raises(TypeError):
        np.dot(a, A.T)
    with pytest.raises(TypeError):
        np.where(a > 1.0, a, A)


def test_lists_are_not_operands(a):
    with pytest.raises(TypeError):
        a + [1.0, 2.0, 3.0, 4.0]


def test_size_one_conversions_only(a):
    s = np.sum(a)
    assert float(s) == pytest.approx(A.sum())
    assert bool(s > 1.0) is True
    assert int(strict(np.array([7.0]))) == 7
    assert strict(np.array(2.5)).item() == 2.5
    with pytest.raises(TypeError):
        float(a)
    with pytest.raises(ValueError):
        bool(a)
    with pytest.raises(TypeError):
        int(a)
    flag = "taken" if strict(np.array([1.0])) > 0.0 else "not taken"  # size-1 truth value, as in CuPy
    assert flag == "taken"


def test_unwrap_rejects_plain_results():
    with pytest.raises(TypeError, match="expected a StrictArray"):
        unwrap(A)
    with pytest.raises(TypeError, match="expected a StrictArray"):
        unwrap(np.float64(1.0))
    with pytest.raises(TypeError, match="expected a StrictArray"):
        unwrap(1.0)


def test_strict_copies_its_input():
    x = A.copy()
    s = strict(x)
    x[0, 0] = 100.0
    assert unwrap(s)[0, 0] == A[0, 0]
    with pytest.raises(TypeError):
        strict([1.0, 2.0])


# ---------------------------------------------------------------------------
# results stay StrictArray
# ---------------------------------------------------------------------------
UFUNC_CASES = [
    ("a+1", lambda a, v: a + 1.0, lambda a, v: a + 1.0),
    ("2*a", lambda a, v: 2.0 * a, lambda a, v: 2.0 * a),
    ("a-v", lambda a, v: a - v, lambda a, v: a - v),
    ("a*v", lambda a, v: a * v, lambda a, v: a * v),
    ("a/v", lambda a, v: a / v, lambda a, v: a / v),
    ("1/a", lambda a, v: 1.0 / a, lambda a, v: 1.0 / a),
    ("a**2", lambda a, v: a ** 2, lambda a, v: a ** 2),
    ("2**a", lambda a, v: 2.0 ** a, lambda a, v: 2.0 ** a),
    ("a**a", lambda a, v: a ** a, lambda a, v: a ** a),
    ("-a", lambda a, v: -a, lambda a, v: -a),
    ("abs", lambda a, v: abs(v), lambda a, v: abs(v)),
    ("a@v", lambda a, v: a @ v, lambda a, v: a @ v),
    ("a>1", lambda a, v: a > 1.0, lambda a, v: a > 1.0),
    ("np.float64*a", lambda a, v: np.float64(3.0) * a, lambda a, v: np.float64(3.0) * a),
    ("exp", lambda a, v: np.exp(a), lambda a, v: np.exp(a)),
    ("log", lambda a, v: np.log(a), lambda a, v: np.log(a)),
    ("sin", lambda a, v: np.sin(a), lambda a, v: np.sin(a)),
    ("tanh", lambda a, v: np.tanh(a), lambda a, v: np.tanh(a)),
    ("sqrt", lambda a, v: np.sqrt(a), lambda a, v: np.sqrt(a)),
    ("maximum", lambda a, v: np.maximum(a, v), lambda a, v: np.maximum(a, v)),
    ("power", lambda a, v: np.power(a, 3), lambda a, v: np.power(a, 3)),
    ("sign", lambda a, v: np.sign(v), lambda a, v: np.sign(v)),
    ("add.reduce", lambda a, v: np.add.reduce(a, axis=1), lambda a, v: np.add.reduce(a, axis=1)),
    ("add.reduce_all", lambda a, v: np.add.reduce(v), lambda a, v: np.asarray(np.add.reduce(v))),
]


@pytest.mark.parametrize("name, op, ref", UFUNC_CASES, ids=[c[0] for c in UFUNC_CASES])
def test_ufuncs_return_strict(a, v, name, op, ref):
    out = op(a, v)
    assert isinstance(out, StrictArray)
    np.testing.assert_array_equal(unwrap(out), ref(A, V))


FUNCTION_CASES = [
    ("sum", lambda a, v: np.sum(a), lambda a, v: np.sum(a)),
    ("sum_axis0", lambda a, v: np.sum(a, axis=0), lambda a, v: np.sum(a, axis=0)),
    ("sum_axis-1_keepdims", lambda a, v: np.sum(a, axis=-1, keepdims=True),
     lambda a, v: np.sum(a, axis=-1, keepdims=True)),
    ("mean", lambda a, v: np.mean(a, axis=1), lambda a, v: np.mean(a, axis=1)),
    ("dot", lambda a, v: np.dot(a, v), lambda a, v: np.dot(a, v)),
    ("dot_scalar", lambda a, v: np.dot(v, v), lambda a, v: np.dot(v, v)),
    ("matmul", lambda a, v: np.matmul(a, a.T), lambda a, v: np.matmul(a, a.T)),
    ("reshape", lambda a, v: np.reshape(a, (4, 3)), lambda a, v: np.reshape(a, (4, 3))),
    ("transpose", lambda a, v: np.transpose(a), lambda a, v: np.transpose(a)),
    ("where", lambda a, v: np.where(a > 1.0, a, 0.0), lambda a, v: np.where(a > 1.0, a, 0.0)),
    ("zeros_like", lambda a, v: np.zeros_like(a), lambda a, v: np.zeros_like(a)),
    ("ones_like", lambda a, v: np.ones_like(v), lambda a, v: np.ones_like(v)),
    ("full_like", lambda a, v: np.full_like(v, 2.0), lambda a, v: np.full_like(v, 2.0)),
    ("zeros(like=)", lambda a, v: np.zeros((2, 2), like=a), lambda a, v: np.zeros((2, 2))),
    ("broadcast_to", lambda a, v: np.broadcast_to(v, (3, 4)), lambda a, v: np.broadcast_to(v, (3, 4))),
    ("concatenate", lambda a, v: np.concatenate([a, a]), lambda a, v: np.concatenate([a, a])),
    ("stack", lambda a, v: np.stack((v, v)), lambda a, v: np.stack((v, v))),
    ("expand_dims", lambda a, v: np.expand_dims(v, 0), lambda a, v: np.expand_dims(v, 0)),
    ("outer", lambda a, v: np.outer(v, v), lambda a, v: np.outer(v, v)),
    ("copy", lambda a, v: np.copy(a), lambda a, v: np.copy(a)),
    ("max", lambda a, v: np.max(v), lambda a, v: np.max(v)),
]


@pytest.mark.parametrize("name, op, ref", FUNCTION_CASES, ids=[c[0] for c in FUNCTION_CASES])
def test_array_functions_return_strict(a, v, name, op, ref):
    out = op(a, v)
    assert isinstance(out, StrictArray), type(out)
    np.testing.assert_array_equal(unwrap(out), ref(A, V))


def test_reductions_give_0d_arrays_not_numpy_scalars(a):
    s = np.sum(a)
    assert isinstance(s, StrictArray) and s.shape == () and s.ndim == 0
    assert isinstance(a[0, 0], StrictArray) and a[0, 0].shape == ()


def test_functions_returning_non_arrays_pass_through(a):
    assert np.shape(a) == (3, 4)
    assert np.ndim(a) == 2
    assert np.result_type(a) == np.float64
    assert isinstance(np.allclose(a, a), bool)


def test_ufunc_at_and_out(a, v):
    b = np.zeros_like(a)
    np.add.at(b, (0, 1), 5.0)
    np.add.at(b, strict(np.array([2, 2])), v)
    expected = np.zeros((3, 4))
    expected[0, 1] = 5.0
    expected[2] += 2 * V
    np.testing.assert_array_equal(unwrap(b), expected)
    c = np.zeros_like(a)
    assert np.exp(a, out=c) is c
    np.testing.assert_array_equal(unwrap(c), np.exp(A))


def test_split_returns_list_of_strict(a):
    parts = np.split(a, 2, axis=1)
    assert isinstance(parts, list) and all(isinstance(p, StrictArray) for p in parts)


# ---------------------------------------------------------------------------
# attributes, container protocol, methods
# ---------------------------------------------------------------------------
def test_attributes(a):
    assert a.shape == (3, 4) and a.ndim == 2 and a.size == 12 and a.dtype == np.float64
    assert len(a) == 3
    assert isinstance(a.T, StrictArray) and a.T.shape == (4, 3)
    np.testing.assert_array_equal(unwrap(a.T), A.T)
    assert "StrictArray" in repr(a)


@pytest.mark.parametrize("key", [0, -1, slice(1, 3), (slice(None), 0), (1, 2), (Ellipsis, 1)],
                         ids=["0", "-1", "1:3", ":,0", "1,2", "...,1"])
def test_getitem_returns_strict(a, key):
    out = a[key]
    assert isinstance(out, StrictArray)
    np.testing.assert_array_equal(unwrap(out), A[key])


def test_getitem_with_strict_index(a):
    idx = strict(np.array([2, 0]))
    np.testing.assert_array_equal(unwrap(a[idx]), A[[2, 0]])
    mask = a > 1.0
    np.testing.assert_array_equal(unwrap(a[mask]), A[A > 1.0])


def test_setitem(a, v):
    b = a.copy()
    b[0] = v
    b[1, 2] = 9.0
    b[2] = strict(np.array(3.0))
    expected = A.copy()
    expected[0] = V
    expected[1, 2] = 9.0
    expected[2] = 3.0
    np.testing.assert_array_equal(unwrap(b), expected)
    np.testing.assert_array_equal(unwrap(a), A)  # copy() really copied


def test_iteration_yields_strict_rows(a):
    rows = list(a)
    assert len(rows) == 3
    for row, ref in zip(rows, A):
        assert isinstance(row, StrictArray)
        np.testing.assert_array_equal(unwrap(row), ref)
    with pytest.raises(TypeError):
        iter(strict(np.array(1.0))).__next__()


METHOD_CASES = [
    ("reshape(args)", lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3)),
    ("reshape(tuple)", lambda x: x.reshape((2, 6)), lambda x: x.reshape((2, 6))),
    ("sum", lambda x: x.sum(), lambda x: np.asarray(x.sum())),
    ("sum(axis)", lambda x: x.sum(axis=0, keepdims=True), lambda x: x.sum(axis=0, keepdims=True)),
    ("mean", lambda x: x.mean(axis=1), lambda x: x.mean(axis=1)),
    ("transpose", lambda x: x.transpose(), lambda x: x.transpose()),
    ("dot", lambda x: x.dot(x.T), lambda x: x.dot(x.T)),
    ("astype", lambda x: x.astype(np.float32), lambda x: x.astype(np.float32)),
    ("copy", lambda x: x.copy(), lambda x: x.copy()),
]


@pytest.mark.parametrize("name, op, ref", METHOD_CASES, ids=[c[0] for c in METHOD_CASES])
def test_methods_return_strict(a, name, op, ref):
    out = op(a)
    assert isinstance(out, StrictArray)
    expected = ref(A)
    np.testing.assert_array_equal(unwrap(out), expected)
    assert unwrap(out).dtype == expected.dtype


def test_deepcopy(a):
    b = copy.deepcopy(a)
    assert isinstance(b, StrictArray) and unwrap(b) is not unwrap(a)
    np.testing.assert_array_equal(unwrap(b), A)


def test_float32_is_kept(a):
    f = a.astype(np.float32)
    assert (np.exp(f) * 2.0).dtype == np.float32
    assert np.sum(f, axis=0).dtype == np.float32
