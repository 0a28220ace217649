"""Prod availability of every Deployment: zone spread, at least 2 replicas, a disruption budget."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import (
    UNKNOWN, Findings, RuleContext, StackIndex, as_number, at_least, elements, entries, get, is_unknown, percent_or_int,
)
from ..stack_keys import (
    ACTION_SERVER_REPLICAS, ANALYTICS_POD_DISRUPTION_BUDGET, ANALYTICS_REPLICAS, RASA_MIN_REPLICAS,
    RASA_POD_DISRUPTION_BUDGET, RASA_REPLICAS, from_setting,
)
from .rasa import ACTION_SERVER, COMPONENT_LABEL, NAME_LABEL, SERVER, labelled, rasa_component
from .resources import hpa_for, pod_spec, same_namespace
from .types import DEPLOYMENT, HPA, PDB

CHECKS = CheckSet(__name__)

ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
# The stack keys components/rasa/ writes a Rasa Deployment's replica count from.
REPLICAS_KEYS = {SERVER: RASA_REPLICAS, ACTION_SERVER: ACTION_SERVER_REPLICAS}
# Rasa Pro Services' Deployment (components/analytics/workload.py).
ANALYTICS_LABELS = {NAME_LABEL: "rasa-pro-services", COMPONENT_LABEL: "analytics"}


def _replicas_key(deployment: PolicyResource) -> Any:
    if labelled(deployment, **ANALYTICS_LABELS):
        return ANALYTICS_REPLICAS
    return REPLICAS_KEYS.get(rasa_component(deployment))


def _zone_spread(props: Any, ctx: RuleContext, f: Findings) -> None:
    prod = ctx.is_prod(props)
    if is_unknown(prod):
        f.cannot_decide("environment label of the Deployment")
    if prod is not True:
        return
    constraints = get(pod_spec(props), "topologySpreadConstraints", default=[])
    if is_unknown(constraints):
        f.cannot_decide("topologySpreadConstraints")
        return
    keys = [get(c, "topologyKey") for c in elements(constraints)]
    if any(is_unknown(k) for k in keys) and not any(k in ZONE_KEYS for k in keys if not is_unknown(k)):
        f.cannot_decide("topologySpreadConstraints[].topologyKey")
        return
    f.check(any(k in ZONE_KEYS for k in keys if not is_unknown(k)),
            "prod: pods must be spread over zones (topologySpreadConstraints with topologyKey "
            "topology.kubernetes.io/zone)")


CHECKS.resource("k8s-prod-zone-spread", {DEPLOYMENT: _zone_spread})


def _prod_deployments(stack: StackIndex, ctx: RuleContext, f: Findings) -> list[PolicyResource]:
    out = []
    for deployment in stack.of_type(DEPLOYMENT):
        prod = ctx.is_prod(deployment.props)
        if is_unknown(prod):
            f.cannot_decide(f"environment of Deployment '{deployment.name}'")
        elif prod:
            out.append(deployment)
    return out


def _replicas_message(key: Any, value: Any, message: str) -> str:
    """Name the stack key when the program wrote this number from it."""
    number = as_number(value)
    return from_setting(key, number, message) if key and isinstance(number, (int, float)) else message


def _prod_replicas(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for deployment in _prod_deployments(stack, ctx, f):
        component = rasa_component(deployment)
        hpas = hpa_for(stack, deployment)
        if hpas:
            for hpa in hpas:
                minimum = get(hpa.props, "spec", "minReplicas")
                f.check(at_least(1 if minimum is None else minimum, 2),
                        _replicas_message(RASA_MIN_REPLICAS if component == SERVER else None, minimum,
                                          f"prod: HPA '{hpa.name}' of Deployment '{deployment.name}' must keep "
                                          "minReplicas >= 2"), hpa.urn)
        else:
            replicas = get(deployment.props, "spec", "replicas")
            f.check(at_least(1 if replicas is None else replicas, 2),
                    _replicas_message(_replicas_key(deployment), replicas,
                                      f"prod: Deployment '{deployment.name}' must run at least 2 replicas"),
                    deployment.urn)


CHECKS.stack("k8s-prod-replicas", _prod_replicas, (DEPLOYMENT, HPA))


def _selector_matches(selector: Any, pod_labels: Any) -> Any:
    match = get(selector, "matchLabels", default={})
    if is_unknown(match) or is_unknown(pod_labels):
        return UNKNOWN
    pairs = entries(match)
    if not pairs:
        return False
    actual = [get(pod_labels, k) for k, _ in pairs]
    if any(is_unknown(v) for _, v in pairs) or any(is_unknown(a) for a in actual):
        return UNKNOWN
    return all(a == v for a, (_, v) in zip(actual, pairs))


def pdbs_for(stack: StackIndex, deployment: PolicyResource) -> tuple[list[PolicyResource], bool]:
    """PodDisruptionBudgets selecting this Deployment's pods, and whether any match is undecided."""
    pod_labels = get(deployment.props, "spec", "template", "metadata", "labels", default={})
    found, undecided = [], False
    for pdb in stack.of_type(PDB):
        if not same_namespace(pdb.props, deployment.props):
            continue
        matches = _selector_matches(get(pdb.props, "spec", "selector", default={}), pod_labels)
        if matches is UNKNOWN:
            undecided = True
        elif matches:
            found.append(pdb)
    return found, undecided


def _pdb_allows_protection(pdb: PolicyResource) -> Any:
    spec = get(pdb.props, "spec", default={})
    min_available, max_unavailable = get(spec, "minAvailable"), get(spec, "maxUnavailable")
    if is_unknown(min_available) or is_unknown(max_unavailable):
        return UNKNOWN
    if min_available is not None:
        value = percent_or_int(min_available, 100, round_up=False)
        return value is not None and value > 0
    if max_unavailable is not None:
        return str(max_unavailable).strip() != "100%"
    return False


def _prod_pdb(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for deployment in _prod_deployments(stack, ctx, f):
        pdbs, undecided = pdbs_for(stack, deployment)
        if not pdbs:
            if undecided:
                f.cannot_decide(f"PodDisruptionBudget selectors for '{deployment.name}'")
                continue
            message = f"prod: Deployment '{deployment.name}' has no PodDisruptionBudget selecting its pods"
            # components/rasa/workload.py leaves the server's budget out exactly when the key is false.
            if rasa_component(deployment) == SERVER:
                message = from_setting(RASA_POD_DISRUPTION_BUDGET, False, message)
            elif labelled(deployment, **ANALYTICS_LABELS):  # components/analytics/ likewise
                message = from_setting(ANALYTICS_POD_DISRUPTION_BUDGET, False, message)
            f.violation(message, deployment.urn)
            continue
        for pdb in pdbs:
            f.check(_pdb_allows_protection(pdb),
                    f"prod: PodDisruptionBudget '{pdb.name}' must keep pods available "
                    "(minAvailable >= 1 or maxUnavailable below 100%)", pdb.urn)


CHECKS.stack("k8s-prod-disruption-budget", _prod_pdb, (DEPLOYMENT, PDB))
