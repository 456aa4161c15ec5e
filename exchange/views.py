"""The partnership admin's pages for partner API clients (docs/api.md): list, register (the
key and webhook secret shown once), see one, rotate its key, revoke it. Each view checks the
role first (403 for anyone but an admin), reads through `exchange.selectors` (404 for another
partnership's client) and calls one service."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from exchange import selectors, services
from exchange.forms import ApiClientForm, ReasonForm
from portal.forms.errors import form_add_service_errors
from portal.roles import Role
from portal.selectors.partnerships import membership_partnership, partnership_organisations
from portal.views.decorators import role_required

admin_only = role_required(Role.ADMIN)
PER_PAGE = 25


def _partnership(request):
    return membership_partnership(membership=request.membership)


def _issued(request, issued, *, heading: str):
    """The one time the key and the webhook secret are shown."""
    response = render(request, "exchange/client_issued.html", {"issued": issued, "heading": heading})
    response["Cache-Control"] = "no-store"
    return response


@admin_only
@require_GET
def clients(request):
    partnership = _partnership(request)
    page_obj = Paginator(selectors.api_clients_of(partnership=partnership), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "exchange/clients.html", {"page_obj": page_obj, "partnership": partnership})


@admin_only
@require_http_methods(["GET", "POST"])
def client_new(request):
    partnership = _partnership(request)
    form = ApiClientForm(request.POST or None, organisations=partnership_organisations(partnership=partnership))
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_client_register(partnership=partnership, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return _issued(request, issued, heading="API client registered")
    return render(request, "exchange/client_form.html", {"form": form, "partnership": partnership})


@admin_only
@require_GET
def client_detail(request, pk: int):
    client = selectors.access_api_client(partnership=_partnership(request), pk=pk)
    return render(request, "exchange/client_detail.html", {
        "client": client, "keys": selectors.api_client_keys(client=client),
        "deliveries": selectors.api_client_deliveries(client=client),
    })


def _reasoned(request, pk: int, *, service, template: str, done: str):
    client = selectors.access_api_client(partnership=_partnership(request), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = service(client=client, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if isinstance(result, services.Issued):
                return _issued(request, result, heading="New key issued")
            messages.success(request, done)
            return redirect("exchange:client_detail", pk=client.pk)
    return render(request, template, {"client": client, "form": form})


@admin_only
@require_http_methods(["GET", "POST"])
def client_rotate(request, pk: int):
    return _reasoned(request, pk, service=services.api_client_rotate, template="exchange/client_rotate.html", done="")


@admin_only
@require_http_methods(["GET", "POST"])
def client_revoke(request, pk: int):
    return _reasoned(
        request, pk, service=services.api_client_revoke, template="exchange/client_revoke.html",
        done="The client is revoked: its keys no longer work",
    )
