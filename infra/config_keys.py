"""Which namespaces a stack's config keys may use: a misspelled namespace is an error, not ignored.

Pulumi hands the program every key of the stack's `config:`; the program reads only
`rasa-platform:*`, so `rasa-platfrom:tags` would silently fall back to the default. This
project's config holds its own namespace and the providers' (`aws:region`, `kubernetes:context`,
...) and nothing else. A key without a namespace (`tags:`) is the project's, as Pulumi reads it.

Used by the offline preview (infra/preview/stackfile.py) and, for `pulumi up`, by the settings
loader, so both reject the same keys with the same lines.
"""

from __future__ import annotations

import difflib
from typing import Iterable

import pulumi

from components.settings.errors import PROJECT, ConfigError, ConfigErrors

PROVIDER_NAMESPACES = ("aws", "azure-native", "azure", "gcp", "google-native", "kubernetes", "random", "tls", "pulumi")
KNOWN_NAMESPACES = (PROJECT, *PROVIDER_NAMESPACES)


def full_key(key: str) -> str:
    """The key as Pulumi names it: a key without a namespace belongs to the project."""
    return key if ":" in key else f"{PROJECT}:{key}"


def namespace_of(key: str) -> str:
    return full_key(key).split(":", 1)[0]


class UnknownNamespace(ConfigError):
    """`config error: <full key>: unknown config namespace <ns>; did you mean <key>?` (or the
    allowed namespaces when none is close).

    Unlike other config errors the key is shown whole: it is not under `rasa-platform:`.
    """

    def __init__(self, key: str):
        namespace = namespace_of(key)
        closest = difflib.get_close_matches(namespace, KNOWN_NAMESPACES, n=1, cutoff=0.6)
        if closest:
            hint = f"did you mean {closest[0]}:{key.split(':', 1)[1]}?"
        else:
            hint = f"allowed: {', '.join(KNOWN_NAMESPACES)}"
        problem = f"unknown config namespace {namespace or '(empty)'}; {hint}"
        self.key, self.value, self.problem = key, None, problem
        self.suggestion = closest[0] if closest else None
        pulumi.RunError.__init__(self, f"config error: {key}: {problem}")


def check_config_keys(keys: Iterable[str]) -> None:
    """Raise UnknownNamespace (one bad key) or ConfigErrors (several, in the order given) for
    every key outside the project's and the providers' namespaces."""
    errors = [UnknownNamespace(str(key)) for key in keys if namespace_of(str(key)) not in KNOWN_NAMESPACES]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)
