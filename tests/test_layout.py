"""The package's shape (ARCHITECTURE.md): subpackages follow the data, imports run one way
(text -> ingest -> embed -> stores -> answer -> evaluate -> bench / ui -> cli), no module
imports another's private names, and there are no import cycles, lazy imports included."""
import ast
from pathlib import Path

from helpers import ROOT

LAYERS = {"errors": 0, "paths": 0, "text": 1, "ingest": 2, "embed": 3, "stores": 4, "answer": 5, "evaluate": 6,
          "bench": 7, "ui": 7, "cli": 8}
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for base, prefix in ((ROOT / "rag", "rag"), (ROOT / "ui", "rag.ui")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([prefix, *parts])] = path
    return found


def _imports(name: str, path: Path, modules) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every rag import, function-level ones too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("rag")]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:   # relative: from .x import y, inside package
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([target] if target else []))
            if not target.startswith("rag"):
                continue
            names = [a.name for a in node.names]
            # "from rag.x import y" where y is a module: an import of rag.x.y
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            out += [(m, [], node.lineno) for m in submodules]
            out.append((target, [n for n in names if f"{target}.{n}" not in modules], node.lineno))
    return out


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[1]]


def _graph():
    modules = _modules()
    return modules, {name: _imports(name, path, modules) for name, path in modules.items()}


def test_imports_run_one_way_and_take_no_private_names():
    modules, graph = _graph()
    wrong, private = [], []
    for importer, imports in graph.items():
        if importer == "rag":   # the public API re-exports from every layer
            continue
        for imported, names, line in imports:
            if imported not in modules:
                wrong.append(f"{importer}:{line} imports {imported}, which does not exist")
            elif imported != "rag" and _layer(imported) > _layer(importer):
                wrong.append(f"{importer}:{line} imports {imported} (a later stage)")
            private += [f"{importer}:{line} takes {imported}.{n}" for n in names
                        if n.startswith("_") and imported != importer]
    assert not wrong, "\n".join(wrong)
    assert not private, "\n".join(private)


def test_no_import_cycles():
    modules, graph = _graph()
    edges = {m: {i for i, _, _ in imports if i in modules and i != "rag" and i != m} for m, imports in graph.items()}
    # A package's __init__ importing its own modules is no cycle of code; leave them out.
    edges = {m: {i for i in targets if not i.startswith(m + ".")} for m, targets in edges.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert not cycles, "\n".join(cycles)


def test_modules_stay_small():
    modules = _modules()
    big = {name: n for name, path in modules.items() if (n := len(path.read_text(encoding="utf-8").splitlines()))
           > MAX_MODULE_LINES}
    assert not big, big


def test_the_public_api_is_documented():
    import rag
    def documented(obj) -> bool:   # a dataclass's generated "Name(field: type, ...)" does not count
        doc = (obj.__doc__ or "").strip()
        return bool(doc) and not doc.startswith(f"{getattr(obj, '__name__', '')}(")
    missing = [name for name in rag.__all__ if not documented(getattr(rag, name))]
    assert rag.__all__ and not missing, missing


def test_an_installed_wheel_carries_every_file_the_package_reads(tmp_path):
    """A non-editable install (a wheel on an intranet machine) needs the data files too: the
    fitted sentence weights were once left out, and every answer failed."""
    import subprocess
    import sys
    import zipfile
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("rag_reports-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {str(p.relative_to(ROOT)).replace("ui/", "rag/ui/", 1) if p.parts[len(ROOT.parts)] == "ui" else
            str(p.relative_to(ROOT)) for d in ("rag", "ui") for p in (ROOT / d).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert data and data <= names, data - names
    assert "rag/ui/app.py" in names and "rag/cli/__main__.py" in names
