"""The AWS regions a stack may name (commercial, China and GovCloud partitions).

A typo such as `eu-centrl-1` is refused before anything is created. A region AWS opens later is
one line here.
"""

from __future__ import annotations

AWS_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1", "af-south-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "cn-north-1", "cn-northwest-1",
    "us-gov-east-1", "us-gov-west-1",
})

_DIRECTIONS = {
    "east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}


def short_code(region: str) -> str:
    """The short form AWS uses in some host names and zone ids: eu-central-1 → euc1, ap-southeast-2 → apse2."""
    parts = region.split("-")
    if parts[:2] == ["us", "gov"]:
        parts = ["usg", *parts[2:]]
    return parts[0] + "".join(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]
