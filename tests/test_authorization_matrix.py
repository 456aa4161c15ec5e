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
REPORT_READERS = {"designated_officer": OK, "auditor": OK, "admin": OK}
# The monitoring report is the DPOs' too (issue 12: "designated officers, DPOs, auditors and the
# partnership admin"); versions and signatories are not.
REPORT_VIEWERS = {**REPORT_READERS, "dpo": OK}


def verification_run(w):
    """Made on first use: a finished verification run."""
    if not hasattr(w, "verification_run"):
        from portal.accountability.services import decision_log_verification_start, decision_log_verification_work

        w.verification_run = decision_log_verification_start(source="auditor")
        decision_log_verification_work(run_id=w.verification_run.pk)
    return w.verification_run


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


def datasets_world(w):
    """Made on first use: an accepted submission of the designated officer's organisation with a
    year of counts, and a feed token of the first partnership."""
    if not hasattr(w, "datasets"):
        import datetime

        from datasets.models import FeedToken
        from tests.datasets.factories import accepted_submission

        do = w.designated_officer
        partnership = w.pack.partnership
        counts = {("SK1", "asb-personal", datetime.date(2025, m, 1)): 7 + m for m in range(1, 13)}
        submission = accepted_submission(
            organisation=do.organisation, partnership=partnership, user=do.user, dataset_code="police-asb", counts=counts
        )
        token = FeedToken.objects.create(partnership=partnership, name="BI", digest="0" * 64, prefix="abcdef", created_by=w.admin.user)
        w.datasets = SimpleNamespace(submission=submission, token=token)
    return w.datasets


EVERY_ROLE_OK = dict(default=OK, expect={"no_membership": FORBIDDEN})
SUBMITTERS = dict(default=FORBIDDEN, expect={"officer": OK, "designated_officer": OK})
SUBMISSION_READERS = dict(default=FORBIDDEN, expect={"officer": OK, "designated_officer": OK, "admin": OK, "auditor": OK})
# The anonymised feed answers only a bearer token: a session, signed in or not, gets 401.
FEED = {visitor: 401 for visitor in VISITORS}


def breach_world(w):
    """Made on first use: a breach the officer reported against the DPO's organisation."""
    if not hasattr(w, "breach"):
        import datetime

        from django.utils import timezone

        from governance.services.breaches import breach_report

        discovered = timezone.now() - datetime.timedelta(hours=3)
        w.breach = breach_report(
            reporter=w.officer.user, membership=w.officer, what_happened="Wrong address on an email.",
            happened_at=discovered, discovered_at=discovered, occurred_organisation_id=w.dpo.organisation_id,
            data_categories=["identifiers"], people_affected=2,
        )
    return w.breach


# Breaches (governance/views/breaches.py): anyone with a role reports and lists; the case is the
# reporter's (the officer) and the occurred organisation's DPO's, not found for everyone else; the
# DPO's steps are forbidden to the reporter.
ANY_ROLE_OK = dict(default=OK, expect={"no_membership": FORBIDDEN})
BREACH_CASE = dict(default=NOT_FOUND, expect={"officer": OK, "dpo": OK, "no_membership": FORBIDDEN})
BREACH_STEP = dict(default=NOT_FOUND, expect={"officer": FORBIDDEN, "dpo": OK, "no_membership": FORBIDDEN})


def _breach_pk(w):
    return {"pk": breach_world(w).pk}


def governance_world(w):
    """Made on first use: a non-compliance report from the designated officer's organisation
    about the officer's, and a suspension it decided of a third organisation (h11b)."""
    if not hasattr(w, "governance"):
        import datetime

        from governance.services import noncompliance

        do = w.designated_officer
        report = noncompliance.noncompliance_report(
            partnership=w.pack.partnership, concerns_organisation=w.officer.organisation, details="Details",
            acting_user=do.user, acting_membership=do,
        )
        suspension = noncompliance.suspension_decide(
            partnership=w.pack.partnership, organisation=OrganisationFactory(), reasons="Reasons",
            review_date=datetime.date.today() + datetime.timedelta(days=30), acting_user=do.user, acting_membership=do,
        )
        w.governance = SimpleNamespace(report=report, suspension=suspension)
    return w.governance


# Non-compliance and suspension: designated officers and DPOs handle their organisation's cases;
# the DPO's organisation is neither party to the report, but every partner sees a suspension.
GOVERNANCE_READERS = {"designated_officer": OK, "dpo": OK, "auditor": OK}
GOVERNANCE_HANDLERS = {"designated_officer": OK, "dpo": OK}
GOVERNANCE_REPORT = {"designated_officer": OK, "dpo": NOT_FOUND, "auditor": OK}
def complaint_world(w):
    """Made on first use: a complaint the DPO's organisation received about its request to the
    officer's organisation (so the two take part; the designated officer's organisation does not)."""
    if not hasattr(w, "complaint"):
        from django.utils import timezone

        from governance.services.complaints import complaint_record
        from tests.sharing.factories import DisclosureRequestFactory

        request = DisclosureRequestFactory(
            requesting_organisation=w.dpo.organisation, requester=w.officer.user,
            holding_organisation=w.officer.organisation, protocol_pack=w.pack,
        )
        w.complaint = complaint_record(
            membership=w.dpo, acting_user=w.dpo.user, about="refusal", summary="The refusal was unfair.",
            received_on=timezone.localdate(), request_ids=[request.pk],
        )
    return w.complaint


# Complaints (governance/views/complaints.py): DPOs and designated officers only; the complaint is
# the DPO's organisation's (it received it), not found for the designated officer's.
COMPLAINT_ROLES = dict(default=FORBIDDEN, expect={"dpo": OK, "designated_officer": OK})
COMPLAINT_CASE = dict(default=FORBIDDEN, expect={"dpo": OK, "designated_officer": NOT_FOUND})


def _complaint_pk(w):
    return {"pk": complaint_world(w).pk}
def api_client_world(w):
    """Made on first use: an API client of the admin's organisation, registered by the admin."""
    if not hasattr(w, "api_client"):
        from exchange.services import api_client_register

        admin = w.admin
        w.api_client = api_client_register(
            organisation=admin.organisation, partnership=admin.partnership, name="Matrix system",
            scopes=["requests:read"], acting_user=admin.user,
        ).client
    return w.api_client


def distribution_world(w):
    """Made on first use: a distribution sent by the officer's organisation to the designated
    officer (another organisation), with one issue."""
    if not hasattr(w, "distribution"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from exchange import services as exchange

        officer = w.officer
        distribution = exchange.distribution_create(
            membership=officer, partnership=w.pack.partnership, title="Monthly document",
            marking=w.pack.marking_levels.get(code="restricted"), handling_rules="No onward sharing.",
            acting_user=officer.user,
        )
        exchange.distribution_recipient_add(
            distribution=distribution, recipient_membership=w.designated_officer, acting_user=officer.user,
            acting_membership=officer,
        )
        pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
        issue = exchange.distribution_issue_upload(
            distribution=distribution, file=SimpleUploadedFile("doc.pdf", pdf, content_type="application/pdf"),
            acting_user=officer.user, acting_membership=officer,
        )
        w.distribution = SimpleNamespace(distribution=distribution, issue=issue)
    return w.distribution


def cohort_world(w):
    """Made on first use: a cohort coordinated by the officer's organisation, with the designated
    officer (another organisation) as a member and one person."""
    if not hasattr(w, "cohort"):
        from exchange import services as exchange

        officer = w.officer
        cohort = exchange.cohort_create(
            membership=officer, partnership=w.pack.partnership, forum=w.pack.forums.order_by("order").first(),
            title="IOM cohort", marking=w.pack.marking_levels.get(code="restricted"), acting_user=officer.user,
        )
        exchange.cohort_member_add(cohort=cohort, member_membership=w.designated_officer, acting_user=officer.user,
                                   acting_membership=officer)
        person = exchange.cohort_person_add(cohort=cohort, full_name="Jordan Example", date_of_birth=None,
                                            acting_user=officer.user, acting_membership=officer)
        w.cohort = SimpleNamespace(cohort=cohort, person=person)
    return w.cohort


def rights_world(w):
    """Made on first use: a rights case the DPO's organisation received, consulting the officer's
    organisation (h11b)."""
    if not hasattr(w, "rights"):
        import datetime

        from governance.models import RightsConsultation
        from governance.services import rights

        case = rights.rights_case_open(
            right="access", received_on=datetime.date.today() - datetime.timedelta(days=3), request_summary="All",
            acting_user=w.dpo.user, acting_membership=w.dpo,
        )
        consultation = RightsConsultation.objects.create(case=case, organisation=w.officer.organisation, records=[])
        w.rights = SimpleNamespace(case=case, consultation=consultation)
    return w.rights


# Data-subject rights (governance/views/rights.py): DPOs only; the case is the DPO's organisation's.
DPO_ONLY = {"dpo": OK}


def _rights_case(w):
    return {"pk": rights_world(w).case.pk}
def version_world(w):
    """Made on first use: version 2026 of the Stockport pack proposed by the admin, awaiting approval
    by a designated officer of every signatory organisation (each role's organisation signed)."""
    if not hasattr(w, "proposal"):
        from oversight.services import protocol_version_propose

        text = (settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml").read_text(encoding="utf-8")
        w.proposal = protocol_version_propose(
            partnership=w.pack.partnership, text=text.replace('version: "2020"', 'version: "2026"', 1),
            source_name="stockport-2026.yaml", acting_user=w.admin.user, acting_membership=w.admin,
        )
    return w.proposal
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


SAML_MATRIX_METADATA = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
 xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.saml-matrix.example/">
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>MIIBmatrix</ds:X509Certificate>
  </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
   Location="https://idp.saml-matrix.example/sso"/>
 </md:IDPSSODescriptor></md:EntityDescriptor>"""


def saml_provider(w):
    """Made on first use: a SAML identity provider (metadata pasted) for another organisation."""
    if not hasattr(w, "saml_provider"):
        from portal.services.identity_providers import identity_provider_configure_saml

        w.saml_provider = identity_provider_configure_saml(
            organisation=OrganisationFactory(partnerships=[w.admin.partnership]), partnership=w.admin.partnership,
            metadata_xml=SAML_MATRIX_METADATA, allowed_domains="saml-matrix.example", acting_user=w.admin.user,
        )
    return w.saml_provider


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
    # SAML: the SP metadata is public (the IdP's IT team loads it); the IdP's post back and its
    # same-site continuation without a response, or without a sign-in in progress, go to the start.
    "portal:sign_in_saml_metadata": Entry(OK, PUBLIC, kwargs=lambda w: {"pk": saml_provider(w).pk}),
    "portal:sign_in_saml_acs": Entry(SIGN_IN, method="post", kwargs=lambda w: {"pk": saml_provider(w).pk}),
    "portal:sign_in_saml_continue": Entry(SIGN_IN, kwargs=lambda w: {"pk": saml_provider(w).pk}),
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
    "portal:account_notifications": Entry(OK),
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
    # A verification run is the deployment's one chain (no partnership's data): any auditor.
    "portal:audit_verify_run": Entry(FORBIDDEN, {"auditor": OK}, kwargs=lambda w: {"pk": verification_run(w).pk}),
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
    "portal:admin_saml_provider_create": Entry(**ADMIN_ONLY),
    "portal:admin_identity_provider_edit": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": sso_world(w).provider.pk}),
    "portal:admin_sso_access_requests": Entry(**ADMIN_ONLY),
    "portal:admin_sso_access_request_approve": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": sso_world(w).pending.pk}, method="post"
    ),
    "portal:admin_sso_access_request_refuse": Entry(
        FORBIDDEN, {"admin": REDIRECT}, kwargs=lambda w: {"pk": sso_world(w).pending.pk}, method="post"
    ),
    "portal:admin_locked_accounts": Entry(**ADMIN_ONLY),
    "portal:admin_undelivered_notifications": Entry(**ADMIN_ONLY),
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
    # Datasets (issue 13). Every role reads the specifications, hotspots and trends (aggregates,
    # suppressed); officers and designated officers submit; the submitting organisation and the
    # partnership's admins and auditors see a submission (the officer is another organisation's).
    "datasets:index": Entry(**EVERY_ROLE_OK),
    "datasets:spec": Entry(**EVERY_ROLE_OK, kwargs=lambda w: {"code": "police-asb"}),
    "datasets:submit": Entry(**SUBMITTERS),
    "datasets:submissions": Entry(**SUBMISSION_READERS),
    "datasets:submission": Entry(
        FORBIDDEN, {"officer": NOT_FOUND, "designated_officer": OK, "admin": OK, "auditor": OK},
        kwargs=lambda w: {"pk": datasets_world(w).submission.pk},
    ),
    "datasets:hotspots": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:hotspots_csv": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:hotspots_pdf": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:trends": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:trends_csv": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:trends_pdf": Entry(**EVERY_ROLE_OK, kwargs=lambda w: datasets_world(w) and {}),
    "datasets:feed_tokens": Entry(**ADMIN_ONLY),
    "datasets:feed_token_revoke": Entry(
        FORBIDDEN, {"admin": REDIRECT}, method="post", kwargs=lambda w: {"pk": datasets_world(w).token.pk}
    ),
    "datasets:feed": Entry(401, FEED, kwargs=lambda w: {"partnership": w.pack.partnership.slug, "fmt": "json"}),
    # Without ?organisation= the admin is sent to the run page to choose one.
    "portal:retention_certificate": Entry(
        FORBIDDEN, {"designated_officer": OK, "admin": REDIRECT}, kwargs=lambda w: {"pk": retention_world(w).run.pk}
    ),
    "governance:breach_list": Entry(**ANY_ROLE_OK),
    "governance:breach_report": Entry(**ANY_ROLE_OK),
    "governance:breach_detail": Entry(**BREACH_CASE, kwargs=_breach_pk),
    "governance:breach_reported": Entry(**BREACH_CASE, kwargs=_breach_pk),
    "governance:breach_closed": Entry(**BREACH_CASE, kwargs=_breach_pk),
    "governance:breach_ico": Entry(**BREACH_STEP, kwargs=_breach_pk),
    "governance:breach_investigation": Entry(**BREACH_STEP, kwargs=_breach_pk),
    "governance:breach_summary": Entry(**BREACH_STEP, kwargs=_breach_pk),
    "governance:breach_lessons": Entry(**BREACH_STEP, kwargs=_breach_pk),
    "governance:breach_close": Entry(**BREACH_STEP, kwargs=_breach_pk),
    # Non-compliance and suspension (governance/views/noncompliance.py, SSP 13): designated
    # officers (and DPOs) handle their organisation's cases, auditors read the partnership's. The
    # report is the designated officer's organisation's, awaiting the officer's organisation's
    # response: its designated officer is sent back from the respond and outcome pages.
    "governance:noncompliance_list": Entry(FORBIDDEN, GOVERNANCE_READERS),
    "governance:noncompliance_new": Entry(FORBIDDEN, GOVERNANCE_HANDLERS),
    "governance:noncompliance_detail": Entry(
        FORBIDDEN, GOVERNANCE_REPORT, kwargs=lambda w: {"pk": governance_world(w).report.pk}
    ),
    "governance:noncompliance_respond": Entry(
        FORBIDDEN, {"designated_officer": REDIRECT, "dpo": NOT_FOUND}, kwargs=lambda w: {"pk": governance_world(w).report.pk}
    ),
    "governance:noncompliance_outcome": Entry(
        FORBIDDEN, {"designated_officer": REDIRECT, "dpo": NOT_FOUND}, kwargs=lambda w: {"pk": governance_world(w).report.pk}
    ),
    "governance:suspension_new": Entry(FORBIDDEN, GOVERNANCE_HANDLERS),
    "governance:suspension_detail": Entry(
        FORBIDDEN, GOVERNANCE_READERS, kwargs=lambda w: {"pk": governance_world(w).suspension.pk}
    ),
    "governance:rights_list": Entry(FORBIDDEN, DPO_ONLY),
    "governance:rights_open": Entry(FORBIDDEN, DPO_ONLY),
    "governance:rights_case": Entry(FORBIDDEN, DPO_ONLY, kwargs=_rights_case),
    "governance:rights_search": Entry(FORBIDDEN, DPO_ONLY, kwargs=_rights_case),
    "governance:rights_extend": Entry(FORBIDDEN, DPO_ONLY, kwargs=_rights_case),
    "governance:rights_decide": Entry(FORBIDDEN, DPO_ONLY, kwargs=_rights_case),
    # Open: the pack is not ready, the DPO is sent back to the case.
    "governance:rights_pack": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    # The case is an access case: each other right's step sends the DPO back to the case, and
    # no restriction stands to lift (tests/governance/test_rights_actions.py does the steps).
    # Auditors read their partnership's rights cases, nothing else; DPOs handle theirs elsewhere.
    "governance:rights_audit_list": Entry(FORBIDDEN, {"auditor": OK}),
    "governance:rights_audit_case": Entry(FORBIDDEN, {"auditor": OK}, kwargs=_rights_case),
    "governance:rights_rectify": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    "governance:rights_erase": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    "governance:rights_restrict": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    "governance:rights_objection": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    "governance:rights_restriction_lift": Entry(FORBIDDEN, {"dpo": REDIRECT}, kwargs=_rights_case),
    "governance:rights_consultation": Entry(
        FORBIDDEN, DPO_ONLY, kwargs=lambda w: {"pk": rights_world(w).consultation.pk}
    ),
    "governance:suspension_lift": Entry(
        FORBIDDEN, {"designated_officer": OK, "dpo": REDIRECT}, kwargs=lambda w: {"pk": governance_world(w).suspension.pk}
    ),
    "governance:complaint_list": Entry(**COMPLAINT_ROLES),
    "governance:complaint_new": Entry(**COMPLAINT_ROLES),
    "governance:complaint_detail": Entry(**COMPLAINT_CASE, kwargs=_complaint_pk),
    "governance:complaint_part": Entry(**COMPLAINT_CASE, kwargs=_complaint_pk),
    "governance:complaint_outcome": Entry(**COMPLAINT_CASE, kwargs=_complaint_pk),
    "governance:complaint_closed": Entry(**COMPLAINT_CASE, kwargs=_complaint_pk),
    # Partner API clients (exchange, docs/api.md): the partnership admin's pages only. The API
    # itself (api-v1:) has its own matrix of endpoint x scope x organisation.
    "exchange:clients": Entry(**ADMIN_ONLY),
    "exchange:client_new": Entry(**ADMIN_ONLY),
    "exchange:client_detail": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": api_client_world(w).pk}),
    "exchange:client_rotate": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": api_client_world(w).pk}),
    "exchange:client_revoke": Entry(**ADMIN_ONLY, kwargs=lambda w: {"pk": api_client_world(w).pk}),
    # Marked distributions (SDP 5.9): the officer's organisation sends one to the designated
    # officer, another organisation's. Senders manage it; the named recipient reads, acknowledges
    # (an empty form: the page back with its error) and only then downloads.
    # Issues also reach people by role (DPOs, chairs): they may open the list; an issue not sent
    # to them is a 404 like any other.
    "exchange:distributions": Entry(FORBIDDEN, {**REVIEWERS, "dpo": OK, "chair": OK}),
    "exchange:distribution_new": Entry(FORBIDDEN, REVIEWERS),
    "exchange:distribution_detail": Entry(
        FORBIDDEN, {"officer": OK, "designated_officer": NOT_FOUND},
        kwargs=lambda w: {"pk": distribution_world(w).distribution.pk},
    ),
    "exchange:distribution_recipient_add": Entry(
        FORBIDDEN, {"officer": OK, "designated_officer": NOT_FOUND}, method="post",
        kwargs=lambda w: {"pk": distribution_world(w).distribution.pk},
    ),
    "exchange:distribution_role_recipient_add": Entry(
        FORBIDDEN, {"officer": OK, "designated_officer": NOT_FOUND}, method="post",
        kwargs=lambda w: {"pk": distribution_world(w).distribution.pk},
    ),
    "exchange:distribution_issue_upload": Entry(
        FORBIDDEN, {"officer": OK, "designated_officer": NOT_FOUND}, method="post",
        kwargs=lambda w: {"pk": distribution_world(w).distribution.pk},
    ),
    "exchange:issue": Entry(FORBIDDEN, {**REVIEWERS, "dpo": NOT_FOUND, "chair": NOT_FOUND},
                            kwargs=lambda w: {"pk": distribution_world(w).issue.pk}),
    "exchange:issue_acknowledge": Entry(
        FORBIDDEN, {"officer": NOT_FOUND, "designated_officer": OK, "dpo": NOT_FOUND, "chair": NOT_FOUND}, method="post",
        kwargs=lambda w: {"pk": distribution_world(w).issue.pk},
    ),
    # Cohort workspaces (SDP 5.8): the officer's organisation coordinates one whose members are
    # the officer and the designated officer (another organisation). Empty forms give the page
    # back with errors; recording a person leaving without a reason sends back to the page.
    "exchange:cohorts": Entry(FORBIDDEN, REVIEWERS),
    "exchange:cohort_new": Entry(FORBIDDEN, REVIEWERS),
    "exchange:cohort_detail": Entry(FORBIDDEN, REVIEWERS, kwargs=lambda w: {"pk": cohort_world(w).cohort.pk}),
    "exchange:cohort_member_add": Entry(
        FORBIDDEN, REVIEWERS, method="post", kwargs=lambda w: {"pk": cohort_world(w).cohort.pk}
    ),
    "exchange:cohort_member_end": Entry(
        FORBIDDEN, {"officer": NOT_FOUND, "designated_officer": NOT_FOUND}, method="post",
        kwargs=lambda w: {"pk": cohort_world(w).cohort.pk, "member_pk": 2**31},
    ),
    "exchange:cohort_person_add": Entry(
        FORBIDDEN, REVIEWERS, method="post", kwargs=lambda w: {"pk": cohort_world(w).cohort.pk}
    ),
    "exchange:cohort_entry_save": Entry(
        FORBIDDEN, REVIEWERS, method="post",
        kwargs=lambda w: {"pk": cohort_world(w).cohort.pk, "person_pk": cohort_world(w).person.pk},
    ),
    "exchange:cohort_person_leave": Entry(
        FORBIDDEN, {"officer": REDIRECT, "designated_officer": REDIRECT}, method="post",
        kwargs=lambda w: {"pk": cohort_world(w).cohort.pk, "person_pk": cohort_world(w).person.pk},
    ),
    "exchange:issue_download": Entry(
        FORBIDDEN, {"officer": OK, "designated_officer": REDIRECT, "dpo": NOT_FOUND, "chair": NOT_FOUND},
        kwargs=lambda w: {"pk": distribution_world(w).issue.pk},
    ),
    # Monitoring reports (oversight, issue 12): designated officers, auditors and the admin read
    # their own partnership's report; another partnership's admin and auditor read theirs.
    "oversight:reports": Entry(FORBIDDEN, REPORT_VIEWERS),
    "oversight:report_csv": Entry(FORBIDDEN, REPORT_VIEWERS, kwargs=lambda w: {"table": "volumes"}),
    "oversight:report_pdf": Entry(FORBIDDEN, REPORT_VIEWERS),
    # New protocol versions: the admin uploads (an empty upload: the page back with its errors),
    # the admin, designated officers and auditors read a proposal, a designated officer of a
    # signatory organisation approves it; what changed is for anyone in the partnership.
    "oversight:versions": Entry(FORBIDDEN, REPORT_READERS),
    "oversight:version": Entry(FORBIDDEN, REPORT_READERS, kwargs=lambda w: {"pk": version_world(w).pk}),
    "oversight:version_approve": Entry(
        FORBIDDEN, {"designated_officer": REDIRECT}, kwargs=lambda w: {"pk": version_world(w).pk}, method="post"
    ),
    # Withdrawing a proposal (its confirmation page): any admin of its partnership.
    "oversight:version_withdraw": Entry(FORBIDDEN, {"admin": OK}, kwargs=lambda w: {"pk": version_world(w).pk}),
    "oversight:version_changes": Entry(OK, {"no_membership": NOT_FOUND}, kwargs=lambda w: {"pk": version_world(w).pk}),
    "oversight:signatories": Entry(FORBIDDEN, REPORT_READERS),
    "oversight:signature": Entry(FORBIDDEN, {"designated_officer": OK}),
    # The designated officer's organisation's form; another partnership finds no such member.
    "oversight:signature_form_pdf": Entry(
        FORBIDDEN, REPORT_READERS, kwargs=lambda w: {"org_pk": w.designated_officer.organisation_id}
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
    "datasets:submission",
    "datasets:feed_token_revoke",
    # Their own partnership has no accepted dataset: the exports of the first one's data are not theirs.
    "datasets:hotspots_csv",
    "datasets:hotspots_pdf",
    "datasets:trends_csv",
    "governance:noncompliance_detail",
    "governance:suspension_detail",
    "governance:rights_audit_case",
    "datasets:trends_pdf",
    "exchange:client_detail",
    "exchange:client_rotate",
    "exchange:client_revoke",
    "oversight:version",
    "oversight:version_approve",
    "oversight:version_withdraw",
    "oversight:version_changes",
    "oversight:signature_form_pdf",
}
# The admin may approve (where the pack leaves it to the board), so another partnership's admin
# passes the role check and finds no such proposal.
OTHER_PARTNERSHIP_OVERRIDES = {("oversight:version_approve", "admin"): NOT_FOUND}


def other_partnership_outcome(url_name: str, entry: Entry, role: str):
    if (url_name, role) in OTHER_PARTNERSHIP_OVERRIDES:
        return OTHER_PARTNERSHIP_OVERRIDES[(url_name, role)]
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
    "api-v1:": "tests/exchange/test_api_matrix.py",
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
