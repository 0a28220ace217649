"""How every container of a Deployment or Job runs: sized, non-root, unprivileged, read-only, pinned;
serving containers (Deployments) probed too."""

from __future__ import annotations

import re
from typing import Any, Optional

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, as_number, get, is_unknown, present, truth
from .resources import each_container, pod_spec
from .types import DEPLOYMENT, POD_WORKLOADS

CHECKS = CheckSet(__name__)


def _requests_limits(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f):
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                f.check(present(get(c, "resources", kind, resource)),
                        f"container '{name}' has no resources.{kind}.{resource}")


CHECKS.resource("k8s-resources-requests-limits", {t: _requests_limits for t in POD_WORKLOADS})


def _non_root(props: Any, ctx: RuleContext, f: Findings) -> None:
    pod = get(pod_spec(props), "securityContext", default={})
    pod_non_root, pod_user = get(pod, "runAsNonRoot"), get(pod, "runAsUser")
    for name, c in each_container(props, f):
        own_non_root, own_user = get(c, "securityContext", "runAsNonRoot"), get(c, "securityContext", "runAsUser")
        non_root = own_non_root if own_non_root is not None else pod_non_root
        user = own_user if own_user is not None else pod_user
        f.check(truth(non_root), f"container '{name}' must run with runAsNonRoot: true")
        f.check(UNKNOWN if is_unknown(user) else as_number(user) != 0, f"container '{name}' must not run as UID 0")


CHECKS.resource("k8s-run-as-non-root", {t: _non_root for t in POD_WORKLOADS})


def _no_escalation(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f):
        sc = get(c, "securityContext", default={})
        escalation = get(sc, "allowPrivilegeEscalation")
        f.check(UNKNOWN if is_unknown(escalation) else escalation is False,
                f"container '{name}' must set allowPrivilegeEscalation: false")
        privileged = get(sc, "privileged")
        f.check(UNKNOWN if is_unknown(privileged) else privileged is not True,
                f"container '{name}' must not be privileged")


CHECKS.resource("k8s-no-privilege-escalation", {t: _no_escalation for t in POD_WORKLOADS})


def _read_only_root(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f):
        f.check(truth(get(c, "securityContext", "readOnlyRootFilesystem")),
                f"container '{name}' must set readOnlyRootFilesystem: true")


CHECKS.resource("k8s-read-only-root-filesystem", {t: _read_only_root for t in POD_WORKLOADS})


def _probes(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f, init=False):
        for probe in ("livenessProbe", "readinessProbe"):
            f.check(present(get(c, probe)), f"container '{name}' has no {probe}")


CHECKS.resource("k8s-probes", {DEPLOYMENT: _probes})


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


def image_problem(image: str) -> Optional[str]:
    if "@" in image:  # repo@digest or repo:tag@digest: the digest decides what runs
        digest = image.rsplit("@", 1)[1]
        return None if _DIGEST.fullmatch(digest) else f"pins a malformed digest {digest!r} (sha256:<64 hex digits>)"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (resolves to :latest)"
    tag = last.rsplit(":", 1)[1]
    if not tag or tag == "latest":
        return "uses the mutable tag :latest"
    return None


def _image_pinned(props: Any, ctx: RuleContext, f: Findings) -> None:
    for name, c in each_container(props, f):
        image = get(c, "image")
        if is_unknown(image):
            f.cannot_decide(f"image of container '{name}'")
            continue
        problem = image_problem(str(image or ""))
        f.check(problem is None, f"container '{name}' image {image!r} {problem}")


CHECKS.resource("k8s-image-pinned", {t: _image_pinned for t in POD_WORKLOADS})
