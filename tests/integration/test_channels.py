"""Every rendered credentials.yml loads with Rasa Pro's own code and builds the channels it names,
with the `${VAR}` references interpolated from the pod's environment; and Rasa's CLI takes the
argument list the Deployment passes (`--credentials` included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.rasa.channels import render_channels
from infra.preview import kubernetes_manifests
from tests.integration.test_shipped_stacks import pod_environment
from tests.previewing import manifest, preview
from tests.support.rasa_env import RasaRunner
from components.rasa.jobs.verify import fingerprint  # the report's own fingerprint

pytestmark = pytest.mark.integration

# The channels a stack is likely to name, with the settings Rasa's classes take
# (rasa/core/channels/*.py, from_credentials), secrets as references.
CHANNELS = {
    "rest": None,
    "socketio": {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True,
                 "socketio_path": "/chat.io"},
    "slack": {"slack_token": "${SLACK_BOT_TOKEN}", "slack_signing_secret": "${SLACK_SIGNING_SECRET}",
              "slack_channel": "#assistant"},
    "twilio": {"account_sid": "${TWILIO_ACCOUNT_SID}", "auth_token": "${TWILIO_AUTH_TOKEN}",
               "twilio_number": "+15555550100"},
    "telegram": {"access_token": "${TELEGRAM_TOKEN}", "verify": "acme_bot", "webhook_url": "https://bot.acme.com/webhooks/telegram/webhook"},
    "facebook": {"verify": "${FACEBOOK_VERIFY}", "secret": "${FACEBOOK_SECRET}", "page-access-token": "${FACEBOOK_PAGE_TOKEN}"},
}


def secret_env_for(channels) -> dict:
    return {name: f"stand-in-{name}" for name in render_channels(channels).references}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The program's own credentials.yml and container for the channels above (a byo-dev stack)."""
    from tests.support.assistant import SECURE, secret_stack

    folder = tmp_path_factory.mktemp("stacks")
    names = {name: SECURE for name in render_channels(CHANNELS).references}
    stack = secret_stack(folder, rasa={"secretEnv": names, "credentials": CHANNELS})
    return preview(stack, stacks_dir=folder)


def test_every_channel_of_the_rendered_file_is_built_by_rasa(rendered, rasa: RasaRunner, tmp_path: Path) -> None:
    text = manifest(rendered, "ConfigMap", "rasa-channels")["data"]["credentials.yml"]
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    env = pod_environment(kubernetes_manifests(rendered.resources))
    report = rasa.run(["channels"], env, extra_args=("--credentials", str(path)))["channels"]
    assert report.get("built"), report
    by_name = {c["name"]: c for c in report["channels"]}
    assert set(by_name) == set(CHANNELS)
    assert by_name["socketio"]["socketio_path"] == "/chat.io"
    assert {c["url_prefix"] for c in report["channels"]} >= {"rest", "slack", "twilio"}
    # The secrets came from the pod's environment (the credentials Secret), interpolated by Rasa.
    slack = by_name["slack"]["settings"]
    assert slack["slack_token"] == fingerprint("stand-in-for-rasa-env.SLACK_BOT_TOKEN")
    assert by_name["twilio"]["settings"]["auth_token"] == fingerprint("stand-in-for-rasa-env.TWILIO_AUTH_TOKEN")


def test_an_unset_reference_fails_in_rasa_as_the_settings_check_says(rasa: RasaRunner, tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text(render_channels({"slack": CHANNELS["slack"]}).credentials_yml)
    report = rasa.run(["channels"], {"SLACK_BOT_TOKEN": "x"}, extra_args=("--credentials", str(path)))["channels"]
    assert report["loaded"] is False and "SLACK_SIGNING_SECRET" in report["error"]


def test_rasa_parses_the_deployments_arguments_with_credentials(rendered, rasa: RasaRunner) -> None:
    deployment = manifest(rendered, "Deployment", "rasa-pro")
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    # The Vault wrapper: `/bin/sh -c '<source the Agent's env> && exec "$@"' rasa rasa <args>`.
    assert command[3:5] == ["rasa", "rasa"]
    args = command[5:]
    (parsed,) = rasa.run(["args"], {}, extra_args=("--args", json.dumps([args])))["args"]
    assert parsed["credentials"] == "/app/channels/credentials.yml"
    assert parsed["endpoints"] == "/app/config/endpoints.yml" and parsed["enable_api"] is True


def test_the_shipped_staging_stacks_channels_load_in_rasa(rasa: RasaRunner, tmp_path: Path, shipped_previews) -> None:
    result = shipped_previews["aws-staging"]
    text = manifest(result, "ConfigMap", "rasa-channels")["data"]["credentials.yml"]
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    env = pod_environment(kubernetes_manifests(result.resources))
    report = rasa.run(["channels"], env, extra_args=("--credentials", str(path)))["channels"]
    assert report.get("built"), report
    assert {c["name"] for c in report["channels"]} == {"rest", "socketio", "slack"}
