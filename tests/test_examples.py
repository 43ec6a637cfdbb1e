"""Every example in examples/ runs as a script and prints the numbers it promises."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name, *args, block_matplotlib=False):
    """Run examples/NAME.py as a script (as a reader would); return its standard output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg")
    script = str(EXAMPLES / f"{name}.py")
    if block_matplotlib:          # as if matplotlib were not installed
        command = [sys.executable, "-c",
                   "import runpy, sys; sys.modules['matplotlib'] = None; "
                   f"sys.path.insert(0, {str(EXAMPLES)!r}); sys.argv = sys.argv[1:]; "
                   "runpy.run_path(sys.argv[0], run_name='__main__')", script, *args]
    else:
        command = [sys.executable, script, *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def number(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text[-3000:]}"
    return float(match.group(1))


def has_matplotlib():
    import importlib.util
    return importlib.util.find_spec("matplotlib") is not None


def test_quickstart_reproduces_the_chapter():
    out = run_example("quickstart")
    assert "the forward-mode rows are the chapter's table: u1 = 5, u1_dot = 1, u2 = 1, u2_dot = 1, y = 5, y_dot = 6" in out
    assert ("the adjoints, in the order they are completed, are the chapter's: "
            "y_bar = 1, u1_bar = 1, u2_bar = 5, x1_bar = 6, x2_bar = -4") in out
    assert "def f_jvp(x1, x2, x1_dot=1.0):" in out and "def f_grad(x1, x2, y_bar=1.0):" in out
    assert number(r"d/dx sin\(x\^2\) at x = 1 = (\S+)", out) == pytest.approx(1.0806046117362795, rel=1e-15)
    assert "gradient of sum(x^2) at [2, 3] = [4. 6.]" in out
    assert "All values agree with the chapter." in out


def test_control_flow_agrees_with_central_differences():
    out = run_example("control_flow")
    for name in ("loop", "newton_sqrt", "piecewise", "horner"):
        assert number(rf"\n  {name}\s+(\S+)", out) < 1e-6
    assert "cond = x > 0" in out and "iterations += 1" in out and "for _ in range(iterations):" in out
    assert "replaying forward iteration 1" in out
    assert number(r"d sqrt\(a\)/da at a = 2 is (\S+),", out) == pytest.approx(0.5 / 2 ** 0.5, rel=1e-14)
    assert "All derivatives agree with central differences." in out


def test_numerical_vs_ad(tmp_path):
    png = tmp_path / "numerical_error.png"
    out = run_example("numerical_vs_ad", "--out", str(png))
    assert number(r"h = 0\.01: (\S+)", out) == pytest.approx(4.01, abs=1e-9)
    assert number(r"best step for forward differences: h = (\S+)", out) == 1e-8
    assert number(r"the model's h\* = 2 sqrt\(eps / M\) = (\S+)", out) == pytest.approx(1.8e-8, rel=0.1)
    best_central = number(r"best step for central differences: h = (\S+)", out)
    assert 1e-7 <= best_central <= 1e-4
    rows = re.findall(r"^\s+(1e-\d\d)\s+(\S+)\s+(\S+)$", out, re.M)
    assert len(rows) == 15                                        # h = 1e-1 ... 1e-15
    errors = {float(h): (float(fw), float(ce)) for h, fw, ce in rows}
    assert errors[1e-2][0] > errors[1e-8][0] < errors[1e-12][0]   # forward: down, then up again
    assert errors[1e-4][1] < errors[1e-4][0]                      # central beats forward at moderate h
    assert number(r"tangent_ad: \S+, error (\S+)", out) <= 2.3e-16
    if has_matplotlib():
        assert png.exists() and png.stat().st_size > 10_000
    else:
        assert "the plot" in out and "was skipped" in out


def test_numerical_vs_ad_without_matplotlib(tmp_path):
    png = tmp_path / "plot.png"
    out = run_example("numerical_vs_ad", "--out", str(png), block_matplotlib=True)
    assert "matplotlib is not installed" in out and "was skipped" in out
    assert "best step for forward differences: h = 1e-08" in out
    assert not png.exists()


def test_forward_vs_reverse_cost_quick(tmp_path):
    png = tmp_path / "cost.png"
    out = run_example("forward_vs_reverse_cost", "--quick", "--out", str(png))
    rows = re.findall(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(yes|NO)", out, re.M)
    assert [int(r[0]) for r in rows] == [10, 30, 100, 300]
    assert all(r[5] == "yes" for r in rows)                       # the same gradient both ways
    reverse, forward = float(rows[-1][2]), float(rows[-1][3])
    assert forward > 10 * reverse                                 # 300 sweeps against one
    if has_matplotlib():
        assert png.exists()


def test_forward_vs_reverse_cost_estimates_past_max_sweeps():
    out = run_example("forward_vs_reverse_cost", "--sizes", "50", "400", "--max-sweeps", "100", "--no-plot",
                      block_matplotlib=True)
    assert re.search(r"^\s+400 .*yes\s+\(estimated\)$", out, re.M)
    assert not re.search(r"^\s+50 .*estimated", out, re.M)
    assert "100 forward sweeps timed, multiplied by n / 100" in out


def test_mlp_training_loss_falls_and_accuracy_rises():
    out = run_example("mlp_training", "--steps", "300")
    assert number(r"relative error (\S+)", out) < 1e-6
    initial, final = (float(v) for v in re.search(r"loss (\S+) -> (\S+);", out).groups())
    assert final < 0.25 * initial
    assert number(r"training accuracy \S+ -> (\S+);", out) >= 0.95
    assert number(r"accuracy on 200 new points (\S+)", out) >= 0.9


def test_physics_gradient_and_best_angle():
    out = run_example("physics", "--steps", "10")
    assert number(r"largest relative difference from central differences: (\S+)", out) < 1e-6
    reverse = re.search(r"reverse mode:\s+d/dv = (\S+)\s+d/dtheta = (\S+)", out).groups()
    forward = re.search(r"forward mode:\s+d/dv = (\S+)\s+d/dtheta = (\S+)", out).groups()
    assert reverse == forward
    ours = re.search(r"tangent_ad \(dt = 0.001\): dR/dv = (\S+)\s+dR/dtheta = (\S+)", out).groups()
    book = re.search(r"textbook:\s+dR/dv = (\S+)\s+dR/dtheta = (\S+)", out).groups()
    for a, b in zip(ours, book):
        assert float(a) == pytest.approx(float(b), rel=2e-3)      # Euler's error at dt = 0.001
    best = number(r"best angle (\S+) deg", out)
    assert 38.0 < best < 44.0
    assert best == pytest.approx(number(r"finds (\S+) deg", out), abs=0.1)
