"""What a reviewer reads first: the summary table (console and summary.md), the policy verdict and
the first deploy's estimated duration (its critical chain, and a Gantt chart in summary.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from infra.preview.engine import StackPreview
from infra.preview.estimate import Estimate, chain_table, chain_text, estimate, gantt, minutes_text
from infra.preview.manifests import kubernetes_manifests

# The first line of the endpoints.yml artifact (as a comment) and a line of summary.md. Hosts of
# existing services come from the stack file; those of services the stack creates are answered
# by infra/mocks.py.
PLACEHOLDER_NOTE = (
    "offline preview: host names of services this stack creates are placeholders from the mock engine, "
    "not real endpoints"
)


def summary_rows(p: StackPreview) -> list[tuple[str, str]]:
    s = p.settings
    assert s is not None
    budget = p.outputs.get("connectionBudget") or {}
    rows = [
        ("cloud / environment", f"{s.cloud} / {s.environment}"),
        ("resources registered", str(len(p.resources))),
        ("Kubernetes objects", str(len(kubernetes_manifests(p.resources)))),
        ("services", ", ".join(f"{k}={v}" for k, v in (p.outputs.get("serviceOrigins") or {}).items())),
        (
            "connection budget",
            f"{budget.get('maxProcesses')} processes × ({budget.get('poolSize')} + {budget.get('maxOverflow')}) = "
            f"{budget.get('total')} ≤ {budget.get('ceiling')} of {budget.get('maxConnections')}",
        ),
        ("policy", policy_line(p.policy)),
        *estimate_rows(estimate(p.resources)),
    ]
    if s.placeholder_secrets:
        rows.append(("secrets to set before `pulumi up`", ", ".join(s.placeholder_secrets)))
    if s.placeholder_values:
        rows.append(("values to set before `pulumi up`", ", ".join(s.placeholder_values)))
    for warning in p.warnings:
        rows.append(("warning", warning))
    return rows


def estimate_rows(est: Estimate) -> list[tuple[str, str]]:
    return [
        ("first deploy (estimate)",
         f"{minutes_text(est.seconds)} on the critical path; all creation times added up: {minutes_text(est.total_seconds)}"),
        ("critical chain", chain_text(est)),
    ]


def policy_line(policy: dict[str, Any]) -> str:
    if not policy.get("pack"):
        return "policy pack not installed"
    violations = policy.get("violations", [])
    advisory = sum(1 for v in violations if v.get("enforcement") != "mandatory")
    line = (
        f"{len(policy.get('rulesEvaluated', []))} rules, {policy.get('mandatoryFailures', 0)} mandatory failures, "
        f"{advisory} advisory"
    )
    statuses = Counter(rule.get("status") for rule in policy.get("rules", []))
    if statuses:  # e.g. "(50 pass, 2 not-applicable)"
        line += " (" + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) + ")"
    return line


def summary_markdown(p: StackPreview) -> str:
    lines = [f"### Stack `{p.name}`", "", PLACEHOLDER_NOTE[0].upper() + PLACEHOLDER_NOTE[1:] + ".", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(p)]
    counts = Counter(r.type for r in p.resources if r.custom)
    lines += ["", "| resource type | count |", "|---|---|"]
    lines += [f"| `{t}` | {n} |" for t, n in sorted(counts.items())]
    lines += ["", "#### Policy", "", policy_line(p.policy)]
    violations = p.policy.get("violations") or []
    if violations:
        lines += ["", "| rule | level | resource | message |", "|---|---|---|---|"]
        lines += [
            f"| {v['rule']} | {v['enforcement']} | {v.get('resource') or '(stack)'} | {v['message']} |" for v in violations
        ]
    elif p.policy.get("pack"):
        lines += ["", "No violations."]
    lines += ["", *estimate_markdown(p.name, estimate(p.resources))]
    return "\n".join(lines) + "\n"


def estimate_markdown(stack: str, est: Estimate) -> list[str]:
    lines = [
        "#### First deploy (estimate)",
        "",
        f"About {minutes_text(est.seconds)}: the chain below sets it; everything else runs alongside "
        f"(all creation times added up: {minutes_text(est.total_seconds)}). Typical creation time per resource "
        "type: README, The offline preview.",
    ]
    if not est.chain:
        return lines
    lines += ["", *chain_table(est), "", "```mermaid", *gantt(est, f"First deploy of {stack} (estimate)"), "```"]
    return lines
