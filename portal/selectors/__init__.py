"""The core's reads for pages and lists (CONVENTIONS.md: selectors for reads)."""
