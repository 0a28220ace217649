"""Kubernetes checks: the workloads every cloud runs the same way (pulumi-kubernetes v4 types).

Kubernetes is not a cloud, so these checks are not under a cloud's package: a stack on any cloud
registers these types, and this package decides them for all of them. It is found and loaded
like a cloud's package (policies/pack.py).
"""
