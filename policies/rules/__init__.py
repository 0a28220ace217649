"""The rules of the rasa-platform policy pack, one module per concern.

Each module exposes `POLICIES`. Importing a module never starts the policy server: only
`policies/__main__.py` builds the `PolicyPack`.
"""
