"""Helpers for the real-assistant tests: a stack whose `rasa` section holds Pulumi secrets (as
`pulumi config set --secret` writes them) and a model archive shaped like the one `rasa train` writes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any, Optional

import yaml

from infra.preview import REPO

# What `pulumi config set --secret` writes; the offline preview keeps its key secret.
SECURE = {"secure": "v1:offline-test-ciphertext"}


def secret_stack(folder: Path, base: str = "byo-dev", name: str = "assistant", *, rasa: Optional[dict[str, Any]] = None,
                 **sections: Any) -> str:
    """A copy of stack `base` in `folder` with `rasa` (and other sections) merged in; values equal
    to SECURE stay secure values. Returns the new stack's name."""
    data = yaml.safe_load((REPO / "stacks" / f"Pulumi.{base}.yaml").read_text())
    config = data["config"]
    for key, value in {"rasa": rasa or {}, **sections}.items():
        full = f"rasa-platform:{key}"
        config[full] = _merge(config.get(full) or {}, value) if isinstance(value, dict) else value
    (folder / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return name


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) and value != SECURE else value
    return out


def model_archive(path: Path, version: Optional[str] = "3.21.0", *, rasa2: bool = False, metadata: Any = None) -> Path:
    """A `.tar.gz` with a top-level metadata.json (what LocalModelStorage writes) and a components dir."""
    with tarfile.open(path, "w:gz") as tar:
        members: dict[str, bytes] = {"components/train_CountVectorsFeaturizer0/vocabulary.json": b"{}"}
        if rasa2:
            members["fingerprint.json"] = json.dumps({"version": "2.8.1"}).encode()
        elif metadata is not None or version is not None:
            body = metadata if metadata is not None else {
                "rasa_open_source_version": version, "model_id": "abc123", "trained_at": "2026-11-30T12:00:00",
                "domain": {}, "assistant_id": "acme-bot",
            }
            members["metadata.json"] = (body if isinstance(body, bytes) else json.dumps(body).encode())
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
