"""Role checks for views (DOMAIN.md §3: roles are held per organisation, through a Membership).

The check is against the *acting* membership (`request.membership`, chosen in the header), not
any membership the user holds: someone who is an officer at one partner and an admin at another
acts as one of them at a time. Signed-out and password-only visitors never reach a view (the
middleware sends them to sign in), so the only denial here is 403, given before anything is
looked up, so it is the same whether or not the object in the URL exists.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from portal.roles import Role


def role_required(*roles: Role):
    """Let the view run only when the acting membership holds one of `roles`; otherwise 403
    (Django's handler renders templates/403.html)."""
    if not roles:
        raise TypeError("role_required needs at least one role")
    allowed = {Role(role) for role in roles}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if not request.user.is_authenticated or not membership or membership.role not in allowed:
                raise PermissionDenied("Your role does not allow this")
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(allowed)
        return wrapped

    return decorator
