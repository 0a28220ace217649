"""Labels and annotations shared by the Rasa workload and the policy pack that checks it."""

from __future__ import annotations

NAME = "rasa-pro"
PART_OF = "rasa-platform"
ENVIRONMENT_LABEL = "rasa-platform.io/environment"
# JSON on the Deployment: the numbers the connection budget was planned with.
CONNECTION_BUDGET = "rasa-platform.io/connection-budget"
# JSON on the endpoints ConfigMap: per service, "managed" (created by this stack) or "existing".
SERVICE_ORIGINS = "rasa-platform.io/service-origins"


def selector(stack: str, component: str) -> dict[str, str]:
    """The immutable subset used in Deployment selectors: never add to it after a first deploy."""
    return {
        "app.kubernetes.io/name": NAME,
        "app.kubernetes.io/instance": stack,
        "app.kubernetes.io/component": component,
    }


def common(stack: str, environment: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/instance": stack,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        ENVIRONMENT_LABEL: environment,
    }


def server(stack: str, environment: str) -> dict[str, str]:
    return {**common(stack, environment), **selector(stack, "server")}


def action_server(stack: str, environment: str) -> dict[str, str]:
    return {**common(stack, environment), **selector(stack, "action-server")}


def verify(stack: str, environment: str) -> dict[str, str]:
    return {**common(stack, environment), **selector(stack, "verify")}
