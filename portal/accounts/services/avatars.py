from typing import Any


def avatar_urls(*, viewer: Any, user: Any, request: Any = None) -> dict[str, str] | None:
    return None
