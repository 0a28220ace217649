"""AWS checks (pulumi-aws v7): the only place of the pack that names AWS resource types.

Every module with a `CHECKS` attaches checks to rules declared in policies/rules; `types.py`
holds the type tokens (tests import them from there). Azure and GCP packages follow this shape.
"""
