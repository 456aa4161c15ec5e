"""Apps add their demo data to `make run` by registering a loader in AppConfig.ready(); the core
runs them after its own, in registration order, so it never imports the apps above it."""
from __future__ import annotations

from collections.abc import Callable

_LOADERS: list[tuple[str, Callable[[], str | None]]] = []


def register_demo_loader(name: str, loader: Callable[[], str | None]) -> None:
    if all(existing != name for existing, _ in _LOADERS):
        _LOADERS.append((name, loader))


def demo_loaders() -> list[tuple[str, Callable[[], str | None]]]:
    return list(_LOADERS)
