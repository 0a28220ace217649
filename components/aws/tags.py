"""Tags every AWS resource of the platform carries: the stack's own tags plus two of ours.

`rasa-platform:stack` and `rasa-platform:environment` let cost reports and policies find every
resource of one deployment; `Name` makes the console readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from infra.settings import StackSettings

STACK_TAG = "rasa-platform:stack"
ENVIRONMENT_TAG = "rasa-platform:environment"
# AWS rejects more than 50 user tags per resource; we add at most three (stack, environment, Name).
MAX_STACK_TAGS = 47


def platform_tags(settings: "StackSettings") -> dict[str, str]:
    tags = dict(settings.tags)
    tags[STACK_TAG] = settings.stack
    tags[ENVIRONMENT_TAG] = settings.environment
    return tags


def with_name(tags: dict[str, str], name: Optional[str]) -> dict[str, str]:
    return {**tags, "Name": name} if name else dict(tags)


def tag_problem(key: str, value: str) -> Optional[str]:
    """Why AWS would reject this tag, or None."""
    if key.lower().startswith("aws:"):
        return "the aws: prefix is reserved by AWS"
    if key in (STACK_TAG, ENVIRONMENT_TAG):
        return "set by the platform itself"
    if not 1 <= len(key) <= 128:
        return "tag keys must be 1 to 128 characters"
    if len(value) > 256:
        return "tag values must be at most 256 characters"
    return None
