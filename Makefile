# The two commands of the README. Both install what they need first.
.PHONY: preview test

# Offline preview of every stack: no cloud, no Pulumi CLI. Artifacts in build/preview/.
preview:
	@scripts/bootstrap.sh
	.venv/bin/python -m infra.preview --all

# Every test: unit (mock engine), policies, preview, and integration against real local
# PostgreSQL, Redis, OpenBao, an S3 emulator and Rasa Pro's own code.
test:
	@scripts/bootstrap.sh --tests
	RASA_VENV=$${RASA_VENV:-.cache/rasa-venv} .venv/bin/python -m pytest
