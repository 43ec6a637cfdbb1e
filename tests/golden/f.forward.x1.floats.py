def f_jvp(x1, x2, x1_dot=1.0):
    """Forward mode (tangents) of f (seed.py, line 11) with respect to x1.

    Given the tangent x1_dot, returns (y, y_dot): the value of f and its tangent.
    """
    # line 13: return (x1 + x2) * (x1 - x2)
    t1 = x1 + x2
    t1_dot = x1_dot
    t2 = x1 - x2
    t2_dot = x1_dot
    y = t1 * t2
    y_dot = t2 * t1_dot + t1 * t2_dot
    return y, y_dot
