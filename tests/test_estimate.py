"""The first-deploy estimate: the critical path of a recorded graph, and what the shipped stacks show.

Hand-made graphs use a table of their own (types `t:x:TenMin`, `t:x:OneMin`), so these tests do not
move when a typical creation time in a cloud's table does.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from components.cloud import CreationTime
from components.registry import CLOUDS
from infra.preview import REPO, RecordedResource, all_stacks
from infra.preview.creation_times import DEFAULT, NEUTRAL_CREATION_TIMES, creation_times
from infra.preview.estimate import chain_text, creation_time_table, estimate, gantt, wait_graph

TABLE = {
    "t:x:TenMin": CreationTime(10, "test"),
    "t:x:OneMin": CreationTime(1, "test"),
    "t:x:Instant": CreationTime(0, "test"),
}
TEN, ONE = "t:x:TenMin", "t:x:OneMin"


def res(name: str, type_: str = ONE, deps=(), *, parent=None, custom=True, provider=None, props=None) -> RecordedResource:
    return RecordedResource(
        type=type_, name=name, urn=f"urn:{name}", parent=f"urn:{parent}" if parent else None, custom=custom,
        provider=f"urn:{provider}" if provider else None, dependencies=[f"urn:{d}" for d in deps],
        property_dependencies={k: [f"urn:{d}" for d in v] for k, v in (props or {}).items()}, inputs={},
    )


def component(name: str, deps=(), parent=None) -> RecordedResource:
    return res(name, "rasa-platform:test:Thing", deps, parent=parent, custom=False)


def names(est) -> list[str]:
    return [s.name for s in est.chain]


def starts(est) -> dict[str, int]:
    return {s.name: s.start for s in est.steps}


# ---------------------------------------------------------------------------------------------
# The algorithm on small graphs


def test_a_chain_takes_the_sum_of_its_links():
    est = estimate([res("a", TEN), res("b", ONE, ["a"]), res("c", ONE, ["b"])], TABLE)
    assert est.seconds == 12 * 60 == est.total_seconds
    assert names(est) == ["a", "b", "c"]
    assert starts(est) == {"a": 0, "b": 600, "c": 660}


def test_a_diamond_waits_for_its_slower_side_only():
    est = estimate([res("top"), res("slow", TEN, ["top"]), res("fast", ONE, ["top"]), res("bottom", ONE, ["slow", "fast"])], TABLE)
    assert est.seconds == (1 + 10 + 1) * 60
    assert est.total_seconds == (1 + 10 + 1 + 1) * 60
    assert names(est) == ["top", "slow", "bottom"]
    assert starts(est)["fast"] == 60 and starts(est)["bottom"] == 11 * 60


def test_parallel_branches_take_as_long_as_the_longest():
    est = estimate([res("a1", TEN), res("a2", ONE, ["a1"]), res("b1", ONE), res("b2", ONE, ["b1"]), res("b3", ONE, ["b2"])], TABLE)
    assert est.seconds == 11 * 60 and est.total_seconds == 14 * 60
    assert names(est) == ["a1", "a2"]
    assert starts(est)["b3"] == 120  # the other branch is not pushed back


def test_a_components_children_start_after_what_the_component_waits_for():
    resources = [
        res("database", TEN),
        component("service", ["database"]),
        component("inner", parent="service"),
        res("leaf", ONE, parent="inner"),  # two levels down, no dependency of its own
    ]
    est = estimate(resources, TABLE)
    assert starts(est)["leaf"] == 600
    assert names(est) == ["database", "leaf"] and est.seconds == 11 * 60


def test_waiting_for_a_component_waits_for_everything_inside_it():
    resources = [
        component("service"),
        res("quick", ONE, parent="service"),
        component("inner", parent="service"),
        res("slow", TEN, parent="inner"),
        res("user", ONE, ["service"]),
    ]
    est = estimate(resources, TABLE)
    assert starts(est)["user"] == 600
    assert names(est) == ["slow", "user"]


def test_a_component_takes_no_time_itself():
    est = estimate([component("empty"), res("after", ONE, ["empty"])], TABLE)
    assert starts(est)["after"] == 0 and est.seconds == 60
    assert [s.name for s in est.steps] == ["after"]  # only custom resources are steps


def test_a_resource_waits_for_the_provider_it_uses():
    resources = [
        res("cluster", TEN),
        res("kubernetes", "pulumi:providers:kubernetes", ["cluster"]),
        res("namespace", ONE, provider="kubernetes"),  # no dependency but its provider
    ]
    est = estimate(resources, TABLE)
    assert starts(est)["namespace"] == 600
    assert names(est) == ["cluster", "kubernetes", "namespace"]
    assert {s.name: s.seconds for s in est.steps}["kubernetes"] == 0  # a provider takes no time


def test_property_dependencies_are_waits_too():
    est = estimate([res("key", TEN), res("bucket", ONE, props={"kmsKeyId": ["key"]})], TABLE)
    assert starts(est)["bucket"] == 600 and names(est) == ["key", "bucket"]


def test_a_child_of_a_custom_resource_waits_for_it_to_exist():
    est = estimate([res("vpc", TEN), res("subnet", ONE, parent="vpc")], TABLE)
    assert starts(est)["subnet"] == 600


def test_waiting_for_ones_own_component_is_not_a_cycle():
    resources = [component("service"), res("a", ONE, ["service"], parent="service"), res("b", TEN, parent="service")]
    est = estimate(resources, TABLE)
    assert starts(est)["a"] == 0 and est.seconds == 600


def test_types_not_in_the_table_get_the_small_documented_default():
    assert 0 < DEFAULT.minutes <= 0.5 and DEFAULT.source.startswith("https://")
    est = estimate([res("mystery", "t:x:NotInAnyTable"), res("next", ONE, ["mystery"])], TABLE)
    default = round(DEFAULT.minutes * 60)
    assert {s.name: s.seconds for s in est.steps} == {"mystery": default, "next": 60}
    assert est.seconds == default + 60


def test_an_object_pulumi_does_not_await_takes_only_its_api_call():
    # The Rasa Deployment on a first deploy without a model carries pulumi.com/skipAwait: Pulumi is
    # done once the API server accepts it, so it must not add its readiness wait to the estimate.
    waited = res("rasa", TEN)
    skipped = replace(res("rasa", TEN), inputs={"metadata": {"annotations": {"pulumi.com/skipAwait": "true"}}})
    assert estimate([waited], TABLE).seconds == 600
    assert estimate([skipped], TABLE).seconds == round(DEFAULT.minutes * 60)


def test_the_chain_leaves_out_zero_time_links_at_its_start():
    resources = [res("aws", "pulumi:providers:aws"), res("password", "t:x:Instant"),
                 res("db", TEN, ["password"], provider="aws")]
    est = estimate(resources, TABLE)
    assert names(est) == ["db"] and est.seconds == 600


def test_equal_chains_are_broken_by_urn_so_the_result_never_moves():
    resources = [res("b", TEN), res("a", TEN), res("end", ONE, ["b", "a"])]
    for order in (resources, list(reversed(resources))):
        assert names(estimate(order, TABLE)) == ["a", "end"]


def test_a_dependency_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        estimate([res("a", ONE, ["b"]), res("b", ONE, ["a"])], TABLE)


def test_nothing_to_create_is_zero_minutes():
    est = estimate([component("only")], TABLE)
    assert est.seconds == 0 and est.chain == () and chain_text(est) == "nothing to create"


# ---------------------------------------------------------------------------------------------
# The tables


def test_every_row_of_a_clouds_creation_time_table_is_a_type_its_mocks_list():
    tables = {name: spec.creation_times for name, spec in CLOUDS.items() if spec.creation_times}
    assert tables, "no registered cloud has a creation-time table"
    for cloud, table in tables.items():
        stale = sorted(set(table) - CLOUDS[cloud].mocks.resource_types)
        assert stale == [], f"{cloud}: rows for types its mock table does not list"


def test_every_row_names_its_source_and_what_it_shows():
    table = creation_times()
    assert table
    for resource_type, entry in table.items():
        assert entry.minutes >= 0, resource_type
        assert entry.source.startswith("https://"), resource_type
        assert entry.basis, resource_type


def test_cloud_neutral_rows_are_kubernetes_or_local_types():
    assert NEUTRAL_CREATION_TIMES and CLOUDS
    assert all(t.startswith(("kubernetes:", "random:", "tls:")) for t in NEUTRAL_CREATION_TIMES)
    assert all(not spec.creation_times.keys() & NEUTRAL_CREATION_TIMES.keys() for spec in CLOUDS.values())


def test_the_readme_shows_the_table_as_the_code_has_it():
    readme = (REPO / "README.md").read_text()
    begin, end = "<!-- creation-times:begin -->\n", "<!-- creation-times:end -->"
    assert begin in readme and end in readme
    current = readme.split(begin, 1)[1].split(end, 1)[0]
    assert current == creation_time_table(), "stale README table; the current one:\n" + creation_time_table()


# ---------------------------------------------------------------------------------------------
# The shipped stacks


AWS_STACKS = ("aws-dev", "aws-prod")


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_slowest_chain_of_an_aws_stack_runs_through_eks_and_msk_to_rasa(shipped_previews, stack):
    est = estimate(shipped_previews[stack].resources)
    types = [s.type for s in est.chain]
    assert types[0] == "aws:ec2/vpc:Vpc"
    for slow in ("aws:eks/cluster:Cluster", "aws:msk/cluster:Cluster", "kubernetes:apps/v1:Deployment"):
        assert slow in types, slow
    assert types.index("aws:eks/cluster:Cluster") < types.index("aws:msk/cluster:Cluster") < types.index("kubernetes:apps/v1:Deployment")
    # A chain: each link starts when the one before it is ready, from the first second to the end.
    assert est.chain[0].start == 0 and est.chain[-1].finish == est.seconds
    for before, after in zip(est.chain, est.chain[1:]):
        assert after.start == before.finish, (before.label, after.label)
    assert est.seconds < est.total_seconds / 2  # most of the work runs alongside the chain


def test_byo_dev_only_rolls_out_rasa(shipped_previews):
    est = estimate(shipped_previews["byo-dev"].resources)
    assert est.chain and est.chain[-1].type in ("kubernetes:apps/v1:Deployment", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    assert not any(s.type.startswith("aws:") for s in est.steps)


TASK = re.compile(r"^    (?P<name>[^:#;]+) :(?P<crit>crit, )?(?P<start>\d\d:\d\d:\d\d), (?P<seconds>\d+)s$")


def _gantt_of(summary: str) -> list[str]:
    assert summary.count("```mermaid\n") == 1
    return summary.split("```mermaid\n", 1)[1].split("\n```", 1)[0].splitlines()


def test_summary_and_console_show_the_estimate_its_chain_and_a_gantt_chart(shipped_cli_runs, shipped_previews):
    run = shipped_cli_runs[0]
    stacks = all_stacks()
    assert stacks
    for name in stacks:
        est = estimate(shipped_previews[name].resources)
        assert est.chain, name
        summary = (run.out / name / "summary.md").read_text()
        assert "#### First deploy (estimate)" in summary
        assert f"About {est.seconds / 60:.1f} min" in summary
        for step in est.chain:
            assert f"| `{step.name}` | `{step.type}` |" in summary, step.label
        lines = _gantt_of(summary)
        assert lines[:5] == ["gantt", f"  title First deploy of {name} (estimate)", "  dateFormat HH:mm:ss",
                             "  axisFormat %H:%M", "  todayMarker off"]
        tasks = [TASK.match(line) for line in lines[5:] if not line.startswith("  section ")]
        assert tasks and all(tasks), [line for line in lines[5:] if not TASK.match(line) and "section" not in line]
        critical = [t["name"] for t in tasks if t["crit"]]
        assert sorted(critical) == sorted(s.label for s in est.chain if s.seconds > 0)
        assert any(line.startswith("  section ") for line in lines)
        block = run.stdout.split(f"== {name} ", 1)[1].split("\n== ", 1)[0]
        assert "first deploy (estimate)" in block and "critical chain" in block
        assert chain_text(est) in block
    prod = (run.out / "aws-prod" / "summary.md").read_text()
    assert "cluster-eks (Cluster) :crit, " in prod and "event-queue-kafka (Cluster) :crit, " in prod


def test_the_gantt_chart_shows_every_slow_resource_and_says_when_it_runs(shipped_previews):
    est = estimate(shipped_previews["aws-prod"].resources)
    lines = gantt(est, "t")
    shown = {m["name"]: (m["start"], int(m["seconds"])) for m in (TASK.match(line) for line in lines) if m}
    slow = [s for s in est.steps if s.seconds >= 60]
    assert len(slow) >= 8  # EKS, its add-ons and nodes, NAT, RDS, ElastiCache, MSK, the Deployment
    for s in slow:
        h, m, sec = map(int, shown[s.label][0].split(":"))
        assert (h * 3600 + m * 60 + sec, shown[s.label][1]) == (s.start, s.seconds), s.label


# ---------------------------------------------------------------------------------------------
# What the data services wait for, on the recorded graph


DATA_TYPES = {
    "aws:rds/instance:Instance": "tracker-store",
    "aws:elasticache/replicationGroup:ReplicationGroup": "lock-store",
    "aws:msk/cluster:Cluster": "event-queue",
    "aws:s3/bucket:Bucket": "model-storage",
}


def _waited_for(resources, urn: str) -> set[str]:
    """Everything `urn` waits for, transitively; waiting for a component is waiting for its subtree."""
    graph = wait_graph(resources)
    by_urn = {r.urn: r for r in resources}
    inside: dict[str, list[str]] = {}
    for r in resources:
        if r.parent in by_urn:
            inside.setdefault(r.parent, []).append(r.urn)
    seen: set[str] = set()
    todo = list(graph[urn])
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(graph[current])
        if not by_urn[current].custom:
            todo.extend(inside.get(current, []))
    return seen


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_data_services_wait_for_no_other_data_service(shipped_previews, stack):
    resources = shipped_previews[stack].resources
    by_urn = {r.urn: r for r in resources}

    def service(urn: str) -> str:
        node = by_urn[urn]
        while node.parent in by_urn and by_urn[node.parent].parent in by_urn:
            node = by_urn[node.parent]
        return node.name

    mains = [r for r in resources if r.type in DATA_TYPES]
    assert sorted(DATA_TYPES[r.type] for r in mains) == sorted(DATA_TYPES.values())
    for r in mains:
        others = {service(u) for u in _waited_for(resources, r.urn)} & (set(DATA_TYPES.values()) - {service(r.urn)})
        assert others == set(), f"{r.name} waits for {others}"


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_data_services_wait_for_eks_only_through_the_security_group_admitting_its_cluster_group(shipped_previews, stack):
    """The one wait components/aws/context.py:data_security_group explains; S3 does not wait at all."""
    resources = shipped_previews[stack].resources
    (eks,) = [r.urn for r in resources if r.type == "aws:eks/cluster:Cluster"]
    groups = {r.urn for r in resources if r.type == "aws:ec2/securityGroup:SecurityGroup"}
    assert len(groups) == 3
    without = [replace(r, dependencies=[d for d in r.dependencies if d != eks],
                       property_dependencies={k: [d for d in v if d != eks] for k, v in r.property_dependencies.items()})
               if r.urn in groups else r for r in resources]
    mains = [r for r in resources if r.type in DATA_TYPES]
    assert len(mains) == len(DATA_TYPES)
    for r in mains:
        waits = _waited_for(resources, r.urn)
        if r.type == "aws:s3/bucket:Bucket":
            assert eks not in waits
            continue
        assert eks in waits and waits & groups, r.name
        assert eks not in _waited_for(without, r.urn), f"{r.name} waits for EKS other than through its security group"


def test_without_that_wait_the_chain_is_the_network_msk_and_rasa(shipped_previews):
    """The chain README, Speed and memory calls the one that cannot be shortened."""
    resources = shipped_previews["aws-prod"].resources
    (eks,) = [r.urn for r in resources if r.type == "aws:eks/cluster:Cluster"]
    without = [replace(r, dependencies=[d for d in r.dependencies if d != eks],
                       property_dependencies={k: [d for d in v if d != eks] for k, v in r.property_dependencies.items()})
               if r.type == "aws:ec2/securityGroup:SecurityGroup" else r for r in resources]
    floor, now = estimate(without), estimate(resources)
    assert [s.type for s in floor.chain][:3] == ["aws:ec2/vpc:Vpc", "aws:ec2/securityGroup:SecurityGroup", "aws:msk/cluster:Cluster"]
    assert "aws:eks/cluster:Cluster" not in [s.type for s in floor.chain]
    assert floor.chain[-1].urn == now.chain[-1].urn
    # The wait costs the time from the VPC being ready (the group's start without it) to EKS being ready.
    eks_ready = next(s.finish for s in now.steps if s.urn == eks)
    assert now.seconds - floor.seconds == eks_ready - floor.chain[1].start
