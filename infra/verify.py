"""Check a deployment's services the way Rasa Pro will reach them, from wherever you are.

    python -m infra.verify --endpoints endpoints.yml [--env-file pod.env] \\
        [--remote-storage aws --model models/rasa-bot] [--model-optional] [--timeout 20]

The same checks the verify Job runs in the cluster after every deploy
(`components/rasa/jobs/verify.py`, run here in-process): Vault reachable, token valid and every
referenced key present; PostgreSQL login over verified TLS and the database there or creatable;
Redis over TLS with AUTH, a set and delete under Rasa's key prefix; Kafka metadata, the topic
present and a test message acknowledged; the model bucket reachable and the model object present.
One line per check; `--help` lists every option.

The private services are normally reachable only from inside the cluster: run this from a pod,
a bastion or through port-forwards whose host names match the services' certificates.

Exit status: 0 no check failed, 1 a check failed, 2 the checks could not start (bad arguments,
unreadable --endpoints or --env-file, unset variables in the file).
"""

from __future__ import annotations

import sys
from typing import Optional

from components.rasa.jobs import verify


def main(argv: Optional[list[str]] = None) -> int:
    return verify.main(argv, prog="python -m infra.verify")


if __name__ == "__main__":
    sys.exit(main())
