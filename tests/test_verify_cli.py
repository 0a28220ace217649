"""The verify command's own behaviour, without servers: inputs read as Rasa reads them, usage
errors in one line with exit status 2, and no secret in what it prints."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from components.rasa.jobs import verify
from infra import verify as cli


def test_help_exits_0(capsys):
    assert cli.main(["--help"]) == 0
    assert "Exit status: 0" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    ([], "--endpoints"),
    (["--endpoints", "x.yml", "--remote-storage", "ftp"], "--remote-storage"),
    (["--endpoints", "/nonexistent/endpoints.yml"], "cannot read --endpoints"),
    (["--endpoints", "x.yml", "--env-file", "/nonexistent/pod.env"], "cannot read --env-file"),
])
def test_usage_errors_are_one_line_and_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yml").write_text("{}\n")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("python -m infra.verify: error:") and needle in err


def test_env_file_syntax(tmp_path):
    env = tmp_path / "pod.env"
    env.write_text('# comment\n\nexport A=1\nB="two words"\nC=\'x=y\'\nD=\n')
    assert verify.load_env_file(str(env)) == {"A": "1", "B": "two words", "C": "x=y", "D": ""}
    env.write_text("not a line\n")
    with pytest.raises(verify.UsageError, match="pod.env:1: expected NAME=VALUE"):
        verify.load_env_file(str(env))


def test_only_unquoted_placeholders_are_interpolated(tmp_path, monkeypatch):
    """Rasa's rule: `${VAR}` plain scalars expand, quoted ones stay literal; YAML 1.2 types."""
    monkeypatch.setenv("VERIFY_TEST_HOST", "redis.internal")
    path = tmp_path / "endpoints.yml"
    path.write_text('lock_store:\n  host: ${VERIFY_TEST_HOST}\n  quoted: "${VERIFY_TEST_HOST}"\n'
                    '  mixed: redis-${VERIFY_TEST_HOST}\n  port: 6380\n  flag: yes\n')
    section = verify.read_endpoints_file(str(path))["lock_store"]
    assert section == {"host": "redis.internal", "quoted": "${VERIFY_TEST_HOST}", "mixed": "redis-redis.internal",
                       "port": 6380, "flag": "yes"}  # YAML 1.2: `yes` is a string, as Rasa reads it


def test_an_unset_variable_is_a_usage_error_naming_it(tmp_path, capsys):
    path = tmp_path / "endpoints.yml"
    path.write_text("lock_store:\n  password: ${VERIFY_TEST_UNSET_PASSWORD}\n")
    assert cli.main(["--endpoints", str(path)]) == 2
    assert "VERIFY_TEST_UNSET_PASSWORD" in capsys.readouterr().err


def test_nothing_configured_passes_with_skips(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text("action_endpoint:\n  url: http://actions:5055/webhook\n")
    out = io.StringIO()
    assert verify.main(["--endpoints", str(path), "--no-rasa"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert all(line.startswith("SKIP ") for line in lines[:-1]) and len(lines) == 6


def test_printed_lines_hide_secrets(monkeypatch):
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret-from-env")
    verify.remember_secret("s3cret-from-vault")
    line = verify.Result("event broker", "metadata", "FAIL", "saw s3cret-from-env and s3cret-from-vault").line()
    assert "s3cret" not in line and line.count("<secret>") == 2


def test_a_tls_check_refuses_plaintext_kafka_unless_allowed(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text("event_broker:\n  type: kafka\n  url: localhost:1\n  security_protocol: PLAINTEXT\n  topic: t\n")
    out = io.StringIO()
    assert verify.main(["--endpoints", str(path), "--no-rasa", "--skip", "vault"], out=out) == 1
    assert "FAIL event broker: config: security_protocol PLAINTEXT sends events without TLS" in out.getvalue()


def test_model_object_key_follows_rasa(monkeypatch):
    monkeypatch.delenv("REMOTE_STORAGE_PATH", raising=False)
    assert verify.model_object_key("models/bot") == "models/bot.tar.gz"
    assert verify.model_object_key("models/bot.tar.gz") == "models/bot.tar.gz"
    assert verify.model_object_key(None) == "models.tar.gz"
    monkeypatch.setenv("REMOTE_STORAGE_PATH", "prod")
    assert verify.model_object_key("models/bot") == "prod/bot.tar.gz"
