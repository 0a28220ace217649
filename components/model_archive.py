"""A trained Rasa model archive, read before any resource exists: can the image load it?

Rasa writes `metadata.json` at the top of the `.tar.gz` it trains (`rasa/engine/storage/
local_model_storage.py`, MODEL_ARCHIVE_METADATA_FILE), with the version that trained it in
`rasa_open_source_version`. At load time `ModelMetadata.__post_init__` (`rasa/engine/storage/
storage.py`) refuses a model older than the image's `MINIMUM_COMPATIBLE_VERSION`; a Rasa 2 archive
(`fingerprint.json`) is refused too (`_assert_not_rasa2_archive`). Rasa's own charts meet that only
when the pod starts; here `pulumi up` refuses before creating anything.

Cloud-neutral: every cloud's upload resource takes the path and the digest from `ModelArchive`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

# A relative `modelStorage.uploadFrom` is read from the project folder (where Pulumi.yaml is),
# whatever folder Pulumi or the offline preview runs in.
PROJECT_DIR = Path(__file__).resolve().parents[1]
METADATA_FILE = "metadata.json"
RASA2_FINGERPRINT = "fingerprint.json"
_METADATA_MAX_BYTES = 16 * 1024 * 1024  # Rasa's own cap on metadata.json (it embeds the domain)


@dataclass(frozen=True)
class ImageCompatibility:
    minimum_model_version: str
    source: str  # where the number comes from


# Rasa image minor version → the oldest model it loads. Add a row per supported image version.
COMPATIBILITY: dict[str, ImageCompatibility] = {
    "3.21": ImageCompatibility(
        "3.20.0", "rasa-pro 3.21.0, rasa/constants.py: MINIMUM_COMPATIBLE_VERSION = \"3.20.0\"",
    ),
}


class ModelArchiveError(ValueError):
    """Why the archive cannot be used; the message is the end of a config error line."""


@dataclass(frozen=True)
class ModelArchive:
    path: Path
    rasa_version: str  # `rasa_open_source_version` of metadata.json
    sha256: str  # of the file: a changed file gives a new upload


def _version(text: str) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        raise ModelArchiveError(f"cannot read the version {text!r}")
    return tuple(int(part or 0) for part in match.groups())


def image_minor(tag: str) -> Optional[str]:
    """`3.21.0` → `3.21` (a tag such as `3.21.0-custom` too); None for a tag that names no version."""
    match = re.match(r"(\d+)\.(\d+)", tag)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def read_model_version(path: Path) -> str:
    """`rasa_open_source_version` of the archive's top-level metadata.json, read without extracting."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if name == RASA2_FINGERPRINT:
                    raise ModelArchiveError("is a Rasa 2 model (fingerprint.json); retrain it with Rasa Pro")
                if name != METADATA_FILE:
                    continue
                if not member.isfile() or member.size > _METADATA_MAX_BYTES:
                    raise ModelArchiveError("has an unreadable metadata.json")
                handle = tar.extractfile(member)
                metadata = json.loads(handle.read()) if handle else None
                version = metadata.get("rasa_open_source_version") if isinstance(metadata, dict) else None
                if not isinstance(version, str):
                    raise ModelArchiveError("metadata.json has no rasa_open_source_version: not a model Rasa trained")
                return version
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelArchiveError(f"is not a readable .tar.gz model archive ({exc})") from None
    except json.JSONDecodeError:
        raise ModelArchiveError("has a metadata.json that is not JSON") from None
    raise ModelArchiveError("has no metadata.json: not a model Rasa trained (`rasa train` writes one)")


def archive_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path


def check_archive(path: Path, image_tag: str) -> str:
    """The model's Rasa version, once the image is known to load it; raises ModelArchiveError."""
    if not path.is_file():
        raise ModelArchiveError(f"no such file ({path})")
    minor = image_minor(image_tag)
    compat = COMPATIBILITY.get(minor or "")
    if compat is None:
        known = ", ".join(sorted(COMPATIBILITY))
        raise ModelArchiveError(f"cannot check a model for Rasa image tag {image_tag} (known image versions: {known})")
    version = read_model_version(path)
    if _version(version) < _version(compat.minimum_model_version):
        raise ModelArchiveError(
            f"was trained with Rasa {version}; the image (Rasa {minor}) loads models from "
            f"{compat.minimum_model_version} on ({compat.source}): retrain it"
        )
    return version


def load_archive(path: Path, image_tag: str) -> ModelArchive:
    """The checked archive with its digest (what an upload resource needs)."""
    version = check_archive(path, image_tag)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return ModelArchive(path=path, rasa_version=version, sha256=digest.hexdigest())


def object_key(model_key: str) -> str:
    """The key Rasa fetches: its persistor appends `.tar.gz` to a key without it."""
    return model_key if model_key.endswith(".tar.gz") else f"{model_key}.tar.gz"
