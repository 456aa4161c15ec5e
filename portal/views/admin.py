"""The partnership admin's pages: organisations, users, memberships, locked accounts
(DOMAIN.md §3: "partnership admin — manage organisations, users, memberships").

Every view here needs the acting membership to be a partnership admin; the role is checked
before the HTTP method or anything in the URL, so everyone else gets the same 403 everywhere.
Each view parses input, calls one service from portal.services.accounts, and on success
redirects with a message; a rule the service refuses is shown on the form it came from, with
what was typed kept.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.auth.services import user_has_second_factor
from portal.forms.admin import (
    MembershipAddForm,
    OrganisationForm,
    PartnershipJoinForm,
    PasswordForm,
    SuspendSharingForm,
    UnlockForm,
    UserCreateForm,
    UserDetailsForm,
    UserSearchForm,
)
from portal.forms.errors import form_add_service_errors
from portal.roles import Role
from portal.selectors import accounts as selectors
from portal.selectors.partnerships import PARTNERSHIP_ROLES, membership_partnership
from portal.services import accounts as services
from portal.views.decorators import role_required

USERS_PER_PAGE = 25

admin_only = role_required(Role.ADMIN)


def _signed_out(request):
    """The admin changed their own password or second factor: the service has ended all their
    sessions, this one included, so start a clean one and send them to sign in again."""
    logout(request)
    return redirect("portal:sign_in")


def _action_form(error: ValidationError) -> forms.Form:
    """An empty, bound form carrying a refused button press (deactivate, end membership) so the
    page can show it in its error summary."""
    form = forms.Form(data={})
    form.is_valid()
    form_add_service_errors(form, error)
    return form


# ---------------------------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------------------------


@admin_only
@require_GET
def admin_home(request):
    return render(
        request,
        "portal/admin/home.html",
        {
            "locked_count": len(selectors.locked_usernames()),
            "undelivered_count": selectors.undelivered_notifications(partnership=_partnership(request)).count(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


@admin_only
@require_GET
def admin_organisations(request):
    partnership = _partnership(request)
    return render(
        request,
        "portal/admin/organisations.html",
        {"organisations": selectors.organisation_list(partnership=partnership), "partnership": partnership},
    )


def _partnership(request):
    """The partnership the acting admin serves (DOMAIN.md §3; issue 16)."""
    return membership_partnership(membership=request.membership)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                acting_user=request.user, partnership=_partnership(request), **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{organisation.name} has been added")
            return redirect("portal:admin_organisations")
    return render(request, "portal/admin/organisation_form.html", {"form": form, "organisation": None})


@admin_only
@require_http_methods(["GET", "POST"])
def admin_partnership_join(request):
    """Add an organisation that takes part in another partnership to this one (issue 16)."""
    partnership = _partnership(request)
    form = PartnershipJoinForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_member_add(
                partnership=partnership,
                organisation=form.cleaned_data["organisation"],
                standing=form.cleaned_data["standing"],
                signed_protocol_on=form.cleaned_data["signed_protocol_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['organisation'].name} has joined {partnership.name}")
            return redirect("portal:admin_organisations")
    return render(request, "portal/admin/partnership_join.html", {"form": form, "partnership": partnership})


@admin_only
@require_http_methods(["GET", "POST"])
def admin_organisation_edit(request, pk: int):
    organisation = selectors.organisation_get(pk=pk, partnership=_partnership(request))
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                organisation = services.organisation_update(
                    organisation=organisation,
                    acting_user=request.user,
                    partnership=_partnership(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"{organisation.name} has been updated")
                return redirect("portal:admin_organisations")
    else:
        form = OrganisationForm(initial=OrganisationForm.initial_from(organisation))
    return render(
        request,
        "portal/admin/organisation_form.html",
        {"form": form, "organisation": organisation, "suspend_form": SuspendSharingForm()},
    )


@admin_only
@require_http_methods(["GET", "POST"])
def admin_organisation_suspend_sharing(request, pk: int):
    organisation = selectors.organisation_get(pk=pk, partnership=_partnership(request))
    form = SuspendSharingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_suspend_sharing(
                organisation=organisation,
                partnership=_partnership(request),
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Sharing with {organisation.name} is suspended")
            return redirect("portal:admin_organisation_edit", pk=organisation.pk)
    return render(request, "portal/admin/organisation_suspend.html", {"form": form, "organisation": organisation})


@admin_only
@require_POST
def admin_organisation_resume_sharing(request, pk: int):
    organisation = selectors.organisation_get(pk=pk, partnership=_partnership(request))
    try:
        services.organisation_resume_sharing(
            organisation=organisation, partnership=_partnership(request), acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sharing with {organisation.name} has resumed")
    return redirect("portal:admin_organisation_edit", pk=organisation.pk)


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


@admin_only
@require_GET
def admin_users(request):
    search = UserSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page_obj = Paginator(selectors.user_search(query=query, partnership=_partnership(request)), USERS_PER_PAGE).get_page(request.GET.get("page"))
    locked = {name.lower() for name in selectors.locked_usernames()}
    rows = [(user, user.username.lower() in locked) for user in page_obj]
    return render(
        request,
        "portal/admin/users.html",
        {"search": search, "query": query, "page_obj": page_obj, "rows": rows},
    )


@admin_only
@require_http_methods(["GET", "POST"])
def admin_user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"The account for {user.display_name} has been created. Now add a membership.")
            return redirect("portal:admin_user_detail", pk=user.pk)
    elif request.method == "POST":
        _add_account_problems(form)
    return render(request, "portal/admin/user_form.html", {"form": form, "subject": None})


def _add_account_problems(form: UserCreateForm) -> None:
    """Every problem at once: what the service would also refuse (username taken, a weak
    password) joins the form's own errors, on the fields the form accepted."""
    fields = {name: form.cleaned_data.get(name) or "" for name in UserCreateForm.base_fields}
    try:
        services.user_create_check(**fields)
    except ValidationError as error:
        for name, messages_ in error.message_dict.items():
            if name in form.fields and name not in form.errors and name in form.cleaned_data:
                for message in messages_:
                    form.add_error(name, message)


def _user_detail(request, user, *, membership_form=None, action_form=None):
    return render(
        request,
        "portal/admin/user_detail.html",
        {
            "subject": user,
            "memberships": list(user.memberships.all()),
            "membership_form": membership_form or MembershipAddForm(partnership=_partnership(request)),
            "action_form": action_form,
            "has_second_factor": user_has_second_factor(user=user),
            "is_locked": selectors.username_is_locked(username=user.username),
            "is_self": user.pk == request.user.pk,
        },
    )


@admin_only
@require_GET
def admin_user_detail(request, pk: int):
    return _user_detail(request, selectors.user_get(pk=pk, partnership=_partnership(request)))


@admin_only
@require_http_methods(["GET", "POST"])
def admin_user_edit(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    if request.method == "POST":
        form = UserDetailsForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_update(user=user, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"The details of {user.display_name} have been updated")
                return redirect("portal:admin_user_detail", pk=user.pk)
    else:
        form = UserDetailsForm(initial=UserDetailsForm.initial_from(user))
    return render(request, "portal/admin/user_form.html", {"form": form, "subject": user})


@admin_only
@require_POST
def admin_user_deactivate(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    try:
        services.user_deactivate(user=user, acting_user=request.user)
    except ValidationError as error:
        return _user_detail(request, user, action_form=_action_form(error))
    messages.success(request, f"{user.display_name} has been deactivated and signed out everywhere")
    return redirect("portal:admin_user_detail", pk=user.pk)


@admin_only
@require_POST
def admin_user_reactivate(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    try:
        services.user_reactivate(user=user, acting_user=request.user)
    except ValidationError as error:
        return _user_detail(request, user, action_form=_action_form(error))
    messages.success(request, f"{user.display_name} has been reactivated")
    return redirect("portal:admin_user_detail", pk=user.pk)


@admin_only
@require_http_methods(["GET", "POST"])
def admin_user_password(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(user=user, password=form.cleaned_data["password"], acting_user=request.user)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if user.pk == request.user.pk:
                return _signed_out(request)
            messages.success(
                request, f"The password for {user.display_name} has been reset and they have been signed out"
            )
            return redirect("portal:admin_user_detail", pk=user.pk)
    return render(request, "portal/admin/user_password.html", {"form": form, "subject": user})


@admin_only
@require_http_methods(["GET", "POST"])
def admin_user_reset_second_factor(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    if request.method == "POST":
        services.user_reset_second_factor(user=user, acting_user=request.user)
        if user.pk == request.user.pk:
            return _signed_out(request)
        messages.success(
            request,
            f"The authenticator and backup codes of {user.display_name} have been removed. "
            "They will set up a new authenticator when they next sign in.",
        )
        return redirect("portal:admin_user_detail", pk=user.pk)
    return render(
        request,
        "portal/admin/user_reset_second_factor.html",
        {"subject": user, "has_second_factor": user_has_second_factor(user=user)},
    )


# ---------------------------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------------------------


@admin_only
@require_POST
def admin_membership_add(request, pk: int):
    user = selectors.user_get(pk=pk, partnership=_partnership(request))
    form = MembershipAddForm(request.POST, partnership=_partnership(request))
    if form.is_valid():
        try:
            membership = services.membership_add(
                user=user,
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
                # An admin grants partnership roles in the partnership they serve.
                partnership=_partnership(request) if form.cleaned_data["role"] in PARTNERSHIP_ROLES else None,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{user.display_name} is now a {membership.get_role_display().lower()} "
                f"at {membership.organisation.name}",
            )
            return redirect("portal:admin_user_detail", pk=user.pk)
    return _user_detail(request, user, membership_form=form)


@admin_only
@require_POST
def admin_membership_end(request, pk: int):
    membership = selectors.membership_get(pk=pk, partnership=_partnership(request))
    try:
        services.membership_end(membership=membership, acting_user=request.user)
    except ValidationError as error:
        return _user_detail(request, selectors.user_get(pk=membership.user_id, partnership=_partnership(request)), action_form=_action_form(error))
    messages.success(
        request,
        f"{membership.user.display_name} is no longer a {membership.get_role_display().lower()} "
        f"at {membership.organisation.name}",
    )
    return redirect("portal:admin_user_detail", pk=membership.user_id)


# ---------------------------------------------------------------------------------------------
# Locked accounts
# ---------------------------------------------------------------------------------------------


@admin_only
@require_GET
def admin_locked_accounts(request):
    return render(request, "portal/admin/locked_accounts.html", {"accounts": selectors.locked_accounts()})


@admin_only
@require_POST
def admin_account_unlock(request):
    form = UnlockForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            services.account_unlock(username=username, acting_user=request.user)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{username} is unlocked and can sign in again")
            if form.cleaned_data.get("user"):
                return redirect("portal:admin_user_detail", pk=form.cleaned_data["user"])
            return redirect("portal:admin_locked_accounts")
    return render(
        request,
        "portal/admin/locked_accounts.html",
        {"accounts": selectors.locked_accounts(), "form": form},
    )


# ---------------------------------------------------------------------------------------------
# Undelivered emails (issue 15)
# ---------------------------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 50


@admin_only
@require_GET
def admin_undelivered_notifications(request):
    """Notifications to the partnership's users that stopped: refused by the mail server or
    Notify, or out of tries. The admin checks the person's email address."""
    page_obj = Paginator(
        selectors.undelivered_notifications(partnership=_partnership(request)), NOTIFICATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "portal/admin/undelivered_notifications.html", {"page_obj": page_obj})
