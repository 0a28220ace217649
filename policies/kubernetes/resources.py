"""Reading typed pulumi_kubernetes resources (props are the resource args in camelCase): a
Deployment's pod spec, containers and env, and the autoscaler that scales it."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, StackIndex, elements, get, is_unknown
from .types import HPA

CHECKS = CheckSet(__name__)

# The label components/rasa/labels.py puts on every workload to say its environment.
ENVIRONMENT_LABEL = "rasa-platform.io/environment"
CHECKS.environment_from(lambda props: get(props, "metadata", "labels", ENVIRONMENT_LABEL))


def pod_spec(props: Any) -> Any:
    return get(props, "spec", "template", "spec", default={})


def containers(props: Any, init: bool = True) -> Any:
    """The Deployment's containers (and init containers), or UNKNOWN when the list is unknown."""
    spec = pod_spec(props)
    if spec is UNKNOWN:
        return UNKNOWN
    found = []
    for key in ("initContainers", "containers") if init else ("containers",):
        items = get(spec, key, default=[])
        if is_unknown(items):
            return UNKNOWN
        found += elements(items)
    return found


def container_name(container: Any, index: int) -> str:
    name = get(container, "name")
    return name if isinstance(name, str) and not is_unknown(name) else f"#{index}"


def each_container(props: Any, f: Findings, init: bool = True) -> list[tuple[str, Any]]:
    """(name, container) of every known container; unknown ones are noted as undecided."""
    items = containers(props, init)
    if items is UNKNOWN:
        f.cannot_decide("the pod's containers")
        return []
    out = []
    for i, c in enumerate(items):
        if is_unknown(c):
            f.cannot_decide(f"container #{i}")
            continue
        out.append((container_name(c, i), c))
    return out


def env_value(container: Any, name: str) -> Any:
    """A container's literal env value: the string, None when absent, UNKNOWN when it comes from
    `valueFrom` or is unknown."""
    env = get(container, "env", default=[])
    if is_unknown(env):
        return UNKNOWN
    for item in elements(env):
        if is_unknown(item):
            return UNKNOWN
        if get(item, "name") == name:
            if get(item, "valueFrom") is not None:
                return UNKNOWN
            value = get(item, "value")
            return value if value is None or is_unknown(value) else str(value)
    return None


def same_namespace(a: Any, b: Any) -> bool:
    na, nb = get(a, "metadata", "namespace"), get(b, "metadata", "namespace")
    if is_unknown(na) or is_unknown(nb):
        return True
    return (na or "default") == (nb or "default")


def hpa_for(stack: StackIndex, deployment: PolicyResource) -> list[PolicyResource]:
    """HorizontalPodAutoscalers that scale this Deployment (by name, else by dependency)."""
    name = get(deployment.props, "metadata", "name")
    found = []
    for hpa in stack.of_type(HPA):
        ref = get(hpa.props, "spec", "scaleTargetRef", default={})
        if not same_namespace(hpa.props, deployment.props):
            continue
        kind, target = get(ref, "kind"), get(ref, "name")
        if not is_unknown(kind) and kind not in (None, "Deployment"):
            continue
        if isinstance(target, str) and not is_unknown(target) and isinstance(name, str) and not is_unknown(name):
            if target == name:
                found.append(hpa)
        elif stack.linked(hpa, "spec", deployment):
            found.append(hpa)
    return found
