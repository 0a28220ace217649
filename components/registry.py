"""The clouds this program knows: the only shared module that names cloud packages.

Settings, presets, the offline mock engine, the README generator and bring-your-own services
iterate `CLOUDS`. Adding a cloud is its package (a `CloudSpec`), one line here, and its policy
checks in `policies/<cloud>/`.
"""

from __future__ import annotations

from components.aws import AWS
from components.azure import AZURE
from components.cloud import CloudSpec
from components.gcp import GCP

CLOUDS: dict[str, CloudSpec] = {spec.name: spec for spec in (AWS, AZURE, GCP)}


def spec_for(cloud: str) -> CloudSpec:
    """The spec of a registered cloud (settings have already refused any other name)."""
    return CLOUDS[cloud]
