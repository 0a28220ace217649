"""How the platform's tags are spelled on Azure, and which user tags Resource Manager accepts."""

from __future__ import annotations

from typing import Optional

from components.cloud import TagScheme


def tag_problem(key: str, value: str) -> Optional[str]:
    """Why Azure Resource Manager would reject this tag, or None."""
    if any(c in key for c in '<>%&\\?/'):
        return "Azure tag names may not contain < > % & \\ ? /"
    if not 1 <= len(key) <= 512:
        return "Azure tag names must be 1 to 512 characters"
    if len(value) > 256:
        return "Azure tag values must be at most 256 characters"
    return None


# Azure allows 50 tags per resource: the platform's two leave 48.
AZURE_TAGS = TagScheme(
    stack_key="rasa-platform:stack", environment_key="rasa-platform:environment", max_user_tags=48, problem=tag_problem,
)
