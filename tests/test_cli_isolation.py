"""The command line imports the target file without disturbing the modules or the path of its caller."""
import ast
import json
import sys

import pytest

from tangent_ad.teaching.cli import main

SIBLING = "cli_isolation_sibling"
TARGET = f"""\
from {SIBLING} import K


def f(x):
    return K * x * x
"""


@pytest.fixture
def target(tmp_path):
    """A file named json.py that imports a file beside it."""
    (tmp_path / f"{SIBLING}.py").write_text("K = 2.0\n")
    path = tmp_path / "json.py"
    path.write_text(TARGET)
    yield path
    sys.modules.pop(SIBLING, None)      # imported by the target, as import would leave it


def run(capsys, *args):
    status = main([*map(str, args)])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


@pytest.mark.parametrize("extra", [(), ("--explain", "3.0"), ("--mode", "forward"), ("--stages",)])
def test_a_target_named_json_leaves_modules_and_path_alone(target, capsys, extra):
    path_before = list(sys.path)
    modules_before = dict(sys.modules)
    out = run(capsys, f"{target}:f", *extra)
    assert sys.modules["json"] is json
    assert sys.path == path_before
    assert {name: module for name, module in sys.modules.items()
            if name in modules_before} == modules_before        # no entry replaced or removed
    assert not [name for name in sys.modules if name.startswith("tangent_ad_cli_target")]
    if extra[:1] == ("--explain",):
        assert out.rstrip().endswith("result: 12.0")     # d/dx 2 x^2 at 3, K read from the sibling
    elif not extra:
        assert "def f_grad(x" in out and ast.parse(out)
    assert SIBLING in sys.modules        # the sibling import ran with the file's folder on the path


def test_the_module_name_it_picks_is_not_taken(target, capsys, monkeypatch):
    taken = type(sys)("tangent_ad_cli_target_1")
    monkeypatch.setitem(sys.modules, "tangent_ad_cli_target_1", taken)
    run(capsys, f"{target}:f")
    assert sys.modules["tangent_ad_cli_target_1"] is taken


def test_the_path_is_restored_when_the_top_level_code_fails(tmp_path, capsys):
    path = tmp_path / "broken.py"
    path.write_text("import no_such_module_anywhere\n")
    path_before = list(sys.path)
    with pytest.raises(ModuleNotFoundError):
        main([f"{path}:f"])
    assert sys.path == path_before
    assert not [name for name in sys.modules if name.startswith("tangent_ad_cli_target")]
