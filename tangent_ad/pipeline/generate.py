"""The middle of the pipeline: one planned function's derivative, in the mode asked for.

    forward | reverse | split (vjp)

The generators read the lowered function and write the derivative's code; the derivatives
of the helpers it calls are already planned (``plan.py``), so nothing here calls back into
the driver. With ``optimize=False`` the generators skip their clean-ups (``stages()``
shows both).
"""
from ..modes.forward import ForwardGenerator
from ..modes.reverse import ReverseGenerator


def generate(entry):
    """The code of ``entry``'s derivative (``plan.Entry``), in its mode."""
    prepared, context, derived = entry.prepared, entry.context, entry.derived
    function, wrt, active = prepared.function, prepared.wrt, prepared.active
    request = entry.request
    if entry.mode == "forward":
        code, _ = ForwardGenerator(context, function, wrt, active).generate(derived.name)
    elif entry.mode == "split":
        generator = ReverseGenerator(context, function, wrt, active, tuple_output=True)
        code = generator.generate_split(derived.name, derived.backward)
    elif request is not None:
        generator = ReverseGenerator(context, function, wrt, active, request.return_value,
                                     request.tuple_output, checkpoint=request.checkpoint)
        generator.program.seed_is_number = bool(prepared.shapes.given)    # built for a call's numbers
        code, _ = generator.generate(derived.name)
    else:                               # a helper's gradient, called with its output's adjoint
        code, _ = ReverseGenerator(context, function, wrt, active).generate(derived.name)
    return code
