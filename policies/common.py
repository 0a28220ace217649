"""What every check shares: reading props the way the engine hands them over, three-valued
checks, thresholds from policy config, the environment of a resource, and stack joins.

Unknown values. During `pulumi preview` an input that depends on another resource's output is
unknown. pulumi_policy hands props over wrapped in a proxy that raises `UnknownValueError` on
access to such a value; the engine then reports "can't run policy during preview" as an
*advisory* diagnostic instead of running the rule. That is all-or-nothing per rule. Here the
same semantics are applied per check instead:

* `get(props, "a", "b")` walks the props and returns `UNKNOWN` where the engine would raise;
* predicates (`truth`, `at_least`, `any3`, ...) propagate `UNKNOWN` (three-valued logic);
* `Findings.check(ok, message)` reports a violation when `ok` is False, and remembers the check
  as undecided when it is `UNKNOWN`;
* when the rule finishes, undecided checks raise `Undecided` (an `UnknownValueError`), so the
  engine, and `policies.offline`, turn them into one advisory diagnostic, while every violation
  that could be decided has already been reported at the rule's own level.

So an unknown value never produces a mandatory violation, and never hides a known one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from pulumi_policy import PolicyResource, ReportViolation
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, _is_unknown

from .stack_keys import REGION, from_setting
from .thresholds import DEFAULTS

# Sentinels of the offline preview's resource dump (see policies/offline.py).
OFFLINE_UNKNOWN = "[unknown]"
OFFLINE_SECRET = "[secret]"


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


def not_false(value: Any) -> Any:
    """Is the value anything but the boolean false? (absent passes)."""
    if is_unknown(value):
        return UNKNOWN
    return value is not False


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


def any3(*values: Any) -> Any:
    if any(v is True for v in values):
        return True
    if any(is_unknown(v) for v in values):
        return UNKNOWN
    return False



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
# Config and environment


def config_value(args: Any, key: str) -> Any:
    """A threshold from the policy's config (the engine hands numbers over as floats), else its default."""
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


# Reads the environment a resource declares (a label, a tag), or None. Check packages contribute them.
EnvironmentReader = Callable[[Any], Any]


@dataclass(frozen=True)
class Provides:
    """A resource type (and optional condition) that backs a `managed` service of the platform."""

    type: str
    when: Optional[Callable[[PolicyResource], bool]] = None

    def matches(self, resource: PolicyResource) -> bool:
        return resource.resource_type == self.type and (self.when is None or self.when(resource))


@dataclass(frozen=True)
class PackFacts:
    """What the check packages contribute beyond checks, handed to every check through `RuleContext`."""

    environment_readers: tuple[EnvironmentReader, ...] = ()
    managed_services: Mapping[str, tuple[Provides, ...]] = field(default_factory=dict)


@dataclass
class RuleContext:
    """What a check needs besides the props: the engine's args and the pack's facts."""

    args: Any
    facts: PackFacts = PackFacts()

    def config(self, key: str) -> Any:
        return config_value(self.args, key)

    def environment(self, props: Any) -> Any:
        """The environment a resource belongs to: its own label or tag (as the check packages read
        them), else the policy config's `environment`, else the stack tag `environment`; None when
        nobody says."""
        for read in self.facts.environment_readers:
            value = read(props)
            if value is not None:
                return value
        configured = self.config("environment")
        if configured:
            return configured
        stack_tags = getattr(self.args, "stack_tags", None) or {}
        for key in ("environment", "rasa-platform:environment"):
            if stack_tags.get(key):
                return stack_tags[key]
        return None

    def is_prod(self, props: Any) -> Any:
        env = self.environment(props)
        return UNKNOWN if is_unknown(env) else env == "prod"

    def in_prod(self, props: Any, findings: "Findings", what: str) -> bool:
        """Do this resource's prod-only checks apply? An unknown environment is remembered as
        undecided (`environment of the <what>`) and skips them."""
        prod = self.is_prod(props)
        if is_unknown(prod):
            findings.cannot_decide(f"environment of the {what}")
            return False
        return prod is True

    def min_backup_days(self, props: Any) -> Any:
        """The backup threshold for this resource's environment; UNKNOWN when the environment is."""
        prod = self.is_prod(props)
        if is_unknown(prod):
            return UNKNOWN
        return self.config("minBackupDaysProd" if prod else "minBackupDays")

    def managed_providers(self, service: str) -> list[Provides]:
        return list(self.facts.managed_services.get(service, ()))


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


def check_allowed_region(f: "Findings", noun: str, region: Any, allowed: Sequence[str]) -> None:
    """Every cloud's `allowed-regions` verdict on one resource's region (AWS region, Azure location,
    GCP region): the program gives each resource its provider's, so a known one names the stack's
    `region` setting."""
    message = f"{noun} {region!r} is not one of the allowed regions {allowed}"
    f.check(UNKNOWN if is_unknown(region) else region in allowed,
            message if is_unknown(region) else from_setting(REGION, region, message))
