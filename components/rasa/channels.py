"""Rasa's `credentials.yml` (its channels) and the HTTP paths those channels serve.

Pure: no Pulumi. Rasa reads the file with the same loader as endpoints.yml
(`rasa/core/config/credentials.py` → `read_config_file`), so the same trap applies: only an
*unquoted* `${VAR}` is interpolated from the environment. Channel secrets are written as such
references to `rasa.secretEnv` names and never as values; `check_channels` says what is wrong
before any resource exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

import yaml

CHANNELS_DIR = "/app/channels"
CREDENTIALS_FILE = "credentials.yml"
CREDENTIALS_PATH = f"{CHANNELS_DIR}/{CREDENTIALS_FILE}"
# Rasa registers every channel's blueprint under this route (`rasa/core/run.py`, route="/webhooks/").
WEBHOOKS_PATH = "/webhooks/"
# SocketIOInput.from_credentials: `socketio_path` defaults to /socket.io (rasa/core/channels/socketio.py).
SOCKETIO_DEFAULT_PATH = "/socket.io"
SOCKETIO_CHANNELS = ("socketio",)

# Rasa Pro 3.21.0's built-in channel names: BUILTIN_CHANNELS (rasa/core/channels/__init__.py) with
# every optional SDK installed, plus webexteams and vier_cvg (their SDKs, rasa/core/run.py). Any
# other name must be a custom channel's module path (`addons.channels.MyInput`).
BUILTIN_CHANNELS = frozenset({
    "audiocodes", "audiocodes_stream", "botframework", "browser_audio", "callback", "chirp", "cmdline", "facebook",
    "genesys", "hangouts", "inspector", "jambonz", "jambonz_stream", "json_audio", "mattermost", "rasa", "rest",
    "rocketchat", "signalwire", "slack", "socketio", "telegram", "twilio", "twilio_media_streams", "twilio_voice",
    "vonage", "websockets_voice", "webexteams", "vier_cvg",
})

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Channel keys that hold credentials (slack_token, slack_signing_secret, auth_token, app_password,
# page-access-token, api_key, ...): their values must be `${VAR}` references.
_SECRET_KEY = re.compile(r"token|secret|password|passwd|api[_-]?key|private[_-]?key|signing|credential", re.I)


@dataclass(frozen=True)
class RenderedChannels:
    credentials_yml: str
    references: tuple[str, ...]  # environment variables the file interpolates
    public_paths: tuple[str, ...]  # the HTTP path prefixes the channels need published


def references(value: Any) -> list[str]:
    """Every `${VAR}` name inside a value (nested mappings and lists included)."""
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, Mapping):
        return [name for v in value.values() for name in references(v)]
    if isinstance(value, (list, tuple)):
        return [name for v in value for name in references(v)]
    return []


def check_channels(channels: Mapping[str, Any], defined: Iterable[str]) -> list[tuple[str, Any, str]]:
    """(key below rasa.credentials, value, problem) for every mistake in the channels mapping."""
    known = set(defined)
    problems: list[tuple[str, Any, str]] = []
    if not channels:
        return [("", "{}", "names no channel; list at least one (rest, socketio, slack, ...) or leave it unset")]
    for channel, config in channels.items():
        if channel not in BUILTIN_CHANNELS and "." not in channel:
            problems.append((channel, "[channel]", "not a Rasa channel; built-in: " + ", ".join(sorted(BUILTIN_CHANNELS))
                             + "; a custom channel is named by its module path (addons.channels.MyInput)"))
            continue
        if config is not None and not isinstance(config, Mapping):
            problems.append((channel, config, "must be a mapping of the channel's settings (or empty)"))
            continue
        for key, value in _leaves(channel, config or {}):
            names = references(value)
            for name in names:
                if name not in known:
                    problems.append((key, value, f"${{{name}}} is not defined: add {name} to rasa.secretEnv (or rasa.env)"))
            if isinstance(value, str) and names and not REFERENCE.fullmatch(value.strip()):
                problems.append((key, value, "Rasa interpolates only a whole value of the form ${VAR}"))
            if _SECRET_KEY.search(key.rsplit(".", 1)[-1]) and value not in (None, "") and not names:
                problems.append((key, "[literal]", "a channel credential must be a ${VAR} reference to a rasa.secretEnv name"))
    return problems


def _leaves(prefix: str, config: Mapping[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in config.items():
        path = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            out += _leaves(path, value)
        else:
            out.append((path, value))
    return out


def render_channels(channels: Mapping[str, Any]) -> RenderedChannels:
    """The credentials.yml text (`${VAR}` left unquoted by safe_dump) and the paths to publish."""
    text = yaml.safe_dump({k: (dict(v) if v else None) for k, v in channels.items()}, sort_keys=False,
                          default_flow_style=False)
    paths = [WEBHOOKS_PATH]
    for name in SOCKETIO_CHANNELS:
        if name in channels:
            paths.append(str((channels[name] or {}).get("socketio_path") or SOCKETIO_DEFAULT_PATH))
    return RenderedChannels(text, tuple(sorted(set(references(channels)))), tuple(paths))


def public_paths(channels: Optional[Mapping[str, Any]], extra: Iterable[str]) -> tuple[str, ...]:
    """What the Ingress routes: the channels' paths (webhooks only without a credentials file) and `extra`."""
    base = render_channels(channels).public_paths if channels else (WEBHOOKS_PATH,)
    return tuple(dict.fromkeys([*base, *extra]))
