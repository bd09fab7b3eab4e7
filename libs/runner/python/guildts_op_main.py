"""Runs a Python module as Guild's `guild.op_main` does, for guildts.

    python -um guildts_op_main MODULE [-- --flag value ...]

FLAGS_DEST=globals (the default for scripts that do not use argparse): top-level assignments
of flag names in the module (`lr = 0.1`) are replaced by the flag values, as Guild does, and
the module runs as __main__. FLAGS_DEST=args: the flag args are left in sys.argv for argparse.
Values are decoded as YAML-ish scalars the way Guild decodes flag values.
"""
import ast
import importlib.util
import os
import sys


def _decode(s):
    low = s.lower()
    if low in ("yes", "true", "on"):
        return True
    if low in ("no", "false", "off"):
        return False
    if low in ("null", "~", ""):
        return None if s != "" else ""
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    return s


def _flag_args(args):
    flags = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name = a[2:]
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                flags[name] = _decode(args[i + 1])
                i += 2
                continue
            flags[name] = True
        i += 1
    return flags


class _SetGlobals(ast.NodeTransformer):
    def __init__(self, flags):
        self.flags = flags

    def visit_Module(self, node):
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name) and target.id in self.flags:
                    stmt.value = ast.copy_location(ast.Constant(self.flags[target.id]), stmt.value)
        return node


def main():
    argv = sys.argv[1:]
    if not argv:
        sys.stderr.write("usage: guildts_op_main MODULE [-- FLAG_ARGS...]\n")
        sys.exit(2)
    module = argv[0]
    rest = argv[1:]
    if rest and rest[0] == "--":
        rest = rest[1:]
    sys.path.insert(0, os.getcwd())
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        sys.stderr.write("guild: No module named %s\n" % module)
        sys.exit(1)
    dest = os.getenv("FLAGS_DEST", "globals")
    sys.argv = [spec.origin] + (rest if dest.startswith("args") else [])
    try:
        with open(spec.origin) as f:
            tree = ast.parse(f.read(), spec.origin)
    except SyntaxError as e:
        _print_op_traceback(e)
        sys.exit(1)
    if dest == "globals":
        tree = ast.fix_missing_locations(_SetGlobals(_flag_args(rest)).visit(tree))
    code = compile(tree, spec.origin, "exec")
    globs = {"__name__": "__main__", "__file__": spec.origin, "__builtins__": __builtins__}
    try:
        exec(code, globs)
    except (SystemExit, GeneratorExit):
        raise
    except KeyboardInterrupt:
        # End as killed by SIGINT (status -2, "terminated"), not as an error.
        import signal
        sys.stdout.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as e:
        # The operation's traceback without this bootstrap's frames (as Guild's op_main shows
        # it), and Python's exit status for an uncaught exception.
        _print_op_traceback(e)
        sys.exit(1)


def _print_op_traceback(e):
    import traceback
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    sys.stdout.flush()
    traceback.print_exception(type(e), e, tb)
    sys.stderr.flush()


if __name__ == "__main__":
    main()
