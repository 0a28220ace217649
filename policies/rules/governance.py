"""Governance: where resources may live and how they are labelled for ownership and cost.

Both rules are driven by policy config and do nothing with the defaults (any region, no tag).
"""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import REGION, TAGS
from .declare import ADVISORY, resource_rule

RULES = (
    resource_rule(
        "allowed-regions",
        "Cloud resources are created only in the regions the organisation allows (data residency).",
        f"Set {REGION} to one of the allowedRegions of the pack's config.",
        config=("allowedRegions",),
    ),
    resource_rule(
        "required-tags",
        "Cloud resources carry the tags ownership and cost reports need.",
        f"Add the missing keys to {TAGS} (the program puts them on every cloud resource).",
        level=ADVISORY,
        severity=Severity.LOW,
        config=("requiredTags",),
    ),
)
