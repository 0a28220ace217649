"""`CommonArgs`: the arguments every service component of every cloud takes, the same way.

Like Azure Verified Modules' shared interface: learn one component, know them all. Each component's
own Args add the values only it reads; nothing reads the whole stack settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi


def base_name(stack: str) -> str:
    """`rasa-<stack>`, reduced to what every cloud's names accept (lower-case letters, digits, -)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", f"rasa-{stack}".lower()).strip("-")
    return re.sub(r"-{2,}", "-", cleaned)


@dataclass(frozen=True)
class CommonArgs:
    # Physical name prefix of every cloud resource of the stack (`rasa-<stack>`, cleaned for the cloud).
    name: str
    # Tags / labels in the cloud's own scheme: the stack's tags plus the platform's.
    tags: Mapping[str, str] = field(default_factory=dict)
    # Deletion protection, final snapshots, kept backups and Pulumi `protect` on data and keys.
    protect: bool = False
    # A customer-managed key to encrypt with instead of the key the component creates for itself.
    encryption_key: Optional[pulumi.Input[str]] = None
    # The cloud's network facts (AWS: NetworkInfo), once a network exists.
    network: Optional[Any] = None

    def physical_name(self, suffix: str, max_length: int = 63) -> str:
        """A physical name `<name>-<suffix>` that fits `max_length`, trimming the name, never the suffix."""
        room = max_length - len(suffix) - 1
        return f"{self.name[:room].rstrip('-')}-{suffix}"
