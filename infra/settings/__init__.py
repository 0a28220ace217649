"""Stack settings: the one place that reads the stack's config.

`stacks/Pulumi.<stack>.yaml` → an environment preset (dev | staging | prod, plus the cloud's own
section preset) → the stack's own values → one immutable, typed `StackSettings` → the cloud's plan
and the connection budget (`StackPlan`). Every invalid value is rejected here, before any resource
is registered, one line each, all of a stack's problems at once:

    config error: rasa-platform:trackerStore.backupDays = 0: must be between 7 and 35

Unknown keys are errors: a typo must never fall back to a default silently. Credentials
(`password`, `token`, `license`, ...) must be Pulumi secrets; a credential written in plain text
in a stack file is rejected.

Modules: `model` joins the registered clouds' sections to the pure models of
components/settings; `loading` reads and validates; `rules` holds the cloud-neutral cross-field
rules; `secrets` the credential checks and the preview's placeholders; `messages` turns pydantic's
errors into config error lines.
"""

from components.settings.errors import PROJECT, ConfigError, ConfigErrors
from infra.settings.loading import StackPlan, load_from_pulumi, load_settings, load_stack, load_stack_from_pulumi
from infra.settings.model import CLOUD_NAMES, ENVIRONMENTS, StackSettings
from infra.settings.secrets import PLACEHOLDER_SECRET

__all__ = [
    "CLOUD_NAMES", "ENVIRONMENTS", "PLACEHOLDER_SECRET", "PROJECT", "ConfigError", "ConfigErrors", "StackPlan",
    "StackSettings", "load_from_pulumi", "load_settings", "load_stack", "load_stack_from_pulumi",
]
