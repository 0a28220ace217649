"""Credentials: they must be Pulumi secrets, and the ones a stack needs must be set.

Secrets never live in the repo's stack files, so the offline preview fills the missing ones with a
placeholder and lists them ("secrets to set before `pulumi up`"); `pulumi up` refuses instead.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, SecretStr

from components.analytics.rules import analytics_secrets
from components.cloud import CloudSpec
from components.settings.errors import PROJECT, Problems
from components.settings.stack import StackSettings

PLACEHOLDER_SECRET = "offline-preview-placeholder"

# Credentials of the cloud-neutral sections (paths of config names).
NEUTRAL_SECRET_FIELDS: tuple[tuple[str, ...], ...] = (
    ("rasa", "license"),
    ("rasa", "authToken"),
    ("rasa", "secretEnv"),
    ("rasa", "actionServer", "secretEnv"),
    ("vault", "adminToken"),
    ("trackerStore", "password"),
    ("lockStore", "password"),
    ("eventQueue", "password"),
    ("cluster", "kubeconfig"),
    ("analytics", "database", "password"),
    ("analytics", "consumerPassword"),
)

Path = tuple[str, ...]


def secret_fields(spec: CloudSpec) -> list[Path]:
    return [*NEUTRAL_SECRET_FIELDS, *((spec.name, *path) for path in spec.secret_fields)]


def check_secrets_are_secret(values: dict[str, Any], secret_keys: set[str], spec: CloudSpec, problems: Problems) -> None:
    """Pulumi marks a whole top-level key secret when any value inside it is: check by that key."""
    for path in secret_fields(spec):
        value: Any = values
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value not in (None, {}) and path[0] not in secret_keys:
            key = ".".join(path)
            problems.add(key, "[plain text]", f"credentials must be Pulumi secrets: pulumi config set --secret --path '{PROJECT}:{key}' ...")


def missing_secret_message(path: Path, why: str) -> str:
    key = ".".join(path)
    return f"is required {why}: pulumi config set --secret --path '{PROJECT}:{key}' ..."


def required_secrets(s: StackSettings, spec: CloudSpec) -> list[tuple[Path, Optional[SecretStr], str]]:
    """(path, current value, why) of every credential this stack needs."""
    section = s.cloud_section(spec.name)
    needed: list[tuple[Path, Optional[SecretStr], str]] = [(("rasa", "license"), s.rasa.license, "(your Rasa Pro license)")]
    if s.vault.mode == "external":
        needed.append((("vault", "adminToken"), s.vault.admin_token,
                       "when vault.mode is external (the bootstrap's administrative token)"))
    ts, ls, eq = s.tracker_store, s.lock_store, s.event_queue
    if ts.mode == "existing" and not spec.existing_iam_auth(section):
        needed.append((("trackerStore", "password"), ts.password, "when trackerStore.mode is existing"))
    if ls.mode == "existing":
        needed.append((("lockStore", "password"), ls.password, "when lockStore.mode is existing (Redis AUTH)"))
    if eq.mode == "existing" and eq.security_protocol == "SASL_SSL" and eq.sasl_mechanism != "OAUTHBEARER":
        needed.append((("eventQueue", "password"), eq.password, "with SASL_SSL"))
    needed += analytics_secrets(s)
    for path, why in spec.required_secrets(s, section):
        needed.append((path, _value_at(s, path), why))
    return needed


def _value_at(model: Any, path: Path) -> Any:
    for alias in path:
        model = getattr(model, field_name(type(model), alias))
    return model


def field_name(model: type[BaseModel], alias: str) -> str:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    raise KeyError(alias)


def with_placeholders(settings: StackSettings, paths: list[Path]) -> StackSettings:
    """The same settings with PLACEHOLDER_SECRET at each path (config names), and the list kept."""

    def put(model: BaseModel, path: Path) -> BaseModel:
        name = field_name(type(model), path[0])
        if len(path) == 1:
            return model.model_copy(update={name: SecretStr(PLACEHOLDER_SECRET)})
        return model.model_copy(update={name: put(getattr(model, name), path[1:])})

    for path in paths:
        settings = put(settings, path)  # type: ignore[assignment]
    return settings.model_copy(update={"placeholder_secrets": tuple(".".join(p) for p in paths)})
