"""What every cloud's analytics.database.mode managed must show in the whole program (mock
engine): the Vault bootstrap logs in to the analytics server as its admin with credentials from its
own Secret only, Rasa Pro Services may reach the server as Rasa reaches the tracker store, the stack
outputs say where it is, and the policy pack's database rules check the second server."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping, Optional

import pytest

from components.analytics.environment import SYSTEM_CA_BUNDLE
from components.vault.bootstrap_plan import ANALYTICS_CA_FILE, CA_DIR as BOOTSTRAP_CA_DIR
from infra.preview import StackPreview
from infra.preview.engine import evaluate_recorded
from infra.settings import ConfigError, ConfigErrors
from tests.previewing import manifest, manifests_of_kind

MANAGED = {"enabled": True, "database": {"mode": "managed"}}


def bootstrap_analytics_plan(program: StackPreview) -> dict[str, Any]:
    plan = json.loads(manifest(program, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])
    assert plan["analytics_database"], "the bootstrap has no analytics-database step"
    return plan["analytics_database"]


def assert_bootstrap_sets_it_up(program: StackPreview, ca_pem: Optional[str], ssl_mode: str = "verify-full") -> str:
    """The bootstrap's analytics-database step logs in to the analytics server (host, TLS, CA) as
    its admin, whose login is only in the bootstrap's Secret (Vault's namespace), never in Rasa's.
    Returns the server's host."""
    step = bootstrap_analytics_plan(program)
    host = program.outputs["analyticsDatabaseHost"]
    assert step["host"] == host and step["sslmode"] == ssl_mode  # the tracker store's TLS on this cloud
    credentials = manifest(program, "Secret", "vault-bootstrap-credentials")
    assert credentials["metadata"]["namespace"] == "vault"
    for key in ("admin_username_key", "admin_password_key", "password_key", "read_only_password_key"):
        assert credentials["stringData"][step[key]] == "[secret]"
    files = manifest(program, "ConfigMap", "vault-bootstrap").get("data") or {}
    if ca_pem is None:  # public roots: the image's bundle, as the tracker store's on this cloud
        assert step["sslrootcert"] == SYSTEM_CA_BUNDLE and ANALYTICS_CA_FILE not in files
    else:
        assert step["sslrootcert"] == f"{BOOTSTRAP_CA_DIR}/{ANALYTICS_CA_FILE}" and files[ANALYTICS_CA_FILE] == ca_pem
    # Rasa Pro Services verifies the same server with the same CA.
    analytics_files = manifest(program, "ConfigMap", "rasa-analytics-ca-certificates").get("data") or {}
    assert (analytics_files.get("database-ca.pem") == ca_pem) if ca_pem else "database-ca.pem" not in analytics_files
    assert not [s for s in manifests_of_kind(program, "Secret") if s["metadata"]["namespace"] == "rasa"]
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
