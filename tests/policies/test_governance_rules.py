"""Region and tag rules: off by default, driven by policy config."""

from __future__ import annotations

import pytest

from . import fixtures as fx
from .helpers import U, changed, run_resource


def test_any_region_and_no_tags_by_default():
    assert run_resource("allowed-regions", fx.T_RDS, changed(fx.RDS, "region", "us-east-1")).ok
    assert run_resource("required-tags", fx.T_RDS, changed(fx.RDS, "tags", {})).ok


def test_allowed_regions():
    config = {"allowedRegions": ["eu-central-1", "eu-west-1"]}
    assert run_resource("allowed-regions", fx.T_RDS, changed(fx.RDS, "region", "eu-west-1"), config).ok
    assert run_resource("allowed-regions", fx.T_RDS, changed(fx.RDS, "region", "us-east-1"), config).has("us-east-1")
    # From the provider when the resource does not set it.
    assert run_resource("allowed-regions", fx.T_RDS, fx.RDS, config, provider={"region": "us-east-1"}).violations
    assert run_resource("allowed-regions", fx.T_RDS, fx.RDS, config, provider={"region": "eu-central-1"}).ok
    # The provider resource itself is checked.
    assert run_resource("allowed-regions", fx.T_AWS_PROVIDER, {"region": "us-east-1"}, config).violations
    # Kubernetes resources have no region.
    assert run_resource("allowed-regions", fx.T_DEPLOYMENT, fx.rasa_deployment(), config).ok


def test_allowed_regions_unknown_is_undecided():
    config = {"allowedRegions": ["eu-central-1"]}
    outcome = run_resource("allowed-regions", fx.T_RDS, changed(fx.RDS, "region", U), config)
    assert not outcome.violations and outcome.undecided
    outcome = run_resource("allowed-regions", fx.T_RDS, fx.RDS, config)  # no region anywhere
    assert not outcome.violations and outcome.undecided


def test_required_tags():
    config = {"requiredTags": ["owner", "rasa-platform:stack"]}
    tagged = changed(fx.RDS, "tags", {**fx.PROD, "owner": "platform"})
    assert run_resource("required-tags", fx.T_RDS, tagged, config).ok
    assert run_resource("required-tags", fx.T_RDS, fx.RDS, config).has("missing required tags: owner")
    # Provider default tags count.
    assert run_resource("required-tags", fx.T_RDS, fx.RDS, config,
                        provider={"defaultTags": {"tags": {"owner": "platform"}}}).ok
    # Resources that cannot carry tags are skipped.
    assert run_resource("required-tags", fx.T_PAB, fx.PAB, config).ok
    outcome = run_resource("required-tags", fx.T_RDS, changed(fx.RDS, "tags", U), config)
    assert not outcome.violations and outcome.undecided


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pulumi_aws deprecates its V2 aliases on import
def test_untaggable_types_really_have_no_tags_input():
    import importlib
    import inspect

    from policies.aws.governance import UNTAGGABLE

    assert UNTAGGABLE
    for token in UNTAGGABLE:
        module, cls = token.split(":")[1].split("/")[0], token.split(":")[2]
        args = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls + "Args")
        assert "tags" not in inspect.signature(args.__init__).parameters, token
