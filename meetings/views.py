"""The meetings pages (DOMAIN.md §7; SSP 7, Appendix 6; SDP 5.1).

Every view that is about one meeting loads it through `access_meeting` (404 alike for "missing"
and "not yours"); the chair's pages then check that the visitor is the meeting's chair acting as
a meeting chair (403 otherwise: they can see the meeting, not run it). Content the visitor may not
read now (papers, minutes) answers 404 like anything else they have no need to know.

Views parse input, call one service, render. Personal data shown (a case's subjects, a shared
summary, minutes and actions) and papers handed over are written to the access log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings import lifecycle, services
from meetings.agreement import agreement_paragraphs, handling_rules, level_sentence
from meetings.forms import (
    ActionForm,
    AgendaForm,
    GuestForm,
    GuestSignInForm,
    MarkingForm,
    MeetingDetailsForm,
    MeetingForm,
    MeetingListSearchForm,
    MinutesForm,
    PaperForm,
    SearchForm,
    SignInForm,
    StartForm,
    SummaryForm,
)
from meetings.models import AgendaItem, Meeting, MeetingAction, MeetingStatus
from meetings.panels import meeting_panels
from meetings.pdf import MAX_BLANK_ROWS, minutes_pdf, signing_sheet_pdf
from meetings.selectors import (
    access_meeting,
    forum_cases,
    invitable_memberships,
    meeting_agenda,
    meeting_attendees,
    meeting_papers,
    meeting_role,
    meetings_for_list,
)
from portal.accountability.services import access_record
from portal.actions import Action
from portal.forms.errors import form_add_service_errors
from portal.marked import Stamp, marked_file, marked_response, read_stored
from portal.models import Membership, Organisation
from portal.pdf import marked_download_footer
from portal.protocols.markings import marking_refusal
from portal.protocols.selectors import current_protocol_packs
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships
from portal.uploads import ACCEPTED, max_upload_bytes, size_label, upload_limited
from portal.views.decorators import role_required
from sharing.selectors import disclosure_tombstone, visible_disclosures

PAGE_SIZE = 25

STATUS_TAG_CLASSES = {
    MeetingStatus.PLANNED: "govuk-tag--blue",
    MeetingStatus.IN_SESSION: "govuk-tag--green",
    MeetingStatus.CLOSED: "govuk-tag--grey",
}

PAPER_CONTENT_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/png",
    "image/jpeg",
}


# --- helpers ---------------------------------------------------------------------------------


def _membership(request) -> Membership | None:
    return request.membership or None


def _organisation(request) -> Organisation | None:
    membership = _membership(request)
    return membership.organisation if membership else None


def _log_meeting_access(request, meeting: Meeting, kind: str = "view") -> None:
    access_record(
        user=request.user,
        organisation=_organisation(request),
        kind=kind,
        object_type="meeting",
        reference=meeting.reference,
        path=request.path,
    )


def _load(request, pk) -> tuple[Meeting, object]:
    meeting = access_meeting(user=request.user, pk=pk)
    return meeting, meeting_role(user=request.user, membership=_membership(request), meeting=meeting)


def _load_as_chair(request, pk) -> Meeting:
    meeting, role = _load(request, pk)
    if not role.is_chair:
        raise PermissionDenied("Only the meeting's chair can do this")
    return meeting


def _posted(request):
    """The submitted data on a POST (even an empty one, so that it is validated), else None."""
    return request.POST if request.method == "POST" else None


def _meeting_context(meeting: Meeting, role, **extra) -> dict:
    """What every page of a meeting shows: the meeting, its status and its marking (the banner
    at the top and bottom of the page)."""
    return {
        "meeting": meeting,
        "role": role,
        "marking": meeting.marking,
        "status_tag_class": STATUS_TAG_CLASSES.get(meeting.status, ""),
        **extra,
    }


def _chair_actions(meeting: Meeting) -> list[Action]:
    """The chair's buttons, from the transition table and the meeting's state."""
    pk = meeting.pk
    actions: list[Action] = []
    is_open = meeting.status in lifecycle.OPEN_STATUSES
    if MeetingStatus.IN_SESSION in lifecycle.allowed_next(meeting):
        actions.append(Action("Run the signing-in", reverse("meetings:signing_in", args=[pk]), style="primary"))
    elif meeting.status == MeetingStatus.IN_SESSION:
        actions.append(Action("Signing-in", reverse("meetings:signing_in", args=[pk])))
    if is_open:
        actions.append(Action("Invite attendees", reverse("meetings:attendees", args=[pk])))
    if meeting.status == MeetingStatus.PLANNED:
        actions.append(Action("Change details", reverse("meetings:edit", args=[pk])))
        actions.append(Action("Change the confidentiality level", reverse("meetings:marking", args=[pk])))
    if is_open:
        actions.append(Action("Add a case to the agenda", reverse("meetings:agenda_add", args=[pk])))
        actions.append(Action("Add a paper", reverse("meetings:papers", args=[pk])))
    actions.append(Action("Print the signing-in sheet", reverse("meetings:signing_sheet", args=[pk])))
    actions.append(Action("Minutes and actions", reverse("meetings:minutes", args=[pk])))
    if MeetingStatus.CLOSED in lifecycle.allowed_next(meeting):
        actions.append(Action("Close the meeting", reverse("meetings:close", args=[pk]), style="warning"))
    return actions


# --- the list and creating a meeting ---------------------------------------------------------


@require_GET
def meeting_list(request):
    """The meetings the visitor chairs or is invited to, searchable by title and date (a search
    with an error shows the error and no rows)."""
    membership = _membership(request)
    search = MeetingListSearchForm(request.GET if {"title", "on"} & set(request.GET) else None)
    criteria = search.criteria()
    queryset = meetings_for_list(user=request.user, **(criteria or {}))
    if criteria is None:
        queryset = queryset.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/list.html",
        {
            "search": search,
            "searching": bool(criteria is None or any(criteria.values())),
            "page_obj": page,
            "meetings": list(page.object_list),
            "can_create": bool(membership and membership.role == Role.CHAIR),
            "status_tag_classes": STATUS_TAG_CLASSES,
        },
    )


@role_required(Role.CHAIR)
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    packs = list(
        current_protocol_packs().filter(partnership__in=membership_partnerships(membership=request.membership))
    )
    if not packs:
        return render(request, "meetings/no_protocol.html", status=200)
    forums = [forum for pack in packs for forum in pack.forums.select_related("pack").order_by("order")]
    markings = [marking for pack in packs for marking in pack.marking_levels.select_related("pack").order_by("order")]
    form = MeetingForm(_posted(request), forums=forums, markings=markings, several=len(packs) > 1)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                forum=next(f for f in forums if f.pk == form.cleaned_data["forum"]),
                title=form.cleaned_data["title"],
                starts_at=form.cleaned_data["starts_at"],
                location=form.cleaned_data["location"],
                is_online=form.cleaned_data["is_online"],
                marking=next(m for m in markings if m.pk == form.cleaned_data["marking"]),
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Meeting {meeting.reference} created at {meeting.marking.name}")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/create.html",
        {"form": form, "markings": markings, "packs": packs},
    )


# --- the meeting page ------------------------------------------------------------------------


@require_GET
def meeting_detail(request, pk: int):
    meeting, role = _load(request, pk)
    attendees = meeting_attendees(meeting=meeting)
    agenda = meeting_agenda(meeting=meeting)
    papers = meeting_papers(meeting=meeting) if role.can_read_papers else []
    held_papers = [p for p in papers if not p.is_destroyed]
    context = _meeting_context(
        meeting,
        role,
        attendees=[{"attendee": a, "signed": a.signed_for(meeting)} for a in attendees],
        signed_count=sum(1 for a in attendees if a.signed_for(meeting)),
        agenda=agenda,
        papers=held_papers,
        tombstones=[p for p in papers if p.is_destroyed] if role.is_chair else [],
        actions=_chair_actions(meeting) if role.is_chair else [],
        can_sign_in=bool(role.attendee and not role.signed and meeting.status in lifecycle.OPEN_STATUSES),
        level_sentence=level_sentence(meeting.marking),
        panels=meeting_panels(request=request, meeting=meeting, role=role),
    )
    if held_papers:
        # Paper names can say whom they are about: showing them is a view of the meeting's papers.
        _log_meeting_access(request, meeting)
    return render(request, "meetings/detail.html", context)


# --- changing the details --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    """The chair changes the title, date and time, or place while the meeting is planned."""
    meeting = _load_as_chair(request, pk)
    if meeting.status != MeetingStatus.PLANNED:
        messages.error(request, "The meeting's details can only be changed before it is in session")
        return redirect("meetings:detail", pk=meeting.pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    form = MeetingDetailsForm(_posted(request), initial=MeetingDetailsForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.meeting_details_update(
                meeting=meeting,
                title=form.cleaned_data["title"],
                starts_at=form.cleaned_data["starts_at"],
                location=form.cleaned_data["location"],
                is_online=form.cleaned_data["is_online"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if updated.updated_at != meeting.updated_at:
                messages.success(request, "The meeting's details are changed")
            else:
                messages.success(request, "Nothing was changed")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/edit.html", _meeting_context(meeting, role, form=form))


# --- the confidentiality level ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_marking(request, pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    markings = list(meeting.protocol_pack.marking_levels.order_by("order"))
    form = MarkingForm(_posted(request), markings=markings, initial={"marking": meeting.marking_id})
    if meeting.status != MeetingStatus.PLANNED:
        messages.error(request, "The confidentiality level can only be changed before the meeting is in session")
        return redirect("meetings:detail", pk=meeting.pk)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_marking_set(
                meeting=meeting,
                marking=next(m for m in markings if m.pk == form.cleaned_data["marking"]),
                reasons=form.cleaned_data["reasons"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"The meeting is now {meeting.marking.name}")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/marking.html", _meeting_context(meeting, role, form=form, markings=markings))


# --- attendees -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_attendees_page(request, pk: int):
    """Invite portal users (search by name or username) and people without an account."""
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    guest_form = GuestForm(_posted(request))
    if request.method == "POST" and guest_form.is_valid():
        try:
            attendee = services.attendee_invite_guest(
                meeting=meeting,
                name=guest_form.cleaned_data["name"],
                representing=guest_form.cleaned_data["representing"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(guest_form, error)
        else:
            messages.success(request, f"{attendee.name} is invited: they sign in on your screen at the meeting")
            return redirect("meetings:attendees", pk=meeting.pk)
    return render(
        request,
        "meetings/attendees.html",
        _meeting_context(
            meeting,
            role,
            form=guest_form,
            search=search,
            query=query,
            results=invitable_memberships(meeting=meeting, query=query) if query else [],
            attendees=[{"attendee": a, "signed": a.signed_for(meeting)} for a in meeting_attendees(meeting=meeting)],
        ),
    )


@require_POST
def attendee_invite_member(request, pk: int):
    meeting = _load_as_chair(request, pk)
    query = request.POST.get("q", "")[:100]
    target = reverse("meetings:attendees", args=[meeting.pk]) + (f"?{_query_string(query)}" if query else "")
    try:
        membership_id = int(request.POST.get("membership", ""))
    except ValueError:
        messages.error(request, "Select the person to invite")
        return redirect(target)
    try:
        attendee = services.attendee_invite_member(
            meeting=meeting,
            membership_id=membership_id,
            acting_user=request.user,
            acting_membership=_membership(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{attendee.user.display_name} is invited and has been sent a link")
    return redirect(target)


def _query_string(query: str) -> str:
    return urlencode({"q": query})


@require_POST
def attendee_remove(request, pk: int, attendee_pk: int):
    meeting = _load_as_chair(request, pk)
    try:
        services.attendee_remove(
            meeting=meeting, attendee_id=attendee_pk, acting_user=request.user, acting_membership=_membership(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The invitation has been withdrawn")
    return redirect("meetings:attendees", pk=meeting.pk)


# --- signing in ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_sign_in(request, pk: int):
    """An invited portal user signs in on their own session (SSP Appendix 6)."""
    meeting, role = _load(request, pk)
    if role.attendee is None:
        raise Http404("You are not invited to this meeting")
    form = SignInForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_sign_in(
                meeting=meeting,
                agreed=form.cleaned_data["agreed"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"You have signed in to the meeting at {meeting.marking.name}")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/sign_in.html",
        _meeting_context(
            meeting,
            role,
            form=form,
            is_open=meeting.status in lifecycle.OPEN_STATUSES,
            **_agreement_context(meeting),
        ),
    )


def _agreement_context(meeting: Meeting) -> dict:
    return {
        "paragraphs": agreement_paragraphs(meeting.protocol_pack),
        "level_sentence": level_sentence(meeting.marking),
        "handling_rules": handling_rules(meeting.marking),
    }


def _signing_in_page(request, meeting: Meeting, *, guest_form=None, start_form=None):
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    attendees = meeting_attendees(meeting=meeting)
    guests = [a for a in attendees if not a.has_account and not a.signed_for(meeting)]
    is_open = meeting.status in lifecycle.OPEN_STATUSES
    guest_form = guest_form or GuestSignInForm(guests=guests)
    start_form = start_form or StartForm()
    # The error summary covers whichever form was sent.
    form = guest_form if guest_form.errors else start_form
    return render(
        request,
        "meetings/signing_in.html",
        _meeting_context(
            meeting,
            role,
            form=form,
            guest_form=guest_form,
            start_form=start_form,
            attendees=[{"attendee": a, "signed": a.signed_for(meeting)} for a in attendees],
            signed_count=sum(1 for a in attendees if a.signed_for(meeting)),
            guests=guests,
            can_sign_guests=is_open and bool(guests),
            can_start=MeetingStatus.IN_SESSION in lifecycle.allowed_next(meeting),
            **_agreement_context(meeting),
        ),
    )


@require_GET
def meeting_signing_in(request, pk: int):
    """The chair's signing-in screen: who has signed and who has not; people without an
    account sign here; the chair confirms the list to start the meeting."""
    meeting = _load_as_chair(request, pk)
    return _signing_in_page(request, meeting)


@require_POST
def meeting_sign_in_guest(request, pk: int):
    meeting = _load_as_chair(request, pk)
    guests = [a for a in meeting_attendees(meeting=meeting) if not a.has_account and not a.signed_for(meeting)]
    form = GuestSignInForm(request.POST, guests=guests)
    if form.is_valid():
        try:
            attendee = services.attendance_sign_in_guest(
                meeting=meeting,
                attendee_id=form.cleaned_data["attendee"],
                signature=form.cleaned_data["signature"],
                agreed=form.cleaned_data["agreed"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{attendee.name} has signed in")
            return redirect("meetings:signing_in", pk=meeting.pk)
    return _signing_in_page(request, meeting, guest_form=form)


@require_POST
def meeting_start(request, pk: int):
    meeting = _load_as_chair(request, pk)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.meeting_start(
                meeting=meeting,
                list_confirmed=form.cleaned_data["list_confirmed"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The list is confirmed and the meeting is in session")
            return redirect("meetings:detail", pk=meeting.pk)
    return _signing_in_page(request, meeting, start_form=form)


@require_GET
def meeting_signing_sheet(request, pk: int):
    """The signing-in sheet PDF (SSP Appendix 6): blank before the meeting, filled in after."""
    meeting = _load_as_chair(request, pk)
    try:
        blank_rows = int(request.GET["blank_rows"]) if request.GET.get("blank_rows") else None
    except ValueError:
        blank_rows = None
    if blank_rows is not None:
        blank_rows = max(0, min(blank_rows, MAX_BLANK_ROWS))
    organisation = _organisation(request)
    pdf = signing_sheet_pdf(
        meeting=meeting,
        printed_by=request.user,
        organisation_name=organisation.name if organisation else "",
        blank_rows=blank_rows,
    )
    _log_meeting_access(request, meeting, kind="print")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{meeting.reference}-signing-in-sheet.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the agenda ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def agenda_add(request, pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    cases = forum_cases(meeting=meeting, user=request.user)
    form = AgendaForm(_posted(request), cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.agenda_item_add(
                meeting=meeting,
                reference=form.chosen_reference,
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{item.request.reference} is on the agenda as case {item.number}")
            return redirect("meetings:detail", pk=meeting.pk)
    if cases:
        _log_cases_offered(request, cases)
    return render(request, "meetings/agenda_add.html", _meeting_context(meeting, role, form=form, cases=cases))


def _log_cases_offered(request, cases) -> None:
    """The forum's cases are offered with who they are about: personal data, so logged."""
    membership = _membership(request)
    for case in cases:
        access_record(
            user=request.user,
            organisation=membership.organisation if membership else None,
            kind="view",
            object_type="disclosure_request",
            reference=case.reference,
            path=request.path,
        )


def _agenda_item(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = (
        meeting.agenda_items.select_related("request", "summary_shared_by")
        .prefetch_related("subjects")
        .filter(pk=item_pk)
        .first()
    )
    if item is None:
        raise Http404("No such case on this meeting")
    return item


@require_GET
def agenda_case(request, pk: int, item_pk: int):
    """One case: its details only if the visitor may see the request; the chair's summary to
    signed-in attendees while the meeting is in session."""
    meeting, role = _load(request, pk)
    item = _agenda_item(meeting, item_pk)
    can_see_request = visible_disclosures(user=request.user).filter(pk=item.request_id).exists()
    # Not once the visitor's organisation's copy of the request is destroyed under retention.
    can_see_request = can_see_request and disclosure_tombstone(user=request.user, request=item.request) is None
    show_summary = bool(item.summary_shared_at) and role.can_read_papers
    organisation = _organisation(request)
    if can_see_request:
        access_record(
            user=request.user,
            organisation=organisation,
            kind="view",
            object_type="disclosure_request",
            reference=item.request.reference,
            path=request.path,
        )
    actions = list(item.actions.select_related("owner_organisation")) if role.can_read_minutes else []
    if show_summary or actions:
        _log_meeting_access(request, meeting)
    subjects = []
    if can_see_request:
        roles = {entry.subject_id: entry.get_role_display() for entry in item.request.subjects.all()}
        subjects = [{"subject": s, "role": roles.get(s.pk, "")} for s in item.subjects.all()]
    return render(
        request,
        "meetings/case.html",
        _meeting_context(
            meeting,
            role,
            item=item,
            can_see_request=can_see_request,
            subjects=subjects,
            show_summary=show_summary,
            case_actions=actions,
            can_share=role.is_chair and can_see_request and meeting.status in lifecycle.OPEN_STATUSES,
        ),
    )


@require_http_methods(["GET", "POST"])
def agenda_summary(request, pk: int, item_pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    item = _agenda_item(meeting, item_pk)
    if not visible_disclosures(user=request.user).filter(pk=item.request_id).exists():
        raise Http404("No such case")
    form = SummaryForm(_posted(request), initial={"summary": item.summary})
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_summary_share(
                meeting=meeting,
                item_id=item.pk,
                summary=form.cleaned_data["summary"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Your summary of case {item.number} is shared with the meeting")
            return redirect("meetings:case", pk=meeting.pk, item_pk=item.pk)
    if item.summary:
        _log_meeting_access(request, meeting)
    return render(request, "meetings/summary.html", _meeting_context(meeting, role, form=form, item=item))


@require_http_methods(["GET", "POST"])
def action_add(request, pk: int, item_pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    item = _agenda_item(meeting, item_pk)
    organisations = list(Organisation.objects.order_by("name"))
    form = ActionForm(_posted(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_action_add(
                meeting=meeting,
                item_id=item.pk,
                text=form.cleaned_data["text"],
                owner_organisation=next(
                    (o for o in organisations if o.pk == form.cleaned_data["owner_organisation"]), None
                ),
                due_on=form.cleaned_data["due_on"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Action added to case {item.number}")
            return redirect("meetings:case", pk=meeting.pk, item_pk=item.pk)
    return render(request, "meetings/action_add.html", _meeting_context(meeting, role, form=form, item=item))


@require_POST
def action_done(request, pk: int, action_pk: int):
    meeting = _load_as_chair(request, pk)
    done = request.POST.get("done") == "yes"
    try:
        action = services.meeting_action_complete(
            meeting=meeting,
            action_id=action_pk,
            done=done,
            acting_user=request.user,
            acting_membership=_membership(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:minutes", pk=meeting.pk)
    messages.success(request, "Action marked as done" if action.done else "Action marked as not done")
    return redirect("meetings:minutes", pk=meeting.pk)


# --- minutes ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_minutes(request, pk: int):
    """The minutes and every action, under the meeting's marking. The chair writes them;
    attendees who signed in read them."""
    meeting, role = _load(request, pk)
    if not role.can_read_minutes:
        raise Http404("No minutes for you here")
    if request.method == "POST" and not role.is_chair:
        raise PermissionDenied("Only the meeting's chair can write the minutes")
    forbidden = services.internet_forbidden(meeting)
    form = MinutesForm(_posted(request), initial={"minutes": meeting.minutes}) if role.is_chair else None
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_minutes_record(
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The minutes are saved")
            return redirect("meetings:minutes", pk=meeting.pk)
    actions = _minutes_actions(meeting)
    _log_meeting_access(request, meeting)
    return render(
        request,
        "meetings/minutes.html",
        _meeting_context(meeting, role, form=form, meeting_actions=actions, internet_forbidden=forbidden),
    )


def _minutes_actions(meeting: Meeting) -> list[MeetingAction]:
    """Every action of the meeting, case by case, as the minutes list them."""
    return list(
        MeetingAction.objects.filter(agenda_item__meeting=meeting)
        .select_related("owner_organisation", "agenda_item", "agenda_item__request")
        .order_by("agenda_item__order", "due_on", "pk")
    )


@require_GET
def meeting_minutes_pdf(request, pk: int):
    """The minutes, cases and actions as a PDF marked at the meeting's level, for whoever may read
    the minutes page. A case's shared summary is in it only for those who may read it on the
    case's page (the chair; signed-in attendees while the meeting is in session)."""
    meeting, role = _load(request, pk)
    if not role.can_read_minutes:
        raise Http404("No minutes for you here")
    if services.internet_forbidden(meeting):  # the same rule as releases and papers: not here
        messages.error(request, marking_refusal(meeting.marking, "share the minutes"))
        return redirect("meetings:minutes", pk=meeting.pk)
    organisation = _organisation(request)
    pdf = minutes_pdf(
        meeting=meeting,
        agenda=meeting_agenda(meeting=meeting),
        actions=_minutes_actions(meeting),
        show_summaries=role.can_read_papers,
        downloaded_by=request.user,
        organisation_name=organisation.name if organisation else "",
    )
    _log_meeting_access(request, meeting, kind="download")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{meeting.reference}-minutes.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- papers ----------------------------------------------------------------------------------


@upload_limited
@require_http_methods(["GET", "POST"])
def meeting_papers_page(request, pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    form = PaperForm(request.POST, request.FILES) if request.method == "POST" else PaperForm()
    if request.method == "POST" and form.is_valid():
        try:
            paper = services.paper_upload(
                meeting=meeting,
                file=form.cleaned_data["file"],
                acting_user=request.user,
                acting_membership=_membership(request),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"“{paper.original_name}” is added to the meeting's papers")
            return redirect("meetings:papers", pk=meeting.pk)
    papers = meeting_papers(meeting=meeting)
    if papers:
        _log_meeting_access(request, meeting)
    return render(
        request,
        "meetings/papers.html",
        _meeting_context(
            meeting,
            role,
            form=form,
            papers=papers,
            can_upload=meeting.status in lifecycle.OPEN_STATUSES and not services.internet_forbidden(meeting),
            internet_forbidden=services.internet_forbidden(meeting),
            upload_hint=f"{ACCEPTED}, up to {size_label(max_upload_bytes())}.",
        ),
    )


@require_GET
def paper_download(request, pk: int, paper_pk: int):
    """A paper, to signed-in attendees while the meeting is in session and to the chair, marked at
    the meeting's level: a PDF or image as a PDF stamped with the marking and who downloaded it,
    when; a Word document in a ZIP with the handling conditions (portal/marked.py; DOMAIN.md §5)."""
    meeting, role = _load(request, pk)
    if not role.can_read_papers:
        raise Http404("No such paper")
    paper = meeting.papers.filter(pk=paper_pk, destroyed_at__isnull=True).first()
    if paper is None or not paper.file:
        raise Http404("No such paper")
    if services.internet_forbidden(meeting):  # the same rule as the minutes: not here
        messages.error(request, marking_refusal(meeting.marking, "share the papers"))
        return redirect("meetings:papers", pk=meeting.pk)
    data = read_stored(paper.file)
    if data is None:
        raise Http404("The file is not available")
    organisation = _organisation(request)
    stamp = Stamp(
        marking=meeting.marking.name,
        footer=marked_download_footer(
            user=request.user, organisation_name=organisation.name if organisation else "", reference=meeting.reference
        ),
        reference=meeting.reference,
        handling_conditions=_paper_conditions(meeting),
    )
    marked = marked_file(
        data,
        content_type=paper.content_type if paper.content_type in PAPER_CONTENT_TYPES else "",
        original_name=paper.original_name,
        stamp=stamp,
    )
    _log_meeting_access(request, meeting, kind="download")
    return marked_response(marked)


def _paper_conditions(meeting: Meeting) -> tuple[str, ...]:
    """What every attendee agreed to when signing in (SSP Appendix 6) and the level's rules."""
    rules = handling_rules(meeting.marking)
    return (
        agreement_paragraphs(meeting.protocol_pack)[1],
        f"Level: {level_sentence(meeting.marking)}",
        *(f"{rule['action']}: {rule['rule']}".strip(": ") for rule in rules),
    )


# --- closing ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def meeting_close(request, pk: int):
    meeting = _load_as_chair(request, pk)
    role = meeting_role(user=request.user, membership=_membership(request), meeting=meeting)
    if request.method == "POST":
        try:
            services.meeting_close(meeting=meeting, acting_user=request.user, acting_membership=_membership(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The meeting is closed and its papers are being destroyed")
        return redirect("meetings:detail", pk=meeting.pk)
    papers_left = meeting.papers.filter(destroyed_at__isnull=True).count()
    return render(
        request,
        "meetings/close.html",
        _meeting_context(meeting, role, papers_left=papers_left, closed=meeting.status == MeetingStatus.CLOSED),
    )


urlpatterns = [
    path("", meeting_list, name="list"),
    path("new/", meeting_create, name="create"),
    path("<int:pk>/", meeting_detail, name="detail"),
    path("<int:pk>/edit/", meeting_edit, name="edit"),
    path("<int:pk>/level/", meeting_marking, name="marking"),
    path("<int:pk>/attendees/", meeting_attendees_page, name="attendees"),
    path("<int:pk>/attendees/invite/", attendee_invite_member, name="invite_member"),
    path("<int:pk>/attendees/<int:attendee_pk>/remove/", attendee_remove, name="attendee_remove"),
    path("<int:pk>/sign-in/", meeting_sign_in, name="sign_in"),
    path("<int:pk>/signing-in/", meeting_signing_in, name="signing_in"),
    path("<int:pk>/signing-in/guest/", meeting_sign_in_guest, name="sign_in_guest"),
    path("<int:pk>/start/", meeting_start, name="start"),
    path("<int:pk>/signing-in-sheet.pdf", meeting_signing_sheet, name="signing_sheet"),
    path("<int:pk>/agenda/add/", agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/<int:item_pk>/", agenda_case, name="case"),
    path("<int:pk>/agenda/<int:item_pk>/summary/", agenda_summary, name="summary"),
    path("<int:pk>/agenda/<int:item_pk>/actions/add/", action_add, name="action_add"),
    path("<int:pk>/actions/<int:action_pk>/done/", action_done, name="action_done"),
    path("<int:pk>/minutes/", meeting_minutes, name="minutes"),
    path("<int:pk>/minutes.pdf", meeting_minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/papers/", meeting_papers_page, name="papers"),
    path("<int:pk>/papers/<int:paper_pk>/", paper_download, name="paper_download"),
    path("<int:pk>/close/", meeting_close, name="close"),
]
