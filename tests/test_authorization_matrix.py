"""Every URL × every kind of visitor, with the expected outcome kept as data.

A new URL pattern that is not in MATRIX fails `test_every_url_is_in_the_matrix`: add it here with
what each role should get. Visitors: anonymous; password_only (passed the password step, not the
code); no_membership (both factors, but no active membership); and one fully signed-in user for
each role (DOMAIN.md §3), each in their own organisation.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.models import DecisionLogEntry
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.authz import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    REDIRECT,
    SIGN_IN,
    VISITORS,
    Entry,
    all_url_names,
)
from tests.conftest import sign_in_fully
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

PUBLIC = {"anonymous": OK, "password_only": OK}
ADMIN_ONLY = dict(default=FORBIDDEN, expect={"admin": OK, "no_membership": FORBIDDEN})

REVIEWERS = {"officer": OK, "designated_officer": OK}
COPY_REVIEWER = {"officer": NOT_FOUND, "designated_officer": OK}
KEEPERS = {"designated_officer": OK, "admin": OK}


def retention_world(w):
    """Made on first use: a live copy, a destroyed one (so a run), a policy and a legal hold, all
    the designated officer's organisation's."""
    if not hasattr(w, "retention"):
        from portal.models import RetentionPolicy
        from portal.retention import services as retention
        from tests.portal.test_retention_views import destroy, make_copy

        do = w.designated_officer
        copy = make_copy(do.organisation, reference="DR-2026-0001")
        run = destroy(make_copy(do.organisation, reference="DR-2026-0002"))
        policy = RetentionPolicy.objects.create(organisation=do.organisation, kind="requests", days=100, updated_by=do.user)
        hold = retention.legal_hold_place(
            request_reference=copy.request_reference, reason_kind="complaint", reason="Complaint",
            review_date=copy.review_date, acting_user=do.user, acting_membership=do,
        )
        w.retention = SimpleNamespace(copy=copy, run=run, policy=policy, hold=hold)
    return w.retention


def sso_world(w):
    """Made on first use: an identity provider configured by the admin's partnership, for an
    organisation of its own, and an access request waiting for approval."""
    if not hasattr(w, "sso"):
        from portal.models import SsoAccessRequest
        from portal.services.identity_providers import identity_provider_configure

        organisation = OrganisationFactory(partnerships=[w.admin.partnership])
        provider = identity_provider_configure(
            organisation=organisation, partnership=w.admin.partnership, issuer="https://login.example.com/t/v2.0",
            client_id="portal", client_secret="secret", allowed_domains="sso-matrix.example", acting_user=w.admin.user,
        )
        pending = SsoAccessRequest.objects.create(provider=provider, subject="s1", email="jo@sso-matrix.example")
        w.sso = SimpleNamespace(provider=provider, pending=pending)
    return w.sso


MATRIX: dict[str, Entry] = {
    # Sign-in pages are public; a fully signed-in visitor is sent home.
    "portal:sign_in": Entry(REDIRECT, PUBLIC),
    # The code and enrolment steps send anyone without a pending sign-in back to the start.
    "portal:sign_in_code": Entry(SIGN_IN, {"password_only": OK}),
    "portal:enrol": Entry(SIGN_IN),
    "portal:enrol_qr": Entry(NOT_FOUND),  # only during enrolment
    # "Sign in with your organisation": an empty address gets the sign-in page back with the error;
    # the provider's return without a sign-in in progress goes back to the start.
    "portal:sign_in_organisation": Entry(OK, PUBLIC, method="post"),
    "portal:sign_in_organisation_callback": Entry(SIGN_IN),
    "portal:sign_out": Entry(NOT_ALLOWED, {"anonymous": NOT_ALLOWED, "password_only": NOT_ALLOWED}),
    "portal:healthz": Entry(OK, PUBLIC),
    # Help, the privacy notice and the accessibility statement are for anyone, signed in or not
    # (someone locked out must find the contact); an unknown role's help page is not found.
    "portal:help": Entry(OK, PUBLIC),
    "portal:help_role": Entry(OK, PUBLIC, kwargs=lambda w: {"role": "designated-officer"}),
    "portal:privacy": Entry(OK, PUBLIC),
    "portal:accessibility": Entry(OK, PUBLIC),
    "portal:home": Entry(OK),
    # Everyone fully signed in, whatever their role (or none), changes their own password.
    "portal:account_password": Entry(OK),
    "portal:account_sessions": Entry(OK),
    # Only one's own sessions: anyone else's (or none) is not found.
    "portal:account_session_end": Entry(NOT_FOUND, method="post", kwargs=lambda w: {"pk": 2**31}),
    "portal:switch_membership": Entry(BAD_REQUEST, method="post", data=lambda w: {"membership": "0"}),
    # Every fully signed-in user may read the protocol in force and its earlier versions.
    "portal:protocol": Entry(OK),
    "portal:protocol_versions": Entry(OK),
    # Two partnerships are loaded (the partnership axis below): someone in neither is sent to
    # choose which protocol to read.
    "portal:protocol_section": Entry(OK, {"no_membership": REDIRECT}, kwargs=lambda w: {"section": "checklist"}),
    "portal:protocol_version": Entry(OK, kwargs=lambda w: {"pack_slug": w.pack.slug, "version": w.pack.version}),
    "portal:protocol_version_section": Entry(
        OK, kwargs=lambda w: {"pack_slug": w.pack.slug, "version": w.pack.version, "section": "flowchart"}
    ),
    # Auditors read the logs across the partnership; nobody else does.
    "portal:audit_decisions": Entry(FORBIDDEN, {"auditor": OK}),
    "portal:audit_decision": Entry(FORBIDDEN, {"auditor": OK}, kwargs=lambda w: {"pk": w.log_entry.pk}),
    "portal:audit_decisions_csv": Entry(FORBIDDEN, {"auditor": OK}),
    "portal:audit_decisions_pdf": Entry(FORBIDDEN, {"auditor": OK}),
    "portal:audit_verify": Entry(FORBIDDEN, {"auditor": OK}),
    "portal:audit_access": Entry(FORBIDDEN, {"auditor": OK}),
    "portal:admin_home": Entry(**ADMIN_ONLY),
    "portal:admin_organisations": Entry(**ADMIN_ONLY),
    "portal:admin_organisation_create": Entry(**ADMIN_ONLY),
    "portal:admin_partnership_join": Entry(**ADMIN_ONLY),
    "portal:admin_organisation_edit": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.organisation_id}),
    "portal:admin_organisation_suspend_sharing": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.organisation_id}),
    "portal:admin_organisation_resume_sharing": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": w.officer.organisation_id}, method="post"
    ),
    "portal:admin_users": Entry(**ADMIN_ONLY),
    "portal:admin_user_create": Entry(**ADMIN_ONLY),
    "portal:admin_user_detail": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.user_id}),
    "portal:admin_user_edit": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.user_id}),
    # Deactivating the officer happens last for each visitor; only the admin's request succeeds.
    "portal:admin_user_deactivate": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": w.officer.user_id}, method="post"
    ),
    # The officer is active already: the admin gets the page back with that error.
    "portal:admin_user_reactivate": Entry(FORBIDDEN, {"admin": OK}, kwargs=lambda w: {"pk": w.officer.user_id}, method="post"),
    "portal:admin_user_password": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.user_id}),
    "portal:admin_user_reset_second_factor": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": w.officer.user_id}),
    # An empty form: the admin gets the page back with errors.
    "portal:admin_membership_add": Entry(FORBIDDEN, {"admin": OK}, kwargs=lambda w: {"pk": w.officer.user_id}, method="post"),
    "portal:admin_membership_end": Entry(FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": w.chair.pk}, method="post"),
    # Single sign-on (portal/views/identity_providers.py): the admin's partnership's providers and
    # access requests; an empty approval goes back to the list with its error.
    "portal:admin_identity_providers": Entry(**ADMIN_ONLY),
    "portal:admin_identity_provider_create": Entry(**ADMIN_ONLY),
    "portal:admin_identity_provider_edit": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": sso_world(w).provider.pk}),
    "portal:admin_sso_access_requests": Entry(**ADMIN_ONLY),
    "portal:admin_sso_access_request_approve": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": sso_world(w).pending.pk}, method="post"
    ),
    "portal:admin_sso_access_request_refuse": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": sso_world(w).pending.pk}, method="post"
    ),
    "portal:admin_locked_accounts": Entry(**ADMIN_ONLY),
    "portal:admin_account_unlock": Entry(
        FORBIDDEN, {"admin": REDIRECT}, method="post", data=lambda w: {"username": "nobody"}
    ),
    # Retention (portal/views/retention.py). The copy, hold, policy and run are the designated
    # officer's organisation's: its officer is another organisation's, so gets 404 for the copy.
    # Officers and designated officers review copies; designated officers and admins keep
    # policies, holds and runs; chairs and auditors have none of it.
    "portal:retention_due": Entry(FORBIDDEN, REVIEWERS),
    "portal:retention_copy": Entry(FORBIDDEN, COPY_REVIEWER, kwargs=lambda w: {"pk": retention_world(w).copy.pk}),
    # An empty form: the designated officer gets the page back with errors.
    "portal:retention_extend": Entry(
        FORBIDDEN, COPY_REVIEWER, kwargs=lambda w: {"pk": retention_world(w).copy.pk}, method="post"
    ),
    "portal:retention_confirm": Entry(
        FORBIDDEN, {**COPY_REVIEWER, "designated_officer": REDIRECT}, kwargs=lambda w: {"pk": retention_world(w).copy.pk}, method="post"
    ),
    "portal:retention_policies": Entry(FORBIDDEN, KEEPERS),
    "portal:retention_policy_edit": Entry(FORBIDDEN, KEEPERS, kwargs=lambda w: {"org_pk": w.designated_officer.organisation_id}),
    "portal:retention_policy_remove": Entry(FORBIDDEN, KEEPERS, kwargs=lambda w: {"policy_pk": retention_world(w).policy.pk}),
    "portal:retention_holds": Entry(FORBIDDEN, KEEPERS),
    "portal:retention_hold_new": Entry(FORBIDDEN, KEEPERS),
    "portal:retention_hold_new_scope": Entry(FORBIDDEN, KEEPERS, kwargs=lambda w: {"reference": retention_world(w).copy.request_reference}),
    "portal:retention_hold_lift": Entry(FORBIDDEN, KEEPERS, kwargs=lambda w: {"pk": retention_world(w).hold.pk}),
    "portal:retention_runs": Entry(FORBIDDEN, KEEPERS),
    "portal:retention_run": Entry(FORBIDDEN, KEEPERS, kwargs=lambda w: {"pk": retention_world(w).run.pk}),
    # Without ?organisation= the admin is sent to the run page to choose one.
    "portal:retention_certificate": Entry(
        FORBIDDEN, {"designated_officer": OK, "admin": REDIRECT}, kwargs=lambda w: {"pk": retention_world(w).run.pk}
    ),
}


@pytest.fixture
def world(db):
    """One organisation per role, and a user signed in fully for each."""
    w = SimpleNamespace(clients={})
    w.pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    w.log_entry = DecisionLogEntry.objects.order_by("-id").first()  # the pack's "protocol.loaded"
    for role in Role:
        membership = MembershipFactory(role=role, organisation=OrganisationFactory())
        w.clients[role.value] = sign_in_fully(Client(), membership.user)
        setattr(w, role.value, membership)
    w.clients["no_membership"] = sign_in_fully(Client(), UserFactory())
    w.clients["anonymous"] = Client()
    enrolled = MembershipFactory(role=Role.OFFICER)
    password_only = Client()
    from tests.portal.factories import TOTPDeviceFactory

    TOTPDeviceFactory(user=enrolled.user)
    response = password_only.post(reverse("portal:sign_in"), {"username": enrolled.user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, "the password-only visitor could not pass the password step"
    w.clients["password_only"] = password_only
    # The partnership axis (issue 16): an admin and an auditor of a second partnership, whose
    # organisation is a member of that one only.
    other = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")[0].partnership
    elsewhere = OrganisationFactory(partnerships=[other])
    for role in (Role.ADMIN, Role.AUDITOR):
        membership = MembershipFactory(role=role, organisation=elsewhere, partnership=other)
        w.clients[f"{role.value}_other"] = sign_in_fully(Client(), membership.user)
    return w


# What the other partnership's admin and auditor find of the first partnership's objects: nothing
# (404). Everywhere else they fare as the first partnership's admin and auditor do, on their own
# partnership's data.
OTHER_PARTNERSHIP_NOT_FOUND = {
    "portal:audit_decision",
    "portal:admin_organisation_edit",
    "portal:admin_organisation_suspend_sharing",
    "portal:admin_organisation_resume_sharing",
    "portal:admin_user_detail",
    "portal:admin_user_edit",
    "portal:admin_user_deactivate",
    "portal:admin_user_reactivate",
    "portal:admin_user_password",
    "portal:admin_user_reset_second_factor",
    "portal:admin_membership_add",
    "portal:admin_membership_end",
    "portal:admin_identity_provider_edit",
    "portal:admin_sso_access_request_approve",
    "portal:admin_sso_access_request_refuse",
    "portal:retention_policy_edit",
    "portal:retention_policy_remove",
    "portal:retention_hold_new_scope",
    "portal:retention_hold_lift",
    "portal:retention_run",
    "portal:retention_certificate",
}


def other_partnership_outcome(url_name: str, entry: Entry, role: str):
    same = entry.outcome_for(role)
    if url_name in OTHER_PARTNERSHIP_NOT_FOUND and same not in (FORBIDDEN, NOT_ALLOWED):
        return NOT_FOUND
    return same


# Disclosure requests and meetings have their own matrices, with the visitors each issue names
# (requester, assignee, designated officers…; chair, signed and unsigned attendees…).
COVERED_ELSEWHERE = {
    "sharing:": "tests/sharing/test_access_matrix.py",
    "meetings:": "tests/meetings/test_access.py",
    "consent:": "tests/consent/test_access_matrix.py",
}


def test_every_url_is_in_the_matrix():
    names = {n for n in all_url_names() if not n.startswith(tuple(COVERED_ELSEWHERE))}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URL patterns with no entry in the authorization matrix: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


def classify(response) -> object:
    if response.status_code in (301, 302):
        sign_in = reverse(settings.LOGIN_URL)
        return SIGN_IN if response.url.split("?")[0] == sign_in else REDIRECT
    return response.status_code


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_authorization_matrix(world, url_name):
    entry = MATRIX[url_name]
    url = reverse(url_name, kwargs=entry.kwargs(world))
    failures = []
    for visitor in VISITORS:
        client = world.clients[visitor]
        send = getattr(client, entry.method)
        response = send(url, entry.data(world)) if entry.method == "post" else send(url)
        got, expected = classify(response), entry.outcome_for(visitor)
        if got != expected:
            failures.append(f"{visitor}: expected {expected}, got {got}")
    for role in ("admin", "auditor"):
        client = world.clients[f"{role}_other"]
        send = getattr(client, entry.method)
        response = send(url, entry.data(world)) if entry.method == "post" else send(url)
        got, expected = classify(response), other_partnership_outcome(url_name, entry, role)
        if got != expected:
            failures.append(f"{role} of another partnership: expected {expected}, got {got}")
    assert not failures, f"{url_name} ({url}):\n  " + "\n  ".join(failures)
