"""The layout stays as documented: what is shipped, and what product code may import."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("crawler", "scheduler")


def _imports(path: Path) -> set[str]:
    """The modules a source file imports (absolute imports, top level and nested)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_wheel_holds_only_redlines_own_packages() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = find_packages(str(ROOT), include=include)
    assert shipped
    assert {name.split(".")[0] for name in shipped} == set(PRODUCT)


def test_product_code_never_imports_the_benchmarks_or_the_tests() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in ("bench", "tests")
    ]
    assert offenders == []
