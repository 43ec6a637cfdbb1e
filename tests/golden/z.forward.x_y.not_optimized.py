from tangent_ad.runtime import broadcast_like


def z_jvp(x, y, x_dot=1.0, y_dot=1.0):
    """Forward mode (tangents) of z (seed.py, line 26) with respect to x, y.

    Given the tangents x_dot, y_dot, returns (out, out_dot): the value of z and its tangent.
    """
    # line 28: return (x + y) ** 2
    t1 = x + y
    t1_dot = 1 * broadcast_like(x_dot, x) + 1 * broadcast_like(y_dot, y)
    out = t1 ** 2
    out_dot = 2 * t1 ** (2 - (2 != 0)) * broadcast_like(t1_dot, t1)
    return out, broadcast_like(out_dot, out)
