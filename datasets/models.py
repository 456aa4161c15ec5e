"""Models of `datasets` (docs/architecture.md)."""
