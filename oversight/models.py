"""Models of `oversight` (docs/architecture.md)."""
