"""What every cloud's analytics.database.mode managed must show in the whole program (mock
engine): the setup Job logs in to the analytics server as its admin with the password from a
Secret only, Rasa Pro Services may reach the server as Rasa reaches the tracker store, the stack
outputs say where it is, and the policy pack's database rules check the second server."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

import pytest

from components.analytics.environment import CA_DIR, SYSTEM_CA_BUNDLE
from infra.preview import StackPreview, kubernetes_manifests
from infra.preview.engine import evaluate_recorded
from infra.settings import ConfigError, ConfigErrors
from tests.previewing import manifest

MANAGED = {"enabled": True, "database": {"mode": "managed"}}


def setup_job_env(program: StackPreview) -> dict[str, dict[str, Any]]:
    job = next(m for m in kubernetes_manifests(program.resources)
               if m["kind"] == "Job" and m["metadata"]["name"].startswith("rasa-analytics-setup-"))
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container["env"]}


def assert_setup_job_logs_in_as(program: StackPreview, admin_user: str, ca_pem: Optional[str],
                                ssl_mode: str = "verify-full") -> str:
    """The Job's admin login is the analytics server's (host, user, TLS, CA); its password only a
    secretKeyRef into a Secret whose data is secret. Returns the server's host."""
    env = setup_job_env(program)
    host = program.outputs["analyticsDatabaseHost"]
    assert env["ADMIN_HOST"]["value"] == host and env["ADMIN_USER"]["value"] == admin_user
    assert env["PGSSLMODE"]["value"] == ssl_mode  # the tracker store's on this cloud
    assert env["ADMIN_PASSWORD"] == {"name": "ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {
        "name": "rasa-analytics-database-setup", "key": "admin-password"}}}
    assert manifest(program, "Secret", "rasa-analytics-database-setup")["stringData"]["admin-password"] == "[secret]"
    files = manifest(program, "ConfigMap", "rasa-analytics-ca-certificates").get("data") or {}
    if ca_pem is None:  # public roots: the image's bundle, as the tracker store's on this cloud
        assert env["PGSSLROOTCERT"]["value"] == SYSTEM_CA_BUNDLE and "database-ca.pem" not in files
    else:
        assert env["PGSSLROOTCERT"]["value"] == f"{CA_DIR}/database-ca.pem" and files["database-ca.pem"] == ca_pem
    assert (program.outputs["analyticsDatabasePort"], program.outputs["analyticsDatabaseName"]) == (5432, "rasa_analytics")
    return host


def assert_reached_as_the_tracker_store(program: StackPreview) -> None:
    """Rasa Pro Services' egress to PostgreSQL is Rasa's rule to the tracker store, once."""
    egress = manifest(program, "NetworkPolicy", "rasa-pro-services")["spec"]["egress"]
    rasa = manifest(program, "NetworkPolicy", "rasa-pro")["spec"]["egress"]
    postgres = [rule for rule in egress if rule["ports"] == [{"port": 5432, "protocol": "TCP"}]]
    assert len(postgres) == 1 and postgres[0] in rasa


def assert_policies_check_it(program: StackPreview, resource_name: str, weakened: Mapping[str, Any], rules: set[str]) -> None:
    """Zero mandatory failures as built; with the second server's inputs weakened, `rules` fail on it."""
    assert program.policy["mandatoryFailures"] == 0, program.policy["violations"]
    resources = [dataclasses.replace(r, inputs={**r.inputs, **weakened}) if r.name == resource_name else r
                 for r in program.resources]
    verdict = evaluate_recorded(resources, "prod")
    failed = {v["rule"] for v in verdict["violations"] if v["resource"].rsplit("::", 1)[-1] == resource_name}
    assert rules <= failed, failed


def config_lines(plan_for, **sections: Any) -> list[str]:
    with pytest.raises((ConfigError, ConfigErrors)) as caught:
        plan_for("prod", **sections)
    return str(caught.value).splitlines()
