"""Cross-field rules of `rasa.*` and the model upload: environment names, channels, the Ingress's
prerequisites, the action server, and the model archive read against the image's Rasa version."""

from __future__ import annotations

from typing import Mapping

from components.cloud import CloudSpec
from components.model_archive import ModelArchiveError, archive_path, check_archive
from components.rasa.channels import check_channels
from components.rasa.endpoints import ENV_SETTINGS, PLATFORM_ENV_NAMES, is_credential_env_name
from components.settings.errors import Problems
from components.settings.stack import StackSettings

def check(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    r = s.rasa
    _environment("rasa", r.env, r.secret_env, problems, platform=True)
    a = r.action_server
    _environment("rasa.actionServer", a.env, a.secret_env, problems, platform=False)
    if r.credentials is not None:
        defined = [*r.secret_env, *r.env]
        for key, value, problem in check_channels(r.credentials, defined):
            problems.add(f"rasa.credentials.{key}".rstrip("."), value, problem)
    _ingress(s, spec, problems)
    if a.enabled and a.autoscaling.enabled:
        scaling = a.autoscaling
        problems.require(scaling.min_replicas <= scaling.max_replicas, "rasa.actionServer.autoscaling.minReplicas",
                         scaling.min_replicas, f"must not exceed rasa.actionServer.autoscaling.maxReplicas ({scaling.max_replicas})")
        problems.require(scaling.min_replicas <= a.replicas <= scaling.max_replicas, "rasa.actionServer.replicas", a.replicas,
                         f"must be between rasa.actionServer.autoscaling.minReplicas ({scaling.min_replicas}) and "
                         f"maxReplicas ({scaling.max_replicas})")
    _model_upload(s, spec, problems)


def _environment(prefix: str, env: Mapping[str, str], secret_env: Mapping[str, object], problems: Problems,
                 platform: bool) -> None:
    for name, value in env.items():
        key = f"{prefix}.env.{name}"
        if is_credential_env_name(name):
            problems.add(key, "[value]", f"looks like a credential: set it as a Pulumi secret in {prefix}.secretEnv.{name}")
        elif platform and name in ENV_SETTINGS:
            problems.add(key, value, f"set by {ENV_SETTINGS[name]}")
        elif platform and name in PLATFORM_ENV_NAMES:
            problems.add(key, value, "set by the platform itself (from the services it wires)")
    for name in secret_env:
        key = f"{prefix}.secretEnv.{name}"
        if name in env:
            problems.add(key, "[secret]", f"also set in {prefix}.env; keep one")
        elif platform and name in PLATFORM_ENV_NAMES:
            problems.add(key, "[secret]", "set by the platform itself (from the services it wires)")


def _ingress(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    i = s.rasa.ingress
    if not i.enabled:
        return
    problems.require(i.host is not None, "rasa.ingress.host", None, "is required when rasa.ingress.enabled is true")
    if s.cluster.mode == "existing":
        for field, value in (("className", i.class_name), ("clusterIssuer", i.cluster_issuer),
                             ("controllerNamespace", i.controller_namespace)):
            problems.require(value is not None, f"rasa.ingress.{field}", None,
                             "is required on an existing cluster (what is installed there)")
        problems.require(
            i.controller_installed, "rasa.ingress.controllerInstalled", False,
            "on an existing cluster, install the ingress controller and the cert-manager ClusterIssuer the Ingress "
            "names, then set this to true",
        )
        return
    installed = spec.ingress_controller
    if installed is None:
        problems.add("rasa.ingress.enabled", True,
                     f"the {spec.title} package cannot install an ingress controller on a created cluster yet")
        return
    problems.require(i.acme_email is not None, "rasa.ingress.acmeEmail", None,
                     "is required when the platform installs the certificate issuer (Let's Encrypt's contact address)")
    for field, value, own in (("className", i.class_name, installed.class_name),
                              ("clusterIssuer", i.cluster_issuer, installed.cluster_issuer),
                              ("controllerNamespace", i.controller_namespace, installed.controller_namespace)):
        problems.require(value in (None, own), f"rasa.ingress.{field}", value,
                         f"a created cluster gets {own} from the {spec.title} package; leave it unset or set {own}")


def _model_upload(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    ms = s.model_storage
    if ms.upload_from is None:
        return
    if not spec.uploads_models:
        problems.add("modelStorage.uploadFrom", ms.upload_from, f"the {spec.title} package does not upload models yet")
        return
    if ms.mode != "managed":
        problems.add("modelStorage.uploadFrom", ms.upload_from,
                     "needs modelStorage.mode managed (upload to an existing bucket with your own pipeline)")
        return
    try:
        check_archive(archive_path(ms.upload_from), s.rasa.tag)
    except ModelArchiveError as exc:
        problems.add("modelStorage.uploadFrom", ms.upload_from, str(exc))
