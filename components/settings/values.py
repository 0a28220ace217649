"""Constrained value types and the section base class shared by every settings section.

Each validator raises ValueError with the final wording of the config error line. Cloud packages
use the same types for their own sections.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


def between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)


def matching(pattern: str, meaning: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {meaning}")
        return value

    return AfterValidator(check)


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be a CIDR block such as 10.0.0.0/16") from None
    return value


def _pem(value: str) -> str:
    if "-----BEGIN CERTIFICATE-----" not in value or "-----END CERTIFICATE-----" not in value:
        raise ValueError("must be a PEM certificate (-----BEGIN CERTIFICATE----- ...)")
    return value


def _image_tag(value: str) -> str:
    if value in ("", "latest"):
        raise ValueError("must be a pinned version, not 'latest' or empty")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", value):
        raise ValueError("must be a valid image tag such as 3.21.0")
    return value


Port = Annotated[int, between(1, 65535)]
Cidr = Annotated[str, AfterValidator(_cidr)]
PemCertificate = Annotated[str, AfterValidator(_pem)]
ImageTag = Annotated[str, AfterValidator(_image_tag)]
HostName = Annotated[str, matching(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", "a DNS name or IP address")]
HostPort = Annotated[str, matching(r"[A-Za-z0-9.-]+:[0-9]{1,5}", "host:port")]
HttpsUrl = Annotated[str, matching(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\S*)?", "an https:// URL")]
Quantity = Annotated[str, matching(r"[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?", "a Kubernetes quantity such as 500m or 4Gi")]
DnsLabel = Annotated[str, matching(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", "a lower-case DNS label")]
# Rasa replaces a non-alphanumeric key_prefix silently: reject it here instead.
KeyPrefix = Annotated[str, matching(r"[A-Za-z0-9]{1,32}", "alphanumeric (Rasa rewrites other characters)")]
TopicName = Annotated[str, matching(r"[A-Za-z0-9._-]{1,249}", "a Kafka topic name")]
ObjectKey = Annotated[str, matching(r"[A-Za-z0-9!_.*'()/-]{1,1024}", "an object key such as models/rasa.tar.gz")]
Version = Annotated[str, matching(r"[0-9]+(\.[0-9]+){0,2}", "a version such as 16 or 1.33")]
EnvName = Annotated[str, matching(r"[A-Za-z_][A-Za-z0-9_]{0,127}", "an environment variable name (letters, digits and _, not starting with a digit)")]
# `repo[:port]/path` with an optional `@sha256:<64 hex>` digest; the tag is `tag` (kept for the version).
ImageRepository = Annotated[str, matching(
    r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(@sha256:[0-9a-f]{64})?",
    "an image repository such as rasa/rasa-pro, optionally pinned to a digest (repo@sha256:<64 hex digits>)",
)]


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        hide_input_in_errors=True,
        # The string under each field is its description (the README's settings reference).
        use_attribute_docstrings=True,
    )
