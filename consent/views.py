"""Consent pages (SSP 6.1, Appendix 5): the records I can see, record a consent, one record, its
withdrawal, the printable form, and the scan of the signed form.

Who gets what:
- the list and the record page are for the acting membership's role officer or designated
  officer (403 otherwise: role_required);
- every other page loads the record through `access_consent` (404 for "missing" and "not yours"
  alike). Withdrawing also needs the acting role officer or designated officer (403), attaching the
  scan needs the recorder or the holder's designated officer (403), and an action the record's
  state does not allow (withdrawing twice, a second scan) sends the person back to the record with
  a message.
Pages that show the record write the access log (view); the form PDF is logged as a print and the
scan as a download. Views parse input, call one service, render.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from consent import services
from consent.forms import ConsentRecordForm, ConsentSearchForm, ScanForm, WithdrawForm
from consent.models import ConsentRecord
from consent.pdf import consent_form_marking, consent_form_pdf
from consent.selectors import (
    access_consent,
    consent_destroyed_at,
    consent_search,
    consent_subject_choices,
    consent_tombstone,
    consents_destroyed,
)
from portal.accountability.services import access_record
from portal.protocols.selectors import current_protocol_pack
from portal.searches import PARAMETER, search_criteria, search_id_of, search_store
from portal.selectors.partnerships import membership_partnerships
from portal.uploads import stored_file_response, upload_limited
from portal.views.decorators import role_required

CONSENT_ROLES = tuple(sorted(services.RECORDING_ROLES))
PER_PAGE = 25
SEARCH_SCOPE = "consent"
SCAN_CONTENT_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/png",
    "image/jpeg",
}
STATE_TAGS = {
    "In force": "govuk-tag--green",
    "Withdrawn": "govuk-tag--red",
    "Expired": "govuk-tag--grey",
    "Destroyed": "govuk-tag--grey",
}


def _organisation(request):
    membership = getattr(request, "membership", None)
    return membership.organisation if membership else None


def _log(request, *, kind: str, reference: str, object_type: str = "consent_record") -> None:
    access_record(
        user=request.user,
        organisation=_organisation(request),
        kind=kind,
        object_type=object_type,
        reference=reference,
        path=request.path,
    )


def _acting_role_allows(request) -> bool:
    return services.consent_may_withdraw(membership=getattr(request, "membership", None) or None)


def _put_errors(form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """The service's errors on the form's fields (`rename` maps service keys to field names);
    anything else goes at the top of the error summary."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            field = rename.get(key, key)
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            for message in errors:
                form.add_error(field if visible else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def _consent_rows(page_obj) -> list[dict]:
    destroyed = consents_destroyed(consent_ids=[consent.pk for consent in page_obj.object_list])
    rows = []
    for consent in page_obj.object_list:
        state = "Destroyed" if consent.pk in destroyed else consent.state_label
        rows.append(
            {
                "reference": consent.reference,
                "url": reverse("consent:detail", kwargs={"pk": consent.pk}),
                "given_on": consent.given_on,
                "given_by": consent.get_given_by_display(),
                "recipients": ", ".join(sorted(org.name for org in consent.recipients.all())),
                "holder": consent.holder.name,
                "state": state,
                "tag": STATE_TAGS.get(state, ""),
            }
        )
    return rows


@role_required(*CONSENT_ROLES)
@require_http_methods(["GET", "POST"])
def consent_list(request):
    """The consent records the user may see, newest first: references and scope only, no names
    (search by name narrows the list without showing it). The search form posts, and the list
    is shown at `?search=<id>` (portal/searches.py): a name never goes in a URL or the log."""
    if request.method == "POST":
        search = ConsentSearchForm(request.POST)
        if search.is_valid():
            if not search.cleaned_data["q"]:
                return redirect("consent:list")
            search_id = search_store(request, scope=SEARCH_SCOPE, criteria={"q": search.cleaned_data["q"]})
            return redirect(f"{reverse('consent:list')}?{PARAMETER}={search_id}")
        query = ""
    else:
        criteria = search_criteria(request, scope=SEARCH_SCOPE)
        search = ConsentSearchForm(initial=criteria)
        query = criteria.get("q", "")
    page_obj = Paginator(consent_search(user=request.user, query=query), PER_PAGE).get_page(request.GET.get("page"))
    if query:
        # Who searched, and which search: the criteria stay in the session, not in the log.
        _log(request, kind="view", reference=f"search-{search_id_of(request)}", object_type="consent_search")
    return render(
        request,
        "consent/list.html",
        {"search": search, "query": query, "page_obj": page_obj, "rows": _consent_rows(page_obj)},
    )


# ---------------------------------------------------------------------------------------------
# Recording a consent
# ---------------------------------------------------------------------------------------------


def _chosen_subject(request):
    """The person chosen before the form was opened (?subject=, or the hidden field), if any:
    only someone the user may record consent for; anyone else is a 404."""
    raw = request.POST.get("subject") if request.method == "POST" else request.GET.get("subject")
    if raw in (None, ""):
        return None
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404("No such person") from None
    if not -(2**63) <= pk < 2**63:
        raise Http404("No such person")
    subject = consent_subject_choices(user=request.user).filter(pk=pk).first()
    if subject is None:
        raise Http404("No such person")
    return subject


def _return_to(request) -> str:
    """Where to go once the consent is recorded (?next=, or the hidden field): a page of this
    portal only, such as the request the consent was asked for from; "" for the record's page."""
    raw = (request.POST.get("next") if request.method == "POST" else request.GET.get("next")) or ""
    if raw.startswith("/") and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}):
        return raw
    return ""


@role_required(*CONSENT_ROLES)  # checked before the upload limit and CSRF, as it reads no body
@upload_limited
@require_http_methods(["GET", "POST"])
def consent_record_page(request):
    subject = _chosen_subject(request)
    return_to = _return_to(request)
    partnerships = list(membership_partnerships(membership=request.membership))
    chosen = request.POST.get("partnership") or request.GET.get("partnership")
    partnership = next((p for p in partnerships if str(p.pk) == chosen), None)
    if partnership is None and len(partnerships) == 1:
        partnership = partnerships[0]
    if partnership is None and partnerships:
        # Which protocol the consent is given under decides what it can cover: asked first.
        return render(
            request,
            "consent/choose_partnership.html",
            {"partnerships": partnerships, "query": request.GET.copy(), "subject": subject},
        )
    pack = current_protocol_pack(partnership)
    if request.method == "POST":
        form = ConsentRecordForm(request.POST, request.FILES, pack=pack, has_subject=subject is not None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent = services.consent_record(
                    acting_user=request.user,
                    acting_membership=request.membership,
                    subject=subject,
                    new_subject=None
                    if subject is not None
                    else services.SubjectDetails(
                        full_name=data["full_name"], date_of_birth=data["date_of_birth"], address=data["address"]
                    ),
                    given_by=data["given_by"],
                    given_by_description=data["given_by_description"],
                    signatory_name=data["signatory_name"],
                    signatory_address=data["signatory_address"],
                    signatory_date_of_birth=data["signatory_date_of_birth"],
                    reasons_explained=form.reasons_were_explained,
                    disclosers=list(data["disclosers"]),
                    recipients=list(data["recipients"]),
                    purposes=list(data["purposes"]),
                    information_items=data["information_items"],
                    given_on=data["given_on"],
                    witness_name=data["witness_name"],
                    witness_position=data["witness_position"],
                    witnessed_on=data["witnessed_on"],
                    expires_on=data["expires_on"],
                    scan=data["scan"] or None,
                    partnership=partnership,
                )
            except ValidationError as error:
                _put_errors(form, error)
            else:
                messages.success(
                    request, f"Consent {consent.reference} has been recorded. Print the consent form if it still needs signing."
                )
                return redirect(return_to or reverse("consent:detail", kwargs={"pk": consent.pk}))
        if request.FILES and form.errors:
            messages.info(request, "Files are not kept when the form has a problem: choose the scan again before you save.")
    else:
        user = request.user
        form = ConsentRecordForm(
            pack=pack,
            has_subject=subject is not None,
            initial={
                "subject": subject.pk if subject else None,
                "witness_name": user.display_name,
                "witness_position": user.job_title,
            },
        )
    if subject is not None:
        _log(request, kind="view", reference=f"subject-{subject.pk}", object_type="data_subject")
    return render(
        request,
        "consent/record.html",
        {
            "form": form,
            "subject": subject,
            "pack": pack,
            "partnership": partnership,
            "several": len(partnerships) > 1,
            "return_to": return_to,
        },
    )


# ---------------------------------------------------------------------------------------------
# One record
# ---------------------------------------------------------------------------------------------


def _actions(request, consent: ConsentRecord) -> list[dict]:
    may_change = services.consent_may_change(user=request.user, consent=consent)
    actions = []
    if consent.withdrawn_at is None and _acting_role_allows(request):
        actions.append({"label": "Record a withdrawal", "url": reverse("consent:withdraw", kwargs={"pk": consent.pk}), "style": "warning"})
    actions.append({"label": "Print the consent form", "url": reverse("consent:form_pdf", kwargs={"pk": consent.pk}), "style": "secondary"})
    if not consent.scan and may_change:
        actions.append({"label": "Attach the signed form", "url": reverse("consent:scan_upload", kwargs={"pk": consent.pk}), "style": "secondary"})
    return actions


def _destroyed_redirect(request, consent: ConsentRecord):
    """A record destroyed under retention has nothing left to withdraw, print or attach to: back
    to its page, which shows the tombstone."""
    destroyed_at = consent_destroyed_at(consent=consent)
    if destroyed_at is None:
        return None
    messages.error(request, services.destroyed_message(destroyed_at))
    return redirect("consent:detail", pk=consent.pk)


@require_GET
def consent_detail(request, pk: int):
    consent = access_consent(user=request.user, pk=pk)
    tombstone = consent_tombstone(consent=consent)
    if tombstone is not None:
        # What was held and when it went, none of its content (SSP 8.4, 14).
        return render(request, "consent/destroyed.html", {"consent": consent, "tombstone": tombstone})
    _log(request, kind="view", reference=consent.reference)
    state = consent.state_label
    may_record_again = _acting_role_allows(request) and consent_subject_choices(user=request.user).filter(
        pk=consent.subject_id
    ).exists()
    return render(
        request,
        "consent/detail.html",
        {
            "consent": consent,
            "subject": consent.subject,
            "state": state,
            "state_tag": STATE_TAGS.get(state, ""),
            "recipients": sorted(org.name for org in consent.recipients.all()),
            "disclosers": sorted(org.name for org in consent.disclosers.all()),
            "purposes": list(consent.purposes.order_by("order")),
            "marking": consent_form_marking(consent.protocol_pack),
            "actions": _actions(request, consent),
            "record_again_url": (reverse("consent:record") + f"?subject={consent.subject_id}") if may_record_again else "",
        },
    )


@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk: int):
    consent = access_consent(user=request.user, pk=pk)
    if not _acting_role_allows(request):
        raise PermissionDenied("Only partner officers and designated officers can record a withdrawal")
    if (gone := _destroyed_redirect(request, consent)) is not None:
        return gone
    if consent.withdrawn_at is not None:
        messages.error(request, "This consent has already been withdrawn")
        return redirect("consent:detail", pk=consent.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent,
                withdrawn_at=form.cleaned_data["withdrawn_on"],
                how_communicated=form.cleaned_data["how_communicated"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            _put_errors(form, error, rename={"withdrawn_at": "withdrawn_on"})
        else:
            messages.success(
                request,
                f"The withdrawal of consent {consent.reference} has been recorded: it no longer allows any disclosure",
            )
            return redirect("consent:detail", pk=consent.pk)
    _log(request, kind="view", reference=consent.reference)
    return render(
        request,
        "consent/withdraw.html",
        {"form": form, "consent": consent, "marking": consent_form_marking(consent.protocol_pack)},
    )


def _safe_reference(reference: str) -> str:
    return "".join(ch for ch in reference if ch.isascii() and (ch.isalnum() or ch in "-_")) or "consent"


@require_GET
def consent_form_pdf_view(request, pk: int):
    """The Appendix 5 form, pre-filled, marked top and bottom of every page, for a wet signature."""
    consent = access_consent(user=request.user, pk=pk)
    if (gone := _destroyed_redirect(request, consent)) is not None:
        return gone
    organisation = _organisation(request)
    pdf = consent_form_pdf(consent=consent, user=request.user, organisation_name=organisation.name if organisation else "")
    _log(request, kind="print", reference=consent.reference)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_safe_reference(consent.reference)}-consent-form.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def scan_download(request, pk: int):
    """The scan of the signed form, only through need-to-know (stored outside the web root under
    a random name)."""
    consent = access_consent(user=request.user, pk=pk)
    if (gone := _destroyed_redirect(request, consent)) is not None:
        return gone
    if not consent.scan:
        raise Http404("No scan is attached")
    return stored_file_response(
        consent.scan,
        original_name=consent.scan_original_name,
        content_type=consent.scan_content_type,
        allowed_types=SCAN_CONTENT_TYPES,
        fallback_name="signed-consent-form",
        on_open=lambda: _log(request, kind="download", reference=consent.reference),
    )


@upload_limited
@require_http_methods(["GET", "POST"])
def scan_upload(request, pk: int):
    consent = access_consent(user=request.user, pk=pk)
    if not services.consent_may_change(user=request.user, consent=consent):
        raise PermissionDenied("Only the officer who recorded the consent or their designated officer can attach the form")
    if (gone := _destroyed_redirect(request, consent)) is not None:
        return gone
    if consent.scan:
        messages.error(request, "A scan of the signed form is already attached to this record")
        return redirect("consent:detail", pk=consent.pk)
    form = ScanForm(request.POST, request.FILES) if request.method == "POST" else ScanForm()
    if form.is_bound and form.is_valid():
        try:
            services.consent_scan_attach(consent=consent, scan=form.cleaned_data["scan"], acting_user=request.user)
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, f"The signed form is attached to {consent.reference}")
            return redirect("consent:detail", pk=consent.pk)
    return render(request, "consent/scan_upload.html", {"form": form, "consent": consent})


urlpatterns = [
    path("", consent_list, name="list"),
    path("record/", consent_record_page, name="record"),
    path("<int:pk>/", consent_detail, name="detail"),
    path("<int:pk>/withdraw/", consent_withdraw, name="withdraw"),
    path("<int:pk>/consent-form.pdf", consent_form_pdf_view, name="form_pdf"),
    path("<int:pk>/signed-form/", scan_download, name="scan_download"),
    path("<int:pk>/signed-form/attach/", scan_upload, name="scan_upload"),
]
