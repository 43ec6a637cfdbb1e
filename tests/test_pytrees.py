"""Dicts, lists, tuples and nested combinations of them as arguments (pytrees), and has_aux.

Every gradient is checked against central differences of the function itself, in reverse
mode (grad, value_and_grad, vjp) and forward mode (jvp), and the two modes against each
other; the structure of each gradient (dict, list, tuple, float) is checked exactly.
"""
import collections

import numpy as np
import pytest

import tangent_ad as tad

RNG = np.random.default_rng(7)


def numerical(f, args, position, path, h=1e-6):
    """Central differences of f with respect to the leaf at ``path`` inside ``args[position]``."""
    def replaced(value):
        def put(tree, keys):
            if not keys:
                return value
            copy = dict(tree) if isinstance(tree, dict) else list(tree)
            copy[keys[0]] = put(tree[keys[0]], keys[1:])
            if hasattr(type(tree), "_fields"):
                return type(tree)(*copy)
            return copy if not isinstance(tree, tuple) else tuple(copy)
        new = list(args)
        new[position] = put(args[position], list(path))
        return new

    leaf = args[position]
    for key in path:
        leaf = leaf[key]
    leaf = np.asarray(leaf, dtype=float)
    grad = np.zeros_like(leaf)
    for index in np.ndindex(leaf.shape):
        up, down = leaf.copy(), leaf.copy()
        up[index] += h
        down[index] -= h
        as_value = (lambda a: float(a)) if leaf.shape == () else (lambda a: a)
        grad[index] = (f(*replaced(as_value(up))) - f(*replaced(as_value(down)))) / (2 * h)
    return grad


def leaf(tree, path):
    for key in path:
        tree = tree[key]
    return tree


# ---------------------------------------------------------------- functions
def dense_loss(params, x):
    W, b = params["W"], params["b"]
    return np.sum((np.tanh(x @ W + b) - 0.5) ** 2)


def mlp(params, x):
    (W1, b1), (W2, b2) = params
    h = np.tanh(x @ W1 + b1)
    return np.sum((h @ W2 + b2) ** 2)


def nested(p, x):
    return p["layer"]["w"] * x ** 2 + p["s"] * np.sin(x) + p["layer"]["k"][0] * 3.0 * p["layer"]["k"][1]


def mixed(p, scale):
    w, n = p
    return np.sum(w ** 2) * scale * n


def indexed(ps):
    return ps[0] * ps[-1] + ps[1] ** 2


def with_helper(params, x):
    return affine(params["W"], params["b"], x) + np.sum(params["W"] ** 2)


def affine(W, b, x):
    return np.sum(x @ W + b)


def star_helper(pair, x):
    return affine(*pair, x)


def with_config(params, x, config):
    y = x * params["a"] * config["scale"]
    for _ in range(config["steps"]):
        y = np.sin(y)
    return np.sum(y)


W0, b0 = RNG.normal(size=(3, 2)), RNG.normal(size=2)
X = RNG.normal(size=(4, 3))
MLP = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)), (RNG.normal(size=(4, 2)), RNG.normal(size=2))]
NESTED = {"layer": {"w": 2.0, "k": [0.5, 1.5]}, "s": 1.5}

CASES = {
    "dict of arrays": (dense_loss, ({"W": W0, "b": b0}, X), [("W",), ("b",)]),
    "list of tuples": (mlp, (MLP, X), [(0, 0), (0, 1), (1, 0), (1, 1)]),
    "nested dict of floats": (nested, (NESTED, 0.7), [("layer", "w"), ("layer", "k", 0),
                                                       ("layer", "k", 1), ("s",)]),
    "tuple with an array": (mixed, ((RNG.normal(size=3), 2.0), 1.5), [(0,), (1,)]),
    "negative index": (indexed, ([1.5, 2.0, 3.0],), [(0,), (1,), (2,)]),
    "leaves passed to a helper": (with_helper, ({"W": W0, "b": b0}, X), [("W",), ("b",)]),
    "a tuple spread into a helper": (star_helper, ((W0, b0), X), [(0,), (1,)]),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_has_the_structure_and_matches_central_differences(name):
    f, args, paths = CASES[name]
    grad = tad.grad(f)(*args)
    assert type(grad) is type(args[0])
    for path in paths:
        got = leaf(grad, path)
        value = leaf(args[0], path)
        assert type(got) is type(value)
        np.testing.assert_allclose(got, numerical(f, args, 0, path), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", CASES)
def test_value_and_grad_and_vjp_agree_with_grad(name):
    f, args, paths = CASES[name]
    value, grad = tad.value_and_grad(f)(*args)
    assert np.allclose(value, f(*args))
    out, f_vjp = tad.vjp(f, *args)
    cotangents = f_vjp(1.0)
    assert np.allclose(out, value)
    for path in paths:
        np.testing.assert_allclose(leaf(cotangents[0], path), leaf(grad, path), rtol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_forward_mode_agrees_with_reverse_mode(name):
    """jvp with a tangent of the argument's structure: one leaf at a time, against the gradient."""
    f, args, paths = CASES[name]
    grad = tad.grad(f)(*args)
    for path in paths:
        direction = RNG.normal(size=np.shape(leaf(args[0], path)))
        tangent = _zeros_like_tree(args[0])
        tangent = _put(tangent, path, float(direction) if np.ndim(direction) == 0 else direction)
        out, out_dot = tad.jvp(f, args, (tangent,) + (None,) * (len(args) - 1))
        assert np.allclose(out, f(*args))
        np.testing.assert_allclose(out_dot, np.sum(leaf(grad, path) * direction), rtol=1e-9, atol=1e-12)


def _zeros_like_tree(tree):
    if isinstance(tree, dict):
        return {k: _zeros_like_tree(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_zeros_like_tree(v) for v in tree)
    return 0.0 if isinstance(tree, float) else np.zeros_like(tree)


def _put(tree, path, value):
    if not path:
        return value
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[path[0]] = _put(tree[path[0]], path[1:], value)
    return tuple(copy) if isinstance(tree, tuple) else copy


def test_exact_values_and_floats_stay_floats():
    grad = tad.grad(nested)(NESTED, 2.0)
    assert grad == {"layer": {"w": 4.0, "k": [3.0 * 1.5, 3.0 * 0.5]}, "s": np.sin(2.0)}
    assert type(grad["layer"]["w"]) is float and type(grad["layer"]["k"]) is list


def test_an_int_inside_a_differentiated_tuple_gets_none():
    grad = tad.grad(mixed)((np.array([1.0, 2.0]), 3), 2.0)
    assert isinstance(grad, tuple) and grad[1] is None
    np.testing.assert_array_equal(grad[0], 2 * np.array([1.0, 2.0]) * 2.0 * 3)


def test_the_gradient_wrt_the_data_and_a_tuple_wrt():
    params = {"W": W0, "b": b0}
    g_params, g_x = tad.grad(dense_loss, wrt=(0, 1))(params, X)
    assert set(g_params) == {"W", "b"}
    np.testing.assert_allclose(g_x, numerical(dense_loss, (params, X), 1, ()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tad.grad(dense_loss, wrt="x")(params, X), g_x)


def test_a_dict_of_settings_not_differentiated_works_as_before():
    params = {"a": 1.3}
    config = {"scale": 0.5, "steps": 3}
    grad = tad.grad(with_config)(params, np.array([0.2, 0.4]), config)
    np.testing.assert_allclose(grad["a"], numerical(with_config, (params, np.array([0.2, 0.4]), config),
                                                    0, ("a",)), rtol=1e-6)


def test_a_new_structure_makes_a_new_derivative_and_the_old_one_is_kept():
    g = tad.grad(indexed)
    assert g([1.0, 2.0, 3.0]) == [3.0, 4.0, 1.0]
    assert g([1.0, 2.0, 3.0, 5.0]) == [5.0, 4.0, 0.0, 1.0]
    assert g((1.0, 2.0)) == (2.0 + 0.0, 4.0 + 1.0)


def test_the_printed_derivative_reads_like_hand_written_code():
    g = tad.grad(dense_loss)
    g({"W": W0, "b": b0}, X)
    text = g.derivative.source
    assert "def dense_loss_grad(params_W, params_b, x, y_bar=1.0):" in text
    assert "W = params_W" in text and "b = params_b" in text
    assert "return params_W_bar, params_b_bar" in text
    code = [line for line in text.splitlines() if not line.strip().startswith("#")]
    assert not any("params[" in line for line in code)


def test_jvp_tangent_with_the_wrong_structure_is_refused():
    with pytest.raises(ValueError, match="structure"):
        tad.jvp(nested, (NESTED, 0.7), ({"layer": {"w": 1.0}, "s": 0.0}, None))


def test_vjp_returns_a_tuple_output_and_cotangents_of_a_tuple():
    def two(p):
        return p[0] * p[1], np.sin(p[0])
    out, f_vjp = tad.vjp(two, (2.0, 3.0))
    assert out == (6.0, np.sin(2.0))
    (cot,) = f_vjp((1.0, 0.0))
    assert cot == (3.0, 2.0)
    (cot,) = f_vjp((0.0, 1.0))
    assert cot == (np.cos(2.0), 0.0)
    out, out_dot = tad.jvp(two, ((2.0, 3.0),), ((1.0, 0.0),))
    assert out_dot == (3.0, np.cos(2.0))


# ---------------------------------------------------------------- has_aux
def loss_with_metrics(params, x):
    pred = x @ params["W"] + params["b"]
    loss = np.mean(pred ** 2)
    accuracy = np.mean(np.sqrt(np.abs(pred)))        # aux only: never differentiated
    return loss, {"accuracy": accuracy, "pred": pred, "count": 3}


CALLS = []


def counted(x):
    CALLS.append(1)
    y = x ** 2
    return np.sum(y), y


def test_has_aux_returns_the_aux_as_computed_and_the_gradient_of_the_value():
    params = {"W": W0, "b": b0}
    grad, aux = tad.grad(loss_with_metrics, has_aux=True)(params, X)
    pred = X @ W0 + b0
    assert aux["count"] == 3 and np.allclose(aux["pred"], pred)
    assert np.isclose(aux["accuracy"], np.mean(np.sqrt(np.abs(pred))))

    def value(p, x):
        return loss_with_metrics(p, x)[0]
    for key in ("W", "b"):
        np.testing.assert_allclose(grad[key], numerical(value, (params, X), 0, (key,)), rtol=1e-6, atol=1e-8)
    (v, aux2), grad2 = tad.value_and_grad(loss_with_metrics, has_aux=True)(params, X)
    assert np.isclose(v, np.mean(pred ** 2)) and aux2["count"] == 3
    np.testing.assert_allclose(grad2["W"], grad["W"])


def test_has_aux_evaluates_f_once_and_aux_sharing_a_value_adds_nothing():
    x = np.array([1.0, -2.0, 0.5])
    CALLS.clear()
    grad, aux = tad.grad(counted, has_aux=True)(x)
    np.testing.assert_array_equal(grad, 2 * x)          # not 2x + 1 (aux = y is never seeded)
    np.testing.assert_array_equal(aux, x ** 2)
    assert CALLS == [1]                                  # one evaluation gave both


def test_has_aux_where_aux_alone_has_an_infinite_derivative():
    """sqrt at 0: a zero seed times an infinite local derivative would be nan."""
    def f(x):
        return np.sum(x ** 2), np.sqrt(x)
    grad, aux = tad.grad(f, has_aux=True)(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(grad, [0.0, 8.0])
    np.testing.assert_array_equal(aux, [0.0, 2.0])


def test_has_aux_on_the_decorator():
    @tad.differentiate(has_aux=True)
    def f(x):
        return x ** 3, x * 2.0
    assert f(2.0) == (8.0, 4.0)
    assert f.grad(2.0) == (12.0, 4.0)
    assert f.value_and_grad(2.0) == ((8.0, 4.0), 12.0)


def test_has_aux_refusals():
    def single(x):
        return x ** 2
    with pytest.raises(tad.TransformError, match="return value, aux"):
        tad.grad(single, has_aux=True)(2.0)

    def vector(x):
        return x ** 2, 1.0
    with pytest.raises(ValueError, match="scalar value"):
        tad.grad(vector, has_aux=True)(np.ones(2))


# ---------------------------------------------------------------- refusals
def iterates(params):
    total = 0.0
    for key in params:
        total = total + params[key]
    return total


def items(params):
    return sum(v for _, v in params.items())


def computed_key(params, name):
    return params[name] * 2.0


def whole_to_helper(params):
    return helper_of_dict(params)


def helper_of_dict(d):
    return d["a"] * 2.0


def assigns(params):
    params = {"a": 1.0}
    return params["a"]


def missing_key(params):
    return params["c"] * 2.0


def stores(params):
    params["a"] = params["a"] * 2.0
    return params["a"]


REFUSED = {
    "iterating": (iterates, "using the whole dict params"),
    "items": (items, "the attribute .items of the dict argument params"),
    "computed key": (computed_key, "a computed key into the argument params"),
    "passed whole": (whole_to_helper, "using the whole dict params"),
    "assigned": (assigns, "assigning to the parameter params"),
    "missing key": (missing_key, "the key 'c' of the argument params"),
    "stored into": (stores, "assigning into an argument"),
}


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("mode", ["grad", "jvp", "vjp"])
def test_other_uses_of_a_differentiated_dict_are_refused_at_their_line(name, mode):
    f, construct = REFUSED[name]
    args = ({"a": 1.0, "b": 2.0},) + (("a",) if f is computed_key else ())
    with pytest.raises(tad.TransformError) as info:
        if mode == "grad":
            tad.grad(f)(*args)
        elif mode == "jvp":
            tad.jvp(f, args, ({"a": 1.0, "b": 0.0},) + (None,) * (len(args) - 1))
        else:
            tad.vjp(f, *args)
    err = info.value
    assert err.filename.endswith("test_pytrees.py")
    assert construct in str(err)
    line = open(__file__).read().splitlines()[err.lineno - 1]
    assert "params" in line


# ---------------------------------------------------------------- loops over a list of layers
def layered(params, x):
    for W, b in params[:-1]:
        x = np.tanh(x @ W + b)
    W, b = params[-1]
    return np.sum((x @ W + b) ** 2)


def dict_layers(layers, x):
    for i, layer in enumerate(layers):
        x = np.tanh(x @ layer["W"] + layer["b"]) * (i + 1.0)
    return np.sum(x ** 2)


LAYERS = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(3)]
DICT_LAYERS = [{"W": RNG.normal(size=(3, 3)), "b": RNG.normal(size=3)} for _ in range(2)]


@pytest.mark.parametrize("f,params,paths", [
    (layered, LAYERS, [(i, j) for i in range(3) for j in range(2)]),
    (dict_layers, DICT_LAYERS, [(i, k) for i in range(2) for k in ("W", "b")]),
], ids=["list of pairs, sliced", "enumerate over a list of dicts"])
def test_a_loop_over_a_list_of_layers_is_unrolled(f, params, paths):
    x = RNG.normal(size=(2, 3))
    grad = tad.grad(f)(params, x)
    assert type(grad) is list and type(grad[0]) is type(params[0])
    for path in paths:
        np.testing.assert_allclose(leaf(grad, path), numerical(f, (params, x), 0, path), rtol=1e-6, atol=1e-8)
        direction = RNG.normal(size=leaf(params, path).shape)
        tangent = _put(_zeros_like_tree(params), path, direction)
        _, out_dot = tad.jvp(f, (params, x), (tangent, None))
        np.testing.assert_allclose(out_dot, np.sum(leaf(grad, path) * direction), rtol=1e-9)


def layer_used_after(layers, x):
    for layer in layers:
        x = x * layer["w"]
    return np.sum(x) + layer["w"]


def breaks(layers, x):
    for w in layers:
        if w > 1.0:
            break
        x = x * w
    return x


@pytest.mark.parametrize("f,construct", [(layer_used_after, "the loop name layer"),
                                         (breaks, "break, continue or else in a loop")])
def test_loops_over_an_argument_that_cannot_be_unrolled_are_refused(f, construct):
    with pytest.raises(tad.TransformError, match=construct):
        tad.grad(f)([{"w": 2.0}] if f is layer_used_after else [0.5, 2.0], 1.5)


# ---------------------------------------------------------------- a dict returned
def outputs(x, y):
    return {"total": np.sum(x * y), "scaled": np.sin(x) * y}


def test_a_dict_returned_gives_dicts_of_values_tangents_and_cotangents():
    x, y = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    out, out_dot = tad.jvp(outputs, (x, y), (np.array([1.0, 0.0]), None))
    assert set(out) == {"total", "scaled"} and np.isclose(out["total"], np.sum(x * y))
    assert np.isclose(out_dot["total"], y[0])
    np.testing.assert_allclose(out_dot["scaled"], [np.cos(x[0]) * y[0], 0.0])
    out2, f_vjp = tad.vjp(outputs, x, y)
    np.testing.assert_allclose(out2["scaled"], out["scaled"])
    x_bar, y_bar = f_vjp({"total": 1.0, "scaled": np.zeros(2)})
    np.testing.assert_allclose(x_bar, y)
    np.testing.assert_allclose(y_bar, x)
    x_bar, _ = f_vjp({"total": 0.0, "scaled": np.array([1.0, 0.0])})      # agrees with jvp
    assert np.isclose(x_bar[0], out_dot["scaled"][0])
    with pytest.raises(ValueError, match="keys"):
        f_vjp((1.0, np.zeros(2)))


def test_a_dict_returned_from_two_places_stays_refused():
    def two_returns(x):
        if x > 0.0:
            return {"a": x}
        return {"a": -x}
    with pytest.raises(tad.TransformError):
        tad.jvp(two_returns, (1.0,), (1.0,))


# ---------------------------------------------------------------- a whole list or tuple used as a value
def stacked(ps):
    return np.sum(np.stack(ps) ** 2)


def summed(ps):
    return sum(ps) * ps[0]


def to_helper(ps):
    return helper_of_pair(ps)


def helper_of_pair(q):
    return q[0] * q[1]


def test_a_whole_list_is_written_out_as_a_list_of_its_leaves():
    ps = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    grad = tad.grad(stacked)(ps)
    assert type(grad) is list
    for g, p in zip(grad, ps):
        np.testing.assert_array_equal(g, 2 * p)
    assert tad.grad(summed)([1.0, 2.0, 3.0]) == [7.0, 1.0, 1.0]      # (a + b + c) a
    assert tad.jvp(summed, ([1.0, 2.0, 3.0],), ([1.0, 0.0, 0.0],)) == (6.0, 7.0)
    # the list written out goes to the helper as a list of differentiated values
    assert tad.grad(to_helper)([1.5, 2.0]) == [2.0, 1.5]
    assert tad.jvp(to_helper, ([1.5, 2.0],), ([1.0, 0.0],)) == (3.0, 2.0)


def test_keys_that_are_not_names_and_leaf_names_that_are_taken():
    def odd_keys(p):
        return p[" weird key"] * p[0] * 2.0
    assert tad.grad(odd_keys)({" weird key": 2.0, 0: 3.0}) == {" weird key": 6.0, 0: 4.0}

    def taken(p, p_a):
        return p["a"] * p_a
    g = tad.grad(taken, wrt=(0, 1))
    assert g({"a": 2.0}, 5.0) == ({"a": 5.0}, 2.0)
    assert "def taken_grad(p_a2, p_a, y_bar=1.0):" in g.derivative.source


def mixed_reads(params, x):
    y = params["W"].T @ x
    z = params["W"][0] * 2.0 if x[0] > 0 else params["b"]
    return np.sum(y) + np.sum(z) + (lambda v: v * params["b"][0])(3.0)


def test_reads_inside_expressions_attributes_and_a_lambda():
    params = {"W": RNG.normal(size=(2, 2)), "b": RNG.normal(size=2)}
    x = np.array([0.5, -1.0])
    grad = tad.grad(mixed_reads)(params, x)
    for key in ("W", "b"):
        np.testing.assert_allclose(grad[key], numerical(mixed_reads, (params, x), 0, (key,)), rtol=1e-6, atol=1e-8)


def test_a_kwargs_key_that_is_no_name_is_refused_when_passed_on():
    def helper(**kw):
        return 2.0

    def passes(x, **kw):
        return x * helper(**kw)
    with pytest.raises(tad.TransformError, match="passing the key 'a b'"):
        tad.grad(passes)(1.0, **{"a b": 1.0})


def test_numerical_grad_and_check_grad_take_pytrees_and_held_functions():
    params = {"W": W0, "b": b0, "n": 2}

    def scaled(p, x):
        return np.sum((np.tanh(x @ p["W"] + p["b"]) - 0.5) ** 2) * p["n"]
    numeric = tad.numerical_grad(scaled, params, X)
    assert numeric["n"] is None and numeric["W"].shape == W0.shape
    analytic = tad.grad(scaled)(params, X)
    np.testing.assert_allclose(numeric["W"], analytic["W"], rtol=1e-6, atol=1e-8)
    assert tad.check_grad(scaled, params, X) < 1e-6
    assert tad.check_grad(scaled, params, X, wrt=(0, 1)) < 1e-6
    with pytest.raises(AssertionError, match="gradient check failed"):
        tad.check_grad(scaled, params, X, rtol=0.0)


# ---------------------------------------------------------------- namedtuples
State = collections.namedtuple("State", "w b")


def state_loss(s, x):
    w, b = s
    return np.sum(s.w.T @ x + s.b) + s[0][0, 0] * b[1] + np.sum(w)


def test_a_namedtuple_is_read_by_field_and_index_and_its_gradient_is_one():
    s = State(RNG.normal(size=(2, 2)), RNG.normal(size=2))
    x = np.array([0.5, -1.0])
    grad = tad.grad(state_loss)(s, x)
    assert type(grad) is State
    for field in ("w", "b"):
        np.testing.assert_allclose(getattr(grad, field), numerical(state_loss, (s, x), 0, (State._fields.index(field),)),
                                   rtol=1e-6, atol=1e-8)
    _, out_dot = tad.jvp(state_loss, (s, x), (State(np.ones((2, 2)), np.zeros(2)), None))
    assert np.isclose(out_dot, np.sum(grad.w))
    with pytest.raises(tad.TransformError, match="attribute ._replace"):
        tad.grad(lambda t: t._replace(w=1.0).b[0])(s)
