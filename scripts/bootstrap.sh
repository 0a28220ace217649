#!/usr/bin/env bash
# Install everything the preview and the tests need, idempotently:
#   - .venv with requirements.txt (re-installed when requirements.txt changes)
#   - with --tests: Debian's redis-server (with TLS) and PostgreSQL server binaries if missing,
#     and Rasa Pro (no extras) in its own virtualenv at .cache/rasa-venv (or $RASA_VENV)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
RASA_PRO_VERSION=3.21.0

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing requirements.txt into .venv"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi

[ "${1:-}" = "--tests" ] || exit 0

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rasa_venv=${RASA_VENV:-.cache/rasa-venv}
if ! "$rasa_venv/bin/python" -c "import rasa" >/dev/null 2>&1; then
  echo "bootstrap: installing rasa-pro==$RASA_PRO_VERSION into $rasa_venv (about two minutes)"
  "$PYTHON" -m venv "$rasa_venv"
  "$rasa_venv/bin/python" -m pip install --quiet --upgrade pip
  "$rasa_venv/bin/python" -m pip install --quiet "rasa-pro==$RASA_PRO_VERSION"
fi
