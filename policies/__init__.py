"""CrossGuard policy pack for rasa-platform (see README.md).

Rules are declared once, cloud-neutral, in `rules/`; the checks that decide them live in check
packages (`aws/`, `kubernetes/`, ...) that `pack.py` discovers. `policies.pack.ALL_POLICIES` lists
the engine policies, `policies.offline.evaluate` runs them over a recorded plan without the Pulumi
engine, and `__main__.py` serves them to `pulumi preview --policy-pack policies`.
"""
