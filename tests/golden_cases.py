"""The chapter's worked examples (examples/seed.py), whose generated source is pinned in tests/golden/."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "examples"))

from seed import f, loop, sin_square, square_sum, z  # noqa: E402

# (function, mode, wrt) for every pinned source
CASES = [
    (f, "reverse", ("x1", "x2")),
    (f, "forward", "x1"),
    (sin_square, "reverse", "x"),
    (sin_square, "forward", "x"),
    (z, "reverse", ("x", "y")),
    (z, "forward", ("x", "y")),
    (square_sum, "reverse", "x"),
    (square_sum, "forward", "x"),
    (loop, "reverse", "x"),
    (loop, "forward", "x"),
]

import numpy as np  # noqa: E402

SCALE = 3.0


def helper(a, w):
    return np.tanh(a * w)


def uses_helper_and_constant(x, w):
    return SCALE * np.sum(helper(x, w) * x)
