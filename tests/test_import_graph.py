"""The import graph of lstm_np has no circle (counting imports inside functions too: a lazy
import that dodges a circle hides it), and every module imports on its own."""
import ast
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lstm_np")


def modules():
    out = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, f), os.path.join(ROOT, ".."))
                name = rel[:-3].replace(os.sep, ".")
                out[name[:-len(".__init__")] if name.endswith(".__init__") else name] = os.path.join(dirpath, f)
    return out


def imports_of(name, path, known):
    """lstm_np modules that ``name`` imports (anywhere in the file)."""
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                target = f"{base}.{a.name}"
                found.add(target if target in known else base)
    return {m for m in found if m in known and m != name}


def find_cycle(graph):
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state:
                cycle = visit(n)
                if cycle:
                    return cycle
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            if cycle:
                return cycle
    return None


def test_no_import_circle():
    mods = modules()
    graph = {m: imports_of(m, p, mods) for m, p in mods.items()}
    # A package's __init__ gathers its modules for users; a module importing its own package
    # (rather than the module it needs) would close a circle through it, so it counts.
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_module_imports_on_its_own():
    names = sorted(m for m in modules() if not m.endswith("__main__"))
    script = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    for m in [m for m in sys.modules if m == 'lstm_np' or m.startswith('lstm_np.')]:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n")
    halves = [names[0::2], names[1::2]]                  # two interpreters at once: one per core
    procs = [subprocess.Popen([sys.executable, "-c", script] + half, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for half in halves]
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0 and stdout.strip() == "ok", stderr[-3000:]


def test_the_circle_finder_finds_circles():
    """Negative control: the checker reports a circle when there is one."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# The floors of docs/architecture.md, bottom first: a module imports only from its own floor
# and the floors below it.
FLOORS = [
    ("core",),                                                         # the maths: NumPy reference
    ("fast",),                                                         # kernels, BLAS, threads
    ("config", "errors", "version", "backend", "sync", "registry"),    # plumbing every floor uses
    ("activations", "initializers", "regularizers", "constraints", "schedules", "utils", "preprocessing",
     "ops"),
    ("layers", "losses", "metrics", "optimizers", "callbacks"),        # layers and what trains them
    ("models", "gradcheck"),                                           # graphs, the trainer, files
    ("interop", "sweep", "sweep_tasks", "plot", "datasets", "explain"),   # beside the models
    ("demos", "cli", "compat", "__main__", "__init__"),                # the top
]


def _floor(module):
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for k, names in enumerate(FLOORS):
        if top in names:
            return k
    raise AssertionError(f"{module}: its package {top!r} is on no floor of FLOORS (add it)")


def test_imports_only_go_down_the_floors():
    mods = modules()
    wrong = [f"{m} (floor {_floor(m)}) imports {d} (floor {_floor(d)})"
             for m, p in mods.items() for d in sorted(imports_of(m, p, mods)) if _floor(d) > _floor(m)]
    assert wrong == [], "\n".join(wrong)


def test_core_is_the_maths_only():
    """core/ imports nothing of lstm_np but core/ (and numpy): the textbook stands alone."""
    mods = modules()
    outside = [f"{m} imports {d}" for m, p in mods.items() if m.startswith("lstm_np.core")
               for d in imports_of(m, p, mods) if not d.startswith("lstm_np.core")]
    assert outside == []
