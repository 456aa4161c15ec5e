"""Reads for single sign-on (ADR 0015): which provider signs in an address, and the partnership
admin's view of their organisations' providers and the access requests waiting for them. A
partnership's admin sees only the providers their partnership configured (ADR 0009)."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import Http404

from portal.models import IdentityProvider, Membership, Organisation, Partnership, SsoAccessRequest, User


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """The enabled provider whose organisation's domains include this address's, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        IdentityProvider.objects.filter(is_enabled=True, allowed_domains__contains=[domain])
        .select_related("organisation", "partnership")
        .order_by("pk")
        .first()
    )


def identity_provider_for_user(*, user: User) -> IdentityProvider | None:
    """The enabled provider of an organisation the user holds an active role in: such a user
    signs in there, never with a portal password."""
    organisations = Membership.objects.active().filter(user=user).values("organisation")
    return (
        IdentityProvider.objects.filter(is_enabled=True, organisation__in=organisations)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )


def identity_provider_origins() -> list[str]:
    """The origins of the enabled providers' issuers, for the sign-in page's CSP `form-action`:
    the organisation form's POST is redirected to the provider, and browsers hold a form's
    redirects to `form-action` too."""
    origins = set()
    for issuer, sso_url in IdentityProvider.objects.filter(is_enabled=True).values_list("issuer", "saml_sso_url"):
        parts = urlsplit(sso_url or issuer)
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def identity_provider_list(*, partnership: Partnership | None) -> QuerySet[IdentityProvider]:
    if partnership is None:
        return IdentityProvider.objects.none()
    return IdentityProvider.objects.filter(partnership=partnership).select_related("organisation")


def access_identity_provider(*, pk: int, partnership: Partnership | None) -> IdentityProvider:
    """One of the partnership's providers; 404 alike for missing and another partnership's."""
    provider = identity_provider_list(partnership=partnership).filter(pk=pk).first()
    if provider is None:
        raise Http404("No such identity provider")
    return provider


def organisations_without_provider(*, partnership: Partnership | None) -> QuerySet[Organisation]:
    if partnership is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(partnership_places__partnership=partnership, identity_provider__isnull=True)


def sso_access_requests_pending(*, partnership: Partnership | None) -> QuerySet[SsoAccessRequest]:
    if partnership is None:
        return SsoAccessRequest.objects.none()
    return (
        SsoAccessRequest.objects.filter(provider__partnership=partnership, status=SsoAccessRequest.Status.PENDING)
        .select_related("provider__organisation")
        .order_by("created_at", "pk")
    )


def access_sso_access_request(*, pk: int, partnership: Partnership | None) -> SsoAccessRequest:
    """A pending request of the partnership's providers; 404 alike for missing and not yours."""
    found = sso_access_requests_pending(partnership=partnership).filter(pk=pk).first()
    if found is None:
        raise Http404("No such access request")
    return found
