"""Kubernetes workloads: how every Deployment runs, and what may sit in a ConfigMap.

Props are the typed pulumi_kubernetes resource args in camelCase (`metadata`, `spec.template.spec
.containers[].securityContext.readOnlyRootFilesystem`, ...). A Deployment is prod when it carries
the label `rasa-platform.io/environment: prod` (else the policy config's `environment`).
"""

from __future__ import annotations

import re
from typing import Any, Optional

import yaml
from pulumi_policy import PolicyResource, Severity

from .common import (
    ADVISORY, OFFLINE_SECRET, UNKNOWN, Findings, RuleContext, RuleSet, StackIndex, as_number, at_least,
    credential_pattern, elements, entries, get, is_credential_name, is_reference, is_unknown,
    percent_or_int, present, truth,
)

rules = RuleSet()

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"

ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
VAULT_REFERENCE_SOURCE = "secrets_manager.vault"


# -- reading a Deployment -----------------------------------------------------------------------


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


def _each_container(props: Any, f: Findings, init: bool = True) -> list[tuple[str, Any]]:
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


def labels(props: Any) -> Any:
    return get(props, "metadata", "labels", default={})


def _prod(props: Any, ctx: RuleContext, f: Findings) -> Any:
    prod = ctx.is_prod(props)
    if is_unknown(prod):
        f.cannot_decide("environment label of the Deployment")
    return prod


# -- security context ---------------------------------------------------------------------------


def _requests_limits(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f):
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                f.check(present(get(c, "resources", kind, resource)),
                        f"container '{name}' has no resources.{kind}.{resource}")


rules.resource(
    "k8s-resources-requests-limits",
    "Every container declares CPU and memory requests and limits, so it is scheduled on capacity it gets "
    "and cannot starve its neighbours.",
    "Set resources={'requests': {'cpu': ..., 'memory': ...}, 'limits': {'cpu': ..., 'memory': ...}} on every "
    "container (Rasa's CALM sizing: 8 vCPU / 16 GiB).",
    {DEPLOYMENT: _requests_limits},
    level=ADVISORY,
    severity=Severity.MEDIUM,
)


def _non_root(props: Any, ctx: RuleContext, f: Findings) -> None:
    pod = get(pod_spec(props), "securityContext", default={})
    pod_non_root, pod_user = get(pod, "runAsNonRoot"), get(pod, "runAsUser")
    for name, c in _each_container(props, f):
        own_non_root, own_user = get(c, "securityContext", "runAsNonRoot"), get(c, "securityContext", "runAsUser")
        non_root = own_non_root if own_non_root is not None else pod_non_root
        user = own_user if own_user is not None else pod_user
        f.check(truth(non_root), f"container '{name}' must run with runAsNonRoot: true")
        f.check(UNKNOWN if is_unknown(user) else as_number(user) != 0, f"container '{name}' must not run as UID 0")


rules.resource(
    "k8s-run-as-non-root",
    "Containers never run as root.",
    "Set spec.template.spec.securityContext={'runAsNonRoot': True, 'runAsUser': <non-zero uid>} "
    "(Rasa Pro's image runs as uid 1001).",
    {DEPLOYMENT: _non_root},
)


def _no_escalation(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f):
        sc = get(c, "securityContext", default={})
        escalation = get(sc, "allowPrivilegeEscalation")
        f.check(UNKNOWN if is_unknown(escalation) else escalation is False,
                f"container '{name}' must set allowPrivilegeEscalation: false")
        privileged = get(sc, "privileged")
        f.check(UNKNOWN if is_unknown(privileged) else privileged is not True,
                f"container '{name}' must not be privileged")


rules.resource(
    "k8s-no-privilege-escalation",
    "No container can gain more privileges than it started with (no setuid escalation, not privileged).",
    "Set securityContext={'allowPrivilegeEscalation': False, 'privileged': False, "
    "'capabilities': {'drop': ['ALL']}} on every container.",
    {DEPLOYMENT: _no_escalation},
)


def _read_only_root(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f):
        f.check(truth(get(c, "securityContext", "readOnlyRootFilesystem")),
                f"container '{name}' must set readOnlyRootFilesystem: true")


rules.resource(
    "k8s-read-only-root-filesystem",
    "Containers cannot modify their image's filesystem; writable paths are explicit volumes.",
    "Set securityContext.readOnlyRootFilesystem=True and mount emptyDir volumes where the process writes "
    "(e.g. /tmp, /app/.rasa).",
    {DEPLOYMENT: _read_only_root},
)


def _probes(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f, init=False):
        for probe in ("livenessProbe", "readinessProbe"):
            f.check(present(get(c, probe)), f"container '{name}' has no {probe}")


rules.resource(
    "k8s-probes",
    "Every serving container has liveness and readiness probes, so Kubernetes restarts hung processes "
    "and routes traffic only to ready ones.",
    "Add livenessProbe and readinessProbe (Rasa: liveness GET / ; readiness GET /status with the token).",
    {DEPLOYMENT: _probes},
)


def image_problem(image: str) -> Optional[str]:
    if "@sha256:" in image or "@sha512:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (resolves to :latest)"
    tag = last.rsplit(":", 1)[1]
    if not tag or tag == "latest":
        return "uses the mutable tag :latest"
    return None


def _image_pinned(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f):
        image = get(c, "image")
        if is_unknown(image):
            f.cannot_decide(f"image of container '{name}'")
            continue
        problem = image_problem(str(image or ""))
        f.check(problem is None, f"container '{name}' image {image!r} {problem}")


rules.resource(
    "k8s-image-pinned",
    "Images are pinned to a version tag or digest, never :latest or untagged, so a rollout is reproducible.",
    "Use image 'rasa/rasa-pro:<version>' (or '@sha256:<digest>') from settings.",
    {DEPLOYMENT: _image_pinned},
)


# -- credentials --------------------------------------------------------------------------------


def _literal_env(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in _each_container(props, f):
        env = get(c, "env", default=[])
        if is_unknown(env):
            f.cannot_decide(f"env of container '{name}'")
            continue
        for item in elements(env):
            if is_unknown(item):
                f.cannot_decide(f"an env entry of container '{name}'")
                continue
            var, value = get(item, "name"), get(item, "value")
            if is_unknown(value) or is_unknown(var):
                f.cannot_decide(f"env {var!r} of container '{name}'")
                continue
            if value is None or str(value) == "":
                continue
            value = str(value)
            if value == OFFLINE_SECRET:
                f.violation(f"container '{name}' env {var} holds a Pulumi secret as a literal value "
                            "(readable in the pod spec): use valueFrom or Vault")
            elif is_credential_name(str(var)) and not is_reference(value):
                f.violation(f"container '{name}' env {var} is a credential given as a literal value: "
                            "use valueFrom (secretKeyRef) or Vault")
            elif credential_pattern(value):
                f.violation(f"container '{name}' env {var} contains {credential_pattern(value)}")


rules.resource(
    "k8s-no-literal-credentials-in-env",
    "No credential is written into a pod spec as a literal env value (anyone who can read the Deployment "
    "could read it).",
    "Deliver credentials from Vault (agent injector) or valueFrom.secretKeyRef, never env[].value.",
    {DEPLOYMENT: _literal_env},
    severity=Severity.CRITICAL,
)


def _is_vault_reference(node: Any) -> bool:
    if not isinstance(node, yaml.MappingNode):
        return False
    pairs = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    source = pairs.get("source")
    key = pairs.get("secret_key")
    return (isinstance(source, yaml.ScalarNode) and source.value == VAULT_REFERENCE_SOURCE
            and isinstance(key, yaml.ScalarNode) and bool(key.value))


def yaml_credential_problems(text: str) -> list[str]:
    """Literal credentials in a YAML document (Rasa's endpoints.yml): a credential key's value must
    be an *unquoted* `${VAR}` (the only form Rasa interpolates) or a Vault reference."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    problems: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                where = f"{path}.{key}" if path else str(key)
                if _is_vault_reference(value_node):
                    continue
                if is_credential_name(str(key)):
                    if isinstance(value_node, yaml.ScalarNode):
                        value = value_node.value
                        if value in ("", "~", "null") and value_node.style is None:
                            continue
                        if is_reference(value) and value.startswith("${"):
                            if value_node.style is not None:
                                problems.append(f"{where} is a quoted {value}: Rasa reads it literally "
                                                "(only unquoted ${VAR} is interpolated)")
                            continue
                        problems.append(f"{where} is a literal credential")
                        continue
                    if isinstance(value_node, yaml.MappingNode):
                        problems.append(f"{where} is a mapping but not a Vault reference "
                                        f"{{source: {VAULT_REFERENCE_SOURCE}, secret_key: ...}}")
                        continue
                walk(value_node, where)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")
        elif isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            what = credential_pattern(node.value)
            if what:
                problems.append(f"{path or 'value'} contains {what}")

    if root is not None:
        walk(root, "")
    return problems


_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def configmap_problems(key: str, value: Any) -> list[str]:
    text = str(value)
    if text == OFFLINE_SECRET:
        return [f"data[{key}] is derived from a Pulumi secret; a ConfigMap is plain text in the cluster"]
    if key.endswith((".yml", ".yaml")):
        problems = [f"data[{key}]: {p}" for p in yaml_credential_problems(text)]
        if problems:
            return problems
    elif not _FILE_NAME.search(key) and is_credential_name(key) and text.strip() and not is_reference(text):
        # A file (script, certificate, ...) is judged by its content only, not by its name.
        return [f"data[{key}] is a credential"]
    what = credential_pattern(text)
    return [f"data[{key}] contains {what}"] if what else []


def _configmap_credentials(props: Any, ctx: RuleContext, f: Findings) -> None:
    data = get(props, "data", default={})
    if is_unknown(data):
        f.cannot_decide("ConfigMap data")
        return
    for key, value in entries(data):
        if is_unknown(value):
            f.cannot_decide(f"ConfigMap data[{key}]")
            continue
        for problem in configmap_problems(str(key), value):
            f.violation(problem)


rules.resource(
    "k8s-no-credentials-in-configmap",
    "No credential sits in a ConfigMap; endpoints.yml refers to secrets only as unquoted ${VAR} or Vault "
    "references.",
    "Move the value to Vault (tracker store: {source: secrets_manager.vault, secret_key: ...}) or to the "
    "environment from a secret, and write ${VAR} unquoted in endpoints.yml.",
    {CONFIG_MAP: _configmap_credentials},
    severity=Severity.CRITICAL,
)


# -- availability in prod -----------------------------------------------------------------------


def _zone_spread(props: Any, ctx: RuleContext, f: Findings) -> None:
    if _prod(props, ctx, f) is not True:
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


rules.resource(
    "k8s-prod-zone-spread",
    "In prod a Deployment's pods are spread over availability zones, so one zone's loss leaves it serving.",
    "Add topologySpreadConstraints=[{'maxSkew': 1, 'topologyKey': 'topology.kubernetes.io/zone', "
    "'whenUnsatisfiable': 'ScheduleAnyway', 'labelSelector': {'matchLabels': <pod labels>}}].",
    {DEPLOYMENT: _zone_spread},
    config=("environment",),
)


def _same_namespace(a: Any, b: Any) -> bool:
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
        if not _same_namespace(hpa.props, deployment.props):
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
        if not _same_namespace(pdb.props, deployment.props):
            continue
        matches = _selector_matches(get(pdb.props, "spec", "selector", default={}), pod_labels)
        if matches is UNKNOWN:
            undecided = True
        elif matches:
            found.append(pdb)
    return found, undecided


def _prod_deployments(stack: StackIndex, ctx: RuleContext, f: Findings) -> list[PolicyResource]:
    out = []
    for deployment in stack.of_type(DEPLOYMENT):
        prod = ctx.is_prod(deployment.props)
        if is_unknown(prod):
            f.cannot_decide(f"environment of Deployment '{deployment.name}'")
        elif prod:
            out.append(deployment)
    return out


def _prod_replicas(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for deployment in _prod_deployments(stack, ctx, f):
        hpas = hpa_for(stack, deployment)
        if hpas:
            for hpa in hpas:
                f.check(at_least(get(hpa.props, "spec", "minReplicas", default=1), 2),
                        f"prod: HPA '{hpa.name}' of Deployment '{deployment.name}' must keep minReplicas >= 2",
                        hpa.urn)
        else:
            f.check(at_least(get(deployment.props, "spec", "replicas", default=1), 2),
                    f"prod: Deployment '{deployment.name}' must run at least 2 replicas", deployment.urn)


rules.stack(
    "k8s-prod-replicas",
    "In prod every Deployment runs at least 2 replicas (HPA minReplicas >= 2 when autoscaled).",
    "In prod set spec.replicas >= 2, and minReplicas >= 2 on its HorizontalPodAutoscaler.",
    _prod_replicas,
    resource_types=(DEPLOYMENT, HPA),
    config=("environment",),
)


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
            else:
                f.violation(f"prod: Deployment '{deployment.name}' has no PodDisruptionBudget selecting its pods",
                            deployment.urn)
            continue
        for pdb in pdbs:
            f.check(_pdb_allows_protection(pdb),
                    f"prod: PodDisruptionBudget '{pdb.name}' must keep pods available "
                    "(minAvailable >= 1 or maxUnavailable below 100%)", pdb.urn)


rules.stack(
    "k8s-prod-disruption-budget",
    "In prod every Deployment has a PodDisruptionBudget, so node drains and upgrades keep it serving.",
    "In prod add a policy/v1 PodDisruptionBudget with the Deployment's pod labels as selector and "
    "maxUnavailable: 1 (or minAvailable: 1).",
    _prod_pdb,
    resource_types=(DEPLOYMENT, PDB),
    config=("environment",),
)

POLICIES = rules.policies
