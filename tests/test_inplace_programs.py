"""Random programs with updates in place: refused only where memory really is shared.

The generator (``program_strategies.py``, construct "inplace") writes programs with ``z op= e``
on floats, arrays and views, after ``z = a`` aliasing, and helpers that update a parameter in
place, given a new array, a named array or a float. Each program is differentiated in both
modes with the kinds of its arguments and checked against central differences
(``check_program``); a refused one is run against its copy-on-write twin (every ``z op= e``
written ``z = z op e``), which gives another value exactly when the update changed memory that
another name reads. The measurement, with the numbers the test prints::

    python -m pytest -p no:cacheprovider tests/test_inplace_programs.py -s
"""
import pytest

from program_strategies import inplace_batch

COUNT, SEED = 120, 15       # about 60 s


def test_updates_in_place_are_refused_only_where_another_name_sees_them(tmp_path):
    tally = inplace_batch(COUNT, SEED, str(tmp_path))
    shared = [program for program, _, visible in tally.refused if visible]
    wrongly = [(program, refusals) for program, refusals, visible in tally.refused if not visible]
    print(f"\n{tally.checked} programs checked ({tally.rejected} without a smooth point), "
          f"{len(tally.refused)} refused ({100 * tally.rate:.1f}%), each really updating memory that "
          f"another name reads: {len(shared)}")
    print("  programs holding each variant: " + ", ".join(f"{v} {n}" for v, n in sorted(tally.variants.items())))
    for program, refusals, visible in tally.refused:
        seen = "another name sees the update" if visible else "NO other name sees the update"
        print(f"  refused ({', '.join(program.constructs.get('inplace', ()))}; {seen}): "
              f"{refusals[0].message[:100]} (line {refusals[0].lineno})")
    assert tally.checked >= 0.8 * COUNT, "too few programs with a smooth point to measure anything"
    for variant in ("scalar alias", "copied alias", "helper, new array", "helper, scalar"):
        assert tally.variants[variant] >= 5, f"too few programs with the variant {variant!r}"
    assert not wrongly, "refused, though no other name sees the update:\n" + "\n".join(
        f"{refusals[0].message}\n{program.describe()}" for program, refusals in wrongly)
    assert tally.rate <= 0.02, f"{100 * tally.rate:.1f}% of the programs refused"
