"""No credential in a pod spec's literal env or in a ConfigMap (endpoints.yml included)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..checks import CheckSet
from ..common import OFFLINE_SECRET, Findings, RuleContext, elements, entries, get, is_unknown
from .credentials import credential_pattern, is_credential_name, is_reference
from .resources import each_container
from .types import CONFIG_MAP, POD_WORKLOADS

CHECKS = CheckSet(__name__)

VAULT_REFERENCE_SOURCE = "secrets_manager.vault"


def _literal_env(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f):
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


CHECKS.resource("k8s-no-literal-credentials-in-env", {t: _literal_env for t in POD_WORKLOADS})


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


CHECKS.resource("k8s-no-credentials-in-configmap", {CONFIG_MAP: _configmap_credentials})
