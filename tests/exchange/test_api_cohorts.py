"""Cohort workspaces through the partner API (issue 14): a system its coordinator made a member
lists its cohorts, reads the people and entries (marked, access-logged), and keeps its own
organisation's entries through the page's service, with idempotency keys and cursors; a system
that is not a member, or has been removed, sees nothing."""
from __future__ import annotations

import pytest

from exchange import services as exchange
from exchange.models import CohortEntry, CohortEntryChange, IdempotencyRecord
from portal.models import AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_world(world):
    w = world
    w.cohort = exchange.cohort_create(
        membership=w.officer_a, partnership=w.partnership, forum=w.pack.forums.order_by("order").first(),
        title="IOM cohort", marking=w.pack.marking_levels.get(code="restricted"), acting_user=w.officer_a.user,
    )
    w.system_b = exchange.cohort_member_add(
        cohort=w.cohort, member_membership=w.client_b.client.membership, acting_user=w.officer_a.user,
        acting_membership=w.officer_a,
    )
    w.people = [
        exchange.cohort_person_add(cohort=w.cohort, full_name=f"Person {n}", date_of_birth=None,
                                   acting_user=w.officer_a.user, acting_membership=w.officer_a)
        for n in range(3)
    ]
    exchange.cohort_entry_save(person=w.people[0], kind="risk", text="Police risk entry", acting_user=w.officer_a.user,
                               acting_membership=w.officer_a)
    w.entries_path = f"/api/v1/cohorts/{w.cohort.pk}/people/{w.people[0].pk}/entries"
    return w


def test_a_member_system_lists_and_reads_its_cohorts_marked_and_access_logged(cohort_world):
    w = cohort_world
    listing = w.call(w.client_b.key, "get", "/api/v1/cohorts")
    assert listing.status_code == 200 and "no-store" in listing["Cache-Control"]
    assert [c["title"] for c in listing.json()["items"]] == ["IOM cohort"]
    first = w.call(w.client_b.key, "get", f"/api/v1/cohorts/{w.cohort.pk}/people?limit=2").json()
    assert first["handling"]["marking"] == "Restricted" and first["handling"]["conditions"]
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = w.call(w.client_b.key, "get", f"/api/v1/cohorts/{w.cohort.pk}/people?limit=2&cursor={first['next_cursor']}")
    names = [p["full_name"] for p in first["items"] + rest.json()["items"]]
    assert sorted(names) == ["Person 0", "Person 1", "Person 2"] and rest.json()["next_cursor"] is None
    person0 = next(p for p in first["items"] + rest.json()["items"] if p["full_name"] == "Person 0")
    assert person0["entries"][0]["text"] == "Police risk entry"
    assert AccessLogEntry.objects.filter(user=w.client_b.client.account, object_type="cohort",
                                         reference=w.cohort.reference).exists()


def test_a_system_keeps_only_its_organisations_entries_with_history_and_idempotency(cohort_world):
    w = cohort_world
    headers = {"Idempotency-Key": "case-sys-1"}
    saved = w.call(w.client_b.key, "post", w.entries_path, json={"kind": "risk", "text": "Council risk"}, headers=headers)
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["organisation"] == w.b.name and body["handling"]["marking"] == "Restricted"
    again = w.call(w.client_b.key, "post", w.entries_path, json={"kind": "risk", "text": "Council risk"}, headers=headers)
    assert again.status_code == 200 and again.json()["text"] == "Council risk"
    entries = CohortEntry.objects.filter(person=w.people[0])
    assert {(e.organisation_id, e.text) for e in entries} == {(w.a.pk, "Police risk entry"), (w.b.pk, "Council risk")}
    assert CohortEntryChange.objects.filter(entry__organisation=w.b).count() == 1  # the replay changed nothing
    assert "Council risk" not in str(IdempotencyRecord.objects.get(key="case-sys-1").body)  # no personal data kept
    other = w.call(w.client_b.key, "post", w.entries_path, json={"kind": "risk", "text": "Something else"},
                   headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "refused"
    updated = w.call(w.client_b.key, "post", w.entries_path, json={"kind": "risk", "text": "Council risk, revised"})
    assert updated.status_code == 200
    assert CohortEntryChange.objects.filter(entry__organisation=w.b).count() == 2
    assert CohortEntry.objects.get(person=w.people[0], organisation=w.a).text == "Police risk entry"
    bad = w.call(w.client_b.key, "post", w.entries_path, json={"kind": "gossip", "text": "x"})
    assert bad.status_code == 422 and "kind" in bad.json()["error"]["fields"]


def test_a_system_outside_the_cohort_or_removed_from_it_sees_nothing(cohort_world):
    w = cohort_world
    people = f"/api/v1/cohorts/{w.cohort.pk}/people"
    assert w.call(w.client_c.key, "get", "/api/v1/cohorts").json()["items"] == []
    assert w.call(w.client_c.key, "get", people).status_code == 404
    assert w.call(w.client_c.key, "post", w.entries_path, json={"kind": "risk", "text": "x"}).status_code == 404
    # A's own system is not a member either, though A coordinates the cohort: need-to-know.
    assert w.call(w.client_a.key, "get", people).status_code == 404
    exchange.cohort_member_end(cohort=w.cohort, member=w.system_b, acting_user=w.officer_a.user,
                               acting_membership=w.officer_a)
    assert w.call(w.client_b.key, "get", people).status_code == 404
    assert w.call(w.client_b.key, "get", "/api/v1/cohorts").json()["items"] == []


def test_a_person_who_left_the_programme_is_gone_from_the_api(cohort_world):
    w = cohort_world
    exchange.cohort_person_leave(person=w.people[0], reason="Completed the programme", acting_user=w.officer_a.user,
                                 acting_membership=w.officer_a)
    names = [p["full_name"] for p in w.call(w.client_b.key, "get", f"/api/v1/cohorts/{w.cohort.pk}/people").json()["items"]]
    assert "Person 0" not in names
    assert w.call(w.client_b.key, "post", w.entries_path, json={"kind": "risk", "text": "x"}).status_code == 404
