"""Config keys outside the project's and the providers' namespaces are errors, not ignored."""

from __future__ import annotations

import pulumi
import pytest

from components.settings.errors import ConfigError, ConfigErrors
from infra.config_keys import KNOWN_NAMESPACES, PROVIDER_NAMESPACES, check_config_keys, full_key


def test_the_projects_and_the_providers_namespaces_and_bare_keys_pass():
    assert PROVIDER_NAMESPACES
    check_config_keys(["rasa-platform:cloud", "tags", "rasa-platform:aws"] + [f"{ns}:x" for ns in PROVIDER_NAMESPACES])
    check_config_keys([])


def test_a_bare_key_is_the_projects():
    assert full_key("tags") == "rasa-platform:tags"
    assert full_key("aws:region") == "aws:region"


def test_a_misspelled_namespace_names_the_key_and_the_closest_namespace():
    with pytest.raises(ConfigError) as caught:
        check_config_keys(["rasa-platform:cloud", "rasa-platfrom:tags", "aws:region"])
    error = caught.value
    assert not isinstance(error, ConfigErrors)
    assert isinstance(error, pulumi.RunError)  # `pulumi up` prints it without a traceback
    assert error.key == "rasa-platfrom:tags"
    assert str(error) == (
        "config error: rasa-platfrom:tags: unknown config namespace rasa-platfrom; did you mean rasa-platform:tags?"
    )
    assert error.lines == [str(error)]


def test_every_bad_key_is_reported_in_order_with_the_allowed_namespaces_when_none_is_close():
    with pytest.raises(ConfigErrors) as caught:
        check_config_keys(["kuberentes:context", "aws:region", "vendor:thing", "googel-native:project"])
    assert [e.key for e in caught.value.errors] == ["kuberentes:context", "vendor:thing", "googel-native:project"]
    assert caught.value.lines == [
        "config error: kuberentes:context: unknown config namespace kuberentes; did you mean kubernetes:context?",
        f"config error: vendor:thing: unknown config namespace vendor; allowed: {', '.join(KNOWN_NAMESPACES)}",
        "config error: googel-native:project: unknown config namespace googel-native; did you mean google-native:project?",
    ]
    assert str(caught.value) == "\n".join(caught.value.lines)
