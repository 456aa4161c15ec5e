"""The partnership admin's pages (portal/views/admin.py) and the services behind them
(portal/services/accounts.py): organisations, users, memberships, locked accounts."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.admin_urls import admin_patterns
from portal.auth.services import backup_codes_replace
from portal.models import (
    DecisionLogEntry,
    Membership,
    Organisation,
    OrganisationKind,
    PartnershipMember,
    StatutoryStanding,
    User,
    UserSession,
)
from portal.roles import Role
from portal.selectors.accounts import locked_usernames
from portal.services import accounts as services
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign_in")
NEW_PASSWORD = "a long and unusual passphrase 42"


def success_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]


def track_session(client: Client, user) -> str:
    """Record the client's session against the user, as sign_in_complete does at a real sign-in."""
    key = client.session.session_key
    UserSession.objects.get_or_create(user=user, session_key=key)
    return key


# --- the happy path ------------------------------------------------------------------------------


def test_creating_a_user_reports_every_problem_at_once(admin_client_2fa):
    UserFactory(username="taken.name")
    response = admin_client_2fa.post(
        reverse("portal:admin_user_create"),
        {"username": "taken.name", "first_name": "", "last_name": "Shah", "email": "not-an-email", "password": "123"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["username"] == ["This username is already taken"]
    assert errors["first_name"] == ["Enter the first name"]
    assert errors["email"] == ["Enter an email address in the correct format, like name@example.org"]
    assert any("too short" in message for message in errors["password"])


@pytest.mark.parametrize("number, saved", [("z4888193", True), ("ZA123456", True), ("NOT-AN-ICO-<b>", False),
                                           ("Z123456", False), ("ZA1234567", False)])
def test_the_ico_registration_number_has_the_registers_format(admin_client_2fa, number, saved):
    response = admin_client_2fa.post(
        reverse("portal:admin_organisation_create"),
        {"name": "Stockport Homes", "kind": OrganisationKind.SOCIAL_LANDLORD, "standing": StatutoryStanding.RELEVANT_AUTHORITY,
         "ico_registration": number},
    )
    assert Organisation.objects.filter(name="Stockport Homes").exists() is saved
    if not saved:
        assert "Enter the ICO registration number as Z and 7 digits, like Z1234567" in response.content.decode()


def test_admin_creates_an_organisation_a_user_and_a_membership(admin_client_2fa):
    client = admin_client_2fa
    assert client.get(reverse("portal:admin_home")).status_code == 200
    assert client.get(reverse("portal:admin_organisation_create")).status_code == 200

    response = client.post(
        reverse("portal:admin_organisation_create"),
        {
            "name": "Greater Manchester Police",
            "kind": OrganisationKind.POLICE,
            "standing": StatutoryStanding.RESPONSIBLE_AUTHORITY,
            "ico_registration": "z4888193",
            "signed_protocol_on": "2020-04-01",
            "safeguarding_route": "Call the MASH",
        },
    )
    assert response.status_code == 302 and response.url == reverse("portal:admin_organisations")
    assert success_messages(response) == ["Greater Manchester Police has been added"]
    police = Organisation.objects.get(name="Greater Manchester Police")
    assert police.ico_registration == "Z4888193"
    place = PartnershipMember.objects.get(organisation=police, partnership=client.membership.partnership)
    assert str(place.signed_protocol_on) == "2020-04-01" and place.standing == StatutoryStanding.RESPONSIBLE_AUTHORITY
    assert not place.sharing_suspended

    listing = client.get(reverse("portal:admin_organisations"))
    assert "Greater Manchester Police" in listing.content.decode()

    response = client.post(
        reverse("portal:admin_user_create"),
        {
            "username": "p.shah",
            "first_name": "Priya",
            "last_name": "Shah",
            "email": "Priya.Shah@GMP.example",
            "job_title": "Detective Sergeant",
            "password": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="p.shah")
    assert response.status_code == 302 and response.url == reverse("portal:admin_user_detail", args=[user.pk])
    assert user.check_password(NEW_PASSWORD) and user.is_active and user.job_title == "Detective Sergeant"
    assert not user.memberships.exists()

    response = client.post(
        reverse("portal:admin_membership_add", args=[user.pk]),
        {"organisation": police.pk, "role": Role.DESIGNATED_OFFICER},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.is_active) == (police, Role.DESIGNATED_OFFICER, True)

    detail = client.get(reverse("portal:admin_user_detail", args=[user.pk])).content.decode()
    assert "Designated officer" in detail and "Greater Manchester Police" in detail
    # The organisation now shows her as its designated officer.
    assert "Priya Shah" in client.get(reverse("portal:admin_organisation_edit", args=[police.pk])).content.decode()


def test_admin_edits_an_organisation_and_suspends_then_resumes_sharing(admin_client_2fa):
    organisation = OrganisationFactory(name="Stockport Homes")
    url = reverse("portal:admin_organisation_edit", args=[organisation.pk])
    page = admin_client_2fa.get(url)
    assert page.status_code == 200 and 'value="Stockport Homes"' in page.content.decode()

    response = admin_client_2fa.post(
        url,
        {
            "name": "Stockport Homes Group",
            "kind": OrganisationKind.SOCIAL_LANDLORD,
            "standing": StatutoryStanding.CO_OPERATING_BODY,
            "ico_registration": "",
            "signed_protocol_on": "",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    place = PartnershipMember.objects.get(organisation=organisation)
    assert organisation.name == "Stockport Homes Group" and place.signed_protocol_on is None

    suspend = reverse("portal:admin_organisation_suspend_sharing", args=[organisation.pk])
    blank = admin_client_2fa.post(suspend, {"reason": "  "})
    assert (
        blank.status_code == 200 and "Enter why sharing with this organisation is suspended" in blank.content.decode()
    )
    assert admin_client_2fa.post(suspend, {"reason": "Non-compliance report NC-4"}).status_code == 302
    place.refresh_from_db()
    assert place.sharing_suspended and place.sharing_suspended_reason == "Non-compliance report NC-4"

    assert (
        admin_client_2fa.post(reverse("portal:admin_organisation_resume_sharing", args=[organisation.pk])).status_code
        == 302
    )
    place.refresh_from_db()
    assert not place.sharing_suspended and place.sharing_suspended_reason == ""
    logged = list(DecisionLogEntry.objects.order_by("id").values_list("action", "recipient_name", "reasons"))
    assert logged == [
        (
            "organisation.updated",
            "Stockport Homes Group",
            "Organisation details changed: name, kind, standing, ico registration, signed protocol on",
        ),
        ("organisation.suspended", organisation.name, "Non-compliance report NC-4"),
        ("organisation.resumed", organisation.name, "Suspension lifted (it was: Non-compliance report NC-4)"),
    ]


# --- bad input is shown on the form, with what was typed kept --------------------------------------


def user_form_data(**overrides):
    data = {
        "username": "t.hughes",
        "first_name": "Tom",
        "last_name": "Hughes",
        "email": "tom.hughes@stockport.example",
        "job_title": "ASB officer",
        "password": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_a_weak_password_re_renders_the_form_with_the_reason_and_what_was_typed(admin_client_2fa):
    response = admin_client_2fa.post(reverse("portal:admin_user_create"), user_form_data(password="password"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "This password is too short" in page and "This password is too common" in page
    assert (
        'value="t.hughes"' in page and 'value="tom.hughes@stockport.example"' in page and 'value="ASB officer"' in page
    )
    assert 'value="password"' not in page  # a password is never sent back to the browser
    assert not User.objects.filter(username="t.hughes").exists()


def test_a_duplicate_username_in_any_case_re_renders_the_form(admin_client_2fa):
    UserFactory(username="t.hughes")
    response = admin_client_2fa.post(reverse("portal:admin_user_create"), user_form_data(username="T.Hughes"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "This username is already taken" in page
    assert 'value="T.Hughes"' in page and 'value="Tom"' in page
    assert User.objects.filter(username__iexact="t.hughes").count() == 1


def test_missing_and_malformed_fields_are_errors_not_500s(admin_client_2fa):
    response = admin_client_2fa.post(reverse("portal:admin_user_create"), {"email": "not-an-email"})
    assert response.status_code == 200
    page = response.content.decode()
    for message in (
        "Enter a username",
        "Enter the first name",
        "Enter a password",
        "Enter an email address in the correct format",
    ):
        assert message in page

    response = admin_client_2fa.post(
        reverse("portal:admin_organisation_create"),
        {"name": "X", "kind": "spaceship", "standing": "", "signed_protocol_on": "31/02/2020"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select the kind of organisation" in page and "Select the organisation&#x27;s statutory standing" in page
    assert "Enter the date it signed as a real date" in page and 'value="X"' in page

    existing = OrganisationFactory(name="Stockport Council")
    response = admin_client_2fa.post(
        reverse("portal:admin_organisation_create"),
        {"name": "stockport council", "kind": OrganisationKind.LOCAL_AUTHORITY, "standing": StatutoryStanding.INVITED},
    )
    assert response.status_code == 200 and "An organisation with this name already exists" in response.content.decode()
    assert Organisation.objects.filter(name__iexact=existing.name).count() == 1

    user = UserFactory()
    mismatch = admin_client_2fa.post(
        reverse("portal:admin_user_password", args=[user.pk]),
        {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"},
    )
    assert mismatch.status_code == 200 and "The passwords do not match" in mismatch.content.decode()

    bad_membership = admin_client_2fa.post(
        reverse("portal:admin_membership_add", args=[user.pk]), {"organisation": "999999", "role": "king"}
    )
    page = bad_membership.content.decode()
    assert bad_membership.status_code == 200 and "Select an organisation" in page and "Select a role" in page


def test_user_details_can_be_changed(admin_client_2fa):
    user = UserFactory(first_name="Gareth", last_name="Lewis")
    url = reverse("portal:admin_user_edit", args=[user.pk])
    assert 'value="Gareth"' in admin_client_2fa.get(url).content.decode()
    response = admin_client_2fa.post(
        url, {"username": user.username, "first_name": "Gareth", "last_name": "Lewis-Jones", "email": "g@example.org"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_name == "Lewis-Jones" and user.email == "g@example.org" and user.job_title == ""


# --- who may use these pages --------------------------------------------------------------------


def admin_urls(world_pks: dict) -> list[str]:
    urls = []
    for pattern in admin_patterns:
        kwargs = {"pk": world_pks[pattern.name]} if "<int:pk>" in str(pattern.pattern) else {}
        urls.append(reverse(f"portal:{pattern.name}", kwargs=kwargs))
    return urls


@pytest.fixture
def some_pks(db):
    membership = MembershipFactory(role=Role.OFFICER)
    pks = {}
    for pattern in admin_patterns:
        name = pattern.name
        if "organisation" in name:
            pks[name] = membership.organisation_id
        elif name == "admin_membership_end":
            pks[name] = membership.pk
        else:
            pks[name] = membership.user_id
    return pks


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DESIGNATED_OFFICER, Role.CHAIR, Role.AUDITOR, None])
def test_everyone_but_a_partnership_admin_gets_403_on_every_admin_url(role, make_member, signed_in, some_pks):
    user = make_member(role=role).user if role else UserFactory()
    client = signed_in(user)
    before = Membership.objects.filter(is_active=True).count()
    for url in admin_urls(some_pks):
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"username": "x", "reason": "x"} if method == "post" else None)
            assert response.status_code == 403, f"{role} {method.upper()} {url}: {response.status_code}"
    assert Membership.objects.filter(is_active=True).count() == before
    assert User.objects.filter(is_active=True).count() == User.objects.count()


def test_the_acting_membership_counts_not_another_one_the_user_holds(make_member, signed_in, some_pks):
    officer = make_member(role=Role.OFFICER)
    admin = MembershipFactory(user=officer.user, role=Role.ADMIN)
    client = signed_in(officer.user)
    url = reverse("portal:admin_users")
    assert client.get(url).status_code == 403  # acting as the officer (the first membership)
    assert client.post(reverse("portal:switch_membership"), {"membership": admin.pk}).status_code == 302
    assert client.get(url).status_code == 200


def test_an_admin_gets_404_for_things_that_do_not_exist(admin_client_2fa):
    for name in ("admin_user_detail", "admin_organisation_edit"):
        assert admin_client_2fa.get(reverse(f"portal:{name}", args=[999999])).status_code == 404
    assert admin_client_2fa.post(reverse("portal:admin_membership_end", args=[999999])).status_code == 404
    assert admin_client_2fa.get(reverse("portal:admin_user_detail", args=[2**70])).status_code == 404  # > bigint


# --- deactivation, passwords, second factors -----------------------------------------------------


def test_deactivating_a_user_ends_their_session_at_once(admin_client_2fa, make_member, signed_in):
    officer = make_member(role=Role.OFFICER)
    their_client = signed_in(officer.user)
    key = track_session(their_client, officer.user)
    assert Session.objects.filter(session_key=key).exists()

    response = admin_client_2fa.post(reverse("portal:admin_user_deactivate", args=[officer.user_id]))
    assert response.status_code == 302
    officer.user.refresh_from_db()
    assert not officer.user.is_active
    assert not Session.objects.filter(session_key=key).exists()

    next_request = their_client.get(reverse("portal:home"))
    assert next_request.status_code == 302 and next_request.url.startswith(SIGN_IN)
    # Nothing else was deactivated: the membership is kept for reactivation.
    officer.refresh_from_db()
    assert officer.is_active

    assert admin_client_2fa.post(reverse("portal:admin_user_reactivate", args=[officer.user_id])).status_code == 302
    officer.user.refresh_from_db()
    assert officer.user.is_active


def test_an_admin_cannot_deactivate_themselves(admin_client_2fa):
    me = admin_client_2fa.membership.user
    response = admin_client_2fa.post(reverse("portal:admin_user_deactivate", args=[me.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "You cannot deactivate your own account" in page
    me.refresh_from_db()
    assert me.is_active
    with pytest.raises(ValidationError):
        services.user_deactivate(user=me, acting_user=me)


def test_an_admin_cannot_end_their_own_last_admin_membership(admin_client_2fa):
    mine = admin_client_2fa.membership
    response = admin_client_2fa.post(reverse("portal:admin_membership_end", args=[mine.pk]))
    assert response.status_code == 200
    assert "You cannot end your own last partnership admin membership" in response.content.decode()
    mine.refresh_from_db()
    assert mine.is_active

    # With a second admin membership, ending one of the two is fine.
    other = MembershipFactory(user=mine.user, role=Role.ADMIN)
    assert admin_client_2fa.post(reverse("portal:admin_membership_end", args=[other.pk])).status_code == 302
    other.refresh_from_db()
    assert not other.is_active


def test_ending_and_re_adding_a_membership_reuses_the_row(admin_client_2fa):
    membership = MembershipFactory(role=Role.CHAIR)
    assert admin_client_2fa.post(reverse("portal:admin_membership_end", args=[membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active

    add = reverse("portal:admin_membership_add", args=[membership.user_id])
    data = {"organisation": membership.organisation_id, "role": Role.CHAIR}
    assert admin_client_2fa.post(add, data).status_code == 302
    assert Membership.objects.filter(user=membership.user).count() == 1
    membership.refresh_from_db()
    assert membership.is_active

    again = admin_client_2fa.post(add, data)
    assert again.status_code == 200 and "is already a meeting chair at" in again.content.decode()


def test_resetting_a_password_ends_sessions(admin_client_2fa, make_member, signed_in):
    officer = make_member(role=Role.OFFICER)
    key = track_session(signed_in(officer.user), officer.user)
    url = reverse("portal:admin_user_password", args=[officer.user_id])
    assert admin_client_2fa.get(url).status_code == 200
    response = admin_client_2fa.post(url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    officer.user.refresh_from_db()
    assert officer.user.check_password(NEW_PASSWORD)
    assert not Session.objects.filter(session_key=key).exists()


def test_resetting_the_second_factor_removes_devices_and_ends_sessions(admin_client_2fa, make_member, signed_in):
    officer = make_member(role=Role.OFFICER)
    client = signed_in(officer.user)  # enrols a TOTP device
    backup_codes_replace(user=officer.user)
    key = track_session(client, officer.user)
    url = reverse("portal:admin_user_reset_second_factor", args=[officer.user_id])
    confirm = admin_client_2fa.get(url)
    assert confirm.status_code == 200 and "govuk-button--warning" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=officer.user).exists()  # a GET changes nothing

    assert admin_client_2fa.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer.user).exists()
    assert not StaticDevice.objects.filter(user=officer.user).exists()
    assert not Session.objects.filter(session_key=key).exists()

    # At the next sign-in they enrol again.
    response = Client().post(SIGN_IN, {"username": officer.user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:enrol")


# --- the user list --------------------------------------------------------------------------------


def make_users_with_memberships(count: int, organisations) -> None:
    for _ in range(count):
        user = UserFactory()
        for organisation, role in zip(organisations, (Role.OFFICER, Role.CHAIR), strict=True):
            MembershipFactory(user=user, organisation=organisation, role=role)


def test_the_user_list_costs_the_same_number_of_queries_however_many_users(
    admin_client_2fa, django_assert_max_num_queries
):
    organisations = [OrganisationFactory(), OrganisationFactory()]
    url = reverse("portal:admin_users")
    make_users_with_memberships(5, organisations)
    admin_client_2fa.get(url)  # warm up: first-request-only queries are not the page's cost
    with CaptureQueriesContext(connection) as few:
        assert admin_client_2fa.get(url).status_code == 200

    make_users_with_memberships(30, organisations)
    locked = UserFactory(last_name="Aardvark")  # sorts onto the first page
    AccessAttempt.objects.create(
        username=locked.username,
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/sign-in/",
    )
    with django_assert_max_num_queries(len(few)):
        response = admin_client_2fa.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25
    assert "Locked" in response.content.decode()


def test_search_and_pagination(admin_client_2fa):
    UserFactory(username="aisha.k", first_name="Aisha", last_name="Khan", email="aisha@police.example")
    UserFactory(username="gl", first_name="Gareth", last_name="Lewis", email="gareth@council.example")
    for n in range(30):
        UserFactory(username=f"bulk{n:02d}", first_name="Bulk", last_name=f"Person{n:02d}")
    url = reverse("portal:admin_users")

    def names(**params):
        response = admin_client_2fa.get(url, params)
        assert response.status_code == 200
        return response, {user.username for user, _locked in response.context["rows"]}

    assert names(q="KHAN")[1] == {"aisha.k"}
    assert names(q="aisha khan")[1] == {"aisha.k"}  # first and last name together
    assert names(q="council.example")[1] == {"gl"}
    assert names(q="gl")[1] == {"gl"}
    assert names(q="nobody-at-all")[1] == set()

    first, on_first = names()
    assert first.context["page_obj"].paginator.count == 33  # 32 users here and the admin
    assert len(on_first) == 25
    assert "govuk-pagination" in first.content.decode()
    _, on_second = names(page=2)
    assert len(on_second) == 8 and not on_first & on_second

    bulk, on_bulk_two = names(q="bulk", page=2)
    assert bulk.context["page_obj"].paginator.count == 30 and len(on_bulk_two) == 5
    assert "q=bulk" in bulk.content.decode()  # the pagination links keep the search
    assert names(page="not-a-number")[1] == on_first


# --- locked accounts ------------------------------------------------------------------------------


def test_five_failures_lock_the_account_until_an_admin_unlocks_it(admin_client_2fa, make_member):
    user = make_member(role=Role.OFFICER).user
    attacker = Client()
    for _ in range(5):
        attacker.post(SIGN_IN, {"username": user.username, "password": "not the password"})

    refused = Client().post(SIGN_IN, {"username": user.username, "password": TEST_PASSWORD})
    assert refused.status_code == 429 or "locked" in refused.content.decode().lower()
    assert refused.status_code != 302
    assert user.username in locked_usernames()

    locked_page = admin_client_2fa.get(reverse("portal:admin_locked_accounts"))
    assert locked_page.status_code == 200 and user.username in locked_page.content.decode()
    detail = admin_client_2fa.get(reverse("portal:admin_user_detail", args=[user.pk])).content.decode()
    assert "Locked" in detail

    response = admin_client_2fa.post(reverse("portal:admin_account_unlock"), {"username": user.username})
    assert response.status_code == 302 and response.url == reverse("portal:admin_locked_accounts")
    assert user.username not in locked_usernames()
    after = admin_client_2fa.get(reverse("portal:admin_locked_accounts"))
    assert f"{user.username} is unlocked and can sign in again" in after.content.decode()  # the message
    assert after.context["accounts"] == []

    response = Client().post(SIGN_IN, {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url in (reverse("portal:sign_in_code"), reverse("portal:enrol"))


def test_unlock_clears_every_spelling_of_the_username(admin_client_2fa):
    user = UserFactory(username="priya.shah")
    for spelling, ip in (("Priya.Shah", "10.0.0.1"), ("priya.shah", "10.0.0.2")):
        AccessAttempt.objects.create(
            username=spelling,
            ip_address=ip,
            user_agent="x",
            failures_since_start=5,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/sign-in/",
        )
    assert locked_usernames() == {"Priya.Shah", "priya.shah"}
    response = admin_client_2fa.post(
        reverse("portal:admin_account_unlock"), {"username": "priya.shah", "user": user.pk}
    )
    assert response.status_code == 302 and response.url == reverse("portal:admin_user_detail", args=[user.pk])
    assert locked_usernames() == set()
    blank = admin_client_2fa.post(reverse("portal:admin_account_unlock"), {"username": ""})
    assert blank.status_code == 200 and "Enter the username to unlock" in blank.content.decode()
