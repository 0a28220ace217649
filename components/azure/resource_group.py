"""The stack's resource group (or an existing one) and the random suffix of its global names.

Storage accounts, Key Vaults, Redis, PostgreSQL servers and Event Hubs namespaces share global DNS
namespaces: their names get a 6-character suffix drawn once per stack, kept in state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi
import pulumi_azure_native.resources as resources
import pulumi_random as random


@dataclass(frozen=True)
class ResourceGroupArgs:
    mode: str  # create | existing
    name: str  # the group's name (given, or `rg-<base>`)
    location: str
    tags: Mapping[str, str]
    protect: bool = False


class ResourceGroup(pulumi.ComponentResource):
    name: pulumi.Output[str]
    suffix: pulumi.Output[str]
    group: Optional[resources.ResourceGroup]

    def __init__(self, name: str, args: ResourceGroupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:ResourceGroup", name, None, opts)
        self.group = None
        if args.mode == "create":
            self.group = resources.ResourceGroup(
                f"{name}-group",
                resource_group_name=args.name,
                location=args.location,
                tags=dict(args.tags),
                # Deleting the group deletes every resource in it: protected with the data.
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            self.name = self.group.name
        else:
            self.name = pulumi.Output.from_input(args.name)
        self.suffix = random.RandomId(f"{name}-suffix", byte_length=3, opts=pulumi.ResourceOptions(parent=self)).hex
        self.register_outputs({"name": self.name})
