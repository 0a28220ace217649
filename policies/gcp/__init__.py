"""GCP checks (pulumi-gcp 10): the only place of the pack that names GCP resource types.

Every module with a `CHECKS` attaches checks to rules declared in policies/rules; `types.py`
holds the type tokens (tests import them from there).
"""
