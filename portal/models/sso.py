"""Single sign-on through partner organisations' own identity providers (issue 15; ADR 0015).

An organisation whose staff have an OpenID Connect provider (Microsoft Entra ID, NHS CIS2) gets
an `IdentityProvider`, configured by an admin of the partnership that set it up. Its users sign
in there, never with a portal password; leaving the organisation (the provider disables them)
ends their access at their next sign-in, and their sessions are short.

- `ExternalIdentity` binds a provider's subject (`sub`) to a portal account, once.
- `SsoAccessRequest` is someone the provider vouches for (an address in the organisation's
  domains) who has no account yet: it waits for a partnership admin to approve it with a role,
  and only then does the next sign-in create the account (just in time) with that membership.
"""
from django.db import models
from django.db.models.functions import Lower

from portal.roles import Role

from .partnerships import Partnership
from .people import Organisation, User


class IdentityProvider(models.Model):
    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.OIDC)
    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="identity_provider")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+",
        help_text="The partnership whose admins configure this provider (ADR 0009).",
    )
    issuer = models.URLField("issuer", max_length=500)
    client_id = models.CharField("client ID", max_length=255)
    # Fernet (AES-128-CBC + HMAC) under PORTAL_SSO_SECRET_KEYS, which are never in the database.
    client_secret_encrypted = models.TextField(blank=True)
    allowed_domains = models.JSONField(default=list, help_text="Lower-case email domains of the organisation's staff.")
    email_claim = models.CharField(max_length=100, default="email")
    given_name_claim = models.CharField(max_length=100, default="given_name")
    family_name_claim = models.CharField(max_length=100, default="family_name")
    accepted_acr = models.JSONField(
        default=list, help_text="`acr` values that mean the provider did strong (multi-factor) authentication."
    )
    # SAML 2.0 (ADR 0016): `issuer` holds the IdP's entity ID, the claim fields name its
    # attributes and `accepted_acr` its AuthnContextClassRef values; client fields stay empty.
    saml_metadata_url = models.URLField("IdP metadata URL", max_length=500, blank=True)
    saml_metadata_xml = models.TextField(
        "IdP metadata", blank=True, help_text="The IdP's metadata as last read (pasted, or fetched from the URL)."
    )
    saml_sso_url = models.URLField("IdP single sign-on URL", max_length=500, blank=True)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"Identity provider of {self.organisation.name}"


class ExternalIdentity(models.Model):
    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="identities")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="external_identities")
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="portal_externalidentity_unique"),
            models.UniqueConstraint(fields=["provider", "user"], name="portal_externalidentity_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.provider.organisation.name}"


class SsoAccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        USED = "used", "Account created"

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="access_requests")
    subject = models.CharField(max_length=255)
    email = models.EmailField()
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "provider", Lower("email"), condition=models.Q(status__in=["pending", "approved"]),
                name="portal_ssoaccessrequest_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Access request at {self.provider.organisation.name}"
