"""Single sign-on through partner organisations' identity providers (issue 15; ADR 0015).

- A partnership admin configures an organisation's OpenID Connect provider
  (`identity_provider_configure`): issuer, client, allowed email domains, which claims carry the
  email and names, which `acr` values mean strong authentication. The client secret is stored
  encrypted and never shown again, nor logged.
- `sso_sign_in_resolve` decides who a provider's verified ID token signs in, or why not. An
  account is created just in time only for an address in the organisation's domains, and only
  once a partnership admin has approved that address's access request with a role
  (`sso_access_request_approve`); until then the attempt leaves a pending request.
- Every outcome is a decision-log entry: signed in, refused (with the reason), account created,
  identity linked. Entries name accounts by username and id, as the account services do; an
  address appears only as its domain.
"""
from __future__ import annotations

import dataclasses
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from portal.accountability.services import decision_record
from portal.auth.oidc import secret_encrypt
from portal.models import (
    ExternalIdentity,
    IdentityProvider,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
    SsoAccessRequest,
    User,
)
from portal.notifications.services import notify
from portal.roles import Role
from portal.selectors.identity_providers import email_domain
from portal.selectors.partnerships import PARTNERSHIP_ROLES
from portal.services.accounts import membership_add

PROVIDER_DEVICE_NAME = "organisation sign-in"
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM_PATTERN = re.compile(r"^[A-Za-z0-9_:./-]{1,100}$")
# Roles an approval may give: the partnership-wide ones (admin, auditor) are granted on the
# user's page once the account exists, by another admin.
APPROVABLE_ROLES = [role for role in Role if role not in PARTNERSHIP_ROLES]


def _split(values) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[\s,]+", values)
    return [value.strip() for value in values if value and value.strip()]


@transaction.atomic
def identity_provider_configure(
    *,
    organisation: Organisation,
    partnership: Partnership | None,
    issuer: str,
    client_id: str,
    client_secret: str = "",
    allowed_domains,
    email_claim: str = "email",
    given_name_claim: str = "given_name",
    family_name_claim: str = "family_name",
    accepted_acr=(),
    is_enabled: bool = True,
    acting_user: User | None,
) -> IdentityProvider:
    """Create or change an organisation's provider. An empty `client_secret` keeps the stored
    one. Refused: an organisation outside the admin's partnership, or whose provider another
    partnership configured; a non-HTTPS issuer (but loopback, for development); a domain that
    another organisation's provider already signs in."""
    provider = _provider_for_update(organisation=organisation, partnership=partnership)
    issuer = issuer.strip().rstrip("/")
    client_id = client_id.strip()
    domains = _domains(allowed_domains)
    claims = {"email_claim": email_claim, "given_name_claim": given_name_claim, "family_name_claim": family_name_claim}
    errors = {
        **_issuer_errors(issuer),
        **_domain_and_claim_errors(domains, claims, organisation=organisation, claim_word="a claim"),
    }
    if not client_id:
        errors["client_id"] = ["Enter the client ID the provider gave the portal"]
    if provider is None and not client_secret:
        errors["client_secret"] = ["Enter the client secret the provider gave the portal"]
    if errors:
        raise ValidationError(errors)
    created = provider is None
    protocol_fields = {
        "protocol": IdentityProvider.Protocol.OIDC,
        "saml_metadata_url": "", "saml_metadata_xml": "", "saml_sso_url": "",
        "issuer": issuer,
        "client_id": client_id,
    }
    if client_secret:
        protocol_fields["client_secret_encrypted"] = secret_encrypt(client_secret)
    return _provider_save(
        provider, organisation=organisation, partnership=partnership, protocol_fields=protocol_fields,
        domains=domains, claims=claims, accepted_acr=accepted_acr, is_enabled=is_enabled, acting_user=acting_user,
        reasons=(
            f"{organisation.name}'s identity provider {'added' if created else 'changed'}"
            + ("; client secret replaced" if client_secret and not created else "")
        ),
    )


@transaction.atomic
def identity_provider_configure_saml(
    *,
    organisation: Organisation,
    partnership: Partnership | None,
    metadata_url: str = "",
    metadata_xml: str = "",
    entity_id: str = "",
    allowed_domains,
    email_claim: str = "email",
    given_name_claim: str = "givenName",
    family_name_claim: str = "sn",
    accepted_acr=(),
    is_enabled: bool = True,
    acting_user: User | None,
) -> IdentityProvider:
    """Create or change an organisation's SAML 2.0 identity provider (ADR 0016): its metadata
    (fetched from the URL, or pasted), which IdP of it (entity ID, optional when there is one),
    the email domains, which attributes hold the email and names, and which
    AuthnContextClassRef values count as strong authentication. The same partnership and domain
    rules as an OpenID Connect provider."""
    from portal.auth import saml

    provider = _provider_for_update(organisation=organisation, partnership=partnership)
    metadata_url, metadata_xml, entity_id = metadata_url.strip(), metadata_xml.strip(), entity_id.strip()
    domains = _domains(allowed_domains)
    claims = {"email_claim": email_claim, "given_name_claim": given_name_claim, "family_name_claim": family_name_claim}
    errors = _domain_and_claim_errors(domains, claims, organisation=organisation, claim_word="an attribute")
    parsed = None
    if metadata_url and _issuer_errors(metadata_url):
        errors["metadata_url"] = ["Enter the metadata address as https://…"]
    elif not metadata_url and not metadata_xml:
        errors["metadata_url"] = ["Enter the address of the identity provider's metadata, or paste the metadata"]
    else:
        try:
            metadata_xml = saml.metadata_fetch(metadata_url) if metadata_url else metadata_xml
            parsed = saml.metadata_parse(metadata_xml, entity_id=entity_id)
        except saml.SamlMetadataError as error:
            errors["metadata_url" if metadata_url else "metadata_xml"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    created = provider is None
    return _provider_save(
        provider, organisation=organisation, partnership=partnership,
        protocol_fields={
            "protocol": IdentityProvider.Protocol.SAML,
            "issuer": parsed["entity_id"],
            "saml_sso_url": parsed["sso_url"],
            "saml_metadata_url": metadata_url,
            "saml_metadata_xml": metadata_xml,
            "client_id": "", "client_secret_encrypted": "",
        },
        domains=domains, claims=claims, accepted_acr=accepted_acr, is_enabled=is_enabled, acting_user=acting_user,
        reasons=f"{organisation.name}'s SAML identity provider {'added' if created else 'changed'}",
    )


def _provider_for_update(*, organisation: Organisation, partnership: Partnership | None) -> IdentityProvider | None:
    """The organisation's provider, locked, or None when it has none yet; refused when the
    organisation is not in the admin's partnership or another partnership configures it."""
    if partnership is None or not PartnershipMember.objects.filter(partnership=partnership, organisation=organisation).exists():
        raise ValidationError("This organisation is not a member of your partnership")
    provider = IdentityProvider.objects.select_for_update().filter(organisation=organisation).first()
    if provider is not None and provider.partnership_id != partnership.pk:
        raise ValidationError("Another partnership's admins configure this organisation's provider")
    return provider


def _domains(allowed_domains) -> list[str]:
    return sorted({domain.lower().lstrip("@") for domain in _split(allowed_domains)})


def _domain_and_claim_errors(domains: list[str], claims: dict, *, organisation: Organisation, claim_word: str) -> dict:
    """What either protocol's configuration can get wrong in its domains and in the names of the
    claims (OpenID Connect) or attributes (SAML) holding the email and names."""
    return {
        **_domain_errors(domains, organisation=organisation),
        **{field: [f"Enter {claim_word} name: letters, digits and _ : . / - only"]
           for field, value in claims.items() if not CLAIM_PATTERN.match(value.strip())},
    }


def _provider_save(
    provider: IdentityProvider | None, *, organisation: Organisation, partnership: Partnership, protocol_fields: dict,
    domains: list[str], claims: dict, accepted_acr, is_enabled: bool, acting_user: User | None, reasons: str,
) -> IdentityProvider:
    """Write a validated configuration (`protocol_fields`: what only its protocol has) to the
    organisation's provider, made if it has none, and log it with what it was before."""
    created = provider is None
    before = None if created else _provider_summary(provider)
    if created:
        provider = IdentityProvider(organisation=organisation, partnership=partnership)
    for field, value in protocol_fields.items():
        setattr(provider, field, value)
    provider.allowed_domains = domains
    for field, value in claims.items():
        setattr(provider, field, value.strip())
    provider.accepted_acr = sorted(set(_split(accepted_acr)))
    provider.is_enabled = is_enabled
    provider.save()
    decision_record(
        actor=acting_user,
        organisation=organisation,
        partnership=partnership,
        action="sso.provider_configured",
        reasons=reasons,
        details={"provider_id": provider.pk, "before": before, "after": _provider_summary(provider)},
    )
    return provider


def _issuer_errors(issuer: str) -> dict:
    try:
        URLValidator(schemes=["https", "http"])(issuer)
    except ValidationError:
        return {"issuer": ["Enter the issuer as a web address, like https://login.microsoftonline.com/TENANT/v2.0"]}
    if not issuer.startswith("https://") and not issuer.startswith(("http://127.0.0.1", "http://localhost")):
        return {"issuer": ["The issuer must start with https://"]}
    return {}


def _domain_errors(domains: list[str], *, organisation: Organisation) -> dict:
    if not domains:
        return {"allowed_domains": ["Enter at least one email domain, like police.example.gov.uk"]}
    if bad := [domain for domain in domains if not DOMAIN_PATTERN.match(domain)]:
        return {"allowed_domains": [f"{', '.join(bad)} is not an email domain"]}
    taken = (
        IdentityProvider.objects.exclude(organisation=organisation)
        .filter(allowed_domains__has_any_keys=domains)
        .select_related("organisation")
        .first()
    )
    if taken is not None:
        return {"allowed_domains": [f"{taken.organisation.name}'s provider already signs in one of these domains"]}
    return {}


def _provider_summary(provider: IdentityProvider) -> dict:
    """What the log keeps of a configuration: everything but the secret."""
    return {
        "protocol": provider.protocol,
        "issuer": provider.issuer,
        "saml_metadata_url": provider.saml_metadata_url,
        "client_id": provider.client_id,
        "allowed_domains": provider.allowed_domains,
        "claims": [provider.email_claim, provider.given_name_claim, provider.family_name_claim],
        "accepted_acr": provider.accepted_acr,
        "enabled": provider.is_enabled,
    }


@transaction.atomic
def sso_access_request_approve(*, access_request: SsoAccessRequest, role: str, acting_user: User) -> SsoAccessRequest:
    """Approve someone the provider vouches for: their next sign-in creates their account with
    this role at the organisation."""
    access_request = SsoAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != SsoAccessRequest.Status.PENDING:
        raise ValidationError("This request has already been decided")
    if role not in {r.value for r in APPROVABLE_ROLES}:
        raise ValidationError({"role": ["Select the role they will have"]})
    access_request.status = SsoAccessRequest.Status.APPROVED
    access_request.role = role
    access_request.decided_by = acting_user
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "role", "decided_by", "decided_at"])
    provider = access_request.provider
    decision_record(
        actor=acting_user,
        organisation=provider.organisation,
        partnership=provider.partnership,
        action="sso.access_approved",
        reasons=f"Access through {provider.organisation.name}'s provider approved as {Role(role).label.lower()}",
        details={"access_request_id": access_request.pk, "role": role, "domain": email_domain(access_request.email)},
    )
    return access_request


@transaction.atomic
def sso_access_request_refuse(*, access_request: SsoAccessRequest, acting_user: User) -> SsoAccessRequest:
    access_request = SsoAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != SsoAccessRequest.Status.PENDING:
        raise ValidationError("This request has already been decided")
    access_request.status = SsoAccessRequest.Status.REFUSED
    access_request.decided_by = acting_user
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "decided_by", "decided_at"])
    provider = access_request.provider
    decision_record(
        actor=acting_user,
        organisation=provider.organisation,
        partnership=provider.partnership,
        action="sso.access_refused",
        reasons=f"Access through {provider.organisation.name}'s provider refused",
        details={"access_request_id": access_request.pk, "domain": email_domain(access_request.email)},
    )
    return access_request


class Refusal:
    """Why a provider's sign-in did not sign anyone in (the message the person sees)."""

    PROVIDER_OFF = "Your organisation's sign-in to the portal is switched off. Contact your partnership admin."
    NO_EMAIL = "Your organisation's sign-in did not say which email address you use. Contact your IT service."
    UNVERIFIED = "Your organisation's sign-in has not verified your email address. Contact your IT service."
    DOMAIN = "Your email address is not one of your organisation's addresses for this portal."
    DEACTIVATED = "Your portal account has been deactivated. Contact your partnership admin."
    NO_MEMBERSHIP = "You no longer have a role at your organisation in this portal. Contact your partnership admin."
    PENDING = (
        "Your organisation has confirmed who you are. A partnership admin now needs to approve your access: "
        "you can sign in once they have."
    )
    REFUSED = "A partnership admin has refused your access to the portal. Contact your partnership admin."
    PROVIDER_ERROR = "Your organisation's sign-in did not complete. Try again, or contact your IT service."


@dataclasses.dataclass
class SsoOutcome:
    user: User | None = None
    refusal: str = ""
    pending: bool = False


def _refuse(provider: IdentityProvider, *, reason: str, message: str, domain: str = "", **details) -> SsoOutcome:
    decision_record(
        actor=None,
        organisation=provider.organisation,
        partnership=provider.partnership,
        action="sso.sign_in_refused",
        reasons=f"Sign-in through {provider.organisation.name}'s provider refused: {reason}",
        details={"provider_id": provider.pk, "reason": reason, "domain": domain, **details},
    )
    return SsoOutcome(refusal=message, pending=message == Refusal.PENDING)


@transaction.atomic
def sso_sign_in_refuse(*, provider: IdentityProvider, reason: str) -> SsoOutcome:
    """The provider answered with an error, or a token Authlib would not accept."""
    return _refuse(provider, reason=reason, message=Refusal.PROVIDER_ERROR)


@transaction.atomic
def sso_sign_in_resolve(*, provider: IdentityProvider, claims: dict, strong: bool) -> SsoOutcome:
    """Who this verified ID token signs in, or why no one. `strong`: the provider did strong
    authentication (then the portal's code is not asked)."""
    provider = IdentityProvider.objects.select_related("organisation", "partnership").get(pk=provider.pk)
    if not provider.is_enabled:
        return _refuse(provider, reason="provider switched off", message=Refusal.PROVIDER_OFF)
    subject = str(claims.get("sub") or "")
    email = str(claims.get(provider.email_claim) or "").strip()
    domain = email_domain(email)
    if not subject or not domain:
        return _refuse(provider, reason="no subject or email claim", message=Refusal.NO_EMAIL)
    if claims.get("email_verified") is False:
        return _refuse(provider, reason="email not verified", message=Refusal.UNVERIFIED, domain=domain)
    if domain not in provider.allowed_domains:
        return _refuse(provider, reason="email domain not allowed", message=Refusal.DOMAIN, domain=domain)

    identity = ExternalIdentity.objects.select_related("user").filter(provider=provider, subject=subject).first()
    user = identity.user if identity else None
    if user is None:
        # A portal account the organisation's admin made before the provider: bind it once.
        user = _existing_account(provider=provider, email=email)
        if user is not None:
            identity = ExternalIdentity.objects.create(provider=provider, user=user, subject=subject)
            decision_record(
                actor=None, organisation=provider.organisation, partnership=provider.partnership,
                action="sso.identity_linked",
                reasons=f"Existing account bound to its identity at {provider.organisation.name}'s provider",
                details={"provider_id": provider.pk, "user_id": user.pk, "username": user.username},
            )
    if user is None:
        user = _account_just_in_time(provider=provider, email=email, subject=subject, claims=claims)
        if isinstance(user, SsoOutcome):
            return user
        identity = ExternalIdentity.objects.get(provider=provider, user=user)
    if not user.is_active:
        return _refuse(provider, reason="account deactivated", message=Refusal.DEACTIVATED, domain=domain,
                       user_id=user.pk, username=user.username)
    if not Membership.objects.active().filter(user=user, organisation=provider.organisation).exists():
        return _refuse(provider, reason="no active membership", message=Refusal.NO_MEMBERSHIP, domain=domain,
                       user_id=user.pk, username=user.username)
    identity.last_sign_in_at = timezone.now()
    identity.save(update_fields=["last_sign_in_at"])
    decision_record(
        actor=user, organisation=provider.organisation, partnership=provider.partnership,
        action="sso.signed_in",
        reasons=(
            f"Signed in through {provider.organisation.name}'s provider"
            + ("; its strong authentication accepted" if strong else "; the portal's security code is asked")
        ),
        details={
            "provider_id": provider.pk, "user_id": user.pk, "username": user.username, "strong": strong,
            "amr": [str(method) for method in (claims.get("amr") or [])][:10], "acr": str(claims.get("acr") or ""),
        },
    )
    return SsoOutcome(user=user)


def _existing_account(*, provider: IdentityProvider, email: str) -> User | None:
    candidates = User.objects.filter(
        email__iexact=email, memberships__organisation=provider.organisation, memberships__is_active=True
    ).exclude(external_identities__provider=provider).distinct()
    return candidates.first() if candidates.count() == 1 else None


def _account_just_in_time(*, provider, email, subject, claims) -> User | SsoOutcome:
    domain = email_domain(email)
    approved = (
        SsoAccessRequest.objects.select_for_update(of=("self",))
        .filter(provider=provider, email__iexact=email, status=SsoAccessRequest.Status.APPROVED)
        .select_related("decided_by")
        .first()
    )
    if approved is None:
        open_or_refused = SsoAccessRequest.objects.filter(provider=provider, email__iexact=email).exclude(
            status=SsoAccessRequest.Status.USED
        )
        if open_or_refused.filter(status=SsoAccessRequest.Status.REFUSED).exists() and not open_or_refused.filter(
            status=SsoAccessRequest.Status.PENDING
        ).exists():
            return _refuse(provider, reason="access refused by an admin", message=Refusal.REFUSED, domain=domain)
        pending, created = SsoAccessRequest.objects.get_or_create(
            provider=provider, email=email.lower(), status=SsoAccessRequest.Status.PENDING,
            defaults={"subject": subject, **_names(provider, claims)},
        )
        if created:
            _admins_tell(provider=provider, access_request=pending)
        return _refuse(
            provider, reason="no approved membership", message=Refusal.PENDING, domain=domain,
            access_request_id=pending.pk, access_request_created=created,
        )
    names = _names(provider, claims)
    user = User(
        username=_free_username(email), email=email.lower(),
        first_name=names["given_name"], last_name=names["family_name"],
    )
    user.set_unusable_password()
    user.save()
    ExternalIdentity.objects.create(provider=provider, user=user, subject=subject)
    approved.status = SsoAccessRequest.Status.USED
    approved.user = user
    approved.subject = subject
    approved.save(update_fields=["status", "user", "subject"])
    decision_record(
        actor=None, organisation=provider.organisation, partnership=provider.partnership,
        action="sso.account_created",
        reasons=(
            f"Account created at first sign-in through {provider.organisation.name}'s provider, "
            f"as approved by a partnership admin"
        ),
        details={
            "provider_id": provider.pk, "user_id": user.pk, "username": user.username,
            "access_request_id": approved.pk, "approved_by": approved.decided_by_id,
        },
    )
    membership_add(user=user, organisation=provider.organisation, role=approved.role, acting_user=approved.decided_by)
    return user


def _admins_tell(*, provider: IdentityProvider, access_request: SsoAccessRequest) -> None:
    """Email the partnership's admins a reference and a link (no name, no address)."""
    admins = User.objects.filter(
        memberships__role=Role.ADMIN, memberships__partnership=provider.partnership, memberships__is_active=True
    ).distinct()
    notify(
        recipients=admins,
        subject=f"An access request from {provider.organisation.name}'s sign-in is waiting for approval",
        reference=f"SSO-{access_request.pk}",
        path=reverse("portal:admin_sso_access_requests"),
    )


def _names(provider: IdentityProvider, claims: dict) -> dict:
    return {
        "given_name": str(claims.get(provider.given_name_claim) or "")[:150],
        "family_name": str(claims.get(provider.family_name_claim) or "")[:150],
    }


def _free_username(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:120] or "user"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def provider_device_for(*, user: User) -> StaticDevice:
    """The device that stands for the provider's own strong authentication in django-otp's
    session (`is_verified()`): confirmed, with no codes, so nothing can ever be verified
    against it; it only records that the provider did the second factor."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=PROVIDER_DEVICE_NAME, defaults={"confirmed": True})
    return device
