"""Across the whole AWS side: tags, KMS keys, protection, log groups, component structure, outputs."""

from __future__ import annotations

import importlib
import json
import inspect
from collections import Counter

import pytest

from components.aws.tags import ENVIRONMENT_TAG, STACK_TAG
from tests.aws.harness import Registered, plan_for, provision

DATA_TYPES = (
    "aws:s3/bucket:Bucket", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:msk/cluster:Cluster", "aws:msk/topic:Topic", "aws:kms/key:Key", "aws:eks/cluster:Cluster",
)


def takes_tags(resource_type: str) -> bool:
    """Whether the pulumi-aws class behind a type token has a `tags` argument."""
    _, module, name = resource_type.split(":")
    package = module.split("/")[0]
    cls = getattr(importlib.import_module(f"pulumi_aws.{package}"), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def aws_resources(run) -> list[Registered]:
    return [r for r in run.resources if r.custom and r.type.startswith("aws:")]


@pytest.mark.parametrize("run_name", ["prod_run", "dev_run", "iam_run"])
def test_every_taggable_aws_resource_carries_the_stack_tags(run_name, request):
    run = request.getfixturevalue(run_name)
    taggable = [r for r in aws_resources(run) if takes_tags(r.type)]
    assert len(taggable) > 50
    for resource in taggable:
        tags = resource.inputs.get("tags") or {}
        assert tags.get("team") == "conversational-ai", (resource.type, resource.name)
        assert tags.get(STACK_TAG) == "aws-test" and tags.get(ENVIRONMENT_TAG) == run.settings.environment, resource.name


def test_launch_template_tags_the_instances_volumes_and_interfaces_it_creates(prod_run):
    specs = prod_run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs["tagSpecifications"]
    assert {s["resourceType"] for s in specs} == {"instance", "volume", "network-interface"}
    assert all(s["tags"][STACK_TAG] == "aws-test" for s in specs)


def test_every_kms_key_rotates_waits_30_days_before_deletion_and_is_managed_by_the_account(prod_run):
    keys = prod_run.of_type("aws:kms/key:Key")
    purposes = {k.inputs["tags"]["Name"].removeprefix("rasa-aws-test-") for k in keys}
    assert purposes == {"logs", "eks-secrets", "ebs", "models", "tracker-store", "lock-store", "event-queue"}
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True and key.inputs["rotationPeriodInDays"] == 365
        assert key.inputs["deletionWindowInDays"] == 30
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        root = next(s for s in key.policy()["Statement"] if s["Sid"] == "AccountRootManagesKey")
        assert root["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    aliases = {a.inputs["name"] for a in prod_run.of_type("aws:kms/alias:Alias")}
    assert aliases == {f"alias/rasa-aws-test/{p}" for p in purposes}


def test_only_the_logs_key_lets_cloudwatch_logs_use_it_and_only_for_this_accounts_groups(prod_run):
    keys = prod_run.of_type("aws:kms/key:Key")
    assert sum(k.inputs["tags"]["Name"].endswith("-logs") for k in keys) == 1 and len(keys) > 1
    for key in keys:
        services = [s for s in key.policy()["Statement"] if "Service" in s.get("Principal", {})]
        if key.inputs["tags"]["Name"].endswith("-logs"):
            (statement,) = services
            assert statement["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
            assert statement["Condition"] == {"ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:123456789012:log-group:*"}}
        else:
            assert services == []


def test_every_log_group_is_encrypted_with_the_logs_key_and_expires(prod_run, dev_run):
    for run, days in ((prod_run, 365), (dev_run, 30)):
        groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
        assert groups
        for group in groups:
            assert group.inputs["kmsKeyId"] == run.key_arn("logs"), group.name
            assert group.inputs["retentionInDays"] == days


def test_data_holders_and_their_keys_are_protected_in_prod_only(prod_run, dev_run):
    for type_ in DATA_TYPES:
        assert prod_run.of_type(type_) and dev_run.of_type(type_), type_
        assert all(r.protect for r in prod_run.of_type(type_)), type_
        assert not any(r.protect for r in dev_run.of_type(type_)), type_
    protected = {r.type for r in prod_run.resources if r.protect}
    assert protected == set(DATA_TYPES)


def test_every_data_security_group_admits_only_the_cluster_on_its_ports_and_has_no_egress(prod_run):
    groups = prod_run.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert {g.name for g in groups} == {"tracker-store-sg", "lock-store-sg", "event-queue-sg"}
    ports = {g.name: [r["fromPort"] for r in g.inputs["ingress"]] for g in groups}
    assert ports == {"tracker-store-sg": [5432], "lock-store-sg": [6379], "event-queue-sg": [9096, 9098]}
    for group in groups:
        for rule in group.inputs["ingress"]:
            assert rule["fromPort"] == rule["toPort"] and rule["protocol"] == "tcp"
            assert rule["securityGroups"] == [prod_run.cluster_security_group_id]
            assert "cidrBlocks" not in rule and "ipv6CidrBlocks" not in rule
        assert group.inputs["egress"] == [] and group.inputs["revokeRulesOnDelete"] is True


def test_extra_client_security_groups_are_admitted_too():
    run = provision(plan_for("dev", aws={"clientSecurityGroupIds": ["sg-0123456789abcdef0"]}))
    groups = run.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert len(groups) == 3
    for group in groups:
        assert group.inputs["ingress"], group.name
        for rule in group.inputs["ingress"]:
            assert rule["securityGroups"] == [run.cluster_security_group_id, "sg-0123456789abcdef0"]


def test_components_have_typed_tokens_and_every_cloud_resource_has_one_as_parent(prod_run):
    components = [r for r in prod_run.resources if not r.custom]
    assert {c.type for c in components} == {
        "rasa-platform:aws:Network", "rasa-platform:aws:Cluster", "rasa-platform:aws:ModelStorage",
        "rasa-platform:aws:TrackerStore", "rasa-platform:aws:LockStore", "rasa-platform:aws:EventQueue",
        "rasa-platform:aws:RasaIdentity", "rasa-platform:aws:CustomerKey", "rasa-platform:aws:ClusterAutoscaler",
        "rasa-platform:aws:KafkaAdmin",
    }
    component_urns = {c.urn for c in components}
    cloud_resources = [r for r in prod_run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert len(cloud_resources) > 100
    for resource in cloud_resources:
        assert resource.parent in component_urns, (resource.type, resource.name)


def test_every_aws_resource_uses_the_stacks_pinned_provider(prod_run):
    provider = prod_run.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-central-1"
    assert len(aws_resources(prod_run)) > 100
    for resource in aws_resources(prod_run):
        assert resource.provider.startswith(provider.urn + "::"), (resource.type, resource.name)


def test_allowed_account_ids_reach_the_provider():
    run = provision(plan_for("dev", aws={"allowedAccountIds": ["246813579024"]}))
    # provider inputs travel as JSON text
    assert json.loads(run.one("pulumi:providers:aws").inputs["allowedAccountIds"]) == ["246813579024"]


def test_urns_are_unique_as_the_engine_requires(prod_run, iam_run):
    for run in (prod_run, iam_run):
        duplicates = [urn for urn, n in Counter(r.urn for r in run.resources).items() if n > 1]
        assert duplicates == []


def test_iam_roles_are_named_after_the_stack_and_carry_the_permissions_boundary():
    boundary = "arn:aws:iam::246813579024:policy/platform-boundary"
    run = provision(plan_for("dev", aws={"permissionsBoundaryArn": boundary}))
    roles = run.of_type("aws:iam/role:Role")
    assert roles and all(r.inputs["permissionsBoundary"] == boundary for r in roles)
    assert all(r.inputs["namePrefix"].startswith("rasa-aws-test-") and len(r.inputs["namePrefix"]) <= 38 for r in roles)


def test_outputs_an_operator_needs_next_with_the_admin_password_secret(prod_run):
    outputs, secret = prod_run.resolved["outputs"], prod_run.secret_outputs
    assert {"awsRegion", "vpcId", "clusterName", "clusterEndpoint", "kubeconfigCommand", "modelBucket",
            "trackerStoreEndpoint", "trackerStoreAdminUsername", "trackerStoreAdminPassword", "lockStoreEndpoint",
            "eventQueueBootstrapServers", "eventQueueTopic", "rasaRoleArn"} <= set(outputs)
    assert outputs["kubeconfigCommand"] == "aws eks update-kubeconfig --name rasa-aws-test-eks --region eu-central-1"
    assert sorted(k for k, is_secret in secret.items() if is_secret) == ["trackerStoreAdminPassword", "trackerStoreAppPassword"]
    assert outputs["trackerStoreAppUsername"] == "rasa"
