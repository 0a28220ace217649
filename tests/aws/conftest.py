"""Runs shared by the AWS tests: each provisions the whole AWS side once under the mock engine."""

from __future__ import annotations

import pytest

from tests.aws.harness import Run, plan_for, provision


@pytest.fixture(scope="session")
def prod_run() -> Run:
    return provision(plan_for("prod"))


@pytest.fixture(scope="session")
def dev_run() -> Run:
    return provision(plan_for("dev"))


@pytest.fixture(scope="session")
def iam_run() -> Run:
    """prod with aws.iamAuth: RDS, ElastiCache and MSK reached with IAM instead of passwords."""
    return provision(plan_for("prod", aws={"iamAuth": True}, analytics={"enabled": False}))
