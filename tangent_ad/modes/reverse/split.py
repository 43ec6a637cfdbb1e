"""The vjp split: the forward sweep as one function, returning the output and what the reverse
sweep needs, and the reverse sweep as another, which can run again with new seeds.

What the forward function saves is every name of the function that the reverse sweep's
lines read, known from the trees each line was made of.
"""
from ...ir import nodes as ir
from ...ir.code import Code
from .trees import Lines


def write_split(generator, forward_name, backward_name):
    """The Code of both functions, from a ``ReverseGenerator``'s parts."""
    program, tape = generator.program, generator.tape
    program.keeps_value = True
    program.reruns = True           # the backward function runs again on the values saved
    f = program.function
    seed = ", ".join(program.bar(r) for r in f.results)
    forward = Code()
    with forward.indented():
        reverse_nodes = generator.forward.block(f.body, set(), forward, top=True)
    reverse = Lines()
    with reverse.indented():
        generator.reverse.write(reverse, reverse_nodes, seed)
    known = program.locals | set(f.params) | set(program.records.values()) | set(program.originals.values())
    if tape.pushes:
        known.add(tape.name)
    # every name the reverse sweep reads (one it also pops may be read first on another branch)
    saved = [n for n in reverse.names_read() if n in known]
    defined = set(f.params) | set(program.originals.values()) | {tape.name} | program.top_level_writes()
    maybe = [n for n in saved if n not in defined]
    outs = ", ".join(f.results) if len(f.results) == 1 else f"({', '.join(f.results)})"
    code = Code()
    code.line(f"def {forward_name}({', '.join(program.param(p) for p in f.params)}):")
    with code.indented():
        code.line(f'"""Forward sweep of {f.name} ({program.context.where_defined}) for its vector-Jacobian '
                  "product.")
        code.blank()
        code.line(f"Returns ({outs}, saved): the value, and what {backward_name} needs to send "
                  f"adjoints back to {', '.join(program.wrt)}.")
        code.line('"""')
        if maybe:
            code.line(f"{' = '.join(maybe)} = None    # read by the reverse sweep; set below only "
                      "where their code runs")
        if tape.pushes:
            code.line(f"{tape.name} = []")
        for p, original in program.originals.items():
            code.line(f"{original} = {p}    # the argument, before {p} is reassigned")
        for line in ir.stored_argument_lines(f):
            code.line(line)
    code.extend(forward)
    with code.indented():
        code.line(f"return {outs}, ({', '.join(saved)}{',' if len(saved) == 1 else ''})")
    code.blank()
    code.blank()
    code.line(f"def {backward_name}(saved, {', '.join(f'{program.bar(r)}=1.0' for r in f.results)}):")
    with code.indented():
        grads = ", ".join(program.bar(p) for p in program.wrt)
        code.line(f'"""Reverse sweep of {f.name}: given what {forward_name} saved and the adjoint '
                  f"{seed} of the output, returns ({grads}{',' if len(program.wrt) == 1 else ''}).")
        code.blank()
        code.line("It can run any number of times on the same saved values.")
        code.line('"""')
        if saved:
            code.line(f"{', '.join(saved)}, = saved")
        if tape.pushes:
            code.line(f"{tape.name} = list({tape.name})    # pop from a copy: the saved tape stays whole "
                      "for the next call")
    code.extend(reverse)
    return code
