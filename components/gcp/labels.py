"""GCP's label scheme: the stack's own labels plus `rasa-platform-stack` and `-environment`.

Label keys are lower-case letters, digits, `_` and `-` (no `:`), start with a letter and hold at
most 63 characters; values the same without the leading letter.
"""

from __future__ import annotations

import re
from typing import Optional

from components.cloud import TagScheme

_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
# GCP allows 64 labels per resource; the platform adds two.
MAX_STACK_LABELS = 62


def label_problem(key: str, value: str) -> Optional[str]:
    """Why GCP would reject this label, or None."""
    if not _LABEL_KEY.fullmatch(key):
        return "GCP label keys start with a lower-case letter and hold only lower-case letters, digits, _ and - (at most 63)"
    if not _LABEL_VALUE.fullmatch(value):
        return "GCP label values hold only lower-case letters, digits, _ and - (at most 63)"
    return None


GCP_LABELS = TagScheme(
    stack_key="rasa-platform-stack", environment_key="rasa-platform-environment",
    max_user_tags=MAX_STACK_LABELS, problem=label_problem,
)
