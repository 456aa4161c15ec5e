"""Values every page template needs: the partnership, the acting membership, the others to switch to."""
from portal.models import Membership
from portal.navigation import navigation_for
from portal.protocols.selectors import current_partnership_name


def portal(request):
    context = {"partnership_name": _partnership_name()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: False)():
        membership = getattr(request, "membership", None)
        context["acting_membership"] = membership if membership else None
        context["navigation"] = navigation_for(
            role=membership.role if membership else None,
            view_name=getattr(getattr(request, "resolver_match", None), "view_name", "") or "",
        )
        context["switchable_memberships"] = (
            Membership.objects.active().filter(user=user).select_related("organisation").order_by("pk")
        )
    return context


def _partnership_name() -> str:
    return current_partnership_name()
