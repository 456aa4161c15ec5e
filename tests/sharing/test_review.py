"""Assignment, pick-up, return for more information, advice and sub judice consultation
(sharing/services/review.py and their pages in sharing/views/holding.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessLogEntry, DecisionLogEntry, Notification
from sharing.models import (
    DisclosureRequestUserObjectPermission,
    NoteKind,
    RequestNote,
    Status,
    SubJudiceConsultation,
)
from sharing.selectors import access_disclosure
from sharing.services import review
from sharing.views.holding import request_actions

pytestmark = pytest.mark.django_db


def perm_holders(request):
    return set(
        DisclosureRequestUserObjectPermission.objects.filter(
            content_object=request, permission__codename="access_disclosure"
        ).values_list("user__username", flat=True)
    )


def log_actions(reference):
    return list(DecisionLogEntry.objects.filter(reference=reference).order_by("id").values_list("action", flat=True))


# --- Assignment -------------------------------------------------------------------------------


def test_designated_officer_assigns_and_only_the_assignee_gets_the_permission(parties):
    req = parties.request()
    client = parties.client("do_b")
    page = client.get(reverse("sharing:request_assign", args=[req.pk]))
    assert page.status_code == 200
    assert "Jordan Example" not in page.content.decode()  # triage fields only

    response = client.post(reverse("sharing:request_assign", args=[req.pk]), {"assignee": parties.assignee.pk})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    assert req.assignee == parties.assignee
    assert req.assigned_at is not None
    assert perm_holders(req) == {"assignee"}
    assert parties.assignee.has_perm("sharing.access_disclosure", req)
    assert not parties.officer_b.has_perm("sharing.access_disclosure", req)
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.assigned")
    assert entry.actor_name == parties.do_b.display_name
    assert entry.organisation_name == parties.b.name
    assert Notification.objects.filter(recipient=parties.assignee, reference=req.reference).exists()


def test_reassignment_moves_the_permission(parties):
    req = parties.request()
    review.disclosure_assign(
        disclosure=req, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    client = parties.client("do_b")
    response = client.post(reverse("sharing:request_assign", args=[req.pk]), {"assignee": parties.officer_b.pk})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.assignee == parties.officer_b
    assert req.status == Status.IN_REVIEW
    assert perm_holders(req) == {"officer_b"}
    reasons = (
        DecisionLogEntry.objects.filter(reference=req.reference, action="request.assigned").order_by("-id")[0].reasons
    )
    assert reasons.startswith("Reassigned from")


def test_assign_form_refuses_someone_outside_the_holding_organisation(parties):
    req = parties.request()
    client = parties.client("do_b")
    response = client.post(reverse("sharing:request_assign", args=[req.pk]), {"assignee": parties.officer_a.pk})
    assert response.status_code == 200
    assert "Select the officer to assign this request to" in response.content.decode()
    req.refresh_from_db()
    assert req.assignee is None and req.status == Status.SUBMITTED


def test_service_refuses_an_assignee_from_another_organisation(parties):
    req = parties.request()
    with pytest.raises(ValidationError):
        review.disclosure_assign(
            disclosure=req,
            assignee=parties.officer_c,
            acting_user=parties.do_b,
            acting_membership=parties.memberships["do_b"],
        )


def test_an_officer_of_b_picks_up_an_unassigned_request(parties):
    req = parties.request()
    client = parties.client("officer_b")
    response = client.post(reverse("sharing:request_pick_up", args=[req.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:request_detail", args=[req.pk])
    req.refresh_from_db()
    assert req.assignee == parties.officer_b and req.status == Status.IN_REVIEW
    assert perm_holders(req) == {"officer_b"}
    assert access_disclosure(user=parties.officer_b, pk=req.pk) == req
    assert DecisionLogEntry.objects.get(reference=req.reference, action="request.assigned").reasons.startswith(
        "Picked up"
    )


def test_a_second_pick_up_is_refused_with_a_message(parties):
    req = parties.request()
    parties.client("officer_b").post(reverse("sharing:request_pick_up", args=[req.pk]))
    response = parties.client("assignee").post(reverse("sharing:request_pick_up", args=[req.pk]), follow=True)
    assert response.status_code == 200
    assert "already been picked up" in response.content.decode()
    req.refresh_from_db()
    assert req.assignee == parties.officer_b


@pytest.mark.parametrize("name", ["officer_a", "officer_c", "do_c", "chair", "auditor", "admin"])
def test_outsiders_cannot_assign_or_pick_up(parties, name):
    req = parties.request()
    client = parties.client(name)
    assert client.get(reverse("sharing:request_assign", args=[req.pk])).status_code == 404
    assert (
        client.post(reverse("sharing:request_assign", args=[req.pk]), {"assignee": parties.assignee.pk}).status_code
        == 404
    )
    assert client.post(reverse("sharing:request_pick_up", args=[req.pk])).status_code == 404
    req.refresh_from_db()
    assert req.assignee is None


def test_requester_side_with_need_to_know_gets_403_on_assign(parties):
    req = parties.request()
    for name in ("requester", "do_a"):
        client = parties.client(name)
        assert client.get(reverse("sharing:request_assign", args=[req.pk])).status_code == 403
        assert client.post(reverse("sharing:request_pick_up", args=[req.pk])).status_code == 403


def test_an_officer_of_b_cannot_use_the_assign_page(parties):
    req = parties.request()
    assert parties.client("officer_b").get(reverse("sharing:request_assign", args=[req.pk])).status_code == 404


def test_pick_up_is_post_only(parties):
    req = parties.request()
    assert parties.client("officer_b").get(reverse("sharing:request_pick_up", args=[req.pk])).status_code == 405


def test_missing_request_is_404(parties):
    client = parties.client("do_b")
    assert client.get(reverse("sharing:request_assign", args=[999999])).status_code == 404
    assert client.post(reverse("sharing:request_pick_up", args=[999999])).status_code == 404


# --- Return for more information ----------------------------------------------------------------


def assigned(parties, **kwargs):
    req = parties.request(**kwargs)
    review.disclosure_assign(
        disclosure=req, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    req.refresh_from_db()
    return req


def test_assignee_returns_for_more_information(parties):
    req = assigned(parties)
    client = parties.client("assignee")
    url = reverse("sharing:request_return", args=[req.pk])
    response = client.post(url, {"text": ""})
    assert response.status_code == 200
    assert "Enter what more information you need" in response.content.decode()

    response = client.post(url, {"text": "Which address do you mean?"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.RETURNED
    note = RequestNote.objects.get(request=req, kind=NoteKind.RETURNED)
    assert note.text == "Which address do you mean?"
    assert "request.returned" in log_actions(req.reference)
    notification = Notification.objects.get(recipient=parties.requester, reference=req.reference)
    assert "Jordan" not in notification.subject


def test_return_is_refused_to_others(parties):
    req = assigned(parties)
    assert parties.client("officer_b").get(reverse("sharing:request_return", args=[req.pk])).status_code == 404
    assert parties.client("requester").get(reverse("sharing:request_return", args=[req.pk])).status_code == 403
    assert parties.client("do_b").get(reverse("sharing:request_return", args=[req.pk])).status_code == 200


def test_resubmitted_request_is_resumed_by_its_assignee(parties):
    req = assigned(parties)
    review.disclosure_return(disclosure=req, text="More please", acting_user=parties.assignee)
    req.refresh_from_db()
    # The requester answers and resubmits (the raising part's service); here, the state it leaves.
    from sharing import lifecycle

    lifecycle.transition(
        req,
        Status.SUBMITTED,
        acting_user=parties.requester,
        organisation=parties.a,
        event="request.resubmitted",
        reasons="The requester answered the request for more information",
    )
    actions = request_actions(
        user=parties.assignee, membership=parties.memberships["assignee"], request=req, roles={"assignee"}
    )
    assert [a.label for a in actions] == ["Return for more information", "Resume the review"]
    response = parties.client("assignee").post(reverse("sharing:request_pick_up", args=[req.pk]))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW and req.assignee == parties.assignee


# --- Advice -----------------------------------------------------------------------------------


def test_advice_page_only_while_awaiting_advice(parties):
    req = assigned(parties)
    response = parties.client("do_b").get(reverse("sharing:request_advice", args=[req.pk]))
    assert response.status_code == 302
    assert parties.client("assignee").get(reverse("sharing:request_advice", args=[req.pk])).status_code == 403
    assert parties.client("officer_c").get(reverse("sharing:request_advice", args=[req.pk])).status_code == 404


# --- Sub judice -------------------------------------------------------------------------------


def test_sub_judice_consultation_is_recorded(parties):
    req = assigned(parties, sub_judice=True)
    client = parties.client("assignee")
    url = reverse("sharing:sub_judice_record", args=[req.pk])
    assert client.get(url).status_code == 200
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "consulted_name": "DC Morgan",
            "consulted_role": "investigating_officer",
            "consulted_on": tomorrow.isoformat(),
            "consulted_time": "10:00",
            "outcome": "No objection",
        },
    )
    assert response.status_code == 200
    assert "The date of the consultation must be today or in the past" in response.content.decode()
    assert "DC Morgan" in response.content.decode()  # what was typed is kept

    response = client.post(
        url,
        {
            "consulted_name": "DC Morgan",
            "consulted_role": "investigating_officer",
            "consulted_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "consulted_time": "10:00",
            "outcome": "No objection to disclosure of the incident log.",
        },
    )
    assert response.status_code == 302
    consultation = SubJudiceConsultation.objects.get(request=req)
    assert consultation.consulted_name == "DC Morgan"
    assert consultation.recorded_by == parties.assignee
    assert "request.sub_judice_consulted" in log_actions(req.reference)


def test_sub_judice_page_for_an_unflagged_request_goes_back(parties):
    req = assigned(parties, sub_judice=False)
    assert parties.client("assignee").get(reverse("sharing:sub_judice_record", args=[req.pk])).status_code == 302
    assert parties.client("do_b").get(reverse("sharing:sub_judice_record", args=[req.pk])).status_code == 403


def test_sub_judice_form_errors(parties):
    req = assigned(parties, sub_judice=True)
    response = parties.client("assignee").post(reverse("sharing:sub_judice_record", args=[req.pk]), {})
    body = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Enter the name of the person consulted",
        "Select whether you consulted the investigating officer or the CPS",
        "Enter the date of the consultation",
        "Enter the outcome of the consultation",
    ):
        assert message in body


# --- The request page's buttons ---------------------------------------------------------------


def test_request_actions(parties):
    req = parties.request(sub_judice=True)

    def labels(name):
        return [
            a.label
            for a in request_actions(
                user=getattr(parties, name), membership=parties.memberships[name], request=req, roles=set()
            )
        ]

    assert labels("do_b") == ["Return for more information", "Pick up this request", "Assign"]
    assert labels("officer_b") == ["Pick up this request"]
    assert labels("requester") == []
    assert labels("officer_c") == []
    req = assigned(parties, sub_judice=True)
    assert labels("assignee") == [
        "Run the key-questions flowchart",
        "Record sub judice consultation",
        "Make a decision",
        "Return for more information",
    ]
    assert labels("do_b") == ["Return for more information", "Reassign"]
    assert labels("officer_b") == []


def test_flowchart_start_page_logs_the_view(parties):
    req = assigned(parties)
    response = parties.client("assignee").get(reverse("sharing:flowchart_start", args=[req.pk]))
    assert response.status_code == 200
    assert "Needed to assess risk at the address." in response.content.decode()  # checklist reasons
    assert AccessLogEntry.objects.filter(user=parties.assignee, reference=req.reference, kind="view").exists()
