"""Every import statement in the packages resolves, including those inside functions and TYPE_CHECKING blocks."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("console", "widgets", "data", "maps")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name or None) for every import in the file, resolved to absolute module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, base, alias.name) for alias in node.names if alias.name != "*"]
    return found


def resolves(module: str, name: str | None) -> bool:
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return False
    if name is None or hasattr(loaded, name):
        return True
    return importlib.util.find_spec(f"{module}.{name}") is not None


SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_packages_have_sources():
    assert len(SOURCES) > 100


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_import_resolves(path):
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {module}" + (f".{name}" if name else "")
        for line, module, name in imports(path)
        if not resolves(module, name)
    ]
    assert not missing, "imports that do not resolve:\n" + "\n".join(missing)


def test_the_check_catches_a_missing_module(tmp_path):
    assert not resolves("console.paperwork.no_such_module", None)
    assert not resolves("console.paperwork", "no_such_module")
    assert resolves("console.paperwork", "actions")
