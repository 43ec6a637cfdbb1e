"""Functions the fence refuses (tests/test_pass_fence.py); each refused line is marked ``# <- name``."""
import numpy as np


def uses_lambda(x):
    square = lambda v: v * v  # <- lambda
    return square(x)


def uses_try(x):
    try:  # <- try
        y = np.log(x)
    except ValueError:
        y = x
    return y


def uses_list_comprehension(x):
    parts = [x * i for i in range(3)]  # <- list comprehension
    return parts[2]


def uses_nested_def(x):
    def inner(v):  # <- nested def
        return v * 2.0
    return inner(x)


def uses_for_else(x, n):
    for i in range(n):  # <- for else
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def uses_attribute_assignment(x, box):
    box.value = x * 2.0  # <- attribute assignment
    return x


def uses_global(x):
    global COUNTER  # <- global
    COUNTER = 1
    return x * 2.0


def uses_kwargs(x, **options):  # <- kwargs
    return x * 2.0


def uses_eval(x):
    y = eval("x * 2.0")  # <- eval
    return y


def uses_star_arguments(x):
    shape = (2, 1)
    return np.reshape(x, *shape)  # <- star


def refused_after_fine_lines(x):
    y = np.sin(x)
    z = y * 2.0
    with open("log.txt") as log:  # <- with
        log.write("z")
    return z


def accepted(x):
    total = 0.0
    for i in range(3):
        total = total + np.sin(x * i)
    return total
