"""Entry point the Pulumi CLI runs (`pulumi preview --policy-pack policies`): serve the pack.

The CLI runs this directory as a script, so its modules are not imported as the `policies`
package. Load this directory under one fixed package name instead, so the rule modules' relative
imports work wherever the pack is copied (e.g. after `pulumi policy publish`).
"""

import importlib
import importlib.util
import pathlib
import sys

_HERE = pathlib.Path(__file__).resolve().parent
_PACKAGE = "rasa_platform_policies"
_spec = importlib.util.spec_from_file_location(_PACKAGE, _HERE / "__init__.py", submodule_search_locations=[str(_HERE)])
sys.modules[_PACKAGE] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sys.modules[_PACKAGE])
pack = importlib.import_module(f"{_PACKAGE}.pack")

from pulumi_policy import PolicyPack  # noqa: E402

PolicyPack(name=pack.PACK_NAME, policies=pack.ALL_POLICIES, enforcement_level=pack.DEFAULT_ENFORCEMENT)
