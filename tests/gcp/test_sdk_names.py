"""Every property the GCP and Confluent components send exists in the installed SDKs (pulumi-gcp
10.2.0, pulumi-confluentcloud 2.87.0), nested objects included: the mock engine accepts any key, a
real provider does not."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from tests.gcp.harness import plan_for, provision

SDKS = {"gcp": "pulumi_gcp", "confluentcloud": "pulumi_confluentcloud"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def parameters(cls) -> set[str]:
    init = getattr(cls, "_internal_init", cls.__init__)
    return {p for p in inspect.signature(init).parameters if p not in ("self", "__self__", "resource_name", "opts", "__props__")}


def args_class(inputs_module, prefix: str, key: str):
    """The *Args class of a nested property: <Resource><Path>Args, the list form singular."""
    base = prefix + pascal(key)
    singular = [base[:-3] + "y"] if base.endswith("ies") else [base[:-1], base[:-2]] if base.endswith("s") else []
    for candidate in (base, *singular):
        if candidate and hasattr(inputs_module, f"{candidate}Args"):
            return getattr(inputs_module, f"{candidate}Args"), candidate
    return None, None


def unknown_keys(inputs_module, prefix: str, cls, value: dict, path: str, checked: list) -> list[str]:
    allowed = parameters(cls)
    checked.append(path)
    problems = []
    for key, sub in value.items():
        # Python renames a few (`resource_name_`): the wire name is the same without the underscore.
        if not {snake(key), key, f"{snake(key)}_"} & allowed:
            problems.append(f"{path}.{key}")
            continue
        nested, nested_prefix = args_class(inputs_module, prefix, key)
        items = sub if isinstance(sub, list) else [sub]
        for item in items:
            if nested is not None and isinstance(item, dict):
                problems += unknown_keys(inputs_module, nested_prefix, nested, item, f"{path}.{key}", checked)
    return problems


@pytest.fixture(scope="module", params=["managed-kafka", "confluent"])
def run(request):
    return provision(plan_for("prod", eventQueue={"provider": request.param}))


def test_every_sent_property_exists_in_the_sdk(run):
    problems, checked = [], []
    for resource in run.resources:
        package = resource.type.split(":")[0]
        if package not in SDKS or resource.type.startswith("pulumi:"):
            continue
        module_path, class_name = resource.type.split(":")[1].split("/")[0], resource.type.split(":")[2]
        module = importlib.import_module(SDKS[package] if module_path == "index" else f"{SDKS[package]}.{module_path}")
        inputs_module = getattr(module, "_inputs", None) or importlib.import_module(module.__name__)
        problems += unknown_keys(inputs_module, class_name, getattr(module, class_name), resource.inputs, resource.type, checked)
    assert problems == []
    assert len(checked) > 80  # nested objects were followed, not only top-level properties
