"""What AWS resources and data sources return under the mock engine (offline preview, tests)."""

from __future__ import annotations

from typing import Any, Callable

AWS_MOCK_OUTPUTS: dict[str, Callable[..., dict[str, Any]]] = {}
AWS_MOCK_CALLS: dict[str, Callable[..., dict[str, Any]]] = {}
