"""`CommonArgs`: the arguments every service component of every cloud takes, the same way.

Like Azure Verified Modules' shared interface: learn one component, know them all. Each component's
own Args add the values only it reads; nothing reads the whole stack settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi


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
