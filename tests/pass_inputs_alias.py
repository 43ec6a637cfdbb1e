"""Inputs for tests/test_pass_emit.py: NumPy under another name, and a module-level constant."""
import math

import numpy as onp

OFFSET = 0.5


def shifted_cube(x):
    return onp.sum((x + OFFSET) ** 3) + math.cos(OFFSET)
