"""Governance tests use the sharing tests' partnership (`parties`: organisations A, B, C with
officers and designated officers, a chair, an auditor and an admin)."""
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)
