"""HashiCorp Vault for Rasa Pro: the in-cluster deployment (official chart) and the bootstrap Job.

Cloud-neutral: the seal stanza and the server's cloud identity arrive as a `VaultSealConfig`
from the cloud package; nothing here imports one.
"""
