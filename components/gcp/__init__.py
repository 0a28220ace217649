"""Google Cloud, bring-your-own so far: Rasa on an existing GKE cluster with existing services.

`GCP` is the package's spec (components/registry.py). It has no managed services yet (the GCP
issue adds them in this package) and no settings of its own; its label scheme already follows
GCP's rules: keys of lower-case letters, digits, `_` and `-` (no `:`), at most 63 characters.
"""

from __future__ import annotations

import re
from typing import Optional

from components.cloud import CloudSpec, TagScheme
from components.gcp.regions import GCP_REGIONS
from components.settings.values import Section

_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")


class GcpSettings(Section):
    """Nothing GCP-only is configurable until GCP's managed services exist."""


def label_problem(key: str, value: str) -> Optional[str]:
    """Why GCP would reject this label, or None."""
    if not _LABEL_KEY.fullmatch(key):
        return "GCP label keys start with a lower-case letter and hold only lower-case letters, digits, _ and - (at most 63)"
    if not _LABEL_VALUE.fullmatch(value):
        return "GCP label values hold only lower-case letters, digits, _ and - (at most 63)"
    return None


GCP_LABELS = TagScheme(
    stack_key="rasa-platform-stack", environment_key="rasa-platform-environment", max_user_tags=62, problem=label_problem,
)


GCP = CloudSpec(
    name="gcp",
    title="Google Cloud",
    description="bring-your-own services on an existing GKE cluster (managed services: the GCP issue)",
    settings_model=GcpSettings,
    regions=GCP_REGIONS,
    sdk="pulumi_gcp",
    tag_property="labels",
    remote_storage="gcs",
    tags=GCP_LABELS,
)

__all__ = ["GCP"]
