"""Cloud KMS: one key ring per stack and one key per purpose, each usable only by the identities named.

Keys rotate every 90 days; a destroyed key version stays restorable for 30 days; keys (and the key
ring, which GCP never deletes) are Pulumi-protected with `protection`. Google-managed service agents
that encrypt for us (Cloud SQL, Memorystore, Managed Kafka, GCS, GKE) get
`roles/cloudkms.cryptoKeyEncrypterDecrypter` on their own key only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_gcp as gcp

from components.gcp.context import GcpContext

ROTATION_PERIOD = "7776000s"  # 90 days
DESTROY_DELAY = "2592000s"  # 30 days
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


@dataclass(frozen=True)
class KeyRingArgs:
    context: GcpContext


class KeyRing(pulumi.ComponentResource):
    """The stack's key ring, in the stack's region (every service's key must sit where it runs)."""

    key_ring: gcp.kms.KeyRing

    def __init__(self, name: str, args: KeyRingArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:KeyRing", name, None, opts)
        ctx = args.context
        self._ctx = ctx
        self.key_ring = gcp.kms.KeyRing(
            f"{name}-ring",
            name=ctx.unique_name(f"{name}-suffix", "keys", self),
            location=ctx.region,
            project=ctx.project,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        self.register_outputs({"id": self.key_ring.id})

    def key(
        self, name: str, purpose: str, parent: pulumi.Resource, *, users: Sequence[pulumi.Input[str]] = (),
    ) -> "CustomerKey":
        """A key for one purpose, a child of `parent`, with encrypt/decrypt for `users` (IAM members)."""
        return CustomerKey(
            name, CustomerKeyArgs(self._ctx, self.key_ring.id, purpose, tuple(users)),
            opts=pulumi.ResourceOptions(parent=parent),
        )


@dataclass(frozen=True)
class CustomerKeyArgs:
    context: GcpContext
    key_ring_id: pulumi.Input[str]
    purpose: str  # the key's name: models, tracker-store, ...
    encrypters: tuple[pulumi.Input[str], ...] = ()  # IAM members that may encrypt and decrypt with it


class CustomerKey(pulumi.ComponentResource):
    crypto_key: gcp.kms.CryptoKey
    grants: list[gcp.kms.CryptoKeyIAMMember]

    def __init__(self, name: str, args: CustomerKeyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:CustomerKey", name, None, opts)
        ctx = args.context
        self.crypto_key = gcp.kms.CryptoKey(
            f"{name}-crypto-key",
            name=args.purpose,
            key_ring=args.key_ring_id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=ROTATION_PERIOD,
            destroy_scheduled_duration=DESTROY_DELAY,
            version_template={"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protection_level": "SOFTWARE"},
            labels={**ctx.labels, "purpose": args.purpose},
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        self.grants = [
            gcp.kms.CryptoKeyIAMMember(
                f"{name}-encrypter-{i}",
                crypto_key_id=self.crypto_key.id,
                role=ENCRYPTER_DECRYPTER,
                member=member,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for i, member in enumerate(args.encrypters)
        ]
        self.register_outputs({"id": self.crypto_key.id})

    @property
    def id(self) -> pulumi.Output[str]:
        return self.crypto_key.id

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What a resource encrypted with this key must wait for: the key and its grants."""
        return [self.crypto_key, *self.grants]


def service_agent(
    ctx: GcpContext, name: str, service: str, parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The IAM member of a Google service's agent in this project (created if it does not exist yet,
    so its key grant can precede the service's first resource)."""
    identity = gcp.projects.ServiceIdentity(
        name, project=ctx.project, service=service, opts=pulumi.ResourceOptions(parent=parent),
    )
    return identity.email.apply(lambda email: f"serviceAccount:{email}")
