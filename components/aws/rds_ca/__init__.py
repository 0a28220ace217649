"""The RDS certificate authorities Rasa's pod trusts, vendored: RDS signs each instance's server
certificate under the regional root CA its `ca_cert_identifier` names, and that root is in no
image's system bundle. With it in the pod, `verify-full` works without anyone pasting a
certificate into `trackerStore.caCert`.

`rds-ca-rsa2048-g1.pem` holds the "Amazon RDS <region> Root CA RSA2048 G1" root of every region
it lists, each under a line naming its region. The README (AWS, the RDS CA) says where they come
from, how they were checked and how to refresh them: `python -m components.aws.rds_ca
global-bundle.pem` rewrites the file from AWS's global bundle.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).parent
# ca_cert_identifier → the file with its regional roots, and the root's name in each region.
BUNDLES = {"rds-ca-rsa2048-g1": ("rds-ca-rsa2048-g1.pem", "Amazon RDS {region} Root CA RSA2048 G1")}
_ENTRY = re.compile(r"^region: (?P<region>[a-z0-9-]+)\n(?P<pem>-----BEGIN CERTIFICATE-----\n.+?\n-----END CERTIFICATE-----\n)", re.M | re.S)


def vendored(identifier: str) -> dict[str, str]:
    """region → PEM of the root CA that `identifier` names there (empty for an unknown identifier)."""
    if identifier not in BUNDLES:
        return {}
    text = (HERE / BUNDLES[identifier][0]).read_text()
    return {m["region"]: m["pem"] for m in _ENTRY.finditer(text)}


def root_ca_pem(identifier: str, region: str) -> Optional[str]:
    """The PEM Rasa verifies an RDS instance of `region` with, or None when it is not vendored."""
    return vendored(identifier).get(region)


def rewrite_from_global_bundle(bundle: Path, identifier: str = "rds-ca-rsa2048-g1") -> list[str]:
    """Rewrite the vendored file from AWS's global bundle; returns the regions written. Needs the
    `cryptography` package (in requirements.txt), only here and in the tests."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    filename, pattern = BUNDLES[identifier]
    name = re.compile(re.escape(pattern).replace(re.escape("{region}"), "(?P<region>[a-z]{2}(-gov)?-[a-z]+-[0-9])"))
    found: dict[str, str] = {}
    for cert in x509.load_pem_x509_certificates(bundle.read_bytes()):
        (cn,) = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        match = name.fullmatch(str(cn.value))
        if match and cert.subject == cert.issuer:
            found[match["region"]] = cert.public_bytes(Encoding.PEM).decode()
    header = (
        f"# {identifier}: the regional root CAs of Amazon RDS, one per region, from AWS's global bundle\n"
        "# (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem). README: AWS, the RDS CA.\n"
    )
    body = "".join(f"region: {region}\n{found[region]}" for region in sorted(found))
    (HERE / filename).write_text(header + body)
    return sorted(found)


if __name__ == "__main__":
    print(", ".join(rewrite_from_global_bundle(Path(sys.argv[1]))))
