"""Guarded reads of governance's cases, one module per kind of case."""
