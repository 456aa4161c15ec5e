"""Authorization matrix for disclosure requests (issue 3): every `sharing:` URL × the twelve
kinds of visitor, with the expected outcome kept as data.

Visitors: anonymous; the requester (officer of A); the assignee (officer of B); another officer of
A; another officer of B; an officer of C; the designated officers of A, B and C; and a meeting
chair, an auditor and a partnership admin (all three members of B: membership gives no access).

Each visitor meets a fresh request in the state the URL needs, so an action one visitor takes
(picking a request up, say) never changes what the next one sees. Policy: a visitor without
need-to-know for a request gets 404, whether or not it exists; role-gated pages that are not
about one request give 403 to the roles they are not for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.models import Partnership, PartnershipMember
from portal.roles import Role
from portal.services.accounts import membership_add, membership_end
from sharing.models import Decision, Dispute, Outcome, ReleaseAttachment, ReleaseItem, RequestNote, Status
from tests.authz import SIGN_IN
from tests.portal.factories import MembershipFactory
from tests.test_authorization_matrix import classify

VISITORS = (
    "anonymous", "requester", "assignee", "officer_a", "officer_b", "officer_c",
    "do_a", "do_b", "do_c", "chair", "auditor", "dpo_b", "admin",
)
# dpo_b: the holding organisation's data protection officer (issue 11), who sees nothing of a
# request or its released content: a DPO reaches records only through a case that links them.
NO_ACCESS = ("officer_a", "officer_b", "officer_c", "do_c", "chair", "auditor", "dpo_b", "admin")
NOT_ROLE = ("chair", "auditor", "dpo_b", "admin")


def assigned(p, status=Status.IN_REVIEW):
    request = p.request(status=status, assignee=p.assignee)
    assign_perm("sharing.access_disclosure", p.assignee, request)
    return request


def draft(p):
    return p.request(status=Status.DRAFT, submitted_at=None)


def returned(p):
    request = assigned(p, Status.RETURNED)
    RequestNote.objects.create(request=request, author=p.assignee, organisation=p.b, kind="returned", text="Which address?")
    return request


def decided(p, outcome=Outcome.RELEASED):
    request = assigned(p, Status(outcome))
    marking = p.pack.marking_levels.order_by("order").first()
    decision = Decision.objects.create(
        request=request, outcome=outcome, reasons="Necessary and proportionate.", marking=marking,
        handling_conditions="Use only for the purpose requested.", decided_by=p.assignee, organisation=p.b,
        protocol_pack=p.pack,
    )
    ReleaseItem.objects.create(decision=decision, text="Two incidents recorded.", fact_or_opinion="fact", originating_organisation=p.b)
    attachment = ReleaseAttachment(decision=decision, original_name="note.pdf", content_type="application/pdf",
                                   size=9, sha256="0" * 64, uploaded_by=p.assignee)
    attachment.file.save("note", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment.save()
    request.decided_at = timezone.now()
    request.save(update_fields=["decided_at"])
    request.attachment = attachment
    return request


def disputed(p):
    request = decided(p, Outcome.DECLINED)
    request.status = Status.DISPUTED
    request.save(update_fields=["status"])
    Dispute.objects.create(request=request, decision=request.decisions.get(), raised_by=p.requester, grounds="We need it.")
    return request


@dataclass
class Case:
    expect: dict[str, object]  # visitor -> outcome; anonymous is always SIGN_IN
    state: Callable = assigned
    kwargs: Callable = lambda p, r: {"pk": r.pk}
    method: str = "get"
    data: dict = field(default_factory=dict)


def outcomes(default, **overrides):
    result = {v: default for v in VISITORS if v != "anonymous"}
    result.update(overrides)
    return result


def submitted(p):
    return p.request(status=Status.SUBMITTED)


def awaiting_advice(p):
    return assigned(p, Status.AWAITING_ADVICE)


def sub_judice(p):
    request = assigned(p)
    request.sub_judice = True
    request.save(update_fields=["sub_judice"])
    return request


# Holding organisation's actions: B's inbox; the assignee works the request; B's designated
# officer assigns and advises. People with need-to-know who have no part in an action get 403.
HOLDING_ONLY = dict(requester=403, do_a=403)
MATRIX: dict[str, Case] = {
    "sharing:inbox": Case(outcomes(200, chair=403, auditor=403, dpo_b=403, admin=403), kwargs=lambda p, r: {}),
    "sharing:request_assign": Case(outcomes(404, **HOLDING_ONLY, assignee=403, do_b=200)),
    "sharing:request_pick_up": Case(
        outcomes(404, **HOLDING_ONLY, assignee="redirect", officer_b="redirect", do_b="redirect"),
        state=submitted, method="post",
    ),
    "sharing:request_return": Case(outcomes(404, **HOLDING_ONLY, assignee=200, do_b=200)),
    "sharing:flowchart_start": Case(outcomes(404, **HOLDING_ONLY, assignee=200, do_b=403)),
    # With no run started, the assignee is sent to the start of the flowchart.
    "sharing:flowchart_question": Case(
        outcomes(404, **HOLDING_ONLY, assignee="redirect", do_b=403), kwargs=lambda p, r: {"pk": r.pk, "code": "purpose"}
    ),
    "sharing:flowchart_outcome": Case(outcomes(404, **HOLDING_ONLY, assignee="redirect", do_b=403)),
    "sharing:request_advice": Case(outcomes(404, **HOLDING_ONLY, assignee=403, do_b=200), state=awaiting_advice),
    "sharing:sub_judice_record": Case(outcomes(404, **HOLDING_ONLY, assignee=200, do_b=403), state=sub_judice),
    "sharing:request_decide": Case(outcomes(404, **HOLDING_ONLY, assignee=200, do_b=403)),
}

# The requester's journey. A draft is seen by its requester and A's designated officer (need-to-
# know), but only the requester may change it.
OFFICERS_ONLY = outcomes(200, chair=403, auditor=403, dpo_b=403, admin=403)
DRAFT_PAGE = Case(outcomes(404, requester=200, do_a=403), state=draft)


def draft_with_subject(p):
    request = draft(p)
    request.first_subject = request.subjects.get()
    return request


with_subject = lambda p, r: {"pk": r.pk, "subject_pk": r.first_subject.pk}  # noqa: E731
MATRIX.update({
    "sharing:raise_start": Case(OFFICERS_ONLY, kwargs=lambda p, r: {}),
    "sharing:my_requests": Case(OFFICERS_ONLY, kwargs=lambda p, r: {}),
    **{f"sharing:{name}": DRAFT_PAGE for name in (
        "draft_tasks", "draft_subjects", "draft_subject_add", "draft_purpose", "draft_information",
        "draft_urgency", "draft_checklist", "draft_check_answers",
    )},
    "sharing:draft_subject_edit": Case(outcomes(404, requester=200, do_a=403), state=draft_with_subject, kwargs=with_subject),
    "sharing:draft_subject_remove": Case(outcomes(404, requester=200, do_a=403), state=draft_with_subject, kwargs=with_subject),
    # The factory's draft has no lawful bases yet: submitting shows check-your-answers with errors.
    "sharing:draft_submit": Case(outcomes(404, requester=200, do_a=403), state=draft, method="post"),
    "sharing:request_withdraw": Case(outcomes(404, requester=200, do_a=200, assignee=403, do_b=403)),
    "sharing:request_answer": Case(outcomes(404, requester=200, do_a=403, assignee=403, do_b=403), state=returned),
})

# The request page and what hangs off it: everyone with need-to-know reads; only the requesting
# side disputes, A's designated officer gives its view and only B's decides a dispute (SSP 9.2).
NEED_TO_KNOW = outcomes(404, requester=200, assignee=200, do_a=200, do_b=200)
MATRIX.update({
    "sharing:request_detail": Case(NEED_TO_KNOW),
    "sharing:request_pdf": Case(NEED_TO_KNOW, state=decided),
    "sharing:attachment_download": Case(
        NEED_TO_KNOW, state=decided, kwargs=lambda p, r: {"pk": r.pk, "attachment_pk": r.attachment.pk}
    ),
    "sharing:request_dispute": Case(
        outcomes(404, requester=200, do_a=200, assignee=403, do_b=403), state=lambda p: decided(p, Outcome.DECLINED)
    ),
    "sharing:dispute_decide": Case(outcomes(404, requester=403, assignee=403, do_a=403, do_b=200), state=disputed),
    # SSP 9.2: the requesting organisation's designated officer gives its view before B's decides.
    "sharing:dispute_view": Case(outcomes(404, requester=403, assignee=403, do_a=200, do_b=403), state=disputed),
})


# --- Issue 4: consent reliance, public-interest override, the designated officers' queue, and
# onward disclosure. States are built through the real services.

def _run(p, request, path, outcome):
    from sharing.models import FlowchartRun

    return FlowchartRun.objects.create(
        request=request, responder=p.assignee, path=[{"node": n, "answer": a, "note": ""} for n, a in path],
        outcome=outcome, completed_at=timezone.now(), reasons="Recorded for the matrix.",
    )


CONSENT_YES = [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"), ("consent", "yes")]
PUBLIC_INTEREST = [*CONSENT_YES[:3], ("consent", "no"), ("public-interest", "yes")]


def relying_on_consent(p):
    request = assigned(p)
    _run(p, request, CONSENT_YES, "share")
    return request


def with_consent_about_subject(p):
    import datetime

    from consent.models import GivenBy
    from consent.services import consent_record

    request = relying_on_consent(p)
    given = timezone.localdate() - datetime.timedelta(days=3)
    request.consent = consent_record(
        acting_user=p.requester, acting_membership=p.memberships["requester"], subject=request.subjects.get().subject,
        given_by=GivenBy.SUBJECT, reasons_explained=True, disclosers=[p.b], recipients=[p.a],
        purposes=[p.pack.purposes.order_by("order").first()], information_items=["Tenancy warnings"],
        given_on=given, witness_name="Pat Officer", witness_position="Constable", witnessed_on=given,
    )
    return request


def public_interest(p):
    request = assigned(p)
    request.run = _run(p, request, PUBLIC_INTEREST, "share_public_interest")
    return request


def override_proposed(p):
    from sharing.services.override import override_propose

    request = public_interest(p)
    pack = p.pack
    request.override = override_propose(
        disclosure=request, consent_position="not_sought", not_sought_reason="risk",
        consent_explanation="Asking would alert the subject.", grounds=list(pack.public_interest_grounds.all()[:1]),
        art6_condition=pack.lawful_bases.filter(category="art6").first(),
        dpa_sch1_condition=pack.lawful_bases.filter(category="dpa_sch1").first(),
        proportionality="Only the two incidents.", risk_of_not_sharing="Harm to neighbours.",
        alternatives_considered="None would serve.", acting_user=p.assignee,
        acting_membership=p.memberships["assignee"],
    )
    return request


def onward_pending(p):
    from sharing.services.onward import onward_request_create

    request = decided(p)
    request.onward = onward_request_create(
        disclosure=request, items=list(request.decisions.get().items.all()), to_organisation=p.c,
        purpose=p.pack.purposes.order_by("order").first(), reasons="The landlord needs it for the tenancy.",
        acting_user=p.requester, acting_membership=p.memberships["requester"],
    )
    return request


def onward_approved(p):
    from sharing.services.onward import onward_decide

    request = onward_pending(p)
    onward_decide(onward=request.onward, approved=True, reasons="Proportionate.", acting_user=p.assignee,
                  acting_membership=p.memberships["assignee"])
    return request


RESPONDER_ONLY = outcomes(404, requester=403, assignee=200, do_a=403, do_b=403)
MATRIX.update({
    "sharing:consent_reliance": Case(RESPONDER_ONLY, state=relying_on_consent),
    "sharing:consent_reliance_items": Case(
        RESPONDER_ONLY, state=with_consent_about_subject, kwargs=lambda p, r: {"pk": r.pk, "consent_pk": r.consent.pk}
    ),
    "sharing:override_propose": Case(RESPONDER_ONLY, state=public_interest),
    # Four eyes: only B's designated officer decides, and never the one who proposed it.
    "sharing:override_decide": Case(
        outcomes(404, requester=403, assignee=403, do_a=403, do_b=200), state=override_proposed,
        kwargs=lambda p, r: {"pk": r.pk, "override_pk": r.override.pk},
    ),
    "sharing:designated_queue": Case(
        outcomes(403, do_a=200, do_b=200, do_c=200), kwargs=lambda p, r: {}
    ),
    "sharing:onward_request": Case(
        outcomes(404, requester=200, assignee=403, do_a=200, do_b=403), state=decided
    ),
    "sharing:onward_decide": Case(
        outcomes(404, requester=403, assignee=200, do_a=403, do_b=200), state=onward_pending,
        kwargs=lambda p, r: {"pk": r.pk, "onward_pk": r.onward.pk},
    ),
    "sharing:onward_share": Case(
        outcomes(404, requester=200, assignee=403, do_a=200, do_b=403), state=onward_approved,
        kwargs=lambda p, r: {"pk": r.pk, "onward_pk": r.onward.pk},
    ),
})


# The tests come last: `parametrize` reads MATRIX when the module is imported.
def test_every_sharing_url_is_in_the_matrix():
    from tests.authz import all_url_names

    names = {n for n in all_url_names() if n.startswith("sharing:")}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"sharing URLs with no entry in tests/sharing/test_access_matrix.py: {missing}"
    assert not sorted(set(MATRIX) - names), "matrix entries for URLs that no longer exist"


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access_matrix(parties, url_name):
    case = MATRIX[url_name]
    failures = []
    for visitor in VISITORS:
        request = case.state(parties)
        url = reverse(url_name, kwargs=case.kwargs(parties, request))
        client = Client() if visitor == "anonymous" else parties.client(visitor)
        response = client.post(url, case.data) if case.method == "post" else client.get(url)
        expected = SIGN_IN if visitor == "anonymous" else case.expect[visitor]
        got = classify(response)
        if got != expected:
            failures.append(f"{visitor}: expected {expected}, got {got}")
    failures += _other_partnership(parties, url_name, case)
    failures += _leavers_and_self_granters(parties, url_name, case)
    assert not failures, f"{url_name}:\n  " + "\n  ".join(failures)


def _other_partnership(parties, url_name, case) -> list[str]:
    """The partnership axis (issue 16): B is also a member of a second partnership, and this visitor
    is B's designated officer for that partnership only. Of a request under the first partnership's
    protocol they fare exactly as the designated officer of an organisation with no part in it
    (C's): nothing visible or possible."""
    other = Partnership.objects.create(slug="other-partnership", name="Other Partnership")
    PartnershipMember.objects.create(partnership=other, organisation=parties.b, standing="responsible_authority")
    parties.memberships["do_b_other"] = MembershipFactory(
        organisation=parties.b, role=Role.DESIGNATED_OFFICER, partnership=other, user__username="do_b_other"
    )
    request = case.state(parties)
    url = reverse(url_name, kwargs=case.kwargs(parties, request))
    client = parties.client("do_b_other")
    response = client.post(url, case.data) if case.method == "post" else client.get(url)
    if (got := classify(response)) != case.expect["do_c"]:
        return [f"designated officer of B for another partnership: expected {case.expect['do_c']}, got {got}"]
    return []


def _leavers_and_self_granters(parties, url_name, case) -> list[str]:
    """Two more visitors, run last because they change memberships. An admin who tries to give
    themselves B's designated-officer role is refused and then fares exactly as an admin. The
    assignee whose B membership ended (now an officer at C) fares exactly as C's officer: nothing
    of B's case, however it was reached before."""
    failures = []
    with pytest.raises(ValidationError):
        membership_add(user=parties.admin, organisation=parties.b, role=Role.DESIGNATED_OFFICER, acting_user=parties.admin)
    request = case.state(parties)
    url = reverse(url_name, kwargs=case.kwargs(parties, request))
    response = parties.client("admin").post(url, case.data) if case.method == "post" else parties.client("admin").get(url)
    if (got := classify(response)) != case.expect["admin"]:
        failures.append(f"admin with a self-granted role: expected {case.expect['admin']}, got {got}")

    request = case.state(parties)
    url = reverse(url_name, kwargs=case.kwargs(parties, request))
    at_c = MembershipFactory(user=parties.assignee, organisation=parties.c, role=Role.OFFICER)
    membership_end(membership=parties.memberships["assignee"], acting_user=parties.admin)
    parties.memberships["leaver"] = at_c
    client = parties.client("leaver")
    response = client.post(url, case.data) if case.method == "post" else client.get(url)
    if (got := classify(response)) != case.expect["officer_c"]:
        failures.append(f"assignee whose membership ended: expected {case.expect['officer_c']}, got {got}")
    return failures
