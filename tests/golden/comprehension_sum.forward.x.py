from tangent_ad.runtime import broadcast_like, zeros_like


def sum_of_squares_jvp(x, n, x_dot=1.0):
    """Forward mode (tangents) of sum_of_squares (golden_comprehensions.py, line 14) with respect to x.

    Given the tangent x_dot, returns (total, total_dot): the value of sum_of_squares and its tangent.
    """
    # line 15: return sum(x[i] ** 2 for i in range(n) if i != 1)
    total = 0
    total_dot = zeros_like(total)
    for i in range(n):
        if i != 1:
            t1 = x[i]
            t1_dot = broadcast_like(x_dot, x)[i]
            t2 = t1 ** 2
            t2_dot = 2 * t1 * t1_dot
            total_dot = total_dot + t2_dot
            total = total + t2
    return total, broadcast_like(total_dot, total)
