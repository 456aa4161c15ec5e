"""Governance's pages, one module per kind of case."""
