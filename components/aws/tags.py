"""AWS's tag scheme: the stack's own tags plus `rasa-platform:stack` and `rasa-platform:environment`.

Those two let cost reports and policies find every resource of one deployment; `Name` makes the
console readable.
"""

from __future__ import annotations

from typing import Optional

from components.cloud import TagScheme

STACK_TAG = "rasa-platform:stack"
ENVIRONMENT_TAG = "rasa-platform:environment"
# AWS rejects more than 50 user tags per resource; we add at most three (stack, environment, Name).
MAX_STACK_TAGS = 47


def with_name(tags: dict[str, str], name: Optional[str]) -> dict[str, str]:
    return {**tags, "Name": name} if name else dict(tags)


def tag_problem(key: str, value: str) -> Optional[str]:
    """Why AWS would reject this tag, or None."""
    if key.lower().startswith("aws:"):
        return "the aws: prefix is reserved by AWS"
    if not 1 <= len(key) <= 128:
        return "tag keys must be 1 to 128 characters"
    if len(value) > 256:
        return "tag values must be at most 256 characters"
    return None


AWS_TAGS = TagScheme(stack_key=STACK_TAG, environment_key=ENVIRONMENT_TAG, max_user_tags=MAX_STACK_TAGS, problem=tag_problem)
