"""What a person can do next on a request, as buttons on the request page.

Each views module (raising, holding, requester) owns the rules for its own actions through a
`request_actions(*, user, membership, request, roles) -> list[Action]` function, built from
`lifecycle.allowed_next` and the person's part in the request (`selectors.disclosure_role`).
The request page asks all three and shows the union: no business logic in the template."""
from __future__ import annotations

from portal.actions import Action

__all__ = ["Action"]
