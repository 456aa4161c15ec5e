"""The partnership admin's pages for single sign-on (issue 15; docs/sso.md): their
organisations' identity providers, and the access requests of people those providers vouch for.
Admin only (403 for every other role before anything is looked up); another partnership's
providers and requests are not found (ADR 0009)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.auth.saml import sp_entity_id
from portal.forms.errors import form_add_service_errors
from portal.forms.identity_providers import AccessApproveForm, IdentityProviderForm, SamlIdentityProviderForm
from portal.models import IdentityProvider
from portal.roles import Role
from portal.selectors import identity_providers as selectors
from portal.selectors.partnerships import membership_partnership
from portal.services import identity_providers as services
from portal.views.decorators import role_required

admin_only = role_required(Role.ADMIN)
REQUESTS_PER_PAGE = 25


def _partnership(request):
    return membership_partnership(membership=request.membership)


@admin_only
@require_GET
def admin_identity_providers(request):
    partnership = _partnership(request)
    return render(
        request,
        "portal/admin/identity_providers.html",
        {
            "partnership": partnership,
            "providers": selectors.identity_provider_list(partnership=partnership),
            "pending_count": selectors.sso_access_requests_pending(partnership=partnership).count(),
            "callback_url": request.build_absolute_uri(reverse("portal:sign_in_organisation_callback")),
        },
    )


@dataclasses.dataclass(frozen=True)
class _ProviderPages:
    """What differs between the protocols' add and edit pages: the form, the service it feeds,
    the template, what the success message calls the provider, and the template's extra context."""

    form_class: type
    configure: Callable  # the service in portal.services.identity_providers
    template: str
    saved_as: str
    extra_context: Callable = lambda provider: {}

    def render(self, request, form, provider):
        return render(request, self.template, {"form": form, "provider": provider, **self.extra_context(provider)})


OIDC_PAGES = _ProviderPages(
    form_class=IdentityProviderForm,
    configure=services.identity_provider_configure,
    template="portal/admin/identity_provider_form.html",
    saved_as="identity provider",
)
SAML_PAGES = _ProviderPages(
    form_class=SamlIdentityProviderForm,
    configure=services.identity_provider_configure_saml,
    template="portal/admin/saml_provider_form.html",
    saved_as="SAML identity provider",
    # The portal's metadata address for the organisation's IT team, once the provider exists.
    extra_context=lambda provider: {"sp_metadata_url": sp_entity_id(provider) if provider else None},
)


def _configure(request, form, pages: _ProviderPages, *, organisation):
    data = dict(form.cleaned_data)
    data.pop("organisation", None)
    try:
        provider = pages.configure(
            organisation=organisation, partnership=_partnership(request), acting_user=request.user, **data
        )
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    except ImproperlyConfigured as error:
        if "client_secret" not in form.fields:
            raise
        form.add_error("client_secret", str(error))  # no key to encrypt the client secret with
        return None
    messages.success(request, f"{provider.organisation.name}'s {pages.saved_as} has been saved")
    return redirect("portal:admin_identity_providers")


def _create(request, pages: _ProviderPages):
    organisations = selectors.organisations_without_provider(partnership=_partnership(request))
    form = pages.form_class(request.POST or None, organisations=organisations, initial=pages.form_class.NEW_INITIAL)
    if request.method == "POST" and form.is_valid():
        response = _configure(request, form, pages, organisation=form.cleaned_data["organisation"])
        if response is not None:
            return response
    return pages.render(request, form, None)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_identity_provider_create(request):
    return _create(request, OIDC_PAGES)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_saml_provider_create(request):
    return _create(request, SAML_PAGES)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_identity_provider_edit(request, pk: int):
    provider = selectors.access_identity_provider(pk=pk, partnership=_partnership(request))
    pages = SAML_PAGES if provider.protocol == IdentityProvider.Protocol.SAML else OIDC_PAGES
    if request.method == "POST":
        form = pages.form_class(request.POST, provider=provider)
        if form.is_valid():
            response = _configure(request, form, pages, organisation=provider.organisation)
            if response is not None:
                return response
    else:
        form = pages.form_class(provider=provider, initial=pages.form_class.initial_from(provider))
    return pages.render(request, form, provider)


@admin_only
@require_GET
def admin_sso_access_requests(request):
    pending = selectors.sso_access_requests_pending(partnership=_partnership(request))
    page = Paginator(pending, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/admin/sso_access_requests.html",
        {"page": page, "requests": page.object_list, "approve_form": AccessApproveForm()},
    )


@admin_only
@require_POST
def admin_sso_access_request_approve(request, pk: int):
    access_request = selectors.access_sso_access_request(pk=pk, partnership=_partnership(request))
    form = AccessApproveForm(request.POST)
    if form.is_valid():
        try:
            services.sso_access_request_approve(
                access_request=access_request, role=form.cleaned_data["role"], acting_user=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Access approved: their account is created when they next sign in")
    else:
        messages.error(request, "Select the role they will have, then approve")
    return redirect("portal:admin_sso_access_requests")


@admin_only
@require_POST
def admin_sso_access_request_refuse(request, pk: int):
    access_request = selectors.access_sso_access_request(pk=pk, partnership=_partnership(request))
    try:
        services.sso_access_request_refuse(access_request=access_request, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Access refused")
    return redirect("portal:admin_sso_access_requests")
