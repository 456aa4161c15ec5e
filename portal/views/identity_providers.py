"""The partnership admin's pages for single sign-on (issue 15; docs/sso.md): their
organisations' identity providers, and the access requests of people those providers vouch for.
Admin only (403 for every other role before anything is looked up); another partnership's
providers and requests are not found (ADR 0009)."""
from __future__ import annotations

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


def _configure(request, form, *, organisation, provider):
    data = dict(form.cleaned_data)
    data.pop("organisation", None)
    try:
        provider = services.identity_provider_configure(
            organisation=organisation, partnership=_partnership(request), acting_user=request.user, **data
        )
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    except ImproperlyConfigured as error:
        form.add_error("client_secret", str(error))
        return None
    messages.success(request, f"{provider.organisation.name}'s identity provider has been saved")
    return redirect("portal:admin_identity_providers")


@admin_only
@require_http_methods(["GET", "POST"])
def admin_identity_provider_create(request):
    organisations = selectors.organisations_without_provider(partnership=_partnership(request))
    form = IdentityProviderForm(
        request.POST or None, organisations=organisations, initial=IdentityProviderForm.NEW_INITIAL
    )
    if request.method == "POST" and form.is_valid():
        response = _configure(request, form, organisation=form.cleaned_data["organisation"], provider=None)
        if response is not None:
            return response
    return render(request, "portal/admin/identity_provider_form.html", {"form": form, "provider": None})


def _configure_saml(request, form, *, organisation):
    data = dict(form.cleaned_data)
    data.pop("organisation", None)
    try:
        provider = services.identity_provider_configure_saml(
            organisation=organisation, partnership=_partnership(request), acting_user=request.user, **data
        )
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    messages.success(request, f"{provider.organisation.name}'s SAML identity provider has been saved")
    return redirect("portal:admin_identity_providers")


def _saml_page(request, form, provider):
    sp_metadata_url = sp_entity_id(provider) if provider else None
    return render(
        request, "portal/admin/saml_provider_form.html",
        {"form": form, "provider": provider, "sp_metadata_url": sp_metadata_url},
    )


@admin_only
@require_http_methods(["GET", "POST"])
def admin_saml_provider_create(request):
    organisations = selectors.organisations_without_provider(partnership=_partnership(request))
    form = SamlIdentityProviderForm(
        request.POST or None, organisations=organisations, initial=SamlIdentityProviderForm.NEW_INITIAL
    )
    if request.method == "POST" and form.is_valid():
        response = _configure_saml(request, form, organisation=form.cleaned_data["organisation"])
        if response is not None:
            return response
    return _saml_page(request, form, None)


def _saml_edit(request, provider):
    if request.method == "POST":
        form = SamlIdentityProviderForm(request.POST, provider=provider)
        if form.is_valid():
            response = _configure_saml(request, form, organisation=provider.organisation)
            if response is not None:
                return response
    else:
        form = SamlIdentityProviderForm(provider=provider, initial=SamlIdentityProviderForm.initial_from(provider))
    return _saml_page(request, form, provider)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_identity_provider_edit(request, pk: int):
    provider = selectors.access_identity_provider(pk=pk, partnership=_partnership(request))
    if provider.protocol == IdentityProvider.Protocol.SAML:
        return _saml_edit(request, provider)
    if request.method == "POST":
        form = IdentityProviderForm(request.POST, provider=provider)
        if form.is_valid():
            response = _configure(request, form, organisation=provider.organisation, provider=provider)
            if response is not None:
                return response
    else:
        form = IdentityProviderForm(provider=provider, initial=IdentityProviderForm.initial_from(provider))
    return render(request, "portal/admin/identity_provider_form.html", {"form": form, "provider": provider})


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
