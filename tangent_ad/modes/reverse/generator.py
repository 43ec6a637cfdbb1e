"""Reverse mode of one function: the parts put together.

    Program        the function, the derivative asked for, facts worked out once
    Tape           what the forward sweep saves for the reverse sweep
    ForwardSweep   the function as it runs, recording; returns the reverse-sweep nodes
    ReverseSweep   the nodes written backwards (with ControlFlow and Memory)
    split.py       the two functions of a vjp
"""
from ...ir import nodes as ir
from ...ir.code import Code
from .forward_sweep import ForwardSweep
from .memory import Memory
from .program import Program
from .reverse_sweep import ReverseSweep
from .split import write_split
from .tape import Tape
from .trees import Lines


class ReverseGenerator:
    """Writes the reverse mode of ``function`` with respect to ``wrt``: ``generate`` one
    function returning the gradients (and the value, with ``return_value``), or
    ``generate_split`` the forward and backward functions of a vjp."""

    def __init__(self, context, function, wrt, active, return_value=False, tuple_output=False,
                 checkpoint=None):
        self.program = Program(context, function, wrt, active, return_value, tuple_output, checkpoint)
        self.tape = Tape(self.program)
        memory = Memory(self.program, self.tape.reads_of)
        self.forward = ForwardSweep(self.program, self.tape, memory)
        self.reverse = ReverseSweep(self.program, self.tape, memory)

    def generate(self, name_):
        """The derivative as one function named ``name_``: (its Code, the seeds' names)."""
        program = self.program
        f = program.function
        seed = ", ".join(program.bar(r) for r in f.results)
        forward = Code()
        with forward.indented():
            reverse_nodes = self.forward.block(f.body, set(), forward, top=True)
        params = [program.param(p) for p in f.params] + [f"{program.bar(r)}=1.0" for r in f.results]
        code = Code()
        code.line(f"def {name_}({', '.join(params)}):")
        with code.indented():
            self._docstring(code, seed)
            if self.tape.pushes:
                code.line(f"{self.tape.name} = []")
                program.context.tape = self.tape.name     # a compiled variant splits it (compiled/)
            code.comment("forward sweep")
        reverse = Lines()
        with reverse.indented():
            self.reverse.write(reverse, reverse_nodes, seed)
        with code.indented():
            for p, original in program.originals.items():
                code.line(f"{original} = {p}    # the argument, before {p} is reassigned")
            for line in ir.stored_argument_lines(f):
                code.line(line)
        code.extend(forward)
        code.extend(reverse)
        return code, seed

    def generate_split(self, forward_name, backward_name):
        """Two functions for tad.vjp: the forward sweep, returning the output and what the
        reverse sweep needs; and the reverse sweep, which can run again with new seeds."""
        return write_split(self, forward_name, backward_name)

    def _docstring(self, code, seed):
        program = self.program
        f = program.function
        grads = ", ".join(program.bar(p) for p in program.wrt)
        code.line(f'"""Reverse mode (adjoints) of {f.name} ({program.context.where_defined}) '
                  f'with respect to {", ".join(program.wrt)}.')
        code.blank()
        grads = f"({grads}{',' if len(program.wrt) == 1 else ''})" if program.tuple_output else grads
        returns = f"({f.result}, {grads})" if program.return_value else grads
        outputs = ", ".join(f.results)
        code.line(f"Given {seed}, the adjoint{'s' if len(f.results) > 1 else ''} of the output "
                  f"{outputs} (1.0 for a scalar), returns {returns}.")
        code.line('"""')
