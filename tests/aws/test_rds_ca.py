"""The vendored RDS root CAs: each is what its line says (the RSA2048 G1 root of that region,
self-signed by Amazon RDS, valid until 2061 as AWS documents for rds-ca-rsa2048-g1), and the
stack's region's root reaches the Rasa pod as the file SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE names."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from components.aws.rds_ca import root_ca_pem, vendored
from components.aws.regions import AWS_REGIONS
from components.aws.tracker_store import CA_CERT_IDENTIFIER
from tests.previewing import env_of, manifest, rasa_container

ROOTS = vendored(CA_CERT_IDENTIFIER)
# Checked against three independent copies of AWS's global bundle (README: AWS, the RDS CA).
EU_CENTRAL_1_SHA256 = "3d8b08a7390c9b10d190a6b349d703ae00bae46583643319c7faccf3e5dc4a8b"
# Regions whose root is not vendored yet (in fewer than two of the copies checked, or another
# partition's trust store): their stacks set trackerStore.caCert, and the preview says so.
NOT_VENDORED = {"ap-east-2", "ap-southeast-6", "ap-southeast-7", "mx-central-1",
                "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1"}


def _name(cert: x509.Certificate, oid) -> str:
    (attribute,) = cert.subject.get_attributes_for_oid(oid)
    return str(attribute.value)


def test_every_vendored_region_is_a_known_region_and_the_gaps_are_listed():
    assert len(ROOTS) == 30
    assert set(ROOTS) <= AWS_REGIONS
    assert AWS_REGIONS - set(ROOTS) == NOT_VENDORED


@pytest.mark.parametrize("region", sorted(ROOTS))
def test_each_root_is_the_rsa2048_g1_root_of_its_region(region):
    cert = x509.load_pem_x509_certificate(ROOTS[region].encode())
    assert _name(cert, NameOID.COMMON_NAME) == f"Amazon RDS {region} Root CA RSA2048 G1"
    assert _name(cert, NameOID.ORGANIZATION_NAME) == "Amazon Web Services, Inc."
    assert _name(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "Amazon RDS"
    # a root: self-issued, its own signature verifies, a CA
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert cert.signature_hash_algorithm.name == "sha256"
    now = datetime.now(timezone.utc)
    assert cert.not_valid_before_utc < now
    assert cert.not_valid_after_utc.year >= 2061  # AWS: rds-ca-rsa2048-g1 is valid until 2061


def test_the_shipped_stacks_region_has_the_root_fingerprint_we_checked():
    cert = x509.load_pem_x509_certificate(root_ca_pem(CA_CERT_IDENTIFIER, "eu-central-1").encode())
    assert cert.fingerprint(hashes.SHA256()).hex() == EU_CENTRAL_1_SHA256


def test_no_root_for_an_unknown_identifier_or_region():
    assert root_ca_pem("rds-ca-unknown", "eu-central-1") is None
    assert root_ca_pem(CA_CERT_IDENTIFIER, "mx-central-1") is None


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_the_pod_trusts_the_regions_rds_root_without_a_pasted_certificate(shipped_previews, stack):
    result = shipped_previews[stack]
    assert not [w for w in result.warnings if "caCert" in w or "RDS CA" in w]
    rds = next(r for r in result.resources if r.type == "aws:rds/instance:Instance")
    assert rds.inputs["caCertIdentifier"] == CA_CERT_IDENTIFIER
    ca_map = manifest(result, "ConfigMap", "rasa-ca-certificates")
    assert ca_map["data"]["tracker-store-ca.pem"] == root_ca_pem(CA_CERT_IDENTIFIER, "eu-central-1")
    env = env_of(rasa_container(result))
    path = env["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"]
    mount = next(m for m in rasa_container(result)["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    assert path == f"{mount['mountPath']}/tracker-store-ca.pem"
    assert env["SQL_TRACKER_STORE_SSL_MODE"] == "verify-full"
