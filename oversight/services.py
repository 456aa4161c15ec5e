"""State changes of `oversight` (one function per change, atomic, keyword-only)."""
