"""The retention pages (portal/views/retention.py): what is due for review, one copy with its
extensions and holds, extending and confirming, policies, legal holds, destruction runs and the
destruction certificate PDF. Each page for the roles it is for; partner A against partner B (404);
bad input comes back with what was typed; every change is in the decision log.

Until the apps register their content with the retention engine, these tests register their own
content type (`TEST_CONTENT`) whose purge only records what it was asked to purge.
"""

from __future__ import annotations

import datetime
import re
import subprocess
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.middleware import ACTING_MEMBERSHIP
from portal.models import (
    AccessLogEntry,
    DataSubject,
    DecisionLogEntry,
    HeldCopy,
    LegalHold,
    MarkingLevel,
    RetentionPolicy,
    RetentionRecordKind,
)
from portal.protocols.services import protocol_pack_load
from portal.retention import services
from portal.retention.registry import register_retention_content
from portal.roles import Role
from portal.views import retention as retention_views
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

TEST_CONTENT = "tests.retention_item"
PURGED: list[int] = []


def _purge(content_ids: list[int]) -> None:
    PURGED.extend(content_ids)


def _link(content_id: int) -> str:
    return f"/retention-test-item/{content_id}/"


def register_test_content() -> None:
    register_retention_content(content_type=TEST_CONTENT, label="Test item", purge=_purge, link=_link)


_next_id = iter(range(1, 10**9))


def make_copy(
    holder,
    *,
    reference="DR-2026-0001",
    kind=RetentionRecordKind.RELEASED_DATA,
    officer=None,
    marking=None,
    review_in_days=10,
    request_reference=None,
    subject_ids=(),
    content_id=None,
) -> HeldCopy:
    """A held copy whose review date is `review_in_days` from today (negative: overdue)."""
    register_test_content()
    with transaction.atomic():
        copy = services.held_copy_record(
            content_type=TEST_CONTENT,
            content_id=content_id or next(_next_id),
            kind=kind,
            holder=holder,
            reference=reference,
            request_reference=reference if request_reference is None else request_reference,
            subject_ids=subject_ids,
            officer=officer,
            marking=marking,
        )
        HeldCopy.objects.filter(pk=copy.pk).update(
            review_date=timezone.localdate() + datetime.timedelta(days=review_in_days)
        )
    copy.refresh_from_db()
    return copy


def destroy(*copies) -> object:
    """Destroy exactly these copies in one run (as the sweep would once they are due): the run."""
    return services.retention_destroy_now(
        content_type=TEST_CONTENT,
        content_ids=[c.content_id for c in copies],
        reasons="Test destruction",
        trigger="command",
    )


def client_for(membership):
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


@pytest.fixture
def w(db):
    """Organisations A and B; at A a designated officer and two officers; at B a designated
    officer; a partnership admin, an auditor and a chair elsewhere. The Stockport pack is in force."""
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    ns = SimpleNamespace(pack=pack)
    ns.a = OrganisationFactory(name="Stockport Council")
    ns.b = OrganisationFactory(name="Greater Manchester Police")
    ns.other = OrganisationFactory(name="Partnership Office")
    ns.m = {
        "do_a": MembershipFactory(
            organisation=ns.a, role=Role.DESIGNATED_OFFICER, user__first_name="Dana", user__last_name="Officer"
        ),
        "officer_a": MembershipFactory(organisation=ns.a, role=Role.OFFICER),
        "officer2_a": MembershipFactory(organisation=ns.a, role=Role.OFFICER),
        "do_b": MembershipFactory(organisation=ns.b, role=Role.DESIGNATED_OFFICER),
        "admin": MembershipFactory(organisation=ns.other, role=Role.ADMIN),
        "auditor": MembershipFactory(organisation=ns.other, role=Role.AUDITOR),
        "chair": MembershipFactory(organisation=ns.other, role=Role.CHAIR),
    }
    ns.client = lambda name: client_for(ns.m[name])
    ns.user = lambda name: ns.m[name].user
    ns.restricted = MarkingLevel.objects.get(pack=pack, code="restricted")
    ns.protect = MarkingLevel.objects.get(pack=pack, code="protect")
    return ns


def text(response) -> str:
    """The page's main content as a person reads it: tags dropped, spaces collapsed."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def last_decision(action: str) -> DecisionLogEntry:
    return DecisionLogEntry.objects.filter(action=action).order_by("-id").first()


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


# ---------------------------------------------------------------------------------------------
# Due for review
# ---------------------------------------------------------------------------------------------

DUE = reverse("portal:retention_due")


def test_the_designated_officer_sees_every_copy_of_their_organisation_due_within_30_days(w):
    overdue = make_copy(
        w.a, reference="DR-2026-0001", review_in_days=-3, marking=w.restricted, officer=w.user("officer_a")
    )
    soon = make_copy(w.a, reference="DR-2026-0002", review_in_days=20, kind=RetentionRecordKind.CONSENT_RECORDS)
    make_copy(w.a, reference="DR-2026-0003", review_in_days=60)  # later than 30 days
    make_copy(w.b, reference="DR-2026-0004", review_in_days=5)  # B's copy
    gone = make_copy(w.a, reference="DR-2026-0005", review_in_days=50)
    destroy(gone)

    response = w.client("do_a").get(DUE)
    assert response.status_code == 200
    page = text(response)
    assert "2 records due for review within 30 days" in page
    assert "DR-2026-0001" in page and "DR-2026-0002" in page
    assert "DR-2026-0003" not in page and "DR-2026-0004" not in page and "DR-2026-0005" not in page
    assert "Overdue" in page and "Restricted" in page and "Consent records" in page
    html = response.content.decode()
    # The reference links to the record through its app; the row links to the copy page.
    assert f'href="/retention-test-item/{overdue.content_id}/"' in html
    assert reverse("portal:retention_copy", args=[soon.pk]) in html
    assert overdue.policy_description in page


def test_an_officer_sees_only_the_copies_they_are_the_officer_of(w):
    make_copy(w.a, reference="DR-2026-0011", officer=w.user("officer_a"))
    make_copy(w.a, reference="DR-2026-0012", officer=w.user("officer2_a"))
    page = text(w.client("officer_a").get(DUE))
    assert "DR-2026-0011" in page and "DR-2026-0012" not in page
    assert "1 record due for review" in page


def test_due_filters_by_period_and_kind_and_flags_holds_and_confirmations(w):
    make_copy(w.a, reference="DR-2026-0021", review_in_days=80)
    held = make_copy(w.a, reference="DR-2026-0022", review_in_days=5, kind=RetentionRecordKind.REQUESTS)
    LegalHold.objects.create(
        organisation=w.a,
        request_reference="DR-2026-0022",
        reason_kind="complaint",
        reason="x",
        review_date=timezone.localdate() + datetime.timedelta(days=30),
        set_by=w.user("do_a"),
    )
    HeldCopy.objects.filter(pk=held.pk).update(confirmed_at=timezone.now(), confirmed_by=w.user("do_a"))
    client = w.client("do_a")

    page = text(client.get(DUE, {"within": "90"}))
    assert "2 records due for review within 90 days" in page
    page = text(client.get(DUE, {"within": "90", "kind": "requests"}))
    assert "1 record due" in page and "DR-2026-0022" in page and "DR-2026-0021" not in page
    assert "On hold" in page and "Yes," in page


def test_a_filter_that_is_not_offered_says_so_and_shows_the_default(w):
    make_copy(w.a, reference="DR-2026-0031", review_in_days=10)
    response = w.client("do_a").get(DUE, {"within": "1000"})
    assert response.status_code == 200
    page = text(response)
    assert "Choose how far ahead to look" in page
    assert "within 30 days" in page and "DR-2026-0031" in page


def test_due_is_paginated_in_fifties_and_its_queries_do_not_grow_with_the_rows(w, django_assert_max_num_queries):
    for i in range(51):
        make_copy(w.a, reference=f"DR-2026-{i + 100:04d}", review_in_days=i % 20, subject_ids=[i + 1])
    client = w.client("do_a")
    with django_assert_max_num_queries(14):
        response = client.get(DUE)
    assert "51 records due" in text(response)
    assert response.content.decode().count('Review<span class="govuk-visually-hidden">') == 50
    assert text(client.get(DUE, {"page": "2"})).count("Review") >= 1


# ---------------------------------------------------------------------------------------------
# One copy; extend; confirm
# ---------------------------------------------------------------------------------------------


def test_the_copy_page_shows_the_copy_its_extensions_and_the_holds_covering_it(w):
    copy = make_copy(w.a, reference="DR-2026-0041", marking=w.protect, officer=w.user("officer_a"))
    LegalHold.objects.create(
        organisation=w.b,
        request_reference="DR-2026-0041",
        reason_kind="investigation",
        reason="Op X",
        review_date=timezone.localdate() + datetime.timedelta(days=30),
        set_by=w.user("do_b"),
    )
    response = w.client("officer_a").get(reverse("portal:retention_copy", args=[copy.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "DR-2026-0041" in page and "Protect" in page and "Released data" in page
    assert "A legal hold covers this record" in page
    assert "Investigation, placed by Greater Manchester Police" in page
    assert "Extend" in page and "Confirm destruction" in page


@pytest.mark.parametrize("who", ["do_b", "officer2_a"])
def test_a_copy_that_is_not_yours_is_not_found(w, who):
    copy = make_copy(w.a, officer=w.user("officer_a"))
    client = w.client(who)
    for name in ("portal:retention_copy", "portal:retention_extend", "portal:retention_confirm"):
        assert client.get(reverse(name, args=[copy.pk])).status_code == 404
    assert client.post(reverse("portal:retention_confirm", args=[copy.pk])).status_code == 404


@pytest.mark.parametrize("who", ["auditor", "chair", "admin"])
def test_roles_that_do_not_review_copies_are_refused(w, who):
    copy = make_copy(w.a)
    client = w.client(who)
    assert client.get(DUE).status_code == 403
    assert client.get(reverse("portal:retention_copy", args=[copy.pk])).status_code == 403


def test_extending_records_the_new_date_and_the_reason_in_the_decision_log(w):
    copy = make_copy(w.a, reference="DR-2026-0051", review_in_days=5, officer=w.user("officer_a"))
    new_date = timezone.localdate() + datetime.timedelta(days=200)
    response = w.client("officer_a").post(
        reverse("portal:retention_extend", args=[copy.pk]),
        {"new_review_date": new_date.strftime("%d/%m/%Y"), "reason": "The case review meets again in the autumn."},
    )
    assert response.status_code == 302 and response.url == reverse("portal:retention_copy", args=[copy.pk])
    copy.refresh_from_db()
    assert copy.review_date == new_date
    entry = last_decision("retention.extended")
    assert entry.reference == "DR-2026-0051" and entry.reasons == "The case review meets again in the autumn."
    assert entry.actor_id == w.user("officer_a").pk and entry.organisation_id == w.a.pk
    page = text(w.client("officer_a").get(reverse("portal:retention_copy", args=[copy.pk])))
    assert "The case review meets again in the autumn." in page and new_date.strftime("%-d %b %Y") in page


@pytest.mark.parametrize(
    "typed, message",
    [
        ("31/02/2030", "Enter the new review date as a real date"),
        ("1/1/2001", "The new review date must be after the current one"),
    ],
)
def test_a_bad_new_review_date_comes_back_with_what_was_typed(w, typed, message):
    copy = make_copy(w.a, review_in_days=5)
    before = copy.review_date
    response = w.client("do_a").post(
        reverse("portal:retention_extend", args=[copy.pk]),
        {"new_review_date": typed, "reason": "Still needed for the panel"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "There is a problem" in html
    assert f'value="{typed}"' in html and "Still needed for the panel</textarea>" in html
    copy.refresh_from_db()
    assert copy.review_date == before and not DecisionLogEntry.objects.filter(action="retention.extended").exists()


def test_confirming_destruction_is_recorded_and_cannot_be_done_twice(w):
    copy = make_copy(w.a, reference="DR-2026-0061")
    client = w.client("do_a")
    url = reverse("portal:retention_confirm", args=[copy.pk])
    assert "Confirm this record is to be destroyed" in text(client.get(url))
    response = client.post(url)
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.confirmed_by == w.user("do_a")
    assert last_decision("retention.destruction_confirmed").reference == "DR-2026-0061"
    again = client.get(url)
    assert again.status_code == 302 and again.url == reverse("portal:retention_copy", args=[copy.pk])
    page = text(client.get(again.url))
    assert "already been confirmed" in page and "Confirm destruction" not in page.replace("Destruction confirmed", "")


def test_a_destroyed_copy_shows_its_tombstone_and_sends_actions_back(w):
    copy = make_copy(w.a, reference="DR-2026-0071")
    run = destroy(copy)
    client = w.client("do_a")
    page = text(client.get(reverse("portal:retention_copy", args=[copy.pk])))
    assert f"by destruction run {run.pk}" in page and "Extend" not in page
    response = client.post(
        reverse("portal:retention_extend", args=[copy.pk]), {"new_review_date": "1/1/2040", "reason": "x"}
    )
    assert response.status_code == 302
    assert "already been destroyed" in text(client.get(response.url))


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------

POLICIES = reverse("portal:retention_policies")


def test_the_policies_page_shows_each_kind_with_its_days_and_where_they_come_from(w):
    RetentionPolicy.objects.create(
        organisation=w.a, kind="released_data", marking_code="restricted", days=90, updated_by=w.user("do_a")
    )
    page = text(w.client("do_a").get(POLICIES))
    assert "Policies of Stockport Council" in page
    assert "Released data Any marking 365 Protocol default (2020)" in page
    assert "Released data Restricted 90 Organisation policy" in page
    assert "copies created from now on" in page


def test_setting_a_policy_is_recorded_with_its_reason_and_shown(w):
    client = w.client("do_a")
    url = reverse("portal:retention_policy_edit", args=[w.a.pk])
    response = client.post(
        url, {"kind": "consent_records", "marking_code": "", "days": "730", "reason": "Board decision 12"}
    )
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(organisation=w.a, kind="consent_records").days == 730
    entry = last_decision("retention.policy_changed")
    assert entry.reasons == "Board decision 12" and entry.details["days"] == 730 and entry.organisation_id == w.a.pk
    assert "Consent records Any marking 730 Organisation policy" in text(client.get(POLICIES))


def test_a_bad_policy_comes_back_with_what_was_typed(w):
    response = w.client("do_a").post(
        reverse("portal:retention_policy_edit", args=[w.a.pk]),
        {"kind": "released_data", "marking_code": "restricted", "days": "a year", "reason": "Shorter for restricted"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the number of days as a whole number" in html
    assert 'value="a year"' in html and "Shorter for restricted</textarea>" in html
    assert re.search(r'<option value="restricted" selected>', html)
    assert not RetentionPolicy.objects.exists()


def test_removing_a_policy_is_recorded_and_the_default_applies_again(w):
    policy = RetentionPolicy.objects.create(organisation=w.a, kind="requests", days=100, updated_by=w.user("do_a"))
    client = w.client("do_a")
    url = reverse("portal:retention_policy_remove", args=[policy.pk])
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and "Enter why the policy is being removed" in empty.content.decode()
    assert client.post(url, {"reason": "Back to the protocol"}).status_code == 302
    assert not RetentionPolicy.objects.filter(pk=policy.pk).exists()
    assert last_decision("retention.policy_removed").reasons == "Back to the protocol"
    assert "Requests and decisions Any marking 2190 Protocol default (2020)" in text(client.get(POLICIES))


def test_a_designated_officer_cannot_reach_another_organisations_policies(w):
    policy = RetentionPolicy.objects.create(organisation=w.b, kind="requests", days=100, updated_by=w.user("do_b"))
    client = w.client("do_a")
    assert client.get(reverse("portal:retention_policy_edit", args=[w.b.pk])).status_code == 404
    assert client.post(reverse("portal:retention_policy_remove", args=[policy.pk]), {"reason": "x"}).status_code == 404
    assert RetentionPolicy.objects.filter(pk=policy.pk).exists()
    # The organisation chooser is the admin's: a designated officer's page stays on their own.
    assert "Policies of Stockport Council" in text(client.get(POLICIES, {"organisation": w.b.pk}))


def test_a_partnership_admin_chooses_the_organisation_and_edits_its_policies(w):
    client = w.client("admin")
    page = text(client.get(POLICIES))
    assert "Organisation" in page and "Policies of" not in page
    assert "Policies of Greater Manchester Police" in text(client.get(POLICIES, {"organisation": w.b.pk}))
    response = client.post(
        reverse("portal:retention_policy_edit", args=[w.b.pk]),
        {"kind": "meeting_papers", "marking_code": "", "days": "30", "reason": "Partnership board"},
    )
    assert response.status_code == 302 and response.url == f"{POLICIES}?organisation={w.b.pk}"
    entry = last_decision("retention.policy_changed")
    assert entry.organisation_id == w.other.pk and entry.recipient_name == "Greater Manchester Police"


@pytest.mark.parametrize("who", ["officer_a", "auditor", "chair"])
def test_policies_holds_and_runs_are_for_designated_officers_and_admins_only(w, who):
    client = w.client(who)
    for name in (
        "portal:retention_policies",
        "portal:retention_holds",
        "portal:retention_hold_new",
        "portal:retention_runs",
    ):
        assert client.get(reverse(name)).status_code == 403, name


# ---------------------------------------------------------------------------------------------
# Legal holds
# ---------------------------------------------------------------------------------------------

HOLDS = reverse("portal:retention_holds")


def test_placing_a_hold_on_a_request_is_recorded_and_listed(w):
    make_copy(w.a, reference="DR-2026-0081")
    client = w.client("do_a")
    response = client.post(reverse("portal:retention_hold_new"), {"request_reference": " dr-2026-0081 "})
    assert response.status_code == 302 and response.url == reverse(
        "portal:retention_hold_new_scope", args=["DR-2026-0081"]
    )
    review = (timezone.localdate() + datetime.timedelta(days=90)).strftime("%d/%m/%Y")
    response = client.post(
        response.url,
        {"scope": "request", "reason_kind": "complaint", "reason": "Complaint C-19", "review_date": review},
    )
    assert response.status_code == 302 and response.url == HOLDS
    hold = LegalHold.objects.get()
    assert hold.request_reference == "DR-2026-0081" and hold.subject is None and hold.organisation == w.a
    entry = last_decision("retention.hold_placed")
    assert entry.reference == "DR-2026-0081" and entry.reasons == "Complaint: Complaint C-19"
    page = text(client.get(HOLDS))
    assert "1 active hold" in page and "Everything about request DR-2026-0081" in page and "Complaint C-19" in page


def test_a_hold_on_one_subject_shows_their_name_once_and_logs_that_look(w):
    subject = DataSubject.objects.create(holder=w.a, full_name="Jordan Example")
    make_copy(w.a, reference="DR-2026-0091", subject_ids=[subject.pk])
    client = w.client("do_a")
    url = reverse("portal:retention_hold_new_scope", args=["DR-2026-0091"])
    assert "Everything about Jordan Example" in text(client.get(url))
    logged = AccessLogEntry.objects.get(object_type="data_subject")
    assert logged.user == w.user("do_a") and logged.reference == "DR-2026-0091" and logged.kind == "view"
    review = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    response = client.post(
        url,
        {"scope": f"subject-{subject.pk}", "reason_kind": "subject_access", "reason": "SAR 7", "review_date": review},
    )
    assert response.status_code == 302
    assert LegalHold.objects.get().subject == subject
    page = text(client.get(HOLDS))
    assert "Everything about one person" in page and "Jordan Example" not in page


def test_a_reference_your_organisation_does_not_hold_is_refused_with_what_was_typed(w):
    make_copy(w.b, reference="DR-2026-0101")
    client = w.client("do_a")
    response = client.post(reverse("portal:retention_hold_new"), {"request_reference": "DR-2026-0101"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your organisation holds nothing under this reference" in html and 'value="DR-2026-0101"' in html
    assert client.get(reverse("portal:retention_hold_new_scope", args=["DR-2026-0101"])).status_code == 404
    # A partnership admin may hold anything anyone holds.
    admin = w.client("admin")
    assert admin.post(reverse("portal:retention_hold_new"), {"request_reference": "DR-2026-0101"}).status_code == 302


def test_a_bad_hold_comes_back_with_what_was_typed(w):
    make_copy(w.a, reference="DR-2026-0111")
    response = w.client("do_a").post(
        reverse("portal:retention_hold_new_scope", args=["DR-2026-0111"]),
        {"scope": "request", "reason_kind": "litigation", "reason": "Claim 42", "review_date": "1/1/2000"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The review date must be in the future" in html
    assert 'value="1/1/2000"' in html and "Claim 42</textarea>" in html
    assert re.search(r'value="litigation" checked', html)
    assert not LegalHold.objects.exists()


def test_lifting_a_hold_is_recorded_and_moves_it_to_lifted(w):
    make_copy(w.a, reference="DR-2026-0121")
    hold = services.legal_hold_place(
        request_reference="DR-2026-0121",
        reason_kind="investigation",
        reason="Op Y",
        review_date=timezone.localdate() + datetime.timedelta(days=10),
        acting_user=w.user("do_a"),
        acting_membership=w.m["do_a"],
    )
    client = w.client("do_a")
    url = reverse("portal:retention_hold_lift", args=[hold.pk])
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200 and "Enter why the hold is lifted" in empty.content.decode()
    assert client.post(url, {"reason": "Investigation closed"}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == w.user("do_a") and hold.lift_reason == "Investigation closed"
    assert last_decision("retention.hold_lifted").reasons == "Investigation closed"
    assert "There are no active legal holds" in text(client.get(HOLDS))
    lifted = text(client.get(HOLDS, {"show": "lifted"}))
    assert "1 lifted hold" in lifted and "Investigation closed" in lifted
    again = client.get(url)
    assert again.status_code == 302 and "already been lifted" in text(client.get(again.url))


def test_another_organisations_hold_is_not_found_but_the_admin_sees_and_lifts_every_hold(w):
    make_copy(w.b, reference="DR-2026-0131")
    hold = services.legal_hold_place(
        request_reference="DR-2026-0131",
        reason_kind="complaint",
        reason="Complaint about B",
        review_date=timezone.localdate() + datetime.timedelta(days=10),
        acting_user=w.user("do_b"),
        acting_membership=w.m["do_b"],
    )
    assert w.client("do_a").get(reverse("portal:retention_hold_lift", args=[hold.pk])).status_code == 404
    assert "Complaint about B" not in text(w.client("do_a").get(HOLDS))
    admin = w.client("admin")
    page = text(admin.get(HOLDS))
    assert "Complaint about B" in page and "Greater Manchester Police" in page
    assert admin.post(reverse("portal:retention_hold_lift", args=[hold.pk]), {"reason": "Resolved"}).status_code == 302


# ---------------------------------------------------------------------------------------------
# Destruction runs and the certificate
# ---------------------------------------------------------------------------------------------

RUNS = reverse("portal:retention_runs")


def test_a_designated_officer_sees_the_runs_that_destroyed_their_copies_with_their_count(w):
    mine = [make_copy(w.a, reference=f"DR-2026-02{i:02d}") for i in range(3)]
    theirs = make_copy(w.b, reference="DR-2026-0299")
    run = destroy(*mine, theirs)
    only_b = destroy(make_copy(w.b, reference="DR-2026-0298"))
    client = w.client("do_a")
    page = text(client.get(RUNS))
    assert f"Run {run.pk}" in page and f"Run {only_b.pk}" not in page
    assert "1 run" in page and " 3 " in f" {page} "
    run_page = text(client.get(reverse("portal:retention_run", args=[run.pk])))
    assert "DR-2026-0200" in run_page and "DR-2026-0299" not in run_page
    assert "Destruction certificate for Stockport Council (PDF)" in run_page
    assert client.get(reverse("portal:retention_run", args=[only_b.pk])).status_code == 404
    assert client.get(reverse("portal:retention_certificate", args=[only_b.pk])).status_code == 404


def test_the_admin_sees_every_run_and_each_organisations_certificate(w):
    run = destroy(make_copy(w.a, reference="DR-2026-0301"), make_copy(w.b, reference="DR-2026-0302"))
    admin = w.client("admin")
    assert f"Run {run.pk}" in text(admin.get(RUNS))
    page = text(admin.get(reverse("portal:retention_run", args=[run.pk])))
    assert "DR-2026-0301" in page and "DR-2026-0302" in page
    assert (
        "Destruction certificate for Stockport Council" in page
        and "Destruction certificate for Greater Manchester Police" in page
    )
    url = reverse("portal:retention_certificate", args=[run.pk])
    no_org = admin.get(url)
    assert no_org.status_code == 302 and no_org.url == reverse("portal:retention_run", args=[run.pk])
    response = admin.get(url, {"organisation": w.b.pk})
    assert response.status_code == 200
    body = pdf_text(response.content)
    assert "DR-2026-0302" in body and "DR-2026-0301" not in body


def test_the_certificate_lists_the_rows_and_is_marked_with_their_highest_marking(w):
    copies = [
        make_copy(w.a, reference="DR-2026-0401", marking=w.protect),
        make_copy(w.a, reference="DR-2026-0402", marking=w.restricted, kind=RetentionRecordKind.CONSENT_RECORDS),
        make_copy(w.a, reference="DR-2026-0403"),
    ]
    run = destroy(*copies)
    response = w.client("do_a").get(reverse("portal:retention_certificate", args=[run.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    body = pdf_text(response.content)
    assert body.count("RESTRICTED") >= 2  # top and bottom of the page
    assert "Destruction certificate" in body and re.search(rf"Destruction run\s+{run.pk} \(command line\)", body)
    assert re.search(r"Organisation\s+Stockport Council", body)
    assert re.search(r"Records destroyed\s+3 \(released data: 2; consent records: 1\)", body)
    assert re.search(r"DR-2026-0402\s+Consent records\s+Restricted\s+Protocol default", body)
    for reference in ("DR-2026-0401", "DR-2026-0402", "DR-2026-0403"):
        assert reference in body
    assert "Total: 3 records destroyed" in body
    assert "Downloaded by Dana Officer, Stockport Council" in body
    logged = AccessLogEntry.objects.get(object_type="destruction_certificate")
    assert logged.kind == "download" and logged.user == w.user("do_a")


def test_a_certificate_without_marked_rows_carries_the_packs_lowest_level(w):
    run = destroy(make_copy(w.a, reference="DR-2026-0501"))
    body = pdf_text(w.client("do_a").get(reverse("portal:retention_certificate", args=[run.pk])).content)
    assert "PROTECT" in body and "RESTRICTED" not in body


def test_a_long_certificate_comes_in_parts(w, monkeypatch):
    monkeypatch.setattr(retention_views, "CERTIFICATE_ROWS", 2)
    run = destroy(*[make_copy(w.a, reference=f"DR-2026-06{i:02d}") for i in range(3)])
    client = w.client("do_a")
    page = text(client.get(reverse("portal:retention_run", args=[run.pk])))
    assert "3 records in 2 parts" in page and "part 2 of 2" in page
    url = reverse("portal:retention_certificate", args=[run.pk])
    first = pdf_text(client.get(url, {"part": "1"}).content)
    second = pdf_text(client.get(url, {"part": "2"}).content)
    assert "part 1 of 2" in first and "DR-2026-0600" in first and "DR-2026-0602" not in first
    assert "part 2 of 2" in second and "DR-2026-0602" in second and "records 3 to 3 of 3" in second
    assert client.get(url, {"part": "3"}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Navigation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, target",
    [("officer_a", DUE), ("do_a", DUE), ("admin", POLICIES), ("auditor", None), ("chair", None)],
)
def test_the_retention_item_in_the_navigation(w, who, target):
    html = w.client(who).get(reverse("portal:home")).content.decode()
    nav = html[html.index('id="navigation"') : html.index("</nav>", html.index('id="navigation"'))]
    if target is None:
        assert "Retention" not in nav
    else:
        assert f'href="{target}">Retention</a>' in nav


def test_the_list_pages_queries_do_not_grow_with_their_rows(w, django_assert_max_num_queries):
    copies = [make_copy(w.a, reference=f"DR-2026-08{i:02d}", marking=w.protect) for i in range(30)]
    runs = [destroy(copy) for copy in copies[:20]]
    for copy in copies[20:]:
        services.legal_hold_place(
            request_reference=copy.reference,
            reason_kind="complaint",
            reason="Complaint",
            review_date=timezone.localdate() + datetime.timedelta(days=10),
            acting_user=w.user("do_a"),
            acting_membership=w.m["do_a"],
        )
    big_run = destroy(*[make_copy(w.a, reference=f"DR-2026-09{i:02d}") for i in range(60)])
    for who in ("do_a", "admin"):
        client = w.client(who)
        for url in (HOLDS, RUNS, reverse("portal:retention_run", args=[big_run.pk]), POLICIES):
            with django_assert_max_num_queries(16):
                response = client.get(url)
            assert response.status_code == 200, url
    assert f"Run {runs[0].pk}" in text(w.client("do_a").get(RUNS))
