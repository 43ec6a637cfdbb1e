def until_large_jvp(x, limit, x_dot=1.0):
    """Forward mode (tangents) of until_large (golden_more.py, line 24) with respect to x.

    Given the tangent x_dot, returns (y, y_dot): the value of until_large and its tangent.
    """
    i = 0
    broke = False
    # line 26: while i < 100:
    while not broke and i < 100:
        # line 27: x = x * x + 0.5
        t1 = x * x
        t1_dot = x * x_dot + x * x_dot
        x = t1 + 0.5
        x_dot = t1_dot
        if x > limit:
            # line 29: break
            broke = True
        # line 28: if x > limit:
        if not broke:
            i += 1
    # line 31: return x
    y = x
    y_dot = x_dot
    return y, y_dot
