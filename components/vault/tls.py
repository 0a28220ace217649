"""Vault's TLS: a private CA and the servers' certificate, made with pulumi-tls.

Why pulumi-tls rather than cert-manager: the CA must be known to the program itself, because its
certificate goes into the Rasa pods' CA ConfigMap (VAULT_CACERT), the Agent's `ca-cert`, the
bootstrap Job and the raft peers' `leader_ca_cert_file`, all in the same `pulumi up` that creates
Vault. pulumi-tls computes it locally (no cluster add-on, works in the offline preview), keeps
the private keys as Pulumi secrets in the state, and renews the certificate in a `pulumi up`
once it is inside `early_renewal_hours`. cert-manager would add a cluster dependency and a
trust-distribution step (trust-manager) before Vault could start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_tls as tls

CA_VALIDITY_HOURS = 10 * 365 * 24
SERVER_VALIDITY_HOURS = 365 * 24
SERVER_EARLY_RENEWAL_HOURS = 30 * 24  # a `pulumi up` in the last month issues a new one


@dataclass(frozen=True)
class VaultTlsArgs:
    common_name: str
    dns_names: Sequence[str]
    ip_addresses: Sequence[str] = ("127.0.0.1",)  # the chart's probes call https://127.0.0.1:8200


class VaultTls(pulumi.ComponentResource):
    """Outputs: `ca_cert_pem` (public), `cert_pem` (public), `private_key_pem` (secret)."""

    def __init__(self, name: str, args: VaultTlsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:vault:Tls", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        ca = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{args.common_name} CA", organization="rasa-platform"),
            validity_period_hours=CA_VALIDITY_HOURS,
            allowed_uses=["cert_signing", "crl_signing"],
            opts=child,
        )
        key = tls.PrivateKey(f"{name}-server-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        request = tls.CertRequest(
            f"{name}-server-request",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=args.common_name, organization="rasa-platform"),
            dns_names=list(args.dns_names),
            ip_addresses=list(args.ip_addresses),
            opts=child,
        )
        cert = tls.LocallySignedCert(
            f"{name}-server",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem,
            validity_period_hours=SERVER_VALIDITY_HOURS,
            early_renewal_hours=SERVER_EARLY_RENEWAL_HOURS,
            # Raft peers are clients of each other: client auth too.
            allowed_uses=["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            opts=child,
        )
        self.ca_cert_pem: pulumi.Output[str] = ca.cert_pem
        self.cert_pem: pulumi.Output[str] = cert.cert_pem
        self.private_key_pem: pulumi.Output[str] = pulumi.Output.secret(key.private_key_pem)
        self.register_outputs({"caCertPem": self.ca_cert_pem})
