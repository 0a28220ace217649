"""Settings: presets, overrides, and one clear line for every class of bad input."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from infra.settings import PLACEHOLDER_SECRET, ConfigError, load_settings

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

# A complete bring-your-own stack: every service existing, every secret set as a Pulumi secret.
BYO = {
    "cloud": "aws",
    "environment": "dev",
    "region": "eu-central-1",
    "cluster": {"mode": "existing", "context": "dev"},
    "modelStorage": {"mode": "existing", "bucket": "models"},
    "trackerStore": {"mode": "existing", "host": "db.internal", "maxConnections": 100, "password": "pw"},
    "lockStore": {"mode": "existing", "host": "redis.internal", "password": "pw"},
    "eventQueue": {"mode": "existing", "bootstrapServers": ["k1:9096"], "username": "rasa", "password": "pw"},
    "vault": {"mode": "external", "address": "https://vault.internal:8200", "kubernetesHost": "https://k8s.internal:6443",
              "adminToken": "t"},
    "rasa": {"license": "lic"},
    # Used where a preset turns analytics on: its consumer never borrows Rasa's producer user.
    "analytics": {"consumerUsername": "rasa-analytics", "consumerPassword": "pw", "command": ["test-entrypoint"]},
}
SECRET_SECTIONS = {"trackerStore", "lockStore", "eventQueue", "vault", "rasa", "analytics"}


def load(overrides: dict | None = None, *, drop: tuple[str, ...] = (), secret_keys=None, **kwargs):
    config = json.loads(json.dumps(BYO))
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    for path in drop:
        section, _, field = path.partition(".")
        if field:
            config[section].pop(field)
        else:
            config.pop(section)
    keys = SECRET_SECTIONS if secret_keys is None else secret_keys
    return load_settings(config, set(keys), "test", **kwargs)


def errors_of(overrides=None, **kwargs) -> list[str]:
    """Every config error line a stack gets (all problems are reported at once)."""
    with pytest.raises(ConfigError) as caught:
        load(overrides, **kwargs)
    lines = str(caught.value).splitlines()
    assert lines and lines == caught.value.lines
    assert all(line.startswith("config error: rasa-platform:") for line in lines), lines
    return lines


def error_of(overrides=None, **kwargs) -> str:
    """The one config error line a stack with one problem gets."""
    lines = errors_of(overrides, **kwargs)
    assert len(lines) == 1, f"expected exactly one problem, got {lines}"
    return lines[0]


def test_valid_byo_stack_loads():
    s = load()
    assert s.cloud == "aws" and s.environment == "dev"
    assert s.tracker_store.host == "db.internal"
    assert s.tracker_store.password.get_secret_value() == "pw"
    assert not s.any_managed()


def test_environment_presets_and_overrides():
    dev = load()
    prod = load({"environment": "prod"})
    assert dev.rasa.replicas == 1 and not dev.rasa.autoscaling.enabled and not dev.rasa.pod_disruption_budget
    assert prod.rasa.autoscaling.enabled and prod.rasa.autoscaling.min_replicas >= 2 and prod.rasa.pod_disruption_budget
    assert prod.tracker_store.backup_days >= 14 and prod.protection and not dev.protection
    assert prod.tracker_store.high_availability and not dev.tracker_store.high_availability
    overridden = load({"environment": "prod", "trackerStore": {"backupDays": 30}})
    assert overridden.tracker_store.backup_days == 30
    assert overridden.protection and overridden.tracker_store.high_availability  # the rest of the preset stays


def test_objects_arrive_as_json_text_like_pulumi_sends_them():
    config = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in BYO.items()}
    s = load_settings(config, SECRET_SECTIONS, "test")
    assert s.event_queue.bootstrap_servers == ("k1:9096",)


def test_settings_are_immutable():
    s = load()
    with pytest.raises(ValidationError):
        s.environment = "prod"


def test_range_error_names_key_value_and_bounds():
    assert error_of({"trackerStore": {"backupDays": 0}}) == (
        "config error: rasa-platform:trackerStore.backupDays = 0: must be between 7 and 35"
    )


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"cloud": "azur"}, "rasa-platform:cloud = azur: unknown cloud; allowed: aws, azure, gcp"),
        ({"environment": "production"}, "rasa-platform:environment = production: allowed: dev, staging, prod"),
        ({"trackerStor": {"host": "x"}}, "rasa-platform:trackerStor = "),
        ({"trackerStore": {"backupDayz": 9}}, "rasa-platform:trackerStore.backupDayz = 9: unknown key; allowed keys here: "),
        ({"lockStore": {"port": "six"}}, "rasa-platform:lockStore.port = six: must be a whole number"),
        ({"lockStore": {"port": 70000}}, "rasa-platform:lockStore.port = 70000: must be between 1 and 65535"),
        ({"lockStore": {"tls": "maybe"}}, "rasa-platform:lockStore.tls = maybe: must be true or false"),
        ({"lockStore": {"mode": "manual"}}, "rasa-platform:lockStore.mode = manual: allowed: managed or existing"),
        ({"lockStore": {"keyPrefix": "rasa-prod"}}, "rasa-platform:lockStore.keyPrefix = rasa-prod: must be alphanumeric"),
        ({"rasa": {"tag": "latest"}}, "rasa-platform:rasa.tag = latest: must be a pinned version"),
        ({"cluster": {"publicAccessCidrs": ["10.0.0.1/8"]}}, "rasa-platform:cluster.publicAccessCidrs.0 = 10.0.0.1/8: must be a CIDR"),
        ({"trackerStore": {"caCert": "not a pem"}}, "rasa-platform:trackerStore.caCert = not a pem: must be a PEM certificate"),
        ({"vault": {"address": "http://vault:8200"}}, "rasa-platform:vault.address = http://vault:8200: must be an https:// URL"),
        ({"eventQueue": {"bootstrapServers": ["kafka"]}}, "rasa-platform:eventQueue.bootstrapServers.0 = kafka: must be host:port"),
        ({"rasa": {"resources": {"cpuLimit": "two"}}}, "rasa-platform:rasa.resources.cpuLimit = two: must be a Kubernetes quantity"),
        ({"tags": "team=x"}, "rasa-platform:tags = team=x: must be a mapping"),
    ],
)
def test_each_class_of_bad_value_is_one_clear_line(overrides, expected):
    assert expected in error_of(overrides)


@pytest.mark.parametrize("key", ["stack", "placeholderSecrets"])
def test_internal_fields_cannot_be_set_from_config(key):
    assert f"rasa-platform:{key} = x: unknown key" in error_of({key: "x"})


def test_unknown_key_lists_allowed_keys():
    message = error_of({"rasa": {"replica": 3}})
    assert "allowed keys here:" in message and "replicas" in message


@pytest.mark.parametrize(
    "drop, expected",
    [
        (("cloud",), "rasa-platform:cloud = (not set): is required; allowed: aws, azure, gcp"),
        (("environment",), "rasa-platform:environment = (not set): is required"),
        (("trackerStore.host",), "rasa-platform:trackerStore.host = (not set): is required when trackerStore.mode is existing"),
        (("trackerStore.maxConnections",), "rasa-platform:trackerStore.maxConnections = (not set): is required"),
        (("lockStore.host",), "rasa-platform:lockStore.host = (not set)"),
        (("eventQueue.bootstrapServers",), "rasa-platform:eventQueue.bootstrapServers = (not set)"),
        (("modelStorage.bucket",), "rasa-platform:modelStorage.bucket = (not set)"),
        (("vault.address",), "rasa-platform:vault.address = (not set)"),
        (("cluster.context",), "rasa-platform:cluster.context = (not set): an existing cluster needs"),
    ],
)
def test_missing_required_keys(drop, expected):
    assert expected in error_of(drop=drop)


@pytest.mark.parametrize(
    "secret", ["rasa.license", "vault.adminToken", "trackerStore.password", "lockStore.password", "eventQueue.password"]
)
def test_missing_secret_is_an_error_outside_the_offline_preview(secret):
    message = error_of(drop=(secret,))
    assert f"rasa-platform:{secret} = (not set): is required" in message
    assert f"pulumi config set --secret --path 'rasa-platform:{secret}'" in message


def test_offline_preview_fills_missing_secrets_with_listed_placeholders():
    s = load(drop=("rasa.license", "vault.adminToken"), placeholder_for_missing_secrets=True)
    assert s.placeholder_secrets == ("rasa.license", "vault.adminToken")
    assert s.rasa.license.get_secret_value() == PLACEHOLDER_SECRET


def test_plain_text_credential_in_a_stack_file_is_rejected():
    message = error_of(secret_keys=SECRET_SECTIONS - {"lockStore"})
    assert "rasa-platform:lockStore.password = [plain text]: credentials must be Pulumi secrets" in message
    assert "pw" not in message


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"vault": {"mode": "existing"}},
         "rasa-platform:vault.mode = existing: renamed to `external` (same meaning: HCP Vault or your own); "
         "allowed: in-cluster, external"),
        ({"vault": {"mode": "managed"}}, "rasa-platform:vault.mode = managed: allowed: in-cluster or external"),
        ({"vault": {"mode": "in-cluster"}},
         "rasa-platform:vault.mode = in-cluster: the in-cluster Vault auto-unseals with the cloud's key management "
         "(set aws.vaultSeal.enabled: true), or use external"),
        ({"vault": {"mode": "in-cluster"}, "cloud": "gcp", "region": "europe-west3"},
         "rasa-platform:vault.mode = in-cluster: the in-cluster Vault auto-unseals with the cloud's key management "
         "(set gcp.vaultSeal.enabled: true), or use external"),
        ({"vault": {"mode": "in-cluster", "servers": 2}, "aws": {"vaultSeal": {"enabled": True}}},
         "rasa-platform:vault.servers = 2: must be odd (1, 3 or 5): raft needs a majority"),
        ({"vault": {"kubernetesHost": None}},
         "rasa-platform:vault.kubernetesHost = (not set): is required when vault.mode is external"),
        ({"vault": {"token": "t"}}, "rasa-platform:vault.token = [secret]: no longer read: Rasa logs in to Vault with "
                                    "its service account (Kubernetes auth); an external Vault's bootstrap takes vault.adminToken"),
        ({"lockStore": {"authToken": "t"}}, "rasa-platform:lockStore.authToken = [secret]: unknown key; allowed keys here: "),
        ({"region": "", "cluster": {"name": "platform"}, "lockStore": {"mode": "managed"}, "network": {"mode": "existing"},
          "aws": {"network": {"vpcId": "vpc-0123456789abcdef0",
                              "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}}},
         "rasa-platform:region = : is required when a service is managed"),
        ({"rasa": {"autoscaling": {"enabled": True, "minReplicas": 4, "maxReplicas": 2}}},
         "rasa-platform:rasa.autoscaling.minReplicas = 4: must not exceed rasa.autoscaling.maxReplicas (2)"),
        ({"rasa": {"replicas": 9, "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 4}}},
         "rasa-platform:rasa.replicas = 9: must be between"),
        ({"rasa": {"ingress": {"enabled": True}}}, "rasa-platform:rasa.ingress.host = (not set): is required when rasa.ingress.enabled"),
        ({"rasa": {"ingress": {"enabled": True, "host": "bot.acme.com", "className": "nginx", "controllerNamespace": "ingress",
                               "controllerInstalled": True}}}, "rasa-platform:rasa.ingress.clusterIssuer = (not set)"),
        ({"rasa": {"actionServer": {"enabled": True}}}, "rasa-platform:rasa.actionServer.image = (not set)"),
        ({"aws": {"modelStorage": {"endpointUrl": "https://minio:9000"}}, "cloud": "gcp", "region": "europe-west3"},
         "rasa-platform:aws = [section]: applies to cloud aws only; this stack's cloud is gcp"),
        ({"cloud": "azure", "region": "westeurope", "azure": {"modelStorage": {"accountKey": "k"}}},
         "rasa-platform:azure.modelStorage.accountName = (not set): is required for an existing Azure Blob container"),
        ({"cloud": "gcp", "region": "europe-west3", "tags": {"Team": "x"}},
         "rasa-platform:tags.Team = x: GCP label keys start with a lower-case letter"),
        ({"cloud": "azure", "region": "west-europe"}, "rasa-platform:region = west-europe: not a region of Azure"),
    ],
)
def test_cross_field_rules(overrides, expected):
    secret_keys = SECRET_SECTIONS | ({"azure"} if "azure" in overrides else set())
    lines = errors_of(overrides, secret_keys=secret_keys)
    assert any(expected in line for line in lines), lines


def test_every_problem_of_a_stack_is_reported_at_once_one_line_each():
    lines = errors_of({"region": "eu-centrl-1", "rasa": {"ingress": {"enabled": True}},
                       "trackerStore": {"storageGb": 300, "maxStorageGb": 200}}, drop=("rasa.license",))
    assert [line.split(" = ")[0].removeprefix("config error: rasa-platform:") for line in lines] == [
        "rasa.license", "region", "trackerStore.storageGb", "rasa.ingress.host", "rasa.ingress.className",
        "rasa.ingress.clusterIssuer", "rasa.ingress.controllerNamespace", "rasa.ingress.controllerInstalled",
    ]


def test_every_type_error_of_a_stack_is_reported_at_once():
    lines = errors_of({"lockStore": {"port": "six"}, "rasa": {"replicas": 0, "tag": "latest"}})
    assert len(lines) == 3 and all(" = " in line for line in lines)


def test_an_azure_stack_needs_the_blob_account_key_as_a_secret():
    base = {"cloud": "azure", "region": "westeurope", "azure": {"modelStorage": {"accountName": "acmemodels"}}}
    assert "rasa-platform:azure.modelStorage.accountKey = (not set): is required for Azure Blob Storage" in error_of(base)
    plain = {**base, "azure": {"modelStorage": {"accountName": "acmemodels", "accountKey": "k"}}}
    assert "rasa-platform:azure.modelStorage.accountKey = [plain text]: credentials must be Pulumi secrets" in error_of(plain)
    placeholder = load(base, placeholder_for_missing_secrets=True)
    assert placeholder.placeholder_secrets == ("azure.modelStorage.accountKey",)
    assert placeholder.azure.model_storage.account_key.get_secret_value() == PLACEHOLDER_SECRET
