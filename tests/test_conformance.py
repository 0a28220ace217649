"""Every registered cloud held to the same bar.

For each cloud with managed services, its shipped stacks (`stacks/Pulumi.<cloud>-<env>.yaml`, one
per environment at least dev and prod) are previewed with the real program under the one mock
engine, and every resource the cloud registers is checked the same way: tagged in the cloud's
scheme, parented to a component, a unique URN, protected exactly where settings ask, answered by
the cloud's mock table; a rejected plan registers nothing; each managed service returns the
foundation's connection type. Checks on each spec itself (presets, tag keys, regions) run for every
registered cloud, including the ones that are bring-your-own only so far.
"""

from __future__ import annotations

import importlib
import inspect
import pytest

from components.cloud import CloudSpec
from components.contracts import KafkaConnection, ModelStorageConnection, PostgresConnection, RedisConnection
from components.registry import CLOUDS
from infra.preview import REPO, StackPreview, all_stacks, read_stack_file, run_stack
from infra.settings import ConfigError, load_stack
from tests.support import engine

STACKS_DIR = REPO / "stacks"
CONNECTION_TYPES = {
    "trackerStore": ("tracker_store", PostgresConnection),
    "lockStore": ("lock_store", RedisConnection),
    "eventQueue": ("event_queue", KafkaConnection),
    "modelStorage": ("model_storage", ModelStorageConnection),
}
PROVISIONING = [name for name, spec in CLOUDS.items() if spec.provision is not None]


def stacks_of(cloud: str) -> list[str]:
    return [name for name in all_stacks(STACKS_DIR) if name.startswith(f"{cloud}-")]


CASES = [(cloud, stack) for cloud in PROVISIONING for stack in stacks_of(cloud)]


@pytest.fixture
def preview(shipped_previews):
    def shipped(stack: str) -> StackPreview:
        result = shipped_previews[stack]
        assert result.config_error is None, result.config_error
        return result
    return shipped


def cloud_resources(spec: CloudSpec, result: StackPreview):
    found = [r for r in result.resources if r.type in spec.mocks.resource_types]
    assert found, f"{result.name} registered no {spec.name} resource"
    return found


def test_every_provisioning_cloud_ships_a_dev_and_a_prod_stack():
    assert PROVISIONING, "no registered cloud provisions anything"
    for cloud in PROVISIONING:
        assert {f"{cloud}-dev", f"{cloud}-prod"} <= set(stacks_of(cloud)), cloud


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_a_cloud_preset_sets_only_its_own_section_and_validates(cloud):
    spec = CLOUDS[cloud]
    assert set(spec.presets) <= {"dev", "staging", "prod"}
    for environment, values in spec.presets.items():
        spec.settings_model.model_validate(values)  # unknown or ill-typed keys raise


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_the_platform_tag_keys_are_legal_on_their_cloud(cloud):
    tags = CLOUDS[cloud].tags
    for key in (tags.stack_key, tags.environment_key):
        assert tags.problem(key, "aws-prod") is None, (cloud, key)
    assert tags.problem("Bad Key/?", "x") is not None or cloud == "aws"  # AWS accepts almost anything


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_a_region_of_another_cloud_is_refused_before_anything_is_registered(cloud):
    other = next(name for name in CLOUDS if name != cloud)
    foreign = sorted(CLOUDS[other].regions - CLOUDS[cloud].regions)[0]
    raw = {"cloud": cloud, "environment": "dev", "region": foreign}
    with pytest.raises(ConfigError) as caught:
        load_stack(raw, set(), "conformance", placeholder_for_missing_secrets=True)
    assert any(line.startswith(f"config error: rasa-platform:region = {foreign}: not ") for line in caught.value.lines)


@pytest.mark.parametrize("cloud, stack", CASES)
def test_every_taggable_resource_carries_the_platform_tags(cloud, stack, preview):
    spec, result = CLOUDS[cloud], preview(stack)
    environment = result.settings.environment
    checked = 0
    for r in cloud_resources(spec, result):
        if not _accepts(spec, r.type, spec.tag_property):
            continue
        tags = r.inputs.get(spec.tag_property) or {}
        assert tags.get(spec.tags.stack_key) == stack and tags.get(spec.tags.environment_key) == environment, (r.type, r.name)
        for key, value in result.settings.tags.items():
            assert tags.get(key) == value, (r.type, r.name, key)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("cloud, stack", CASES)
def test_every_resource_belongs_to_a_component_and_urns_are_unique(cloud, stack, preview):
    result = preview(stack)
    urns = [r.urn for r in result.resources]
    assert len(urns) == len(set(urns))
    by_urn = {r.urn: r for r in result.resources}
    for r in result.resources:
        if r.type.startswith("pulumi:providers:"):
            continue
        if r.parent not in by_urn:  # a child of the stack itself
            assert not r.custom and r.type.startswith("rasa-platform:"), f"{r.type} {r.name} is not inside a component"
            continue
        top = r
        while top.parent in by_urn:
            top = by_urn[top.parent]
        assert top.type.startswith("rasa-platform:"), (r.type, r.name)


@pytest.mark.parametrize("cloud, stack", CASES)
def test_protection_is_exactly_where_settings_ask(cloud, stack, preview):
    spec, result = CLOUDS[cloud], preview(stack)
    protected = [r for r in result.resources if r.protect]
    if not result.settings.protection:
        assert protected == []
        return
    assert protected, "protection is on but nothing is protected"
    assert all(r.type in spec.mocks.resource_types for r in protected), [r.type for r in protected]


@pytest.mark.parametrize("cloud, stack", CASES)
def test_the_mock_table_covers_every_type_the_cloud_registers(cloud, stack, preview):
    spec, result = CLOUDS[cloud], preview(stack)
    prefix = f"{spec.sdk.removeprefix('pulumi_').replace('_', '-')}:"
    registered = {r.type for r in result.resources if r.type.startswith(prefix)}
    assert registered, f"no {prefix} resource registered"
    assert registered <= spec.mocks.resource_types, sorted(registered - spec.mocks.resource_types)


@pytest.mark.parametrize("cloud, stack", CASES)
def test_a_rejected_plan_registers_nothing(cloud, stack):
    result = run_stack(stack, overrides={"region": "nowhere-1"})
    assert result.config_error and "rasa-platform:region = nowhere-1: not " in result.config_error
    assert result.resources == []


@pytest.mark.parametrize("cloud, stack", CASES)
def test_each_managed_service_returns_the_foundation_connection_type(cloud, stack):
    raw, secret_keys = read_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml")
    plan = load_stack(raw, secret_keys, stack, placeholder_for_missing_secrets=True)
    run = engine.provision(plan)
    managed = [key for key in plan.settings.managed() if key in CONNECTION_TYPES]
    assert managed, f"{stack} manages no service"
    for key in managed:
        field, expected = CONNECTION_TYPES[key]
        connection = getattr(run.services, field)
        assert isinstance(connection, expected) and connection.origin == "managed", key
    if "cluster" in plan.settings.managed():
        assert run.services.kubernetes_provider is not None


def _accepts(spec: CloudSpec, type_: str, prop: str) -> bool:
    """Does the SDK's resource class for `type_` take `prop` (e.g. tags)?"""
    module_path, class_name = type_.split(":")[1].split("/")[0], type_.split(":")[2]
    module = importlib.import_module(spec.sdk if module_path == "index" else f"{spec.sdk}.{module_path}")
    signature = inspect.signature(getattr(module, class_name)._internal_init)
    return prop in signature.parameters
