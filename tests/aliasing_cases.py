"""Functions that update arrays in place, for tests/test_aliasing.py."""
import numpy as np


def rebound_before_update(x):
    y = x
    y = y * 2.0
    y += 1.0            # y is a new array here: fine
    return np.sum(y * x)


def identity(v, flag):
    if flag:
        return v
    return v * 1.0


def updated_before_sharing(x):
    h = x * 2.0
    h += x              # nothing shares h yet: fine
    out = identity(h, True)
    return np.sum(out * out)


def shared_on_one_branch(x, c):
    y = x * 2.0
    if c > 0:
        z = y
    else:
        z = y * 1.0
    z += x              # may be y itself
    return np.sum(y)


def shared_in_a_loop(x, n):
    y = x * 2.0
    z = x * 3.0
    for i in range(n):
        z = y
    z *= 3.0            # may be y itself
    return np.sum(y)


def shared_through_helper(x):
    y = x * 2.0
    z = identity(y, True)
    z *= 3.0            # identity may return y
    return np.sum(y)
