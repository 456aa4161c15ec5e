"""Forms for the partnership admin's identity-provider pages (shape only; the rules are
portal.services.identity_providers')."""
from __future__ import annotations

from django import forms

from portal.services.identity_providers import APPROVABLE_ROLES

INPUT = "govuk-input"


def _text(label, *, required=True, max_length=255, **kwargs):
    return forms.CharField(
        label=label, required=required, max_length=max_length,
        widget=kwargs.pop("widget", forms.TextInput(attrs={"class": INPUT, "spellcheck": "false"})),
        error_messages={"required": f"Enter the {label[0].lower() + label[1:]}",
                        "max_length": f"{label} must be {max_length} characters or fewer"},
        **kwargs,
    )


def _domains_field(*, example: str):
    return forms.CharField(
        label="Email domains of the organisation's staff",
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3, "spellcheck": "false"}),
        error_messages={"required": f"Enter at least one email domain, like {example}"},
    )


def _strong_values_field(*, values: str):
    return forms.CharField(
        label=f"{values} that mean strong authentication (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2, "spellcheck": "false"}),
    )


def _enabled_field():
    return forms.BooleanField(
        label="Sign the organisation's staff in through this provider", required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )


class _ProviderForm(forms.Form):
    """What an organisation's provider form is whichever its protocol: the organisation, asked
    only when adding one; then the protocol's own fields; then the email domains, the claims or
    attributes naming the person, the values that mean strong authentication, and the switch.
    The two protocols word those last differently, so each form declares them, with the
    `_domains_field`, `_strong_values_field` and `_enabled_field` builders above."""

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        empty_label="Select an organisation",
        error_messages={"required": "Select the organisation", "invalid_choice": "Select the organisation"},
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def __init__(self, *args, organisations=None, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provider is not None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations

    @staticmethod
    def shared_initial(provider) -> dict:
        """The form's values for the fields both protocols have, from the stored provider."""
        return {
            "allowed_domains": "\n".join(provider.allowed_domains),
            "email_claim": provider.email_claim,
            "given_name_claim": provider.given_name_claim,
            "family_name_claim": provider.family_name_claim,
            "accepted_acr": "\n".join(provider.accepted_acr),
            "is_enabled": provider.is_enabled,
        }


class IdentityProviderForm(_ProviderForm):
    """An organisation's OpenID Connect provider (ADR 0015)."""

    issuer = _text("Issuer", max_length=500)
    client_id = _text("Client ID")
    client_secret = _text(
        "Client secret", required=False,
        widget=forms.PasswordInput(attrs={"class": INPUT, "autocomplete": "off", "spellcheck": "false"}),
    )
    allowed_domains = _domains_field(example="police.example.gov.uk")
    email_claim = _text("Claim holding the email address", max_length=100)
    given_name_claim = _text("Claim holding the first name", max_length=100)
    family_name_claim = _text("Claim holding the last name", max_length=100)
    accepted_acr = _strong_values_field(values="acr values")
    is_enabled = _enabled_field()

    def __init__(self, *args, provider=None, **kwargs):
        super().__init__(*args, provider=provider, **kwargs)
        if provider is not None:
            self.fields["client_secret"].help_text = "Leave empty to keep the secret already stored"
        else:
            self.fields["client_secret"].required = True  # a new provider needs one

    @classmethod
    def initial_from(cls, provider) -> dict:
        return {"issuer": provider.issuer, "client_id": provider.client_id, **cls.shared_initial(provider)}

    NEW_INITIAL = {
        "email_claim": "email", "given_name_claim": "given_name", "family_name_claim": "family_name", "is_enabled": True,
    }


class AccessApproveForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Select a role"), *[(role.value, role.label) for role in APPROVABLE_ROLES]],
        error_messages={"required": "Select the role they will have", "invalid_choice": "Select the role they will have"},
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )


class SamlIdentityProviderForm(_ProviderForm):
    """An organisation's SAML 2.0 identity provider (ADR 0016): its metadata by address or pasted."""

    metadata_url = _text("Metadata address", required=False, max_length=500)
    metadata_xml = forms.CharField(
        label="Or paste the metadata", required=False, max_length=200_000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 6, "spellcheck": "false"}),
        error_messages={"max_length": "The metadata must be 200,000 characters or fewer"},
    )
    entity_id = _text("Entity ID of the identity provider (optional)", required=False, max_length=500)
    allowed_domains = _domains_field(example="nhs.example.gov.uk")
    email_claim = _text("Attribute holding the email address", max_length=100)
    given_name_claim = _text("Attribute holding the first name", max_length=100)
    family_name_claim = _text("Attribute holding the last name", max_length=100)
    accepted_acr = _strong_values_field(values="AuthnContextClassRef values")
    is_enabled = _enabled_field()

    @classmethod
    def initial_from(cls, provider) -> dict:
        return {
            "metadata_url": provider.saml_metadata_url,
            "metadata_xml": "" if provider.saml_metadata_url else provider.saml_metadata_xml,
            "entity_id": provider.issuer,
            **cls.shared_initial(provider),
        }

    NEW_INITIAL = {"email_claim": "email", "given_name_claim": "givenName", "family_name_claim": "sn", "is_enabled": True}
