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


# ---------------------------------------------------------------------------------------------
# Recurring marked distributions (SDP 5.9, Appendix 3)
# ---------------------------------------------------------------------------------------------

from django.http import Http404  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from exchange.forms import (  # noqa: E402
    AcknowledgeForm,
    DistributionForm,
    IssueUploadForm,
    RecipientForm,
    RoleRecipientForm,
)
from portal.accountability.services import access_record  # noqa: E402
from portal.marked import Stamp, marked_file, marked_response, read_stored  # noqa: E402
from portal.pdf import marked_download_footer  # noqa: E402
from portal.protocols.markings import marking_allowed_here, marking_refusal  # noqa: E402
from portal.protocols.selectors import current_protocol_pack  # noqa: E402
from portal.uploads import upload_limited  # noqa: E402

officers_only = role_required(Role.OFFICER, Role.DESIGNATED_OFFICER)
# Issues reach people by role too ("the DPOs of organisation X"): they read, acknowledge and download.
recipients_only = role_required(Role.OFFICER, Role.DESIGNATED_OFFICER, Role.DPO, Role.CHAIR)


@recipients_only
@require_GET
def distributions(request):
    sent = Paginator(selectors.distributions_sent(membership=request.membership), PER_PAGE).get_page(
        request.GET.get("sent")
    )
    received = Paginator(selectors.issues_received(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    can_send = request.membership.role in (Role.OFFICER, Role.DESIGNATED_OFFICER)
    return render(request, "exchange/distributions.html", {"sent": sent, "page_obj": received, "can_send": can_send})


def _markings(partnership):
    pack = current_protocol_pack(partnership)
    return pack.marking_levels.order_by("order") if pack else None


@officers_only
@require_http_methods(["GET", "POST"])
def distribution_new(request):
    partnership = membership_partnership(membership=request.membership)
    markings = _markings(partnership)
    if markings is None:
        raise Http404("No protocol in force")
    from exchange.models import APPENDIX_3_RULES

    form = DistributionForm(request.POST or None, markings=markings, initial={"handling_rules": APPENDIX_3_RULES})
    if request.method == "POST" and form.is_valid():
        try:
            distribution = services.distribution_create(
                membership=request.membership, partnership=partnership, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{distribution.title} is set up: add its recipients, then send the first issue")
            return redirect("exchange:distribution_detail", pk=distribution.pk)
    return render(request, "exchange/distribution_form.html", {"form": form, "partnership": partnership})


def _detail(request, distribution, *, recipient_form=None, upload_form=None, role_form=None, status=200):
    context = {
        "distribution": distribution,
        "recipients": selectors.distribution_recipient_status(distribution=distribution),
        "role_rules": selectors.distribution_role_rules(distribution=distribution),
        "role_form": role_form or RoleRecipientForm(
            organisations=selectors.role_recipient_organisations(distribution=distribution)
        ),
        "issues": list(distribution.issues.order_by("-number")),
        "recipient_form": recipient_form or RecipientForm(candidates=selectors.recipient_candidates(distribution=distribution)),
        "upload_form": upload_form or IssueUploadForm(),
    }
    errors = [f for f in (recipient_form, role_form, upload_form) if f is not None and f.errors]
    context["error_form"] = errors[0] if errors else None
    return render(request, "exchange/distribution_detail.html", context, status=status)


@officers_only
@require_GET
def distribution_detail(request, pk: int):
    return _detail(request, selectors.access_distribution(membership=request.membership, pk=pk))


@officers_only
@require_POST
def distribution_recipient_add(request, pk: int):
    distribution = selectors.access_distribution(membership=request.membership, pk=pk)
    form = RecipientForm(request.POST, candidates=selectors.recipient_candidates(distribution=distribution))
    if form.is_valid():
        try:
            services.distribution_recipient_add(
                distribution=distribution, recipient_membership=form.cleaned_data["recipient"],
                acting_user=request.user, acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Recipient added")
            return redirect("exchange:distribution_detail", pk=distribution.pk)
    return _detail(request, distribution, recipient_form=form)


@officers_only
@require_POST
def distribution_role_recipient_add(request, pk: int):
    distribution = selectors.access_distribution(membership=request.membership, pk=pk)
    form = RoleRecipientForm(request.POST, organisations=selectors.role_recipient_organisations(distribution=distribution))
    if form.is_valid():
        try:
            rule = services.distribution_role_recipient_add(
                distribution=distribution, organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"], acting_user=request.user, acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{rule.label} receive it from the next issue")
            return redirect("exchange:distribution_detail", pk=distribution.pk)
    return _detail(request, distribution, role_form=form)


@upload_limited
@officers_only
@require_POST
def distribution_issue_upload(request, pk: int):
    distribution = selectors.access_distribution(membership=request.membership, pk=pk)
    form = IssueUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            issue = services.distribution_issue_upload(
                distribution=distribution, file=form.cleaned_data.get("file"), acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Issue {issue.number} sent: the recipients are told, the previous issue is destroyed")
            return redirect("exchange:distribution_detail", pk=distribution.pk)
    return _detail(request, distribution, upload_form=form)


@recipients_only
@require_GET
def issue(request, pk: int):
    issue, as_recipient = selectors.access_issue(user=request.user, membership=request.membership, pk=pk)
    acknowledgement = selectors.acknowledgement_of(issue=issue, user=request.user) if as_recipient else None
    return render(request, "exchange/issue.html", {
        "issue": issue, "distribution": issue.distribution, "as_recipient": as_recipient,
        "acknowledgement": acknowledgement, "form": AcknowledgeForm(),
    })


@recipients_only
@require_POST
def issue_acknowledge(request, pk: int):
    issue, as_recipient = selectors.access_issue(user=request.user, membership=request.membership, pk=pk)
    if not as_recipient:
        raise Http404("No such issue")
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        services.issue_acknowledge(issue=issue, acting_user=request.user, acting_membership=request.membership)
        messages.success(request, "You can now download the issue")
        return redirect("exchange:issue", pk=issue.pk)
    return render(request, "exchange/issue.html", {
        "issue": issue, "distribution": issue.distribution, "as_recipient": True, "acknowledgement": None,
        "form": form,
    })


@recipients_only
@require_GET
def issue_download(request, pk: int):
    """The issue, stamped with the marking and who downloaded it, when (a PDF; anything else in a
    ZIP with its handling rules), after the recipient has acknowledged the rules."""
    issue, as_recipient = selectors.access_issue(user=request.user, membership=request.membership, pk=pk)
    distribution = issue.distribution
    acknowledgement = selectors.acknowledgement_of(issue=issue, user=request.user) if as_recipient else None
    if as_recipient and acknowledgement is None:
        messages.error(request, "Confirm you will keep to the handling rules before downloading the issue")
        return redirect("exchange:issue", pk=issue.pk)
    if not marking_allowed_here(distribution.marking):
        messages.error(request, marking_refusal(distribution.marking, "distribute this document"))
        return redirect("exchange:issue", pk=issue.pk)
    data = read_stored(issue.file) if issue.file else None
    if data is None:
        raise Http404("The file is not available")
    organisation = request.membership.organisation
    stamp = Stamp(
        marking=distribution.marking.name,
        footer=marked_download_footer(user=request.user, organisation_name=organisation.name, reference=issue.reference),
        reference=issue.reference,
        handling_conditions=tuple(distribution.rules),
    )
    marked = marked_file(data, content_type=issue.content_type, original_name=issue.original_name, stamp=stamp)
    access_record(
        user=request.user, organisation=organisation, kind="download", object_type="distribution_issue",
        reference=issue.reference, path=request.path,
    )
    if acknowledgement is not None:
        services.issue_downloaded(acknowledgement=acknowledgement)
    return marked_response(marked)


# ---------------------------------------------------------------------------------------------
# Shared case workspaces (IOM, SDP 5.8)
# ---------------------------------------------------------------------------------------------

from exchange.forms import CohortForm, EntryForm, MemberForm, PersonForm  # noqa: E402


@officers_only
@require_GET
def cohorts(request):
    page_obj = Paginator(selectors.cohorts_of(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "exchange/cohorts.html", {"page_obj": page_obj})


@officers_only
@require_http_methods(["GET", "POST"])
def cohort_new(request):
    partnership = membership_partnership(membership=request.membership)
    pack = current_protocol_pack(partnership)
    if pack is None:
        raise Http404("No protocol in force")
    form = CohortForm(request.POST or None, pack=pack)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                membership=request.membership, partnership=partnership, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{cohort.title} is set up: add its members and people")
            return redirect("exchange:cohort_detail", pk=cohort.pk)
    return render(request, "exchange/cohort_form.html", {"form": form, "partnership": partnership})


def _cohort_page(request, cohort, *, member_form=None, person_form=None, entry_form=None, entry_person=None):
    people = selectors.cohort_people(cohort=cohort)
    access_record(
        user=request.user, organisation=request.membership.organisation, kind="view", object_type="cohort",
        reference=cohort.reference, path=request.path,
    )
    coordinator = services.cohort_may_coordinate(membership=request.membership, cohort=cohort)
    error_form = next((f for f in (member_form, person_form, entry_form) if f is not None and f.errors), None)
    return render(request, "exchange/cohort_detail.html", {
        "cohort": cohort, "people": people, "members": selectors.cohort_members(cohort=cohort),
        "coordinator": coordinator,
        "member_form": member_form or (MemberForm(candidates=selectors.cohort_member_candidates(cohort=cohort))
                                       if coordinator else None),
        "person_form": person_form or PersonForm(), "entry_form": entry_form, "entry_person": entry_person,
        "blank_entry_form": EntryForm(), "error_form": error_form,
        "my_organisation_id": request.membership.organisation_id,
    })


@officers_only
@require_GET
def cohort_detail(request, pk: int):
    return _cohort_page(request, selectors.access_cohort(user=request.user, pk=pk))


@officers_only
@require_POST
def cohort_member_add(request, pk: int):
    cohort = selectors.access_cohort(user=request.user, pk=pk)
    form = MemberForm(request.POST, candidates=selectors.cohort_member_candidates(cohort=cohort))
    if form.is_valid():
        try:
            services.cohort_member_add(cohort=cohort, member_membership=form.cleaned_data["member"],
                                       acting_user=request.user, acting_membership=request.membership)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Member added")
            return redirect("exchange:cohort_detail", pk=cohort.pk)
    return _cohort_page(request, cohort, member_form=form)


@officers_only
@require_POST
def cohort_member_end(request, pk: int, member_pk: int):
    cohort = selectors.access_cohort(user=request.user, pk=pk)
    member = cohort.members.filter(pk=member_pk, ended_at__isnull=True).select_related("membership__user").first()
    if member is None:
        raise Http404("No such member")
    try:
        services.cohort_member_end(cohort=cohort, member=member, acting_user=request.user,
                                   acting_membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.membership.user.display_name} no longer has access")
    return redirect("exchange:cohort_detail", pk=cohort.pk)


@officers_only
@require_POST
def cohort_person_add(request, pk: int):
    cohort = selectors.access_cohort(user=request.user, pk=pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            services.cohort_person_add(cohort=cohort, acting_user=request.user, acting_membership=request.membership,
                                       **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Person added to the cohort")
            return redirect("exchange:cohort_detail", pk=cohort.pk)
    return _cohort_page(request, cohort, person_form=form)


@officers_only
@require_POST
def cohort_entry_save(request, pk: int, person_pk: int):
    cohort = selectors.access_cohort(user=request.user, pk=pk)
    person = selectors.cohort_person(cohort=cohort, pk=person_pk)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.cohort_entry_save(person=person, acting_user=request.user, acting_membership=request.membership,
                                       **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Entry saved")
            return redirect("exchange:cohort_detail", pk=cohort.pk)
    return _cohort_page(request, cohort, entry_form=form, entry_person=person)


@officers_only
@require_POST
def cohort_person_leave(request, pk: int, person_pk: int):
    cohort = selectors.access_cohort(user=request.user, pk=pk)
    person = selectors.cohort_person(cohort=cohort, pk=person_pk)
    try:
        services.cohort_person_leave(person=person, reason=request.POST.get("reason", ""), acting_user=request.user,
                                     acting_membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The person has left the programme: they are no longer in the workspace")
    return redirect("exchange:cohort_detail", pk=cohort.pk)
