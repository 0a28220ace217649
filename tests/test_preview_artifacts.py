"""What the preview writes for the shipped stacks: the same bytes on every run of a commit."""

from __future__ import annotations

import json
import random

import yaml

from infra.preview import ARTIFACTS, all_stacks, endpoints_yml, in_stable_order, mask
from infra.preview.manifests import manifest_sort_key


def test_both_command_line_runs_preview_every_shipped_stack(shipped_cli_runs):
    stacks = all_stacks()
    assert stacks and len(shipped_cli_runs) == 2
    for run in shipped_cli_runs:
        assert run.returncode == 0, run.stderr + run.stdout
        assert "Traceback" not in run.stderr
        for name in stacks:
            assert f"== {name}" in run.stdout
            assert sorted(p.name for p in (run.out / name).iterdir()) == sorted(ARTIFACTS), name


def test_every_artifact_is_byte_identical_across_processes_and_hash_seeds(shipped_cli_runs):
    first, second = shipped_cli_runs
    assert first.seed != second.seed
    stacks = all_stacks()
    assert stacks and ARTIFACTS
    for name in stacks:
        for artifact in ARTIFACTS:
            a, b = (first.out / name / artifact).read_bytes(), (second.out / name / artifact).read_bytes()
            assert a, f"{name}/{artifact} is empty"
            assert a == b, f"{name}/{artifact} differs between PYTHONHASHSEED={first.seed} and {second.seed}"


def test_resource_order_does_not_depend_on_the_order_registrations_arrive_in(shipped_previews):
    resources = shipped_previews["aws-dev"].resources
    assert len(resources) > 10
    for seed in range(5):
        shuffled = list(resources)
        random.Random(seed).shuffle(shuffled)
        assert [r.urn for r in in_stable_order(shuffled)] == [r.urn for r in resources]
    seen: set[str] = set()
    urns = {r.urn for r in resources}
    for r in resources:  # a parent comes before its children
        assert r.parent not in urns or r.parent in seen, r.urn
        seen.add(r.urn)


def test_recorded_inputs_have_sorted_keys_whatever_order_they_arrive_in():
    value = {"zeta": 1, "alpha": {"m": [{"b": 1, "a": 2}], "c": 3}, "__internal": 0}
    assert json.dumps(mask(value, sort_keys=True)) == '{"alpha": {"c": 3, "m": [{"a": 2, "b": 1}]}, "zeta": 1}'
    assert list(mask(value)) == ["zeta", "alpha"]  # outputs keep the program's order


def _walk(value, key=None):
    """(key it sits under, value) for every mapping and list in a manifest."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)


def _shipped_manifests(run) -> dict[str, list[dict]]:
    stacks = all_stacks()
    assert stacks
    return {name: list(yaml.safe_load_all((run.out / name / "manifests.yaml").read_text())) for name in stacks}


def test_manifests_have_their_keys_in_the_conventional_order(shipped_cli_runs):
    checked = {"objects": 0, "metadata": 0, "env": 0, "containers": 0}
    for name, manifests in _shipped_manifests(shipped_cli_runs[0]).items():
        assert manifests, name
        for m in manifests:
            checked["objects"] += 1
            top = [k for k in m if k in ("apiVersion", "kind", "metadata", "spec")]
            assert list(m)[:len(top)] == [k for k in ("apiVersion", "kind", "metadata", "spec") if k in m], m["kind"]
            for key, value in _walk(m):
                if key == "metadata" and isinstance(value, dict):
                    checked["metadata"] += 1
                    order = [k for k in ("name", "namespace", "labels", "annotations") if k in value]
                    assert list(value)[:len(order)] == order, (name, m["kind"], list(value))
                if key == "env" and isinstance(value, dict):
                    checked["env"] += 1
                    assert next(iter(value)) == "name", (name, m["kind"], value)
                if key == "containers" and isinstance(value, dict):
                    checked["containers"] += 1
                    assert list(value)[:2] == ["name", "image"], (name, m["kind"], list(value))
    assert all(checked.values()), checked  # every rule met something to check


def test_manifests_come_in_kind_order_then_namespace_and_name(shipped_cli_runs):
    for name, manifests in _shipped_manifests(shipped_cli_runs[0]).items():
        kinds = [m["kind"] for m in manifests]
        assert kinds[0] == "Namespace", (name, kinds)
        assert kinds.index("ServiceAccount") < kinds.index("Secret") < kinds.index("ConfigMap") < kinds.index("Deployment")
        keys = [manifest_sort_key(m) for m in manifests]
        assert keys == sorted(keys), (name, kinds)


def test_resources_json_is_in_the_previews_tree_order(shipped_cli_runs, shipped_previews):
    stacks = all_stacks()
    assert stacks
    for name in stacks:
        written = json.loads((shipped_cli_runs[0].out / name / "resources.json").read_text())
        assert [r["urn"] for r in written] == [r.urn for r in shipped_previews[name].resources], name


def test_endpoints_and_summary_say_host_names_are_mock_placeholders(shipped_cli_runs, shipped_previews):
    note = "offline preview: host names of services this stack creates are placeholders from the mock engine, not real endpoints"
    stacks = all_stacks()
    assert stacks
    for name in stacks:
        out = shipped_cli_runs[0].out / name
        first, rest = (out / "endpoints.yml").read_text().split("\n", 1)
        assert first == f"# {note}"
        assert rest == endpoints_yml(shipped_previews[name].resources)  # otherwise what the pod reads
        assert yaml.safe_load((out / "endpoints.yml").read_text())["tracker_store"]["type"] == "sql"
        summary = (out / "summary.md").read_text().splitlines()
        assert summary.count(note[0].upper() + note[1:] + ".") == 1, name
