"""What an Ingress publishes of Rasa: its channels' paths, or the whole HTTP API."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, elements, get, is_unknown
from .rasa import RASA_NAME
from .types import INGRESS

CHECKS = CheckSet(__name__)
# Paths that route every request (Rasa's API included) to the backend.
_WHOLE = ("", "/", "/*")


def _to_rasa(backend: Any) -> Any:
    name = get(backend, "service", "name")
    return name if is_unknown(name) else name == RASA_NAME


def _whole_api_public(props: Any, ctx: RuleContext, f: Findings) -> None:
    spec = get(props, "spec", default={})
    if is_unknown(spec):
        f.cannot_decide("the Ingress's spec")
        return
    default = get(spec, "defaultBackend")
    if default is not None and _to_rasa(default) is True:
        f.violation("the Ingress's defaultBackend sends every path to Rasa: its whole HTTP API is public")
    for rule in elements(get(spec, "rules", default=[])):
        for path in elements(get(rule, "http", "paths", default=[])):
            value, to_rasa = get(path, "path", default=""), _to_rasa(get(path, "backend"))
            if is_unknown(value) or is_unknown(to_rasa):
                f.cannot_decide("a path of the Ingress")
            elif to_rasa and str(value).strip() in _WHOLE:
                f.violation(f"path {value or '(none)'!r} routes every request to Rasa: its whole HTTP API is public")


CHECKS.resource("k8s-rasa-api-not-public", {INGRESS: _whole_api_public})
