"""How long the first `pulumi up` of a stack takes: the critical path of the recorded graph.

Pulumi creates a resource as soon as everything it waits for is ready, so a first deploy lasts as
long as the slowest chain of waits. A resource waits for
* its dependencies and property dependencies (as recorded from its registration),
* the provider resource it uses (the Kubernetes provider needs the cluster and its access grants),
* whatever each component above it waits for (a component's children start after what the
  component depends on), and a custom resource above it (its children are registered once it exists);
and waiting for a component means waiting for everything inside it. A component itself takes no
time; a custom resource takes its type's typical creation time (`creation_times`).

Times are whole seconds so that the result, and every artifact showing it, is exact and the same
on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from components.cloud import CreationTime
from infra.preview.creation_times import DEFAULT, NEUTRAL_CREATION_TIMES, creation_time, creation_times

# Resources shown in the Gantt chart besides the critical chain: those taking at least this long.
GANTT_MIN_SECONDS = 60


@dataclass(frozen=True)
class Step:
    """One custom resource in the estimate: when it starts and how long it takes (seconds)."""

    urn: str
    type: str
    name: str
    start: int
    seconds: int
    section: str  # the top-level component it belongs to (its name), for the Gantt chart

    @property
    def finish(self) -> int:
        return self.start + self.seconds

    @property
    def label(self) -> str:
        """`name (Kind)`: names alone repeat across types (an EIP and its NAT gateway)."""
        kind = self.type.split(":")[-1]
        if self.type.startswith("pulumi:providers:"):
            kind = f"{kind} provider"
        return f"{self.name} ({kind})"


@dataclass(frozen=True)
class Estimate:
    seconds: int  # when the last resource is ready: the length of the critical path
    chain: tuple[Step, ...]  # the resources that set it, first to last
    steps: tuple[Step, ...]  # every custom resource, in the order given
    total_seconds: int  # every creation time added up: a deploy that did one thing at a time


def seconds_for(resource_type: str, table: Mapping[str, CreationTime]) -> int:
    return round(creation_time(resource_type, table).minutes * 60)


def skips_await(resource: Any) -> bool:
    """Pulumi does not wait for this object to become ready (`pulumi.com/skipAwait: "true"`: the Rasa
    Deployment on a first deploy without a model): it is done once the API server accepts it."""
    metadata = (getattr(resource, "inputs", None) or {}).get("metadata") or {}
    return (metadata.get("annotations") or {}).get("pulumi.com/skipAwait") == "true"


def wait_graph(resources: Sequence[Any]) -> dict[str, list[str]]:
    """URN → the URNs it waits for directly, by the rules in the module docstring (a component's
    own waits included; waiting for a component means its whole subtree, see `estimate`)."""
    by_urn = {r.urn: r for r in resources}
    children = _children(resources)

    def ancestors(urn: str) -> list[str]:
        found, parent = [], by_urn[urn].parent
        while parent in by_urn and parent not in found:
            found.append(parent)
            parent = by_urn[parent].parent
        return found

    def descendants(urn: str) -> set[str]:
        found, todo = set(), list(children.get(urn, []))
        while todo:
            child = todo.pop()
            if child not in found:
                found.add(child)
                todo.extend(children.get(child, []))
        return found

    def direct(urn: str) -> set[str]:
        r = by_urn[urn]
        edges = set(r.dependencies)
        for urns in r.property_dependencies.values():
            edges.update(urns)
        if r.provider:
            edges.add(r.provider)
        return edges

    graph: dict[str, list[str]] = {}
    for urn in by_urn:
        above = ancestors(urn)
        edges = direct(urn)
        for a in above:
            edges |= direct(a)
        # Waiting for one's own component (or for something inside oneself) is not a wait; a
        # custom parent is (the SDK registers a child once its parent's URN is known: created).
        edges -= {urn, *descendants(urn), *(a for a in above if not by_urn[a].custom)}
        edges |= {a for a in above if by_urn[a].custom}
        graph[urn] = sorted(e for e in edges if e in by_urn)
    return graph


def _children(resources: Sequence[Any]) -> dict[str, list[str]]:
    urns = {r.urn for r in resources}
    children: dict[str, list[str]] = {}
    for r in resources:
        if r.parent in urns:
            children.setdefault(r.parent, []).append(r.urn)
    return children


def estimate(resources: Sequence[Any], table: Optional[Mapping[str, CreationTime]] = None) -> Estimate:
    """The critical path of `resources` (records with type, name, urn, parent, custom, provider,
    dependencies, property_dependencies), with creation times from `table` (default: every
    registered cloud's and the cloud-neutral ones)."""
    table = creation_times() if table is None else table
    by_urn = {r.urn: r for r in resources}
    children = _children(resources)
    graph = wait_graph(resources)

    def top(urn: str) -> str:
        node = by_urn[urn]
        while node.parent in by_urn:
            node = by_urn[node.parent]
        return node.name

    start: dict[str, int] = {}
    ready: dict[str, int] = {}
    after: dict[str, Optional[str]] = {}  # what a resource's start waited for last
    via: dict[str, Optional[str]] = {}  # the custom resource whose end makes this one ready
    visiting: set[str] = set()

    def resolve(urn: str) -> int:
        if urn in ready:
            return ready[urn]
        if urn in visiting:
            raise ValueError(f"dependency cycle through {urn}")
        visiting.add(urn)
        last, begin = None, 0
        for dep in graph[urn]:
            at = resolve(dep)
            if last is None or at > begin:  # the first of equal waits (URN order) is kept
                last, begin = dep, at
        start[urn], after[urn] = begin, last
        r = by_urn[urn]
        if r.custom:
            took = round(DEFAULT.minutes * 60) if skips_await(r) else seconds_for(r.type, table)
            ready[urn], via[urn] = begin + took, urn
        else:
            end, inner = begin, (via[last] if last else None)
            for child in sorted(children.get(urn, [])):
                at = resolve(child)
                if at > end:
                    end, inner = at, via[child]
            ready[urn], via[urn] = end, inner
        visiting.discard(urn)
        return ready[urn]

    for r in resources:
        resolve(r.urn)

    steps = {
        r.urn: Step(r.urn, r.type, r.name, start[r.urn], ready[r.urn] - start[r.urn], top(r.urn))
        for r in resources if r.custom
    }
    if not steps:
        return Estimate(0, (), (), 0)
    end = max(s.finish for s in steps.values())
    last_urn: Optional[str] = min(urn for urn, s in steps.items() if s.finish == end)
    chain: list[Step] = []
    while last_urn is not None and steps[last_urn].finish > 0:
        chain.append(steps[last_urn])
        dep = after[last_urn]
        last_urn = via[dep] if dep else None
    return Estimate(
        seconds=end,
        chain=tuple(reversed(chain)),
        steps=tuple(steps.values()),
        total_seconds=sum(s.seconds for s in steps.values()),
    )


# ---------------------------------------------------------------------------------------------
# Text forms: the console row, the chain table and the Gantt chart of summary.md, the README table.


def minutes_text(seconds: int) -> str:
    return f"{seconds / 60:.1f} min"


def elapsed(seconds: int) -> str:
    """`m:ss` after the deploy began."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def chain_text(est: Estimate) -> str:
    return " → ".join(s.label for s in est.chain) if est.chain else "nothing to create"


def chain_table(est: Estimate) -> list[str]:
    lines = ["| # | resource | type | starts at (m:ss) | takes |", "|---|---|---|---|---|"]
    lines += [
        f"| {i} | `{s.name}` | `{s.type}` | {elapsed(s.start)} | {minutes_text(s.seconds)} |"
        for i, s in enumerate(est.chain, 1)
    ]
    return lines


def _task_name(step: Step) -> str:
    # `:` ends a task's name in Mermaid's Gantt syntax; `#` and `;` start comments and statements.
    return step.label.translate(str.maketrans({":": " ", "#": " ", ";": " "}))


def gantt(est: Estimate, title: str) -> list[str]:
    """A Mermaid Gantt chart: the critical chain (marked `crit`) and every resource that takes at
    least a minute, one section per top-level component, times from the start of the deploy."""
    on_chain = {s.urn for s in est.chain}
    shown = [s for s in est.steps if s.seconds > 0 and (s.urn in on_chain or s.seconds >= GANTT_MIN_SECONDS)]
    sections: dict[str, list[Step]] = {}
    for s in sorted(shown, key=lambda s: (s.start, s.urn)):
        sections.setdefault(s.section, []).append(s)
    lines = ["gantt", f"  title {title}", "  dateFormat HH:mm:ss", "  axisFormat %H:%M", "  todayMarker off"]
    for section in sorted(sections, key=lambda name: (sections[name][0].start, name)):
        lines.append(f"  section {section}")
        for s in sections[section]:
            tags = "crit, " if s.urn in on_chain else ""
            lines.append(f"    {_task_name(s)} :{tags}{clock(s.start)}, {s.seconds}s")
    return lines


def creation_time_table() -> str:
    """The README's table of creation times: every registered cloud's rows, the cloud-neutral
    ones and the default, as markdown."""
    rows = ["| resource type | minutes | basis | source |", "|---|---|---|---|"]
    table = creation_times()
    neutral = list(NEUTRAL_CREATION_TIMES)
    clouds = sorted((t for t in table if t not in NEUTRAL_CREATION_TIMES), key=lambda t: (-table[t].minutes, t))
    for resource_type in clouds + neutral:
        entry = table[resource_type]
        rows.append(f"| `{resource_type}` | {entry.minutes:g} | {entry.basis} | {entry.source} |")
    rows.append("| `pulumi:providers:*` | 0 | a provider resource only configures its plugin | |")
    rows.append(f"| any other type | {DEFAULT.minutes:g} | {DEFAULT.basis} | {DEFAULT.source} |")
    return "\n".join(rows) + "\n"
