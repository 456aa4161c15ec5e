"""The diff of a proposed version against the version in force lives in the core
(portal.protocols.diff), so a draft raised under the old version can show what changed too."""
from portal.protocols.diff import ItemChange, SectionDiff, pack_diff

__all__ = ["ItemChange", "SectionDiff", "pack_diff"]
