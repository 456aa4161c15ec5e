"""Governance's state changes, one module per kind of case."""
