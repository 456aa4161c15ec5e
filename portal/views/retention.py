"""The retention pages (DOMAIN.md §4 step 9; SSP 8.4, 14; SDP 5.1, 6.3): what is due for review,
one held copy with its extensions and holds, extending it or confirming its destruction, each
organisation's retention policies, legal holds, and the destruction runs with their certificates.

Who gets what (docs/adr/0003-404-or-403.md):
- every page first checks the acting role (403 before anything is looked up): officers and
  designated officers review copies; designated officers and partnership admins keep policies,
  holds and runs; chairs and auditors have none of these pages;
- a copy, a policy, a hold or a run that is not the acting organisation's is a 404 alike for
  "missing" and "not yours" (the `access_*` selectors of portal.retention.selectors);
- the right person at the wrong moment (a destroyed copy, a lifted hold) is sent back with a message.
Held copies carry references, kinds and dates, not personal content, so only the pages that show
a data subject's name, and the certificate download, write the access log. A partnership admin
reads no personal data (DOMAIN.md §3): placing a hold, they are offered the whole request by its
reference, never its subjects' names.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal.accountability.services import access_record
from portal.forms.errors import form_add_service_errors
from portal.forms.retention import (
    DueFilterForm,
    ExtendForm,
    HoldReferenceForm,
    HoldScopeForm,
    OrganisationChooserForm,
    PolicyForm,
    ReasonForm,
)
from portal.pdf import download_footer, pdf_text, render_pdf
from portal.retention import selectors, services
from portal.retention.registry import retention_content
from portal.roles import Role
from portal.selectors.partnerships import membership_partnership
from portal.views.decorators import role_required

REVIEWERS = (Role.OFFICER, Role.DESIGNATED_OFFICER)
KEEPERS = (Role.DESIGNATED_OFFICER, Role.ADMIN)
PER_PAGE = 50
# WeasyPrint lays out a row of the certificate's table in about 6 ms (measured: 1,000 rows in
# 6 s), and renders inline; so a certificate is cut into parts of this many rows, each its own
# link ("part N of M"): a run that destroyed 100,000 of an organisation's records is 100 parts.
CERTIFICATE_ROWS = 1000


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _sections(request, current: str) -> list[dict]:
    """The retention pages the acting role has, for the links at the top of each page."""
    role = request.membership.role
    items = []
    if role in REVIEWERS:
        items.append(("due", "Due for review", "portal:retention_due"))
    if role in KEEPERS:
        items += [
            ("policies", "Retention policies", "portal:retention_policies"),
            ("holds", "Legal holds", "portal:retention_holds"),
            ("runs", "Destruction runs", "portal:retention_runs"),
        ]
    return [{"label": label, "url": reverse(name), "current": code == current} for code, label, name in items]


def _render(request, template: str, context: dict, *, section: str):
    return render(request, f"portal/retention/{template}", {**context, "sections": _sections(request, section)})


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _is_reference(value: str) -> bool:
    """A request reference as the portal writes them: upper case, printable, no spaces. Anything
    else (a NUL byte, which PostgreSQL refuses in a query) is no reference at all."""
    return bool(value) and value == value.strip().upper() and value.isprintable() and len(value) <= 64


def _content_link(copy) -> str:
    """The holder's page for the content behind the copy, when its app gives one."""
    if copy.is_destroyed:
        return ""
    try:
        link = retention_content(copy.content_type).link
    except LookupError:
        return ""
    return link(copy.content_id) if link else ""


def _log_subjects(request, reference: str) -> None:
    access_record(
        user=request.user,
        organisation=request.membership.organisation,
        kind="view",
        object_type="data_subject",
        reference=reference,
        path=request.path,
    )


def _copy_back(request, copy, message: str):
    messages.error(request, message)
    return redirect("portal:retention_copy", pk=copy.pk)


# ---------------------------------------------------------------------------------------------
# Due for review, one copy, extend, confirm
# ---------------------------------------------------------------------------------------------


@role_required(*REVIEWERS)
@require_GET
def retention_due(request):
    form = DueFilterForm(request.GET or None)
    within, kind = form.filters()
    today = timezone.localdate()
    copies = selectors.held_copies_due_for(
        membership=request.membership, user=request.user, within_days=within, kind=kind, today=today
    )
    page_obj = Paginator(copies, PER_PAGE).get_page(request.GET.get("page"))
    on_hold = selectors.copies_on_hold(page_obj.object_list)
    rows = [
        {
            "copy": copy,
            "link": _content_link(copy),
            "overdue": copy.review_date < today,
            "due_today": copy.review_date == today,
            "on_hold": copy.pk in on_hold,
        }
        for copy in page_obj.object_list
    ]
    return _render(
        request,
        "due.html",
        {
            "form": form,
            "within": within,
            "page_obj": page_obj,
            "rows": rows,
            "officer_only": request.membership.role == Role.OFFICER,
        },
        section="due",
    )


def _copy_actions(copy) -> list[dict]:
    if copy.is_destroyed:
        return []
    actions = [{"label": "Extend", "url": reverse("portal:retention_extend", kwargs={"pk": copy.pk}), "style": ""}]
    if copy.confirmed_at is None:
        actions.append(
            {
                "label": "Confirm destruction",
                "url": reverse("portal:retention_confirm", kwargs={"pk": copy.pk}),
                "style": "warning",
            }
        )
    return actions


@role_required(*REVIEWERS)
@require_GET
def retention_copy(request, pk: int):
    copy = selectors.access_held_copy(membership=request.membership, user=request.user, pk=pk)
    holds = list(selectors.holds_covering_with_orgs(copy)) if not copy.is_destroyed else []
    return _render(
        request,
        "copy.html",
        {
            "copy": copy,
            "link": _content_link(copy),
            "extensions": list(selectors.copy_extensions(copy)),
            "holds": holds,
            "actions": _copy_actions(copy),
            "overdue": not copy.is_destroyed and copy.review_date < timezone.localdate(),
        },
        section="due",
    )


@role_required(*REVIEWERS)
@require_http_methods(["GET", "POST"])
def retention_extend(request, pk: int):
    copy = selectors.access_held_copy(membership=request.membership, user=request.user, pk=pk)
    if copy.is_destroyed:
        return _copy_back(request, copy, "This copy has already been destroyed: it cannot be extended")
    form = ExtendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.held_copy_extend(
                copy=copy,
                new_review_date=form.cleaned_data["new_review_date"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{copy.reference} will now be reviewed on {copy.review_date:%-d %B %Y}")
            return redirect("portal:retention_copy", pk=copy.pk)
    return _render(request, "extend.html", {"copy": copy, "form": form}, section="due")


@role_required(*REVIEWERS)
@require_http_methods(["GET", "POST"])
def retention_confirm(request, pk: int):
    copy = selectors.access_held_copy(membership=request.membership, user=request.user, pk=pk)
    if copy.is_destroyed:
        return _copy_back(request, copy, "This copy has already been destroyed")
    if copy.confirmed_at is not None:
        return _copy_back(request, copy, "Destruction of this copy has already been confirmed")
    if request.method == "POST":
        try:
            copy = services.held_copy_confirm_destruction(
                copy=copy, acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            return _copy_back(request, copy, " ".join(error.messages))
        messages.success(
            request, f"{copy.reference} will be destroyed on its review date, {copy.review_date:%-d %B %Y}"
        )
        return redirect("portal:retention_copy", pk=copy.pk)
    return _render(
        request,
        "confirm.html",
        {"copy": copy, "on_hold": bool(selectors.copies_on_hold([copy]))},
        section="due",
    )


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


@role_required(*KEEPERS)
@require_GET
def retention_policies(request):
    """A designated officer: their organisation's policies. A partnership admin: any
    organisation's, chosen with ?organisation=."""
    membership = request.membership
    chooser = None
    if membership.role == Role.ADMIN:
        choices = selectors.organisation_choices(partnership=membership_partnership(membership=membership))
        chooser = OrganisationChooserForm(request.GET or None, organisations=choices)
        organisation = chooser.cleaned_data["organisation"] if chooser.is_bound and chooser.is_valid() else None
    else:
        organisation = membership.organisation
    rows = selectors.retention_policy_rows(organisation=organisation) if organisation else []
    return _render(
        request,
        "policies.html",
        {"chooser": chooser, "form": chooser, "organisation": organisation, "rows": rows},
        section="policies",
    )


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def retention_policy_edit(request, org_pk: int):
    organisation = selectors.access_policy_organisation(membership=request.membership, pk=org_pk)
    if request.method == "POST":
        form = PolicyForm(request.POST, organisation=organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy = services.retention_policy_set(
                    organisation=organisation,
                    kind=data["kind"],
                    marking_code=data["marking_code"],
                    days=data["days"],
                    reason=data["reason"],
                    acting_user=request.user,
                    acting_membership=request.membership,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                at = f" at {_marking_name(form, policy.marking_code)}" if policy.marking_code else ""
                messages.success(
                    request,
                    f"{organisation.name} now keeps {policy.get_kind_display().lower()}{at} for {policy.days} days, "
                    "for copies created from now on",
                )
                return _back_to_policies(organisation, request)
    else:
        kind = request.GET.get("kind", "")
        marking = request.GET.get("marking", "")
        initial = {"kind": kind, "marking_code": marking}
        current = selectors.retention_policy_rows(organisation=organisation)
        match = next((row for row in current if row.kind == kind and row.marking_code == marking), None)
        if match is not None:
            initial["days"] = match.days
        form = PolicyForm(initial=initial, organisation=organisation)
    return _render(request, "policy_edit.html", {"form": form, "organisation": organisation}, section="policies")


def _marking_name(form: PolicyForm, code: str) -> str:
    return dict(form.fields["marking_code"].choices).get(code, code)


def _back_to_policies(organisation, request):
    url = reverse("portal:retention_policies")
    if request.membership.role == Role.ADMIN:
        url += f"?organisation={organisation.pk}"
    return redirect(url)


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def retention_policy_remove(request, policy_pk: int):
    policy = selectors.access_retention_policy(membership=request.membership, pk=policy_pk)
    organisation = policy.organisation
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="Why is the policy being removed?",
        message="Enter why the policy is being removed",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_policy_remove(
                policy=policy,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{organisation.name}'s policy for {policy.get_kind_display().lower()} has been removed: "
                "the protocol's default applies to copies created from now on",
            )
            return _back_to_policies(organisation, request)
    marking_name = _marking_name(PolicyForm(organisation=organisation), policy.marking_code) if policy.marking_code else "Any marking"
    return _render(
        request,
        "policy_remove.html",
        {"form": form, "policy": policy, "organisation": organisation, "marking_name": marking_name},
        section="policies",
    )


# ---------------------------------------------------------------------------------------------
# Legal holds
# ---------------------------------------------------------------------------------------------


@role_required(*KEEPERS)
@require_GET
def retention_holds(request):
    lifted = request.GET.get("show") == "lifted"
    holds = selectors.legal_holds_for(membership=request.membership, active=not lifted)
    page_obj = Paginator(holds, PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "holds.html",
        {"page_obj": page_obj, "lifted": lifted, "all_organisations": request.membership.role == Role.ADMIN},
        section="holds",
    )


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def retention_hold_new(request):
    """Step 1: the request reference. Only a reference the organisation holds copies under goes
    on to step 2 (a partnership admin: one anyone holds)."""
    form = HoldReferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["request_reference"]
        if selectors.hold_copies_under(membership=request.membership, request_reference=reference).exists():
            return redirect("portal:retention_hold_new_scope", reference=reference)
        form.add_error("request_reference", "Your organisation holds nothing under this reference")
    return _render(request, "hold_new.html", {"form": form}, section="holds")


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def retention_hold_new_scope(request, reference: str):
    """Step 2: the whole request, or one of its subjects; why; when to review it."""
    membership = request.membership
    if (
        not _is_reference(reference)
        or not selectors.hold_copies_under(membership=membership, request_reference=reference).exists()
    ):
        raise Http404("No such request reference")
    # A partnership admin reads no personal data (DOMAIN.md §3): they hold the whole request,
    # never one person in it by name; the officers of the holding organisation do that.
    subjects = (
        []
        if membership.role == Role.ADMIN
        else list(selectors.hold_subject_choices(membership=membership, request_reference=reference))
    )
    form = HoldScopeForm(
        request.POST if request.method == "POST" else None,
        reference=reference,
        subjects=[(subject.pk, subject.full_name) for subject in subjects],
    )
    if request.method == "POST" and form.is_valid():
        subject_id = form.subject_id()
        try:
            hold = services.legal_hold_place(
                request_reference=reference,
                subject=next((s for s in subjects if s.pk == subject_id), None),
                reason_kind=form.cleaned_data["reason_kind"],
                reason=form.cleaned_data["reason"],
                review_date=form.cleaned_data["review_date"],
                acting_user=request.user,
                acting_membership=membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error, field_map={"request_reference": "scope"})
        else:
            covered = (
                f"everything about request {reference}"
                if hold.subject_id is None
                else f"one person in request {reference}"
            )
            messages.success(
                request, f"Legal hold placed on {covered}: nothing it covers will be destroyed until it is lifted"
            )
            return redirect("portal:retention_holds")
    if subjects:
        _log_subjects(request, reference)
    return _render(request, "hold_scope.html", {"form": form, "reference": reference}, section="holds")


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def retention_hold_lift(request, pk: int):
    hold = selectors.access_legal_hold(membership=request.membership, pk=pk)
    if hold.lifted_at is not None:
        messages.error(request, "This hold has already been lifted")
        return redirect("portal:retention_holds")
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="Why is the hold lifted?",
        message="Enter why the hold is lifted",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_lift(
                hold=hold,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, "The legal hold has been lifted: what it covered follows its retention policy again"
            )
            return redirect("portal:retention_holds")
    return _render(request, "hold_lift.html", {"form": form, "hold": hold}, section="holds")


# ---------------------------------------------------------------------------------------------
# Destruction runs and certificates
# ---------------------------------------------------------------------------------------------


def _parts(count: int) -> int:
    return max(1, math.ceil(count / CERTIFICATE_ROWS))


@role_required(*KEEPERS)
@require_GET
def retention_runs(request):
    runs = selectors.destruction_runs_for(membership=request.membership)
    page_obj = Paginator(runs, PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "runs.html",
        {"page_obj": page_obj, "all_organisations": request.membership.role == Role.ADMIN},
        section="runs",
    )


@role_required(*KEEPERS)
@require_GET
def retention_run(request, pk: int):
    membership = request.membership
    run = selectors.access_destruction_run(membership=membership, pk=pk)
    organisation = None if membership.role == Role.ADMIN else membership.organisation
    tombstones = selectors.run_tombstones(run=run, organisation=organisation)
    page_obj = Paginator(tombstones, PER_PAGE).get_page(request.GET.get("page"))
    certificate = reverse("portal:retention_certificate", kwargs={"pk": run.pk})
    if organisation is None:
        organisations = [
            {"organisation": org, "count": count, "parts": _part_links(certificate, count, organisation=org.pk)}
            for org, count in selectors.run_organisation_counts(run=run)
        ]
        count = run.destroyed_count
    else:
        count = page_obj.paginator.count
        organisations = [{"organisation": organisation, "count": count, "parts": _part_links(certificate, count)}]
    return _render(
        request,
        "run.html",
        {
            "run": run,
            "page_obj": page_obj,
            "organisations": organisations,
            "count": count,
            "all_organisations": organisation is None,
        },
        section="runs",
    )


def _part_links(url: str, count: int, *, organisation: int | None = None) -> list[dict]:
    parts = _parts(count)
    links = []
    for part in range(1, parts + 1):
        query = [f"organisation={organisation}"] if organisation else []
        if parts > 1:
            query.append(f"part={part}")
        links.append({"number": part, "url": url + ("?" + "&".join(query) if query else "")})
    return links


@role_required(*KEEPERS)
@require_GET
def retention_certificate(request, pk: int):
    """The destruction certificate of one run for one organisation (the designated officer's;
    a partnership admin names it with ?organisation=), in parts of CERTIFICATE_ROWS rows."""
    membership = request.membership
    run = selectors.access_destruction_run(membership=membership, pk=pk)
    if membership.role == Role.ADMIN:
        org_pk = _int(request.GET.get("organisation"))
        counts = {org.pk: org for org, _ in selectors.run_organisation_counts(run=run)}
        if org_pk is None or org_pk not in counts:
            messages.error(request, "Choose the organisation whose destruction certificate you want")
            return redirect("portal:retention_run", pk=run.pk)
        organisation = counts[org_pk]
    else:
        organisation = membership.organisation
    summary = selectors.run_tombstone_summary(run=run, organisation=organisation)
    parts = _parts(summary["total"])
    part = _int(request.GET.get("part")) or 1
    if part > parts:
        raise Http404("No such part of the certificate")
    offset = (part - 1) * CERTIFICATE_ROWS
    tombstones = selectors.run_tombstones(run=run, organisation=organisation)[offset : offset + CERTIFICATE_ROWS]
    rows = [
        {
            "reference": pdf_text(t.reference),
            "kind": t.get_kind_display(),
            "marking": t.marking_name or "Not marked",
            "policy": pdf_text(t.policy_description),
            "review_date": t.review_date,
            "destroyed_at": timezone.localtime(t.destroyed_at),
        }
        for t in tombstones
    ]
    access_record(
        user=request.user,
        organisation=membership.organisation,
        kind="download",
        object_type="destruction_certificate",
        reference=f"run {run.pk}, {organisation.name}" + (f", part {part} of {parts}" if parts > 1 else ""),
        path=request.get_full_path(),
    )
    pdf = render_pdf(
        template_name="pdf/destruction_certificate.html",
        context={
            "run": run,
            "organisation": organisation,
            "rows": rows,
            "summary": summary,
            "part": part,
            "parts": parts,
            "first_row": offset + 1,
            "last_row": offset + len(rows),
            "started_at": timezone.localtime(run.started_at),
            "finished_at": timezone.localtime(run.finished_at) if run.finished_at else None,
        },
        marking_text=summary["marking"],
        footer_text=download_footer(user=request.user, organisation_name=membership.organisation.name),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = f"-part-{part}" if parts > 1 else ""
    response["Content-Disposition"] = (
        f'attachment; filename="destruction-certificate-run-{run.pk}-org-{organisation.pk}{suffix}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
