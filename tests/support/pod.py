"""Render endpoints.yml and lay it out as the Rasa pod would see it, in a test directory.

In the pod, the ConfigMap holds endpoints.yml, CA certificates are mounted under
`endpoints.CA_DIR`, and a Kubernetes Secret fills the variables of `secret_env`. Here the CA
directory is a temporary one (`RenderOptions.ca_dir`), so every path the renderer writes, in the
YAML and in the environment, is the path the files really have. Everything else is rendered as in production.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from components.contracts import PlatformConnections
from components.rasa import endpoints as endpoints_module
from components.rasa.endpoints import RenderedEndpoints, RenderOptions, render_endpoints

# Values the workload would put in the Secret for what no connection carries.
LICENSE_VALUE = "test-license-not-a-real-one"
AUTH_TOKEN_VALUE = "test-auth-token-7f3a"


@dataclass
class Pod:
    rendered: RenderedEndpoints
    options: RenderOptions
    endpoints_file: Path
    ca_dir: Path
    env: dict[str, str]  # rendered env plus the Secret's values: the container's environment
    secret_values: dict[str, str] = field(default_factory=dict)  # logical secret name -> value

    def arg(self, flag: str) -> str:
        args = self.rendered.args
        return args[args.index(flag) + 1]

    def rendered_text(self) -> str:
        """Everything the renderer hands to non-secret places (ConfigMap, pod spec, outputs)."""
        r = self.rendered
        return "\n".join([r.endpoints_yml, *r.env.keys(), *r.env.values(), *r.args, *r.secret_env.values()])


def secret_values(connections: PlatformConnections, vault_token: str) -> dict[str, Optional[str]]:
    """What the pod's environment holds under each logical secret name: the keys the bootstrap
    writes to Vault, and `vault_token` for the token the Agent would have rendered."""
    return {
        endpoints_module.SECRET_LICENSE: LICENSE_VALUE,
        endpoints_module.SECRET_AUTH_TOKEN: AUTH_TOKEN_VALUE,
        endpoints_module.SECRET_VAULT_TOKEN: vault_token,
        endpoints_module.SECRET_LOCK_STORE_PASSWORD: connections.lock_store.password,
        endpoints_module.SECRET_KAFKA_PASSWORD: connections.event_queue.password,
        endpoints_module.SECRET_STORAGE_KEY: connections.model_storage.account_key,
    }


def render_pod(connections: PlatformConnections, options: RenderOptions, directory: Path,
               vault_token: str = "harness-agent-token-unused") -> Pod:
    """The container's files and environment as the Agent and the wrapper would leave them; the
    harness plays the Agent, so it hands over the Vault token (`vault_token`) Rasa then uses."""
    ca_dir = directory / "ca"
    ca_dir.mkdir(parents=True, exist_ok=True)
    options = dataclasses.replace(options, ca_dir=str(ca_dir))
    rendered = render_endpoints(connections, options)
    for name, pem in rendered.ca_files.items():
        (ca_dir / name).write_text(pem)
    endpoints_file = directory / "endpoints.yml"
    endpoints_file.write_text(rendered.endpoints_yml)

    known = secret_values(connections, vault_token)
    env = dict(rendered.env)
    for var, logical in rendered.secret_env.items():
        assert logical in known, f"renderer asks for secret {logical!r} ({var}) that the tests do not know"
        assert known[logical], f"renderer asks for secret {logical!r} ({var}) but the connection has no value"
        env[var] = known[logical]
    return Pod(rendered=rendered, options=options, endpoints_file=endpoints_file, ca_dir=ca_dir, env=env,
               secret_values={k: v for k, v in known.items() if v})
