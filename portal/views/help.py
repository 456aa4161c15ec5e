"""Help (issue 18): a help page per role, the partnership's contact, the privacy notice and the
accessibility statement, all linked from every page's footer.

They are public: someone who cannot sign in (locked out, lost their authenticator) must still
find who to contact, and none of them shows anything about a case. The contact comes from
settings (PORTAL_CONTACT_*), the partnership's name from the protocol in force."""
from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.roles import Role

# The URL slug of each role's page.
ROLE_SLUGS = {
    "partner-officer": Role.OFFICER,
    "designated-officer": Role.DESIGNATED_OFFICER,
    "meeting-chair": Role.CHAIR,
    "auditor": Role.AUDITOR,
    "data-protection-officer": Role.DPO,
    "partnership-admin": Role.ADMIN,
}
SLUG_OF = {role: slug for slug, role in ROLE_SLUGS.items()}


def _contact() -> dict:
    return {
        "name": settings.PORTAL_CONTACT_NAME,
        "email": settings.PORTAL_CONTACT_EMAIL,
        "phone": settings.PORTAL_CONTACT_PHONE,
    }


def _roles() -> list[dict]:
    return [{"slug": slug, "label": Role(role).label} for slug, role in ROLE_SLUGS.items()]


def _acting_role(request) -> str | None:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not membership:
        return None
    return membership.role


@require_GET
def help_index(request):
    """Help for everyone: the acting role's page first (when signed in), every role's, the contact."""
    role = _acting_role(request)
    return render(
        request,
        "portal/help/index.html",
        {"roles": _roles(), "contact": _contact(), "my_slug": SLUG_OF.get(role, ""), "my_role": Role(role).label if role else ""},
    )


@require_GET
def help_role(request, role: str):
    if role not in ROLE_SLUGS:
        raise Http404("No help page for that role")
    return render(
        request,
        f"portal/help/{ROLE_SLUGS[role]}.html",
        {"role_label": ROLE_SLUGS[role].label, "contact": _contact(), "roles": _roles(), "slug": role},
    )


@require_GET
def privacy_notice(request):
    return render(request, "portal/help/privacy.html", {"contact": _contact()})


@require_GET
def accessibility_statement(request):
    return render(request, "portal/help/accessibility.html", {"contact": _contact()})
