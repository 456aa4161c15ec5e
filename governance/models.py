"""Models of `governance` (docs/architecture.md)."""
