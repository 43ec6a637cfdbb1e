"""Command line: print the generated derivative source of a function in a file.

    python -m tangent_ad examples/seed.py:f --mode forward --wrt x1
    python -m tangent_ad examples/seed.py:f --explain 3 2 --mode reverse
    python -m tangent_ad examples/seed.py:loop --no-optimize
    python -m tangent_ad examples/seed.py:loop --stages
    python -m tangent_ad examples/quickstart.py:f --lesson 3 2 -o lesson.html
    python -m tangent_ad examples/seed.py:f --graph graph.svg --explain 3 2
    python -m tangent_ad --list-rules
"""
import argparse
import importlib.util
import inspect
import itertools
import os
import sys

from .. import api, targets
from ..errors import TransformError


class _Parser(argparse.ArgumentParser):
    """An unknown option or a missing value is one line on stderr and exit status 2."""

    def error(self, message):
        print(f"tangent_ad: {message} (python -m tangent_ad --help lists the options)", file=sys.stderr)
        raise SystemExit(2)


def _parser():
    parser = _Parser(
        prog="tangent_ad", description="Print the generated derivative source of FILE:FUNC.")
    parser.add_argument("target", metavar="FILE:FUNC", nargs="?",
                        help="a Python file and a function in it")
    parser.add_argument("--list-rules", action="store_true",
                        help="print every function tangent_ad differentiates, with its modes")
    parser.add_argument("--clear-cache", action="store_true",
                        help="delete the compiled derivatives kept on disk (compile=True)")
    parser.add_argument("--markdown", action="store_true",
                        help="with --list-rules: print the coverage table of the documentation")
    parser.add_argument("--mode", choices=api.MODES, default="reverse",
                        help="reverse (adjoints, the default) or forward (tangents)")
    parser.add_argument("--wrt", default=None,
                        help="comma-separated parameter names or indices (default: the first)")
    parser.add_argument("--no-optimize", action="store_true",
                        help="print the plain transformation, before the clean-ups (same numbers)")
    parser.add_argument("--stages", action="store_true",
                        help="print each step of the pipeline: source, normalized, one operation per "
                             "line, not optimized, optimized")
    parser.add_argument("--checkpoint", action="store_true",
                        help="reverse mode: keep about sqrt(n) snapshots of each top-level loop")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the source (needs Pygments; auto: when printing to a terminal)")
    parser.add_argument("--explain", nargs="+", metavar="ARG", default=None,
                        help="run the derivative at these arguments and print every value it computes "
                             "(numbers; an integer for a parameter not differentiated stays an int)")
    parser.add_argument("--graph", metavar="PATH", default=None,
                        help="write the computational graph to PATH (.svg, .dot, or .png with "
                             "matplotlib); with --explain, each node shows its value and its "
                             "tangent or adjoint at those arguments")
    _lesson_options(parser)
    return parser


def _lesson_options(parser):
    parser.add_argument("--lesson", nargs="+", metavar="ARG", default=None,
                        help="write a lesson page (one HTML file: the function, its graph, the forward "
                             "and reverse tables beside the generated code) for the run at these "
                             "arguments; without --wrt, with respect to every parameter (all floats)")
    parser.add_argument("-o", "--output", metavar="PATH", default="lesson.html",
                        help="with --lesson: the HTML file to write (default: lesson.html)")


def _lesson(func, args):
    """Write the lesson page for FUNC at the --lesson arguments to --output."""
    from .lesson import write_lesson
    params = targets.parameters(func)
    signature = inspect.signature(func).parameters
    required = [p for p in params if signature[p].default is inspect.Parameter.empty]
    if not len(required) <= len(args.lesson) <= len(params):
        count = str(len(params)) if len(required) == len(params) else f"{len(required)} to {len(params)}"
        print(f"tangent_ad: {func.__name__} takes {count} argument(s) ({', '.join(params)}); "
              f"--lesson got {len(args.lesson)}", file=sys.stderr)
        return 2
    every = ",".join(params[:len(args.lesson)])
    values = _explain_values(func, argparse.Namespace(explain=args.lesson, wrt=args.wrt or every))
    if values is None:
        return 2
    wrt = _wrt(args.wrt) if args.wrt is not None else None
    try:
        write_lesson(args.output, func, *values, wrt=wrt)
    except OSError as exc:
        print(f"tangent_ad: {exc}", file=sys.stderr)
        return 2
    print(f"lesson written to {args.output}")
    return 0


def _load(target):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise SystemExit(f"tangent_ad: expected FILE:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise SystemExit(f"tangent_ad: no such file: {path}")
    module = _import_file(path)
    func = getattr(module, name, None)
    if func is None or not callable(func):
        raise SystemExit(f"tangent_ad: {path} has no function {name!r}")
    return func


def _import_file(path):
    """Run the file's top-level code as ``import`` would, under a module name of its own.

    Named after the file, a target json.py would take the place of the json module; and
    the caller's sys.modules and sys.path are left as they were.
    """
    module_name = next(name for name in (f"tangent_ad_cli_target_{n}" for n in itertools.count(1))
                       if name not in sys.modules)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(os.path.abspath(path))
    sys.modules[module_name] = module     # while it runs, for code that looks its module up
    sys.path.insert(0, folder)            # imports of the files beside it
    try:
        spec.loader.exec_module(module)
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        sys.modules.pop(module_name, None)
    return module


def _wrt(text):
    if text is None:
        return 0
    items = [int(item) if item.strip().lstrip("-").isdigit() else item.strip()
             for item in text.split(",") if item.strip()]
    return items[0] if len(items) == 1 else tuple(items)


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_rules:
        from . import coverage
        print(coverage.markdown() if args.markdown else "\n".join(coverage.rule_lines()))
        return 0
    if args.clear_cache:
        from ..compiled import disk_cache
        folder = disk_cache.clear()
        print(f"tangent_ad: cleared {folder}" if folder else "tangent_ad: the disk cache is off (TANGENT_AD_CACHE=0)")
        return 0
    if args.target is None:
        print("tangent_ad: give FILE:FUNC, --list-rules or --clear-cache", file=sys.stderr)
        return 2
    try:
        func = _load(args.target)
        if args.lesson is not None:
            return _lesson(func, args)
        if args.graph is not None:
            return _graph(func, args)
        if args.explain is not None:
            return _explain(func, args)
        if args.stages:
            from .stages import stages
            print(_coloured(str(stages(func, mode=args.mode, wrt=_wrt(args.wrt))), args), end="")
            return 0
        text = api.source(func, mode=args.mode, wrt=_wrt(args.wrt),
                          checkpoint=True if args.checkpoint else None, optimize=not args.no_optimize)
        print(_coloured(text, args), end="")
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    except (TransformError, ValueError, TypeError) as exc:
        print(f"tangent_ad: {exc}", file=sys.stderr)
        return 2
    return 0


def _coloured(text, args):
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    if not colour:
        return text
    from ..highlighting import highlight
    return highlight(text, "terminal") + "\n"


def _explain(func, args):
    """Print the trace of FUNC's derivative at the --explain arguments (exit status 2 if they don't fit)."""
    from .explain import explain
    values = _explain_values(func, args)
    if values is None:
        return 2
    print(explain(func, *values, mode=args.mode, wrt=_wrt(args.wrt)))
    return 0


def _graph(func, args):
    """Write FUNC's computational graph to --graph PATH: with --explain, the run at those
    arguments (and print its trace); without, the structure only."""
    from .graph import graph
    values = [] if args.explain is None else _explain_values(func, args)
    if values is None:
        return 2
    if values:
        _explain(func, args)
    try:
        graph(func, *values, mode=args.mode, wrt=_wrt(args.wrt)).save(args.graph)
    except (ImportError, OSError) as exc:
        print(f"tangent_ad: {exc}", file=sys.stderr)
        return 2
    print(f"graph written to {args.graph}")
    return 0


def _explain_values(func, args):
    """The --explain arguments as numbers, or None (after a message) if they don't fit."""
    params = targets.parameters(func)
    signature = inspect.signature(func).parameters
    required = [p for p in params if signature[p].default is inspect.Parameter.empty]
    if not len(required) <= len(args.explain) <= len(params):
        count = str(len(params)) if len(required) == len(params) else f"{len(required)} to {len(params)}"
        print(f"tangent_ad: {func.__name__} takes {count} argument(s) ({', '.join(params)}); "
              f"--explain got {len(args.explain)}", file=sys.stderr)
        return None
    wrt = _wrt(args.wrt)
    names = set(targets.wrt_names(func, wrt)[0])
    values = []
    for name, text in zip(params, args.explain):
        try:
            if name not in names and text.strip().lstrip("+-").isdigit():
                values.append(int(text))
            else:
                values.append(float(text))
        except ValueError:
            print(f"tangent_ad: --explain: {text!r} (for {name}) is not a number", file=sys.stderr)
            return None
    return values

