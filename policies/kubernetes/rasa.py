"""Finding Rasa in a stack and reading it as Rasa Pro will see it.

The program (components/rasa/) emits the Rasa ConfigMap (label `app.kubernetes.io/name: rasa-pro`,
data key `endpoints.yml`, annotation `rasa-platform.io/service-origins`) and the Rasa Deployment
(labels `app.kubernetes.io/name: rasa-pro`, `app.kubernetes.io/component: server`, annotation
`rasa-platform.io/connection-budget`, env `SQL_POOL_SIZE` / `SQL_MAX_OVERFLOW` / `SANIC_WORKERS`
as literal values), with its HorizontalPodAutoscaler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import yaml
from pulumi_policy import PolicyResource

from ..common import OFFLINE_SECRET, UNKNOWN, Findings, StackIndex, as_number, elements, get, is_unknown, percent_or_int
from .resources import containers, env_value, hpa_for
from .types import CONFIG_MAP, DEPLOYMENT

NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"
RASA_NAME = "rasa-pro"
SERVER = "server"
ACTION_SERVER = "action-server"
ENDPOINTS_KEY = "endpoints.yml"
BUDGET_ANNOTATION = "rasa-platform.io/connection-budget"
ORIGINS_ANNOTATION = "rasa-platform.io/service-origins"


@dataclass
class RasaWorkload:
    configmap: Optional[PolicyResource]
    deployment: Optional[PolicyResource]

    @property
    def name(self) -> str:
        r = self.deployment or self.configmap
        return r.name if r else "rasa"


def labelled(resource: PolicyResource, **wanted: str) -> bool:
    labels = get(resource.props, "metadata", "labels", default={})
    return all(get(labels, k) == v for k, v in wanted.items())


def rasa_component(deployment: PolicyResource) -> Optional[str]:
    """`server` or `action-server` for the program's Rasa Deployments, None for any other."""
    for component in (SERVER, ACTION_SERVER):
        if labelled(deployment, **{NAME_LABEL: RASA_NAME, COMPONENT_LABEL: component}):
            return component
    return None


def rasa_configmaps(stack: StackIndex) -> list[PolicyResource]:
    out = []
    for cm in stack.of_type(CONFIG_MAP):
        data = get(cm.props, "data", default={})
        if labelled(cm, **{NAME_LABEL: RASA_NAME}) and (is_unknown(data) or get(data, ENDPOINTS_KEY) is not None):
            out.append(cm)
    return out


def rasa_deployments(stack: StackIndex) -> list[PolicyResource]:
    return [d for d in stack.of_type(DEPLOYMENT) if rasa_component(d) == SERVER]


def _mounted_configmaps(deployment: PolicyResource) -> set[str]:
    volumes = get(deployment.props, "spec", "template", "spec", "volumes", default=[])
    names = set()
    for volume in elements(volumes):
        name = get(volume, "configMap", "name")
        if isinstance(name, str) and not is_unknown(name):
            names.add(name)
        for source in elements(get(volume, "projected", "sources", default=[])):
            name = get(source, "configMap", "name")
            if isinstance(name, str) and not is_unknown(name):
                names.add(name)
    return names


def _namespace(resource: PolicyResource) -> Any:
    ns = get(resource.props, "metadata", "namespace")
    return UNKNOWN if is_unknown(ns) else (ns or "default")


def find_rasa(stack: StackIndex) -> list[RasaWorkload]:
    """Pair every Rasa Deployment with its ConfigMap (mounted by name, else same namespace, else the
    only one); ConfigMaps no Deployment claims stand alone."""
    configmaps = rasa_configmaps(stack)
    workloads, claimed = [], set()
    for deployment in rasa_deployments(stack):
        mounted = _mounted_configmaps(deployment)
        by_name = [c for c in configmaps if get(c.props, "metadata", "name") in mounted]
        same_ns = [c for c in configmaps if _namespace(c) == _namespace(deployment)
                   or is_unknown(_namespace(c)) or is_unknown(_namespace(deployment))]
        candidates = by_name or (same_ns if len(same_ns) == 1 else []) or (configmaps if len(configmaps) == 1 else [])
        cm = candidates[0] if candidates else None
        if cm is not None:
            claimed.add(cm.urn)
        workloads.append(RasaWorkload(cm, deployment))
    workloads += [RasaWorkload(c, None) for c in configmaps if c.urn not in claimed]
    return workloads


def workloads_with_configmap(stack: StackIndex, need_deployment: bool) -> list[RasaWorkload]:
    return [w for w in find_rasa(stack) if w.configmap is not None and (w.deployment is not None or not need_deployment)]


def load_endpoints(configmap: PolicyResource, f: Findings) -> Any:
    """The parsed endpoints.yml (a dict), or None after reporting/deferring why not."""
    text = get(configmap.props, "data", ENDPOINTS_KEY)
    if is_unknown(text):
        f.cannot_decide(f"endpoints.yml of ConfigMap '{configmap.name}'")
        return None
    if text == OFFLINE_SECRET:
        f.cannot_decide(f"endpoints.yml of ConfigMap '{configmap.name}' is a secret")
        return None
    try:
        data = yaml.safe_load(str(text or "")) or {}
    except yaml.YAMLError as e:
        f.violation(f"endpoints.yml of ConfigMap '{configmap.name}' is not valid YAML: {e}", configmap.urn)
        return None
    if not isinstance(data, dict):
        f.violation(f"endpoints.yml of ConfigMap '{configmap.name}' is not a mapping", configmap.urn)
        return None
    return data


def rasa_container(deployment: PolicyResource) -> Any:
    items = containers(deployment.props, init=False)
    if items is UNKNOWN:
        return UNKNOWN
    known = [c for c in items if not is_unknown(c)]
    for c in known:
        if get(c, "name") in ("rasa", "rasa-pro", "rasa-server"):
            return c
    for c in known:
        image = get(c, "image")
        if isinstance(image, str) and not is_unknown(image) and "rasa-pro" in image:
            return c
    return known[0] if known else None


def rasa_env(deployment: PolicyResource, name: str) -> Any:
    container = rasa_container(deployment)
    if container is UNKNOWN:
        return UNKNOWN
    return env_value(container, name) if container is not None else None


@dataclass(frozen=True)
class Processes:
    pods: int
    surge: int
    workers: int

    @property
    def total(self) -> int:
        return (self.pods + self.surge) * self.workers

    def __str__(self) -> str:
        return f"({self.pods} pods + {self.surge} surge) × {self.workers} Sanic workers = {self.total}"


def max_processes(stack: StackIndex, deployment: PolicyResource) -> Any:
    """The most Rasa processes that can run at once: (HPA maxReplicas or replicas, plus the
    rolling-update surge) × SANIC_WORKERS. UNKNOWN when any input is."""
    replicas = as_number(get(deployment.props, "spec", "replicas", default=1))
    if replicas is UNKNOWN:
        return UNKNOWN
    pods = int(replicas or 1)
    for hpa in hpa_for(stack, deployment):
        maximum = as_number(get(hpa.props, "spec", "maxReplicas"))
        if maximum is UNKNOWN:
            return UNKNOWN
        pods = max(pods, int(maximum or 0))
    strategy = get(deployment.props, "spec", "strategy", default={})
    kind = get(strategy, "type", default="RollingUpdate")
    if is_unknown(kind):
        return UNKNOWN
    if kind == "Recreate":
        surge = 0
    else:
        surge = percent_or_int(get(strategy, "rollingUpdate", "maxSurge", default="25%"), pods, round_up=True)
        if surge is UNKNOWN:
            return UNKNOWN
        surge = surge or 0
    workers_raw = rasa_env(deployment, "SANIC_WORKERS")
    if is_unknown(workers_raw):
        return UNKNOWN
    workers = as_number(workers_raw) if workers_raw is not None else 1
    return Processes(pods, surge, int(workers or 1))
