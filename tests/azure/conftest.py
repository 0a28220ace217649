"""Runs shared by the Azure tests: each provisions the whole Azure side once under the mock engine."""

from __future__ import annotations

import pytest

from tests.azure.harness import AzureRun, plan_for, provision
from tests.support.assistant import model_archive


@pytest.fixture(scope="session")
def azure_prod() -> AzureRun:
    return provision(plan_for("prod"))


@pytest.fixture(scope="session")
def azure_dev() -> AzureRun:
    return provision(plan_for("dev"))


@pytest.fixture(scope="session")
def azure_premium_cache(tmp_path_factory) -> AzureRun:
    """prod with Azure Cache for Redis Premium instead of Azure Managed Redis, and a model upload."""
    archive = model_archive(tmp_path_factory.mktemp("model") / "assistant.tar.gz", "3.21.0")
    return provision(plan_for("prod", azure={"lockStore": {"kind": "cachePremium", "premiumCapacity": 2}},
                              modelStorage={"uploadFrom": str(archive)}))
