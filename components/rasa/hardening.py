"""The restricted pod-security settings every container of the platform runs with."""

from __future__ import annotations

import pulumi_kubernetes as k8s

core = k8s.core.v1


def pod_security_context(uid: int, fs_group: bool = True) -> core.PodSecurityContextArgs:
    return core.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=uid,
        run_as_group=uid,
        fs_group=uid if fs_group else None,
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context() -> core.SecurityContextArgs:
    # Kubernetes' `restricted` profile: non-root, no escalation, no capabilities, read-only root.
    return core.SecurityContextArgs(
        run_as_non_root=True,
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        privileged=False,
        capabilities=core.CapabilitiesArgs(drop=["ALL"]),
    )
