"""The layout stays as documented: what is shipped, and what product code may import."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("crawler", "scheduler")
# The layers of docs/ARCHITECTURE.md, lowest first, each a few parts (name: the modules and
# packages in it). A module may import modules of its own part and of the layers below its
# own, never one above it or beside it.
FETCHING = (
    "crawler.spiders",
    "crawler.pipelines",
    "crawler.settings",
    "crawler.middlewares",
    "crawler.extensions",
    "crawler.guard",
)
LAYERS: tuple[dict[str, tuple[str, ...]], ...] = (
    {"domain": ("crawler.domain",)},
    {"extraction": ("crawler.extraction",)},
    {"detection": ("crawler.detection",)},
    {"store": ("crawler.store",)},
    {"web": ("crawler.web",), "fetching (Scrapy's project layout)": FETCHING},
    {"service and command line": ("scheduler",)},
)
# The pure layers read and return records: no I/O library, no Redis, no Scrapy.
PURE = ("crawler.domain", "crawler.extraction", "crawler.detection")
IMPURE = ("redis", "scrapy", "twisted", "feedgen", "apscheduler", "socket", "subprocess")


def _imports(path: Path) -> set[str]:
    """The modules a source file imports (absolute imports, top level and nested)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _package(module: str) -> tuple[int, str]:
    """The layer (its height) and the part of it that hold ``module``."""
    for height, parts in enumerate(LAYERS):
        for part, packages in parts.items():
            if any(module == p or module.startswith(p + ".") for p in packages):
                return height, part
    raise AssertionError(f"{module} is in no layer of LAYERS: add it to docs and the table")


def _product_imports() -> list[tuple[str, str]]:
    """(importing module, imported module) for every import between product modules."""
    return [
        (_module(path), name)
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "__init__.py" or path.parent.name not in PRODUCT
        for name in sorted(_imports(path))
        if name.split(".")[0] in PRODUCT and name not in PRODUCT
    ]


def test_every_product_module_is_in_a_layer() -> None:
    modules = [_module(p) for package in PRODUCT for p in (ROOT / package).rglob("*.py")]
    assert len(modules) > 50
    for module in modules:
        if module not in PRODUCT:
            _package(module)


def test_imports_run_down_the_layers_only() -> None:
    pairs = _product_imports()
    assert ("crawler.pipelines", "crawler.detection.check") in pairs  # the table sees imports
    offenders = []
    for importer, imported in pairs:
        (height, package), (below, other) = _package(importer), _package(imported)
        if package != other and below >= height:
            offenders.append(f"{importer} imports {imported}")
    assert offenders == []


def test_the_pure_layers_touch_no_redis_network_or_scrapy() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in PURE
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in IMPURE
    ]
    assert offenders == []


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
