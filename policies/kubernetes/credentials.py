"""Names and values that look like credentials (pod env, ConfigMap data, endpoints.yml)."""

from __future__ import annotations

import re
from typing import Optional

_CREDENTIAL_WORD = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|LICENSE|CREDENTIAL|KEY", re.I)
# A name whose last part is one of these names a place, a switch or an identifier, not a secret:
# VAULT_RASA_SECRETS_PATH, SECRET_MANAGER, KMS_KEY_ID, SSL_KEYFILE, KEY_PREFIX, ...
_NOT_A_CREDENTIAL_SUFFIX = {
    "path", "paths", "file", "dir", "name", "names", "id", "ids", "arn", "url", "uri", "prefix",
    "method", "type", "manager", "enabled", "mount", "point", "version", "length", "lifetime",
    "ttl", "timeout", "mode", "algorithm", "source", "ref", "header", "format", "keyfile",
    "certfile", "cafile", "count", "size", "port", "host", "region", "field", "usage", "spec",
    "rotation", "alias", "location", "namespace", "role", "policy", "store", "backend",
}
_CREDENTIAL_VALUE_PATTERNS = [
    (re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JWT (e.g. a Rasa license)"),
    (re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}"), "a Vault token"),
    (re.compile(r"\b(?:ghp|gho|ghs|github_pat|glpat|xox[abpr])[-_][A-Za-z0-9_-]{16,}"), "an API token"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@${}]+:(?!\$\{)[^/\s@]+@", re.I), "a password inside a URL"),
]
ENV_REFERENCE = re.compile(r"^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([A-Za-z_][A-Za-z0-9_]*\))$")


def is_credential_name(name: str) -> bool:
    if not isinstance(name, str) or not _CREDENTIAL_WORD.search(name):
        return False
    parts = [p for p in re.split(r"[_\-.]", name.lower()) if p]
    return not (parts and parts[-1] in _NOT_A_CREDENTIAL_SUFFIX)


def credential_pattern(value: str) -> Optional[str]:
    """What kind of credential the text contains, or None."""
    for pattern, what in _CREDENTIAL_VALUE_PATTERNS:
        if pattern.search(value):
            return what
    return None


def is_reference(value: str) -> bool:
    """A placeholder resolved elsewhere: `${VAR}` / `$(VAR)` or a `vault:` reference."""
    value = value.strip()
    return bool(ENV_REFERENCE.match(value)) or value.startswith("vault:")
