"""Updates in place that no other name can see (scalars, new arrays), and ones that another
name does see, for tests/test_aliasing_kinds.py."""
import numpy as np

OFFSET = 0.25


def constant_alias(x):
    a = 1.5
    z = a
    z += np.sum(x)          # a is a float: z += ... binds z to a new value
    return z * np.sum(x ** 2) + a


def global_alias(x):
    z = OFFSET
    z += np.sum(np.sin(x))
    return z * z + OFFSET


def parameter_alias(x, s):
    z = s
    z += np.sum(x)          # a float s is left as it was; a 0-d array s would change
    for i in range(3):
        z *= s
    return z * s


def size_alias(x):
    t = x.shape[0]
    u = t
    u *= 2
    return np.sum(x ** 2) / u + t


def reduction_alias(x):
    z = np.sum(x)           # of a NumPy array: a NumPy scalar
    w = z
    w += np.sum(x ** 2)
    return w * z


def method_reduction_alias(x):
    z = x.max()
    w = z
    w *= 2.0
    return w + z


def bump_second(a, b):
    b += 0.3
    return a * b


def helper_given_new_array(x):
    return np.sum(bump_second(x, x * 2.0))


def helper_given_zeros(x):
    return np.sum(bump_second(x, np.zeros(3)) + bump_second(x, x ** 2))


def bump(p):
    p += 1.0
    return p * p


def helper_given_float(x, s):
    return np.sum(x) * bump(s) + s


# ------------------------------------------------------------ updates another name sees
def shared_with_parameter(x, s):
    z = s
    z += np.sum(x)          # s a 0-d array: z is s, changed in place
    return z * s


def helper_given_named_array(x):
    y = x * 2.0
    out = bump_second(x, y)     # y is changed by bump_second
    return np.sum(out * y)


def helper_given_view(x):
    y = x * 2.0
    out = bump_second(x[1:], y[1:])   # a view of y
    return np.sum(out) + np.sum(y)


def array_alias(x):
    y = x * 2.0
    z = y
    z += x                  # y too
    return np.sum(y * z)


# ------------------------------------------------------------ by rank, with NumPy arrays
def element_alias(x):
    e = x[0]                # of a vector: a NumPy scalar
    w = e
    w += np.sum(x ** 2)
    return w * e + np.sum(x)


def split(x):
    return np.sum(x), x * 2.0


def helper_result_alias(x):
    a, b = split(x)         # a: a NumPy scalar, whatever split is given
    c = a
    c += 1.0
    return c * a + np.sum(b)


def where_alias(x, s):
    z = np.where(s > 0.0, s, 2.0 * s)      # a 0-d array, even of floats
    w = z
    w += np.sum(x)          # z too
    return w * z


def row_alias(a):
    r = a[0]                # of a matrix: a view
    r += 1.0
    return np.sum(a * a)


def cube_in_place(s):
    z = s
    z *= s                  # a float s: z is a new float
    return z * s
