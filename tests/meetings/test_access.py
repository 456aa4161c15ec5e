"""Need-to-know on every meetings URL: a meeting is seen by its chair and its invited attendees
only (404 for everyone else, alike for "missing" and "not yours"); the chair's pages are 403 for
attendees (they can see the meeting, not run it); papers and minutes are 404 for those who may
not read them now. These are the outcomes the authorization matrix records."""

from __future__ import annotations

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from meetings import services
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.meetings.factories import invite, invite_guest, sign_in, start, upload
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "sign-in"
SIGNED_OUT = ("anonymous", "password_only")
VISITORS = (
    *SIGNED_OUT,
    "no_membership",
    "signed",
    "unsigned",
    "other_chair",
    "officer",
    "designated",
    "auditor",
    "admin",
    "chair",  # last: their POSTs change things
)

# visitor -> outcome, for each URL: (name, method, expected for chair, for signed attendee, for
# invited-not-signed attendee, for everyone else who is signed in)
MEETING_PAGE = dict(chair=200, signed=200, unsigned=200, others=404)
CHAIR_PAGE = dict(chair=200, signed=403, unsigned=403, others=404)
CHAIR_POST_REDIRECT = dict(chair=302, signed=403, unsigned=403, others=404)
CHAIR_POST_FORM = dict(chair=200, signed=403, unsigned=403, others=404)
READ_WHEN_SIGNED = dict(chair=200, signed=200, unsigned=404, others=404)

CASES = {
    "detail": ("get", MEETING_PAGE),
    "marking": ("get", dict(CHAIR_PAGE, chair=302)),  # in session: the level can no longer change
    "edit": ("get", dict(CHAIR_PAGE, chair=302)),  # in session: the details can no longer change
    "attendees": ("get", CHAIR_PAGE),
    "invite_member": ("post", CHAIR_POST_REDIRECT),
    "attendee_remove": ("post", CHAIR_POST_REDIRECT),
    "sign_in": ("get", MEETING_PAGE),
    "signing_in": ("get", CHAIR_PAGE),
    "sign_in_guest": ("post", CHAIR_POST_FORM),
    "start": ("post", CHAIR_POST_FORM),
    "signing_sheet": ("get", CHAIR_PAGE),
    "agenda_add": ("get", CHAIR_PAGE),
    "case": ("get", MEETING_PAGE),
    "summary": ("get", CHAIR_PAGE),
    "action_add": ("get", CHAIR_PAGE),
    "action_done": ("post", CHAIR_POST_REDIRECT),
    "minutes": ("get", READ_WHEN_SIGNED),
    "minutes_pdf": ("get", READ_WHEN_SIGNED),
    "papers": ("get", CHAIR_PAGE),
    "paper_download": ("get", READ_WHEN_SIGNED),
    "close": ("get", CHAIR_PAGE),
}
POST_ONLY = {"invite_member", "attendee_remove", "sign_in_guest", "start", "action_done"}


@pytest.fixture
def scene(world, django_capture_on_commit_callbacks):
    """A meeting in session: officer_a signed in, officer_b invited but not signed in, a guest,
    a case (with an action), a paper."""
    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    from django.utils import timezone

    action = services.meeting_action_add(
        meeting=meeting,
        item_id=item.pk,
        text="Visit",
        owner_organisation=world.a,
        due_on=timezone.localdate(),
        acting_user=chair.user,
        acting_membership=chair,
    )
    paper = upload(meeting, chair)
    invite(meeting, chair, world.m.officer_a)
    invite(meeting, chair, world.m.officer_b)
    guest = invite_guest(meeting, chair)
    sign_in(meeting, world.m.officer_a)
    start(meeting, chair)
    world.kwargs = {
        "detail": {},
        "marking": {},
        "edit": {},
        "attendees": {},
        "invite_member": {},
        "sign_in": {},
        "signing_in": {},
        "sign_in_guest": {},
        "start": {},
        "signing_sheet": {},
        "agenda_add": {},
        "minutes": {},
        "minutes_pdf": {},
        "papers": {},
        "close": {},
        "attendee_remove": {"attendee_pk": guest.pk},
        "case": {"item_pk": item.pk},
        "summary": {"item_pk": item.pk},
        "action_add": {"item_pk": item.pk},
        "action_done": {"action_pk": action.pk},
        "paper_download": {"paper_pk": paper.pk},
    }
    return world


def client_for(world, visitor: str) -> Client:
    names = {
        "signed": "officer_a",
        "unsigned": "officer_b",
        "other_chair": "other_chair",
        "officer": "officer_c",
        "designated": "do_b",
        "auditor": "auditor",
        "admin": "admin",
        "chair": "chair",
    }
    if visitor == "anonymous":
        return Client()
    if visitor == "password_only":
        return password_only_client()
    if visitor == "no_membership":
        return sign_in_fully(Client(), UserFactory())
    return world.client_for(names[visitor])


def password_only_client() -> Client:
    """Passed the password step, not the second factor."""
    membership = MembershipFactory(role=Role.CHAIR)
    TOTPDeviceFactory(user=membership.user)
    client = Client()
    response = client.post("/sign-in/", {"username": membership.user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def expected(outcomes: dict, visitor: str):
    if visitor in SIGNED_OUT:
        return SIGN_IN
    return outcomes.get(visitor, outcomes["others"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_need_to_know_on_every_meeting_url(scene, name):
    from django.urls import reverse

    method, outcomes = CASES[name]
    path = reverse(f"meetings:{name}", kwargs={"pk": scene.meeting.pk, **scene.kwargs[name]})
    problems = []
    for visitor in VISITORS:  # the chair last: their POSTs change things
        response = getattr(client_for(scene, visitor), method)(path, {})
        got = response.status_code
        if got == 302 and "/sign-in/" in response["Location"]:
            got = SIGN_IN
        want = expected(outcomes, visitor)
        if got != want:
            problems.append(f"{visitor}: got {got}, expected {want}")
        if name in POST_ONLY and visitor not in SIGNED_OUT:
            assert client_for(scene, visitor).get(path).status_code == 405
    assert not problems, f"{name}: " + "; ".join(problems)


def test_a_missing_meeting_is_the_same_404_as_someone_elses(scene):
    client = scene.client_for("other_chair")
    missing = client.get("/meetings/999999/")
    theirs = client.get(f"/meetings/{scene.meeting.pk}/")
    assert missing.status_code == theirs.status_code == 404
    assert missing.templates[0].name == theirs.templates[0].name == "404.html"


def test_a_case_or_paper_of_another_meeting_is_not_found(scene):
    from tests.meetings.factories import meeting_make

    chair = scene.m.chair
    other = meeting_make(chair, title="Other")
    client = scene.client_for("chair")
    assert client.get(f"/meetings/{other.pk}/agenda/{scene.kwargs['case']['item_pk']}/").status_code == 404
    assert client.get(f"/meetings/{other.pk}/papers/{scene.kwargs['paper_download']['paper_pk']}/").status_code == 404


@pytest.mark.parametrize("name", ["list", "create"])
def test_the_pages_not_about_one_meeting(world, name):
    path = f"/meetings/{'new/' if name == 'create' else ''}"
    for visitor in SIGNED_OUT:
        response = client_for(world, visitor).get(path)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], visitor
    assert client_for(world, "no_membership").get(path).status_code == (200 if name == "list" else 403)
    for visitor, want in (
        ("chair", 200),
        ("other_chair", 200),
        ("officer_a", 200 if name == "list" else 403),
        ("do_b", 200 if name == "list" else 403),
        ("auditor", 200 if name == "list" else 403),
        ("admin", 200 if name == "list" else 403),
    ):
        assert world.client_for(visitor).get(path).status_code == want, visitor


def test_every_meetings_url_is_in_this_matrix():
    from tests.authz import all_url_names

    names = {name.split(":", 1)[1] for name in all_url_names() if name.startswith("meetings:")}
    assert names == set(CASES) | {"list", "create"}


def test_no_page_has_inline_style_or_unnonced_script(scene):
    """The CSP forbids inline style and script: the meetings pages use none."""
    import re

    from django.urls import reverse

    client = scene.client_for("chair")
    for name, (method, _) in CASES.items():
        if method != "get" or name in ("signing_sheet", "paper_download", "marking", "edit", "minutes_pdf"):
            continue
        path = reverse(f"meetings:{name}", kwargs={"pk": scene.meeting.pk, **scene.kwargs[name]})
        html = client.get(path).content.decode()
        assert not re.search(r"<style\b|\sstyle=|\sonclick=", html), name
        for attrs in re.findall(r"<script\b([^>]*)>", html):
            assert "nonce=" in attrs or "src=" in attrs, name
