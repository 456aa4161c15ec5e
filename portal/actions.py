"""A thing a person can do next on a page (a request, a meeting), shown as a button. Pages build
their list from the object's transition table and the person's permissions (`*_may_*` rules),
never from template `if`s."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    method: str = "get"  # "post" actions render as a one-button form
    style: str = "secondary"  # primary | secondary | warning
