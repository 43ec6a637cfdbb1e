"""The command line: every option, and a one-line error with exit status 2 for anything wrong."""
import pathlib
import subprocess
import sys

import pytest

import tangent_ad as tad
from golden_cases import f, loop

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed.py"


def run(*args):
    return subprocess.run([sys.executable, "-m", "tangent_ad", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_source_optimized_and_not():
    assert run(f"{SEED}:loop").stdout == tad.source(loop)
    assert run(f"{SEED}:loop", "--no-optimize").stdout == tad.source(loop, optimize=False)
    assert run(f"{SEED}:f", "--mode", "forward", "--wrt", "x1").stdout == tad.source(f, "forward", "x1")


def test_stages_and_checkpoint():
    stages = run(f"{SEED}:loop", "--stages").stdout
    assert stages == str(tad.stages(loop))
    assert "snapshots" in run(f"{SEED}:loop", "--checkpoint").stdout


def test_colour_only_when_asked_or_on_a_terminal():
    assert "\x1b[" in run(f"{SEED}:f", "--color", "always").stdout
    assert "\x1b[" not in run(f"{SEED}:f").stdout             # a pipe, not a terminal


def test_the_console_script_is_the_same_program():
    from importlib.metadata import entry_points

    from tangent_ad.teaching.cli import main
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "tangent_ad"]
    assert script.value == "tangent_ad.teaching.cli:main"
    assert script.load() is main


@pytest.mark.parametrize("args, expected", [
    ((f"{SEED}:nope",), "no function 'nope'"),
    (("missing.py:f",), "no such file"),
    (("seed.py",), "expected FILE:FUNC"),
    ((f"{SEED}:f", "--bogus"), "unrecognized arguments"),
    ((f"{SEED}:f", "--mode", "sideways"), "invalid choice"),
    ((f"{SEED}:f", "--wrt", "x9"), "not a parameter"),
    ((f"{SEED}:f", "--mode", "forward", "--checkpoint"), "checkpoint is for reverse mode"),
    ((), "give FILE:FUNC"),
])
def test_errors_are_one_line_with_status_2(args, expected):
    proc = run(*args)
    assert proc.returncode == 2, proc
    assert expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stdout == ""
