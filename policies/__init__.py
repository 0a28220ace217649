"""CrossGuard policy pack for rasa-platform (see README.md).

`policies.pack.ALL_POLICIES` lists the rules, `policies.offline.evaluate` runs them over a recorded
plan without the Pulumi engine, and `__main__.py` serves them to `pulumi preview --policy-pack policies`.
"""
