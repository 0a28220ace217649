"""Runs shared by the GCP tests: each provisions the whole GCP side once under the mock engine."""

from __future__ import annotations

import pytest

from tests.gcp.harness import GcpRun, plan_for, provision


@pytest.fixture(scope="session")
def gcp_prod() -> GcpRun:
    return provision(plan_for("prod"))


@pytest.fixture(scope="session")
def gcp_dev() -> GcpRun:
    return provision(plan_for("dev", gcp={"cluster": {"zone": "europe-west3-a"}}))


@pytest.fixture(scope="session")
def gcp_confluent() -> GcpRun:
    return provision(plan_for("prod", eventQueue={"provider": "confluent"}))
