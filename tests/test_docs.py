"""Every Python block in README.md and docs/, and every docstring example, runs.

A block is written to a file of its own and run there, because tangent_ad reads
the source of the functions it differentiates, and functions defined by ``exec``
of a string have none.
"""
import doctest
import importlib
import pathlib
import pkgutil
import re
import runpy

import pytest

import tangent_ad

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks():
    for page in PAGES:
        for number, match in enumerate(BLOCK.finditer(page.read_text()), 1):
            yield pytest.param(match.group(1), id=f"{page.name}-{number}")


@pytest.mark.parametrize("code", list(_blocks()))
def test_documentation_block_runs(code, tmp_path, monkeypatch, capsys):
    script = tmp_path / "block.py"
    script.write_text(code)
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(script), run_name="__main__")


def test_documentation_has_blocks():
    assert len(list(_blocks())) >= 5


MODULES = [name for _, name, _ in pkgutil.walk_packages(tangent_ad.__path__, "tangent_ad.")
           if not name.endswith("__main__")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
