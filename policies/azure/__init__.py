"""Azure checks (pulumi-azure-native v3): the only place of the pack that names Azure resource types.

Every module with a `CHECKS` attaches checks to rules declared in policies/rules; `types.py`
holds the type tokens (tests import them from there). Properties are the wire (camelCase) names.
"""
