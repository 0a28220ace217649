"""Layers point one way, checked on every import statement (top-level or inside a function):

* `components/` never imports `infra/`;
* cloud-neutral code (`components/` outside the cloud packages and the registry, and all of
  `infra/`) never imports a cloud package or a cloud provider SDK: it reaches clouds only through
  `components.registry`;
* a cloud package never imports another cloud's package;
* `components/settings/` (the pure models) imports no Pulumi resource SDK.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.registry import CLOUDS

REPO = Path(__file__).resolve().parent.parent
CLOUD_PACKAGES = {f"components.{name}" for name in CLOUDS}
CLOUD_SDKS = {spec.sdk for spec in CLOUDS.values()}
RESOURCE_SDKS = CLOUD_SDKS | {"pulumi_kubernetes", "pulumi_random"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement in `path` names, with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def modules(folder: str) -> list[Path]:
    paths = sorted((REPO / folder).rglob("*.py"))
    assert paths, folder
    return paths


def under(name: str, packages: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(paths: list[Path], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in paths for line, name in imports_of(path) if under(name, forbidden)
    ]


def cloud_of(path: Path) -> str | None:
    parts = path.relative_to(REPO).parts
    return parts[1] if len(parts) > 2 and parts[0] == "components" and parts[1] in CLOUDS else None


def test_the_checker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def late():\n    from infra.settings import ConfigError\n    import components.aws.plan\n")
    assert [name for _, name in imports_of(sample)] == ["infra.settings", "infra.settings.ConfigError", "components.aws.plan"]


def test_components_never_import_infra():
    assert violations(modules("components"), {"infra"}) == []


def test_cloud_neutral_code_reaches_clouds_only_through_the_registry():
    neutral = [p for p in modules("components") if cloud_of(p) is None and p.name != "registry.py"] + modules("infra")
    assert violations(neutral, CLOUD_PACKAGES | CLOUD_SDKS) == []


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_a_cloud_package_never_imports_another_cloud(cloud):
    own = [p for p in modules("components") if cloud_of(p) == cloud]
    assert own, cloud
    others = {f"components.{name}" for name in CLOUDS if name != cloud}
    others |= {spec.sdk for name, spec in CLOUDS.items() if name != cloud}
    assert violations(own, others) == []


def test_the_pure_settings_models_import_no_resource_sdk():
    assert violations(modules("components/settings"), RESOURCE_SDKS | {"components.rasa", "components.cloud"}) == []


def test_the_registry_is_the_only_shared_module_naming_cloud_packages():
    shared = [p for p in modules("components") + modules("infra") if cloud_of(p) is None]
    naming = sorted({str(p.relative_to(REPO)) for p in shared if violations([p], CLOUD_PACKAGES)})
    assert naming == ["components/registry.py"]


def defines_a_component(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(
        isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("ComponentResource") for b in node.bases)
        for node in ast.walk(tree)
    )


def test_no_component_reads_the_stack_settings():
    """Components take typed Args naming every value they read: a module that defines a
    ComponentResource never imports the settings models (a cloud's plan and provision steps do)."""
    component_modules = [p for p in modules("components") if defines_a_component(p)]
    assert len(component_modules) >= 10
    settings_modules = {"components.settings", "infra.settings"}
    assert violations(component_modules, settings_modules) == []
