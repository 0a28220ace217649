"""What the preview writes for the shipped stacks: the same bytes on every run of a commit."""

from __future__ import annotations

import json
import random

from infra.preview import ARTIFACTS, all_stacks, in_stable_order, mask


def test_both_command_line_runs_preview_every_shipped_stack(shipped_cli_runs):
    stacks = all_stacks()
    assert stacks
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
    assert stacks
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
