"""Modules stay small enough to read in one sitting: the runtime, the teaching tools and the
public layer (``tangent_ad/*.py``), at most 450 lines each.

The transformer's layers are checked in test_architecture.py; a module that outgrows the
limit is split by job (as ``runtime/linalg.py`` was into ``matmul``, ``products``,
``einsum``, ``matrix_functions`` and ``norms``), not trimmed of its docstrings.
"""
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tangent_ad"
LIMIT = 450

AREAS = {
    "runtime": sorted((PACKAGE / "runtime").rglob("*.py")),
    "teaching": sorted((PACKAGE / "teaching").rglob("*.py")),
    "public": sorted(PACKAGE.glob("*.py")),
}


def line_counts(paths, root=PACKAGE):
    """``{path relative to root: number of lines}``."""
    return {path.relative_to(root).as_posix(): len(path.read_text().splitlines()) for path in paths}


def too_long(paths, root=PACKAGE):
    """The modules over the limit, with their line counts."""
    return {name: n for name, n in line_counts(paths, root).items() if n > LIMIT}


@pytest.mark.parametrize("area", sorted(AREAS))
def test_modules_stay_under_the_limit(area):
    offenders = too_long(AREAS[area])
    assert offenders == {}, f"over {LIMIT} lines in tangent_ad ({area}): {offenders}"


def test_every_area_is_found():
    # an area that moved or was renamed would make the checks above pass on nothing
    assert all(AREAS.values())
    names = set(line_counts(AREAS["runtime"]) | line_counts(AREAS["teaching"]) | line_counts(AREAS["public"]))
    assert {"runtime/linalg.py", "runtime/shaping.py", "teaching/explain.py", "api.py"} <= names


def test_the_count_sees_a_long_module(tmp_path):
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (LIMIT + 1))
    short = tmp_path / "short.py"
    short.write_text("x = 1\n" * LIMIT)
    assert too_long([long, short], root=tmp_path) == {"long.py": LIMIT + 1}
