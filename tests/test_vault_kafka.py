"""The bootstrap's Kafka administration: the plan's kafka section per stack, its typed input, and
the script's client configuration (SCRAM, and MSK IAM's OAUTHBEARER token callback).

The ACL step itself runs against a real broker in tests/integration; the MSK IAM token signed by
the Rasa image's own signer library is checked in tests/integration/test_vault_kafka_iam.py."""

from __future__ import annotations

import json
import sys
import types

import pytest

from components.vault.bootstrap_plan import KafkaAdministration, KafkaConsumer, KafkaTopic, _kafka
from components.vault.jobs import bootstrap
from tests.previewing import manifest


def kafka_plan(result) -> dict | None:
    return json.loads(manifest(result, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])["kafka"]


# -- per stack ----------------------------------------------------------------------------------


def test_aws_prod_with_analytics_grants_the_consumer_its_topic_group_and_dead_letter_topic(shipped_previews):
    result = shipped_previews["aws-prod"]
    assert result.settings.analytics.enabled
    kafka = kafka_plan(result)
    assert kafka["sasl_mechanism"] == "AWS_MSK_IAM" and kafka["acl_topics"] == ["rasa-core-events"]
    assert kafka["acls"] == {"producer": "User:rasa", "consumers": [
        {"principal": "User:rasa-analytics", "group": "rasa-analytics-group", "dead_letter_topic": "rasa-analytics-dlq"}]}
    assert sorted(bootstrap.wanted_acls(kafka)) == sorted([
        ("TOPIC", "rasa-core-events", "User:rasa", "WRITE"), ("TOPIC", "rasa-core-events", "User:rasa", "DESCRIBE"),
        ("TOPIC", "rasa-core-events", "User:rasa-analytics", "READ"),
        ("TOPIC", "rasa-core-events", "User:rasa-analytics", "DESCRIBE"),
        ("GROUP", "rasa-analytics-group", "User:rasa-analytics", "READ"),
        ("TOPIC", "rasa-analytics-dlq", "User:rasa-analytics", "WRITE"),
        ("TOPIC", "rasa-analytics-dlq", "User:rasa-analytics", "DESCRIBE"),
    ])
    # Nothing secret in the plan: the administrator is the pod's IAM role.
    assert kafka["password_key"] is None


@pytest.mark.parametrize("stack", ["azure-dev", "azure-prod", "gcp-dev", "gcp-prod", "byo-dev"])
def test_other_clouds_grant_through_their_own_api_and_ask_the_bootstrap_nothing(shipped_previews, stack):
    result = shipped_previews[stack]
    assert kafka_plan(result) is None
    assert "annotations" not in manifest(result, "ServiceAccount", "vault-bootstrap")["metadata"]
    ports = {p["port"] for rule in manifest(result, "NetworkPolicy", "vault-bootstrap")["spec"]["egress"] for p in rule["ports"]}
    assert 9098 not in ports


def test_aws_with_iam_auth_has_no_acl_to_grant():
    from tests.previewing import preview

    result = preview("aws-dev", aws={**preview_aws_section("aws-dev"), "iamAuth": True})
    assert kafka_plan(result) is None
    assert "annotations" not in manifest(result, "ServiceAccount", "vault-bootstrap")["metadata"]


def preview_aws_section(stack: str) -> dict:
    from infra.preview import REPO
    import yaml

    return yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]["rasa-platform:aws"]


# -- the typed input ----------------------------------------------------------------------------


def msk(**changes) -> KafkaAdministration:
    values = dict(bootstrap_servers=["b-2:9098", "b-1:9098"], security_protocol="SASL_SSL", sasl_mechanism="AWS_MSK_IAM",
                  region="eu-central-1", topic="events", producer="User:rasa",
                  consumers=[KafkaConsumer("User:rasa-analytics", "group", "dlq")])
    return KafkaAdministration(**{**values, **changes})


def test_the_plan_section_names_everything_the_steps_read():
    section = _kafka(msk(topics=[KafkaTopic("events", 3, 2, {"retention.ms": "1"})], has_ca=True))
    assert section["bootstrap_servers"] == ["b-1:9098", "b-2:9098"]
    assert section["ca_file"] == "/etc/rasa-platform/vault-ca/event-queue-ca.pem"
    assert section["topics"] == [{"name": "events", "partitions": 3, "replication_factor": 2, "config": {"retention.ms": "1"}}]
    assert section["acls"]["consumers"] == [{"principal": "User:rasa-analytics", "group": "group", "dead_letter_topic": "dlq"}]
    assert _kafka(msk(has_ca=False))["ca_file"] == "/etc/ssl/certs/ca-certificates.crt"
    assert _kafka(msk(producer=None, consumers=[]))["acls"] is None  # then the ACL step is skipped


@pytest.mark.parametrize("changes, message", [
    ({"region": None}, "signs its token for a region"),
    ({"security_protocol": "SASL_PLAINTEXT"}, "over TLS only"),
    ({"security_protocol": "SSL"}, "SSL with SASL mechanism AWS_MSK_IAM"),
    ({"sasl_mechanism": "GSSAPI"}, "unknown SASL mechanism GSSAPI"),
    ({"sasl_mechanism": "SCRAM-SHA-512"}, "needs the administrator's username and password key"),
    ({"producer": "rasa"}, "'rasa' is not User:<name>"),
    ({"consumers": [KafkaConsumer("User:", "g")]}, "'User:' is not User:<name>"),
    ({"bootstrap_servers": []}, "no bootstrap servers"),
])
def test_an_impossible_administration_is_refused_by_the_program(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        msk(**changes)


# -- the script's client configuration ----------------------------------------------------------


def run_with(tmp_path, kafka: dict, **credentials: str) -> bootstrap.Run:
    for key, value in credentials.items():
        (tmp_path / key).write_text(value)
    return bootstrap.Run({"credentials_dir": str(tmp_path), "timeout_seconds": 7, "kafka": kafka})


class FakeSigner:
    """aws_msk_iam_sasl_signer.MSKAuthTokenProvider's interface: (token, expiry in ms)."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.regions: list[str] = []
        self.fail = fail

    def generate_auth_token(self, region: str) -> tuple[str, int]:
        if self.fail:
            raise self.fail
        self.regions.append(region)
        return f"token-{len(self.regions)}", 1_900_000_000_123


def test_msk_iam_is_oauthbearer_with_the_signers_token_and_expiry_in_seconds(tmp_path, monkeypatch):
    signer = FakeSigner()
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", types.SimpleNamespace(MSKAuthTokenProvider=signer))
    kafka = _kafka(msk())
    config = bootstrap._kafka_config(run_with(tmp_path, kafka), kafka)
    callback = config.pop("oauth_cb")
    assert config == {"bootstrap.servers": "b-1:9098,b-2:9098", "security.protocol": "SASL_SSL", "socket.timeout.ms": 7000,
                      "ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt", "sasl.mechanism": "OAUTHBEARER"}
    assert signer.regions == ["eu-central-1"]  # signed before the client exists: bad credentials fail early
    assert callback(None) == ("token-1", 1_900_000_000.123)  # librdkafka wants seconds since the epoch
    assert callback("ignored") == ("token-2", 1_900_000_000.123)  # a refresh signs anew
    assert signer.regions == ["eu-central-1"] * 2


def test_credentials_the_signer_cannot_find_fail_the_step_with_their_cause(tmp_path, monkeypatch):
    signer = FakeSigner(fail=RuntimeError("Unable to locate credentials"))
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", types.SimpleNamespace(MSKAuthTokenProvider=signer))
    kafka = _kafka(msk())
    with pytest.raises(bootstrap.StepFailed) as failed:
        bootstrap._kafka_config(run_with(tmp_path, kafka), kafka)
    assert "eu-central-1" in failed.value.message and "RuntimeError: Unable to locate credentials" in failed.value.message
    assert "eks.amazonaws.com/role-arn" in failed.value.message


def test_an_image_without_the_signer_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", None)  # import fails
    with pytest.raises(bootstrap.StepFailed, match="aws-msk-iam-sasl-signer-python"):
        bootstrap.msk_iam_token_callback("eu-central-1")


def test_a_scram_administrator_logs_in_with_the_password_from_its_secret_file(tmp_path):
    kafka = _kafka(msk(sasl_mechanism="SCRAM-SHA-512", region=None, username="admin", password_key="kafka-admin-password"))
    config = bootstrap._kafka_config(run_with(tmp_path, kafka, **{"kafka-admin-password": "s3cret:@/"}), kafka)
    assert (config["sasl.mechanism"], config["sasl.username"], config["sasl.password"]) == ("SCRAM-SHA-512", "admin", "s3cret:@/")
    assert "oauth_cb" not in config


def test_acls_are_deduplicated_and_need_a_topic():
    kafka = {"acl_topics": ["t"], "acls": {"producer": "User:a", "consumers": [
        {"principal": "User:b", "group": "g", "dead_letter_topic": "t"}]}}  # the DLQ being the topic itself
    acls = bootstrap.wanted_acls(kafka)
    assert len(acls) == len(set(acls))
    assert ("TOPIC", "t", "User:b", "WRITE") in acls and ("GROUP", "g", "User:b", "READ") in acls
    plan = {"kafka": {"bootstrap_servers": ["x:1"], "security_protocol": "SSL", "acl_topics": [], "topics": [],
                      "acls": {"producer": "User:a"}}, "timeout_seconds": 1}
    with pytest.raises(bootstrap.StepFailed, match="names no topic"):
        bootstrap.step_kafka_acls(bootstrap.Run(plan))


# -- the kafka-acls step's bookkeeping (a broker that enforces ACLs is not available here) --------


class Done:
    def __init__(self, value=None, error: Exception | None = None) -> None:
        self.value, self.error = value, error

    def result(self, timeout=None):
        if self.error:
            raise self.error
        return self.value


class FakeAdmin:
    """AdminClient's describe_acls / create_acls, answering the filter it is given like a broker."""

    def __init__(self, bindings=(), refuse_describe: Exception | None = None, refuse: set[str] = frozenset()) -> None:
        self.bindings, self.refuse_describe, self.refuse = list(bindings), refuse_describe, refuse
        self.created: list = []

    def describe_acls(self, acl_filter, request_timeout=None):
        from confluent_kafka.admin import AclPermissionType, ResourcePatternType

        if self.refuse_describe:
            return Done(error=self.refuse_describe)
        return Done([b for b in self.bindings
                     if acl_filter.permission_type in (AclPermissionType.ANY, b.permission_type)
                     and acl_filter.resource_pattern_type in (ResourcePatternType.ANY, b.resource_pattern_type)])

    def create_acls(self, bindings, request_timeout=None):
        out = {}
        for b in bindings:
            if b.principal in self.refuse:
                out[b] = Done(error=RuntimeError("CLUSTER_AUTHORIZATION_FAILED"))
            else:
                self.bindings.append(b)
                self.created.append(b)
                out[b] = Done()
        return out


def binding(principal, op, name="events", restype="TOPIC", *, host="*", allow=True, literal=True):
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(getattr(ResourceType, restype), name,
                      ResourcePatternType.LITERAL if literal else ResourcePatternType.PREFIXED, principal, host,
                      getattr(AclOperation, op), AclPermissionType.ALLOW if allow else AclPermissionType.DENY)


def acl_run(monkeypatch, admin: FakeAdmin) -> bootstrap.Run:
    monkeypatch.setattr(bootstrap, "_admin", lambda run, kafka: admin)
    return bootstrap.Run({"timeout_seconds": 1, "kafka": _kafka(msk())})


def test_only_exact_literal_allow_grants_count_and_a_second_run_is_unchanged(monkeypatch):
    admin = FakeAdmin([
        binding("User:rasa", "WRITE"),  # already granted
        binding("User:rasa", "DESCRIBE", allow=False),  # a DENY is no grant
        binding("User:rasa-analytics", "READ", host="10.0.0.7"),  # one host only
        binding("User:rasa-analytics", "READ", "rasa-analytics", "GROUP", literal=False),  # prefixed
    ])
    run = acl_run(monkeypatch, admin)
    outcome = bootstrap.step_kafka_acls(run)
    assert outcome.status == "changed"
    created = {(b.restype.name, b.name, b.principal, b.operation.name) for b in admin.created}
    assert created == set(bootstrap.wanted_acls(run.plan["kafka"])) - {("TOPIC", "events", "User:rasa", "WRITE")}
    assert all(b.host == "*" and b.resource_pattern_type.name == "LITERAL" and b.permission_type.name == "ALLOW"
               for b in admin.created)
    assert "User:rasa-analytics WRITE topic dlq" in outcome.detail
    again = bootstrap.step_kafka_acls(run)
    assert (again.status, again.detail) == ("unchanged", "7 ACLs present")


def test_a_refused_describe_or_grant_fails_the_step_naming_what_and_the_iam_actions(monkeypatch):
    run = acl_run(monkeypatch, FakeAdmin(refuse_describe=RuntimeError("CLUSTER_AUTHORIZATION_FAILED: denied")))
    with pytest.raises(bootstrap.StepFailed) as failed:
        bootstrap.step_kafka_acls(run)
    assert "cannot describe the ACLs on b-1:9098, b-2:9098" in failed.value.message
    assert "kafka-cluster:Connect, DescribeCluster and AlterCluster" in failed.value.message
    admin = FakeAdmin(refuse={"User:rasa-analytics"})
    with pytest.raises(bootstrap.StepFailed) as failed:
        bootstrap.step_kafka_acls(acl_run(monkeypatch, admin))
    assert "User:rasa-analytics READ group group: CLUSTER_AUTHORIZATION_FAILED" in failed.value.message
    assert {b.principal for b in admin.created} == {"User:rasa"}  # what could be granted was; a re-run completes
