"""Availability of a Deployment (Rasa and the action server alike): its HorizontalPodAutoscaler,
its PodDisruptionBudget and how its pods spread over zones and nodes."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

meta = k8s.meta.v1
core = k8s.core.v1
autoscaling = k8s.autoscaling.v2


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int  # the connection budget and the capacity check were planned with this
    target_cpu_percent: int


def autoscaler(
    name: str, metadata: meta.ObjectMetaArgs, deployment: str, scaling: Autoscaling, opts: pulumi.ResourceOptions,
) -> autoscaling.HorizontalPodAutoscaler:
    cpu = autoscaling.ResourceMetricSourceArgs(
        name="cpu",
        target=autoscaling.MetricTargetArgs(type="Utilization", average_utilization=scaling.target_cpu_percent),
    )
    return autoscaling.HorizontalPodAutoscaler(
        name,
        metadata=metadata,
        spec=autoscaling.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=autoscaling.CrossVersionObjectReferenceArgs(api_version="apps/v1", kind="Deployment", name=deployment),
            min_replicas=scaling.min_replicas,
            max_replicas=scaling.max_replicas,
            metrics=[autoscaling.MetricSpecArgs(type="Resource", resource=cpu)],
        ),
        opts=opts,
    )


def disruption_budget(
    name: str, metadata: meta.ObjectMetaArgs, selector: dict[str, str], opts: pulumi.ResourceOptions,
) -> k8s.policy.v1.PodDisruptionBudget:
    return k8s.policy.v1.PodDisruptionBudget(
        name,
        metadata=metadata,
        spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(max_unavailable=1, selector=meta.LabelSelectorArgs(match_labels=selector)),
        opts=opts,
    )


def zone_spread(selector: dict[str, str], strict: bool) -> list[core.TopologySpreadConstraintArgs]:
    # Strict (prod): a zone outage must not take every replica; otherwise one zone is acceptable.
    return [
        core.TopologySpreadConstraintArgs(
            topology_key="topology.kubernetes.io/zone",
            max_skew=1,
            when_unsatisfiable="DoNotSchedule" if strict else "ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
        core.TopologySpreadConstraintArgs(
            topology_key="kubernetes.io/hostname",
            max_skew=1,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
    ]
