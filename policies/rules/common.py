"""What every rule shares: reading props the way the engine hands them over, three-valued
checks, thresholds from policy config, the environment of a resource, and stack joins.

Unknown values. During `pulumi preview` an input that depends on another resource's output is
unknown. pulumi_policy hands props over wrapped in a proxy that raises `UnknownValueError` on
access to such a value; the engine then reports "can't run policy during preview" as an
*advisory* diagnostic instead of running the rule. That is all-or-nothing per rule. Here the
same semantics are applied per check instead:

* `get(props, "a", "b")` walks the props and returns `UNKNOWN` where the engine would raise;
* predicates (`truth`, `at_least`, `all3`, ...) propagate `UNKNOWN` (three-valued logic);
* `Findings.check(ok, message)` reports a violation when `ok` is False, and remembers the check
  as undecided when it is `UNKNOWN`;
* when the rule finishes, undecided checks raise `Undecided` (an `UnknownValueError`), so the
  engine, and `policies.offline`, turn them into one advisory diagnostic, while every violation
  that could be decided has already been reported at the rule's own level.

So an unknown value never produces a mandatory violation, and never hides a known one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, _is_unknown

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# Sentinels of the offline preview's resource dump (see policies/offline.py).
OFFLINE_UNKNOWN = "[unknown]"
OFFLINE_SECRET = "[secret]"

# Where a resource says which environment it belongs to.
K8S_ENVIRONMENT_LABEL = "rasa-platform.io/environment"
AWS_ENVIRONMENT_TAGS = ("rasa-platform:environment", "rasa-platform.io/environment")
ENVIRONMENTS = ("dev", "staging", "prod")


# ---------------------------------------------------------------------------------------------
# Unknown values


class _Unknown:
    """A value that cannot be known during preview. Using it as a bool raises the same error the
    engine raises for an unknown value, so a rule that forgets to check degrades to an advisory
    "cannot decide" instead of a wrong verdict."""

    __slots__ = ()
    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise UnknownValueError(UNKNOWN_STRING_VALUE, ["<value used as a condition>"])


UNKNOWN: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and (value == OFFLINE_UNKNOWN or _is_unknown(value)))


def is_seq(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def get(obj: Any, *path: Any, default: Any = None) -> Any:
    """Walk `obj` along `path` (keys and list indexes). Missing or null → `default`; an unknown
    anywhere on the way → `UNKNOWN`. Works on the engine's proxies and on plain dicts."""
    cur = obj
    for key in path:
        if is_unknown(cur):
            return UNKNOWN
        if cur is None:
            return default
        try:
            if isinstance(key, int):
                if not is_seq(cur) or not -len(cur) <= key < len(cur):
                    return default
                cur = cur[key]
            else:
                if not isinstance(cur, Mapping):
                    return default
                cur = cur[key]
        except KeyError:
            return default
        except UnknownValueError:
            return UNKNOWN
    if is_unknown(cur):
        return UNKNOWN
    return default if cur is None else cur


def elements(seq: Any) -> list[Any]:
    """The items of a list, each unknown item as `UNKNOWN`; not a list (or unknown) → []."""
    if not is_seq(seq):
        return []
    out = []
    for i in range(len(seq)):
        try:
            item = seq[i]
        except UnknownValueError:
            item = UNKNOWN
        out.append(UNKNOWN if is_unknown(item) else item)
    return out


def entries(mapping: Any) -> list[tuple[str, Any]]:
    """The (key, value) pairs of a mapping, unknown values as `UNKNOWN`."""
    if not isinstance(mapping, Mapping):
        return []
    out = []
    for key in list(mapping):
        try:
            value = mapping[key]
        except UnknownValueError:
            value = UNKNOWN
        out.append((key, UNKNOWN if is_unknown(value) else value))
    return out


def plain(value: Any) -> Any:
    """A plain dict/list copy; unknown leaves become `UNKNOWN`."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in entries(value)}
    if is_seq(value):
        return [plain(v) for v in elements(value)]
    return value


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if is_seq(value):
        return any(contains_unknown(v) for v in value)
    return False


# ---------------------------------------------------------------------------------------------
# Three-valued predicates: each returns True, False or UNKNOWN


def truth(value: Any) -> Any:
    """Is the value the boolean true? (null/absent → False)."""
    if is_unknown(value):
        return UNKNOWN
    return value is True


def not_true(value: Any) -> Any:
    """Is the value anything but the boolean true? (absent passes)."""
    if is_unknown(value):
        return UNKNOWN
    return value is not True


def is_false(value: Any) -> Any:
    """Is the value explicitly the boolean false? (absent fails)."""
    if is_unknown(value):
        return UNKNOWN
    return value is False


def present(value: Any) -> Any:
    """Is the value set to something non-empty (a secret placeholder counts)?"""
    if is_unknown(value):
        return UNKNOWN
    if value is None:
        return False
    if isinstance(value, (str, Mapping)) or is_seq(value):
        return len(value) > 0
    return True


def equals(value: Any, *allowed: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    return value in allowed


def as_number(value: Any) -> Any:
    """A number from an int/float/numeric string; UNKNOWN; or None when not a number."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return None
    return None


def at_least(value: Any, minimum: float) -> Any:
    number = as_number(value)
    if number is UNKNOWN:
        return UNKNOWN
    return number is not None and number >= minimum


def all3(*values: Any) -> Any:
    if any(v is False for v in values):
        return False
    if any(is_unknown(v) for v in values):
        return UNKNOWN
    return True


def any3(*values: Any) -> Any:
    if any(v is True for v in values):
        return True
    if any(is_unknown(v) for v in values):
        return UNKNOWN
    return False


def not3(value: Any) -> Any:
    return UNKNOWN if is_unknown(value) else (not value)


# ---------------------------------------------------------------------------------------------
# Findings: violations now, undecided checks as one advisory at the end


class Undecided(UnknownValueError):
    """Raised when a rule finished but some of its checks depended on unknown values. The engine
    (and policies.offline) report it as an advisory "can't run policy during preview"."""

    def __init__(self, reasons: list[str]):
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.reasons = list(reasons)
        self.message = "unknown until the update runs: " + "; ".join(self.reasons)

    def __str__(self) -> str:
        return self.message


class Findings:
    """Collects a rule's verdicts. Use as a context manager around the rule's body."""

    def __init__(self, report_violation: ReportViolation):
        self._report = report_violation
        self.undecided: list[str] = []
        self.violations = 0

    def violation(self, message: str, urn: Optional[str] = None) -> None:
        self.violations += 1
        self._report(message, urn)

    def check(self, ok: Any, message: str, urn: Optional[str] = None) -> Any:
        """Report `message` when `ok` is False; remember it as undecided when UNKNOWN."""
        if is_unknown(ok):
            self.undecided.append(message)
        elif not ok:
            self.violation(message, urn)
        return ok

    def cannot_decide(self, message: str) -> None:
        self.undecided.append(message)

    def __enter__(self) -> "Findings":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None and self.undecided:
            raise Undecided(self.undecided)
        return False


# ---------------------------------------------------------------------------------------------
# Config: thresholds with defaults (the engine hands each policy its own config, numbers as floats)

DEFAULTS: dict[str, Any] = {
    "environment": None,  # fallback when a resource carries no environment label/tag
    "minBackupDays": 7,
    "minBackupDaysProd": 14,
    "allowedRegions": [],  # empty: any region
    "requiredTags": [],  # empty: no tag required
}

CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "environment": {
        "type": "string",
        "enum": list(ENVIRONMENTS),
        "description": "Environment of the stack when a resource carries no "
        f"'{K8S_ENVIRONMENT_LABEL}' label or 'rasa-platform:environment' tag.",
    },
    "minBackupDays": {"type": "integer", "minimum": 1, "default": 7,
                      "description": "Minimum backup retention in days (dev, staging)."},
    "minBackupDaysProd": {"type": "integer", "minimum": 1, "default": 14,
                          "description": "Minimum backup retention in days in prod."},
    "allowedRegions": {"type": "array", "items": {"type": "string"}, "default": [],
                       "description": "Regions resources may be created in; empty allows any."},
    "requiredTags": {"type": "array", "items": {"type": "string"}, "default": [],
                     "description": "Tag keys every taggable cloud resource must carry."},
}


def config_schema(*keys: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={k: dict(CONFIG_PROPERTIES[k]) for k in keys})


def config_value(args: Any, key: str) -> Any:
    config = args.get_config() or {}
    value = config.get(key) if isinstance(config, Mapping) else None
    if value is None:
        value = DEFAULTS[key]
    default = DEFAULTS[key]
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
        value = int(value)
    if isinstance(default, list):
        value = [str(v) for v in (elements(value) if is_seq(value) else [])]
    return value


def environment_of(props: Any, args: Any) -> Any:
    """The environment a resource belongs to: its Kubernetes label or cloud tag, else the policy
    config's `environment`, else the stack tag `environment`; None when nobody says."""
    label = get(props, "metadata", "labels", K8S_ENVIRONMENT_LABEL)
    if label is not None:
        return label
    for tag in AWS_ENVIRONMENT_TAGS:
        value = get(props, "tags", tag)
        if value is not None:
            return value
    configured = config_value(args, "environment")
    if configured:
        return configured
    stack_tags = getattr(args, "stack_tags", None) or {}
    for key in ("environment", "rasa-platform:environment"):
        if stack_tags.get(key):
            return stack_tags[key]
    return None


def is_prod(props: Any, args: Any) -> Any:
    env = environment_of(props, args)
    return UNKNOWN if is_unknown(env) else env == "prod"


def min_backup_days(props: Any, args: Any) -> Any:
    prod = is_prod(props, args)
    if is_unknown(prod):
        # Decide against the stricter threshold only when the weaker one passes.
        return UNKNOWN
    return config_value(args, "minBackupDaysProd" if prod else "minBackupDays")


# ---------------------------------------------------------------------------------------------
# Rule registration

REMEDIATION: dict[str, str] = {}
LEVEL_NAMES = {MANDATORY: "mandatory", ADVISORY: "advisory"}
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class RuleContext:
    """What a rule body needs besides the props."""

    args: Any

    def config(self, key: str) -> Any:
        return config_value(self.args, key)

    def is_prod(self, props: Any) -> Any:
        return is_prod(props, self.args)

    def environment(self, props: Any) -> Any:
        return environment_of(props, self.args)


ResourceCheck = Callable[[Any, RuleContext, Findings], None]
StackCheck = Callable[["StackIndex", RuleContext, Findings], None]


@dataclass
class RuleSet:
    """The rules of one module. A resource rule maps resource types to a check each, so a new
    cloud is a new table entry; a stack rule sees the whole stack through a `StackIndex`."""

    policies: list = field(default_factory=list)

    def _register(self, name: str, remediation: str) -> None:
        if not _NAME_RE.match(name):
            raise ValueError(f"rule name {name!r} is not kebab-case")
        if name in REMEDIATION:
            raise ValueError(f"rule {name!r} registered twice")
        REMEDIATION[name] = remediation

    def resource(self, name: str, description: str, remediation: str, checks: Mapping[str, ResourceCheck],
                 level: EnforcementLevel = MANDATORY, severity: Severity = Severity.HIGH,
                 config: Iterable[str] = ()) -> ResourceValidationPolicy:
        self._register(name, remediation)
        table = dict(checks)

        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            check = table.get(args.resource_type)
            if check is None:
                return
            with Findings(report_violation) as findings:
                check(args.props, RuleContext(args), findings)

        policy = ResourceValidationPolicy(
            name=name, description=description, validate=validate, enforcement_level=level,
            config_schema=config_schema(*config) if config else None, severity=severity,
            remediation_steps=remediation,
        )
        policy.resource_types = tuple(table)  # type: ignore[attr-defined]  (for the README/tests)
        self.policies.append(policy)
        return policy

    def stack(self, name: str, description: str, remediation: str, check: StackCheck,
              resource_types: Iterable[str], level: EnforcementLevel = MANDATORY,
              severity: Severity = Severity.HIGH, config: Iterable[str] = ()) -> StackValidationPolicy:
        self._register(name, remediation)

        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            with Findings(report_violation) as findings:
                check(StackIndex(args.resources), RuleContext(args), findings)

        policy = StackValidationPolicy(
            name=name, description=description, validate=validate, enforcement_level=level,
            config_schema=config_schema(*config) if config else None, severity=severity,
            remediation_steps=remediation,
        )
        policy.resource_types = tuple(resource_types)  # type: ignore[attr-defined]
        self.policies.append(policy)
        return policy


# ---------------------------------------------------------------------------------------------
# Stack joins


class StackIndex:
    """The stack's resources by type, with the joins pulumi-aws v7 makes necessary (a bucket's
    encryption, versioning, ... are separate resources that name the bucket)."""

    def __init__(self, resources: Iterable[PolicyResource]):
        self.resources = list(resources)

    def of_type(self, *types: str) -> list[PolicyResource]:
        return [r for r in self.resources if r.resource_type in types]

    def has_type(self, *types: str) -> bool:
        return any(r.resource_type in types for r in self.resources)

    def linked(self, child: PolicyResource, prop: str, target: PolicyResource, target_names: Iterable[Any] = ()) -> bool:
        """Does `child.<prop>` refer to `target`? By the property's own dependencies when the
        engine recorded them, else by a known name, else by the child's dependencies."""
        prop_deps = (child.property_dependencies or {}).get(prop)
        if prop_deps:
            return any(d.urn == target.urn for d in prop_deps)
        value = get(child.props, prop)
        names = [n for n in target_names if isinstance(n, str) and n and not is_unknown(n)]
        if isinstance(value, str) and not is_unknown(value) and value in names:
            return True
        return any(d.urn == target.urn for d in (child.dependencies or []))

    def children_of(self, target: PolicyResource, child_type: str, prop: str,
                    target_names: Iterable[Any] = ()) -> list[PolicyResource]:
        names = list(target_names)
        return [c for c in self.of_type(child_type) if self.linked(c, prop, target, names)]


def depends_on(resource: PolicyResource, target: PolicyResource) -> bool:
    if any(d.urn == target.urn for d in (resource.dependencies or [])):
        return True
    return any(d.urn == target.urn for deps in (resource.property_dependencies or {}).values() for d in deps)


# ---------------------------------------------------------------------------------------------
# Credentials: names and values that look like secrets

_CREDENTIAL_WORD = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|LICENSE|CREDENTIAL|KEY", re.I)
# A name whose last part is one of these names a place, a switch or an identifier, not a secret:
# VAULT_RASA_SECRETS_PATH, SECRET_MANAGER, KMS_KEY_ID, SSL_KEYFILE, KEY_PREFIX, ...
_NOT_A_CREDENTIAL_SUFFIX = {
    "path", "paths", "file", "dir", "name", "names", "id", "ids", "arn", "url", "uri", "prefix",
    "method", "type", "manager", "enabled", "mount", "point", "version", "length", "lifetime",
    "ttl", "timeout", "mode", "algorithm", "source", "ref", "header", "format", "keyfile",
    "certfile", "cafile", "count", "size", "port", "host", "region", "field", "usage", "spec",
    "rotation", "alias", "location", "namespace", "role", "policy", "store", "backend",
}
_CREDENTIAL_VALUE_PATTERNS = [
    (re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JWT (e.g. a Rasa license)"),
    (re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}"), "a Vault token"),
    (re.compile(r"\b(?:ghp|gho|ghs|github_pat|glpat|xox[abpr])[-_][A-Za-z0-9_-]{16,}"), "an API token"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@${}]+:(?!\$\{)[^/\s@]+@", re.I), "a password inside a URL"),
]
ENV_REFERENCE = re.compile(r"^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([A-Za-z_][A-Za-z0-9_]*\))$")


def is_credential_name(name: str) -> bool:
    if not isinstance(name, str) or not _CREDENTIAL_WORD.search(name):
        return False
    parts = [p for p in re.split(r"[_\-.]", name.lower()) if p]
    return not (parts and parts[-1] in _NOT_A_CREDENTIAL_SUFFIX)


def credential_pattern(value: str) -> Optional[str]:
    """What kind of credential the text contains, or None."""
    for pattern, what in _CREDENTIAL_VALUE_PATTERNS:
        if pattern.search(value):
            return what
    return None


def is_reference(value: str) -> bool:
    """A placeholder resolved elsewhere: `${VAR}` / `$(VAR)` or a `vault:` reference."""
    value = value.strip()
    return bool(ENV_REFERENCE.match(value)) or value.startswith("vault:")


# ---------------------------------------------------------------------------------------------
# Small parsing helpers


def percent_or_int(value: Any, base: int, round_up: bool) -> Any:
    """A Kubernetes IntOrString (`2` or `"25%"`) applied to `base`."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100 * base
        except ValueError:
            return None
        return math.ceil(share) if round_up else math.floor(share)
    number = as_number(value)
    return int(number) if isinstance(number, (int, float)) else None
