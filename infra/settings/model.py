"""The whole `StackSettings` model: the cloud-neutral one plus a section per registered cloud."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from components.registry import CLOUDS
from components.settings.stack import ENVIRONMENTS
from components.settings.stack import StackSettings as NeutralStackSettings

CLOUD_NAMES = tuple(CLOUDS)


def _compose() -> type[NeutralStackSettings]:
    fields: dict[str, Any] = {
        "cloud": (Literal[CLOUD_NAMES], Field(description="Where managed services run (required).")),  # type: ignore[valid-type]
    }
    for spec in CLOUDS.values():
        fields[spec.name] = (
            spec.settings_model,
            Field(default_factory=spec.settings_model, description=f"{spec.title}-only settings."),
        )
    return create_model("StackSettings", __base__=NeutralStackSettings, **fields)


StackSettings = _compose()

__all__ = ["CLOUD_NAMES", "ENVIRONMENTS", "StackSettings"]
