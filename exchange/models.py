"""Models of `exchange` (docs/architecture.md)."""
