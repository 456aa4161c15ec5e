"""Disclosure requests under retention (issue 6; sharing/retention.py): which organisation holds
which copy from when, each under its own policy; what a holder sees once its copy is destroyed
(the tombstone) while the other keeps its own; destruction of the last copy clearing the content
and deleting the files; legal holds keeping a request through the sweep; the demo's due copies."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import DataSubject, DecisionLogEntry, HeldCopy, RetentionRecordKind
from portal.retention.services import legal_hold_lift, legal_hold_place, retention_policy_set, retention_sweep
from sharing.models import (
    ChecklistAnswer,
    Decision,
    DisclosureRequest,
    FlowchartRun,
    ReleaseAttachment,
    ReleaseItem,
    RequestNote,
    Status,
)
from sharing.retention import disclosure_requests_purge
from sharing.services import decide, raising, review
from sharing.services.disputes import dispute_decide, dispute_raise, dispute_view_record
from sharing.services.onward import onward_refused_destroyed
from tests.sharing.test_decide import complete_flowchart, ready
from tests.sharing.test_raising_services import fill_draft, start_draft, submit
from tests.sharing.test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db

REQUESTS, RELEASED = RetentionRecordKind.REQUESTS, RetentionRecordKind.RELEASED_DATA
SIX_YEARS, ONE_YEAR = datetime.timedelta(days=2190), datetime.timedelta(days=365)  # the Stockport defaults
ITEM = "Three call-outs to the address in March."
TODAY = timezone.localdate


def copies(req) -> dict[tuple[str, int], HeldCopy]:
    return {
        (copy.kind, copy.holder_id): copy
        for copy in HeldCopy.objects.filter(content_type="sharing.request", content_id=req.pk)
    }


def released(parties, *, outcome="released"):
    """A request B released to A with one item and a PDF attachment, through the services."""
    req = ready(parties)
    decide.disclosure_decide(
        disclosure=req,
        outcome=outcome,
        reasons="Necessary and proportionate for the MARAC.",
        withheld="Third parties' names." if outcome == "partly_released" else "",
        marking=parties.pack.marking_levels.get(code="restricted"),
        items=[decide.ItemInput(ITEM, "fact", parties.b)],
        attachments=[SimpleUploadedFile("incident log.pdf", MINIMAL_PDF, content_type="application/pdf")],
        acting_user=parties.assignee,
        acting_membership=parties.memberships["assignee"],
    )
    req.refresh_from_db()
    return req


def destroy(req, kind, holder) -> None:
    """Make one copy due, and run the daily sweep."""
    HeldCopy.objects.filter(content_type="sharing.request", content_id=req.pk, kind=kind, holder=holder).update(
        review_date=TODAY() - datetime.timedelta(days=1)
    )
    retention_sweep()


# --- which copies, held by whom, until when ----------------------------------------------------


def test_a_draft_is_held_by_the_requesting_organisation_and_at_submit_by_the_holding_one_too(parties):
    draft = start_draft(parties)
    assert set(copies(draft)) == {(REQUESTS, parties.a.pk)}
    mine = copies(draft)[(REQUESTS, parties.a.pk)]
    assert mine.officer == parties.requester and mine.reference == draft.reference == mine.request_reference
    assert mine.review_date == TODAY() + SIX_YEARS

    submit(parties, fill_draft(parties, draft))
    held = copies(draft)
    assert set(held) == {(REQUESTS, parties.a.pk), (REQUESTS, parties.b.pk)}
    subject_ids = list(draft.subjects.values_list("subject_id", flat=True))
    assert all(copy.subject_ids == subject_ids for copy in held.values())
    assert held[(REQUESTS, parties.b.pk)].officer is None  # nobody assigned yet

    review.disclosure_assign(
        disclosure=draft, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    assert copies(draft)[(REQUESTS, parties.b.pk)].officer == parties.assignee


def test_each_holder_follows_its_own_policy_and_a_release_is_held_at_its_marking(parties):
    retention_policy_set(
        organisation=parties.a, kind=RELEASED, marking_code="restricted", days=90, reason="Restricted material goes sooner",
        acting_user=parties.do_a, acting_membership=parties.memberships["do_a"],
    )
    retention_policy_set(
        organisation=parties.b, kind=REQUESTS, days=3000, reason="Our records schedule",
        acting_user=parties.do_b, acting_membership=parties.memberships["do_b"],
    )
    req = released(parties)
    held = copies(req)
    assert set(held) == {(REQUESTS, parties.a.pk), (REQUESTS, parties.b.pk), (RELEASED, parties.a.pk)}
    assert held[(REQUESTS, parties.a.pk)].review_date == TODAY() + SIX_YEARS  # A: the protocol's default
    assert held[(REQUESTS, parties.b.pk)].review_date == TODAY() + datetime.timedelta(days=3000)
    release = held[(RELEASED, parties.a.pk)]
    assert release.marking_code == "restricted" and release.officer == parties.requester
    assert release.review_date == TODAY() + datetime.timedelta(days=90)
    assert not HeldCopy.objects.filter(content_id=req.pk, kind=RELEASED, holder=parties.b).exists()


def test_a_decline_holds_no_released_data(parties):
    req = ready(parties)
    complete_flowchart(parties, req, "do_not_share")
    decide.disclosure_decide(
        disclosure=req, outcome="declined", reasons="Not necessary.", acting_user=parties.assignee,
        acting_membership=parties.memberships["assignee"],
    )
    assert set(copies(req)) == {(REQUESTS, parties.a.pk), (REQUESTS, parties.b.pk)}


def test_closing_restarts_the_clock_and_so_does_deciding_a_dispute(parties):
    req = ready(parties)
    long_ago = TODAY() - datetime.timedelta(days=400)
    HeldCopy.objects.filter(content_id=req.pk, content_type="sharing.request").update(
        started_on=long_ago, review_date=long_ago + SIX_YEARS
    )
    complete_flowchart(parties, req, "do_not_share")
    decide.disclosure_decide(
        disclosure=req, outcome="declined", reasons="Not necessary.", acting_user=parties.assignee,
        acting_membership=parties.memberships["assignee"],
    )
    assert {copy.started_on for copy in copies(req).values()} == {TODAY()}

    dispute = dispute_raise(
        disclosure=req, grounds="The panel needs it.", acting_user=parties.requester,
        acting_membership=parties.memberships["requester"],
    )
    HeldCopy.objects.filter(content_id=req.pk, content_type="sharing.request").update(started_on=long_ago)
    # SSP 9.2: the requesting organisation's designated officer gives their view first.
    dispute = dispute_view_record(
        dispute=dispute, view="The panel meets next week.", acting_user=parties.do_a,
        acting_membership=parties.memberships["do_a"],
    )
    dispute_decide(
        dispute=dispute, upheld=True, reasons="The decline stands.", acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    assert {copy.started_on for copy in copies(req).values()} == {TODAY()}
    assert {copy.review_date for copy in copies(req).values()} == {TODAY() + SIX_YEARS}


def test_withdrawing_restarts_the_requesting_organisations_clock(parties):
    draft = start_draft(parties)
    HeldCopy.objects.filter(content_id=draft.pk).update(started_on=TODAY() - datetime.timedelta(days=30))
    raising.disclosure_withdraw(disclosure=draft, reason="No longer needed", acting_user=parties.requester)
    [copy] = copies(draft).values()
    assert copy.started_on == TODAY() and copy.review_date == TODAY() + SIX_YEARS


# --- what each holder sees ---------------------------------------------------------------------


def test_the_requesting_side_loses_the_released_items_but_keeps_the_request(parties):
    req = released(parties)
    attachment = ReleaseAttachment.objects.get(decision__request=req)
    destroy(req, RELEASED, parties.a)
    today = f"{TODAY():%-d %B %Y}"

    page = parties.client("requester").get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert f"Destroyed under retention on {today}" in page
    assert ITEM not in page and "incident log.pdf" not in page and "Download a PDF copy" not in page
    assert "Ask to share onward" not in page
    assert "Jordan Example" in page  # the request itself is still A's: only the released data went
    for name in ("request_pdf",):
        response = parties.client("requester").get(reverse(f"sharing:{name}", args=[req.pk]))
        assert response.status_code == 302 and response.url == reverse("sharing:request_detail", args=[req.pk])
    download = reverse("sharing:attachment_download", kwargs={"pk": req.pk, "attachment_pk": attachment.pk})
    assert parties.client("do_a").get(download).status_code == 302
    with pytest.raises(ValidationError, match="destroyed under retention"):
        onward_refused_destroyed(disclosure=req)

    # B released it and keeps its record of what it released, under its own copy.
    page = parties.client("assignee").get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert ITEM in page and "incident log.pdf" in page
    assert parties.client("assignee").get(download).status_code == 200
    assert default_storage.exists(attachment.file.name)


def test_a_holder_whose_copy_is_destroyed_sees_the_tombstone_and_the_other_keeps_its_own(parties):
    req = released(parties)
    destroy(req, REQUESTS, parties.b)
    url = reverse("sharing:request_detail", args=[req.pk])

    for name in ("assignee", "do_b"):
        response = parties.client(name).get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert f"Destroyed under retention on {TODAY():%-d %B %Y}" in page and req.reference in page
        assert "Jordan Example" not in page and ITEM not in page and "Necessary and proportionate" not in page
        assert parties.client(name).get(reverse("sharing:request_pdf", args=[req.pk])).status_code == 404
    inbox = parties.client("do_b").get(reverse("sharing:inbox") + "?show=decided").content.decode()
    assert req.reference in inbox and "Destroyed" in inbox

    # A's copies follow A's policy: A still sees everything, content and files untouched.
    page = parties.client("requester").get(url).content.decode()
    assert "Jordan Example" in page and ITEM in page and "Destroyed under retention" not in page
    assert DisclosureRequest.objects.get(pk=req.pk).information_requested
    # Still need-to-know: C gets the 404 it always got.
    assert parties.client("officer_c").get(url).status_code == 404


def test_the_last_copy_destroyed_clears_the_content_and_deletes_the_files(parties):
    req = released(parties, outcome="partly_released")
    RequestNote.objects.create(request=req, author=parties.assignee, organisation=parties.b, kind="advice", text="Ask the DO")
    attachment = ReleaseAttachment.objects.get(decision__request=req)
    stored = attachment.file.name
    subject_id = req.subjects.get().subject_id
    HeldCopy.objects.filter(content_type="sharing.request", content_id=req.pk).update(review_date=TODAY() - datetime.timedelta(days=1))

    run = retention_sweep()

    assert run.destroyed_count == 3
    req.refresh_from_db()
    assert req.status == Status.PARTLY_RELEASED and req.reference and req.decided_at  # the row stays
    assert req.information_requested == "" and req.third_parties == ""
    assert set(ChecklistAnswer.objects.filter(request=req).values_list("reason", flat=True)) == {""}
    run_row = FlowchartRun.objects.get(request=req)
    assert run_row.reasons == "" and all("note" not in step for step in run_row.path)
    assert [step["answer"] for step in run_row.path] == ["yes", "yes", "no"]  # the path itself stays
    decision = Decision.objects.get(request=req)
    assert (decision.reasons, decision.withheld, decision.handling_conditions) == ("", "", "")
    assert list(ReleaseItem.objects.filter(decision__request=req).values_list("text", flat=True)) == [""]
    assert RequestNote.objects.get(request=req).text == ""
    attachment.refresh_from_db()
    assert not attachment.file and attachment.original_name == "" and attachment.size  # tombstone facts stay
    assert not default_storage.exists(stored)
    subject = DataSubject.objects.get(pk=subject_id)
    assert (subject.full_name, subject.address, subject.date_of_birth) == ("", "", None)
    entries = DecisionLogEntry.objects.filter(action="retention.destroyed", reference=req.reference)
    assert entries.count() == 3 and sum(e.details["content_destroyed"] for e in entries) == 3
    assert not any("Jordan" in e.reasons or ITEM in e.reasons for e in entries)

    # Purging again (a run that died after deleting the files) is safe.
    disclosure_requests_purge([req.pk])


def test_a_person_on_another_live_request_keeps_their_details(parties):
    first = released(parties)
    subject_id = first.subjects.get().subject_id
    other = parties.request(with_subject=False)
    other.subjects.create(subject_id=subject_id, role="offender")
    review.disclosure_assign(
        disclosure=other, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    HeldCopy.objects.filter(content_type="sharing.request", content_id=first.pk).update(review_date=TODAY() - datetime.timedelta(days=1))
    retention_sweep()
    assert DisclosureRequest.objects.get(pk=first.pk).information_requested == ""
    assert DataSubject.objects.get(pk=subject_id).full_name == "Jordan Example"


def test_a_legal_hold_on_the_request_keeps_every_copy_through_the_sweep(parties):
    req = released(parties)
    HeldCopy.objects.filter(content_type="sharing.request", content_id=req.pk).update(review_date=TODAY() - datetime.timedelta(days=1))
    hold = legal_hold_place(
        request_reference=req.reference, reason_kind="complaint", reason="Complaint to the ICO under investigation",
        review_date=TODAY() + datetime.timedelta(days=60),
        acting_user=parties.do_b, acting_membership=parties.memberships["do_b"],
    )
    assert retention_sweep().destroyed_count == 0
    assert all(copy.destroyed_at is None for copy in copies(req).values())
    assert ITEM in parties.client("requester").get(reverse("sharing:request_detail", args=[req.pk])).content.decode()

    legal_hold_lift(hold=hold, reason="Complaint closed", acting_user=parties.do_b, acting_membership=parties.memberships["do_b"])
    assert retention_sweep().destroyed_count == 3
    assert DisclosureRequest.objects.get(pk=req.pk).information_requested == ""


def test_lists_mark_destroyed_requests_without_a_query_a_row(parties, django_assert_max_num_queries):
    reqs = [released(parties) for _ in range(2)]
    destroy(reqs[0], REQUESTS, parties.a)
    client = parties.client("requester")
    page = client.get(reverse("sharing:my_requests")).content.decode()
    assert page.count("Destroyed") == 1
    with django_assert_max_num_queries(30) as two:
        client.get(reverse("sharing:my_requests"))
    for _ in range(3):
        destroy(released(parties), REQUESTS, parties.a)
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = client.get(reverse("sharing:my_requests")).content.decode()
    assert page.count("Destroyed") == 4


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_shows_each_designated_officer_something_due_soon_and_something_overdue():
    from consent.demo import consent_demo_load
    from portal.demo.services import demo_partnership_load
    from portal.models import Organisation, OrganisationKind
    from portal.retention.selectors import held_copies_due
    from sharing.demo import sharing_demo_load, sharing_retention_demo_load

    demo_partnership_load()
    consent_demo_load()
    sharing_demo_load()
    summary = sharing_retention_demo_load()
    assert "overdue" in summary and "due soon" in summary
    assert sharing_retention_demo_load() is None  # loads once
    for kind in (OrganisationKind.POLICE, OrganisationKind.LOCAL_AUTHORITY):
        organisation = Organisation.objects.filter(kind=kind).order_by("pk").first()
        due = list(held_copies_due(organisation=organisation, within_days=14))
        assert any(copy.review_date < TODAY() for copy in due), kind
        assert any(TODAY() <= copy.review_date <= TODAY() + datetime.timedelta(days=14) for copy in due), kind


def test_backfill_records_copies_for_requests_and_consents_made_before_retention(parties):
    from django.core.management import call_command

    req = released(parties)
    decided_on = timezone.localdate(req.decided_at)
    HeldCopy.objects.all().delete()  # as if raised and released before retention existed
    call_command("retention_backfill")

    held = copies(req)
    assert set(held) == {(REQUESTS, parties.a.pk), (REQUESTS, parties.b.pk), (RELEASED, parties.a.pk)}
    assert held[(REQUESTS, parties.b.pk)].review_date == decided_on + SIX_YEARS
    assert held[(RELEASED, parties.a.pk)].marking_code == "restricted"
    assert held[(RELEASED, parties.a.pk)].review_date == decided_on + ONE_YEAR

    call_command("retention_backfill")  # a second run records nothing more
    assert HeldCopy.objects.filter(content_type="sharing.request", content_id=req.pk).count() == 3


def test_a_backfilled_copy_already_past_its_review_date_is_given_the_warning_period(parties, settings):
    from portal.retention.services import retention_backfill

    req = released(parties)
    HeldCopy.objects.all().delete()
    long_ago = timezone.now() - datetime.timedelta(days=400)
    DisclosureRequest.objects.filter(pk=req.pk).update(decided_at=long_ago)
    Decision.objects.filter(request=req).update(decided_at=long_ago)
    retention_backfill()
    released_copy = copies(req)[(RELEASED, parties.a.pk)]
    assert released_copy.review_date == TODAY() + datetime.timedelta(days=settings.PORTAL_RETENTION_WARNING_DAYS)


def test_an_open_request_is_not_destroyed_when_its_copy_falls_due_but_reviewed_again_later(parties, settings):
    draft = start_draft(parties)
    submit(parties, fill_draft(parties, draft))
    HeldCopy.objects.filter(content_id=draft.pk).update(review_date=TODAY() - datetime.timedelta(days=1))

    run = retention_sweep()

    assert run.destroyed_count == 0
    later = TODAY() + datetime.timedelta(days=settings.PORTAL_RETENTION_WARNING_DAYS)
    assert {copy.review_date for copy in copies(draft).values()} == {later}
    assert not any(copy.is_destroyed for copy in copies(draft).values())
    deferred = DecisionLogEntry.objects.filter(action="retention.deferred", reference=draft.reference)
    assert deferred.count() == 2 and "still open" in deferred.first().reasons
    draft.refresh_from_db()
    assert draft.information_requested  # nothing cleared

    raising.disclosure_withdraw(disclosure=draft, reason="No longer needed", acting_user=parties.requester)
    HeldCopy.objects.filter(content_id=draft.pk).update(review_date=TODAY() - datetime.timedelta(days=1))
    assert retention_sweep().destroyed_count == 2  # closed: nothing holds it back any more
    draft.refresh_from_db()
    assert draft.information_requested == ""
