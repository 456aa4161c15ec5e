"""New protocol versions through the portal (issue 12; SSP 17, SDP 13): validated by the loader's
own checks with field paths and nothing kept when refused; set against the version in force;
in force only once approved as the pack says, each approval decision-logged; decided requests
keep their version; drafts raised under the old one are told."""
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from oversight.diff import pack_diff
from oversight.models import ProposalStatus, ProposedVersion
from oversight.services import protocol_version_approve
from portal.models import DecisionLogEntry, Notification, OrganisationKind
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role
from sharing.models import Status
from tests.oversight.conftest import _client_as
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory, stockport_pack

pytestmark = pytest.mark.django_db

ORIGINAL = (settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml").read_text(encoding="utf-8")


def new_version(*, version="2026", board=False) -> str:
    text = ORIGINAL.replace('version: "2020"', f'version: "{version}"', 1)
    text = text.replace("review_date: 2022-05-01", "review_date: 2029-05-01", 1)
    text = text.replace("    name: Domestic Abuse Steering Group", "    name: Domestic Abuse and Stalking Steering Group", 1)
    text = text.replace("  - code: why\n", "  - code: why\n    text: Why do I want it, and is sharing it in the victim's or offender's best interests?\n    source: SSP Appendix 2 q1\n  - code: why-old\n", 1)
    if board:
        text += "review:\n  approval: board\n"
    return text


@pytest.fixture
def partnership(db):
    pack = stockport_pack()
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    council = OrganisationFactory(name="Stockport Council")
    people = {
        "admin": MembershipFactory(organisation=council, role=Role.ADMIN),
        "do_police": MembershipFactory(organisation=police, role=Role.DESIGNATED_OFFICER),
        "do_council": MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER),
        "requester": MembershipFactory(organisation=police),
        "auditor": MembershipFactory(organisation=council, role=Role.AUDITOR),
    }
    return pack, police, council, people


def upload(client, text, name="stockport-2026.yaml"):
    return client.post(reverse("oversight:versions"), {"pack_file": SimpleUploadedFile(name, text.encode())})


def test_a_refused_pack_shows_each_problem_with_its_field_path_and_keeps_nothing(partnership):
    _, _, _, people = partnership
    admin = _client_as(people["admin"])
    broken = new_version().replace("review_date: 2029-05-01", "review_date: soon", 1).replace("    days: 365\n", "    days: -3\n", 1)
    response = upload(admin, broken)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "review_date:" in html and "retention[0].days" in html
    wrong_slug = upload(admin, new_version().replace("slug: safer-stockport", "slug: safer-elsewhere", 1)).content.decode()
    assert "slug: must be &#x27;safer-stockport&#x27;" in wrong_slug
    again = upload(admin, ORIGINAL).content.decode()
    assert "version: version &#x27;2020&#x27; is already loaded" in again
    assert ProposedVersion.objects.count() == 0
    assert not DecisionLogEntry.objects.filter(action="protocol.version_proposed").exists()


def test_the_diff_names_what_changed(partnership):
    pack, *_ = partnership
    from portal.protocols.validation import pack_parse

    diff = {section.title: section.changes for section in pack_diff(old=pack.data, new=pack_parse(new_version()))}
    assert [(c.code, c.change, c.fields) for c in diff["Checklist questions"]] == [("why", "changed", ["text"]), ("why-old", "added", [])]
    assert [(c.code, c.change, c.fields) for c in diff["Forums"]] == [("domestic-abuse-steering-group", "changed", ["name"])]
    assert diff["Review date"][0].label == "2022-05-01 → 2029-05-01"
    assert diff["Partners"] == [] and diff["Markings"] == []


def test_in_force_only_when_every_signatory_approves_and_drafts_are_told(partnership):
    pack, police, council, people = partnership
    decided = DisclosureRequestFactory(
        requester=people["requester"].user, requesting_organisation=police, holding_organisation=council,
        status=Status.RELEASED, decided_under=pack,
    )
    draft = DisclosureRequestFactory(
        requester=people["requester"].user, requesting_organisation=police, holding_organisation=council, status=Status.DRAFT,
    )
    admin = _client_as(people["admin"])
    response = upload(admin, new_version())
    proposal = ProposedVersion.objects.get()
    assert response.status_code == 302 and response.url == reverse("oversight:version", kwargs={"pk": proposal.pk})
    page = _client_as(people["do_police"]).get(response.url).content.decode()
    assert "Domestic Abuse and Stalking Steering Group" in page and "Approve version 2026" in page
    # The admin cannot approve for the organisations; the police DO approves once.
    assert admin.post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk})).status_code == 403
    police_do = _client_as(people["do_police"])
    assert police_do.post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk}), {"note": "Approved at the SSP board, 3 March."}).status_code == 302
    assert police_do.post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk})).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING and current_protocol_pack(pack.partnership).version == "2020"
    protocol_version_approve(proposal=proposal, acting_user=people["do_council"].user, acting_membership=people["do_council"])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_FORCE
    assert current_protocol_pack(pack.partnership).version == "2026" == proposal.pack.version
    decided.refresh_from_db()
    assert decided.decided_under_id == pack.pk  # decided requests keep their version
    approvals = DecisionLogEntry.objects.filter(action="protocol.version_approved").order_by("pk")
    assert [e.reasons for e in approvals] == ["Approved at the SSP board, 3 March.", "Approved for Stockport Council."]
    assert DecisionLogEntry.objects.filter(action="protocol.version_in_force").count() == 1
    told = Notification.objects.get(reference=draft.reference)
    assert told.recipient == people["requester"].user
    assert told.path == reverse("oversight:version_changes", kwargs={"pk": proposal.pk})
    assert "Jordan" not in told.subject  # a reference, never the person
    changes = _client_as(people["requester"]).get(told.path)
    assert changes.status_code == 200 and "Domestic Abuse and Stalking Steering Group" in changes.content.decode()
    # The draft itself says so, with what changed, until it is sent.
    tasks = _client_as(people["requester"]).get(reverse("sharing:draft_tasks", kwargs={"pk": draft.pk})).content.decode()
    assert "A new version of the protocol is in force" in tasks
    assert "You started this draft under version 2020. Version 2026 is now in force" in tasks
    assert "Domestic Abuse and Stalking Steering Group" in tasks and "Checklist questions" in tasks


def test_where_the_pack_says_the_board_approves_the_admin_records_it(partnership):
    pack, _, _, people = partnership
    from portal.protocols.services import protocol_pack_load

    board_pack, _ = protocol_pack_load(path_or_text=new_version(version="2025", board=True))
    admin = _client_as(people["admin"])
    assert upload(admin, new_version(version="2027")).status_code == 302
    proposal = ProposedVersion.objects.get()
    assert proposal.base_pack == board_pack and proposal.approval_rule == "board"
    assert _client_as(people["do_police"]).post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk})).status_code == 403
    assert admin.post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk}), {"note": "Board minute 12."}).status_code == 302
    assert current_protocol_pack(pack.partnership).version == "2027"


def test_an_admin_withdraws_a_proposal_with_a_reason_and_its_approvals_are_void(partnership):
    pack, police, council, people = partnership
    admin = _client_as(people["admin"])
    proposal = ProposedVersion.objects.get(pk=int(upload(admin, new_version())["Location"].rstrip("/").split("/")[-1]))
    protocol_version_approve(proposal=proposal, acting_user=people["do_police"].user, acting_membership=people["do_police"])
    page = admin.get(reverse("oversight:version", kwargs={"pk": proposal.pk})).content.decode()
    assert "Withdraw version 2026" in page
    # Only admins are offered it; a designated officer's page has no such button and the page refuses them.
    assert "Withdraw version 2026" not in _client_as(people["do_council"]).get(reverse("oversight:version", kwargs={"pk": proposal.pk})).content.decode()
    url = reverse("oversight:version_withdraw", kwargs={"pk": proposal.pk})
    assert _client_as(people["do_council"]).post(url, {"reason": "No."}).status_code == 403
    confirm = admin.get(url).content.decode()
    assert "The 1 approval already recorded on version 2026 will be void" in confirm
    empty = admin.post(url, {"reason": "   "})
    assert empty.status_code == 400 and "Enter why the version is withdrawn" in empty.content.decode()
    # Another admin of the partnership withdraws it (not only the one who uploaded it).
    other_admin = MembershipFactory(organisation=police, role=Role.ADMIN)
    done = _client_as(other_admin).post(url, {"reason": "The board found the retention periods wrong."})
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN and proposal.withdrawn_by == other_admin.user
    assert proposal.withdrawn_reason == "The board found the retention periods wrong."
    assert proposal.approvals.get().voided_at is not None
    entry = DecisionLogEntry.objects.get(action="protocol.version_withdrawn")
    assert "1 approval(s) on it void" in entry.reasons and "retention periods wrong" in entry.reasons
    assert Notification.objects.filter(recipient=people["do_police"].user, subject__contains="withdrawn").exists()
    assert current_protocol_pack(pack.partnership) == pack  # the version in force is untouched
    page = admin.get(reverse("oversight:version", kwargs={"pk": proposal.pk})).content.decode()
    assert "Void: version withdrawn" in page and "retention periods wrong" in page and "Approve version" not in page
    # Nothing more can be done to it, and the designated officer cannot approve it now.
    assert _client_as(other_admin).get(url).status_code == 403
    assert _client_as(people["do_council"]).post(reverse("oversight:version_approve", kwargs={"pk": proposal.pk}), {}).status_code == 403
    # A corrected file can be proposed again.
    assert upload(admin, new_version()).status_code == 302


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(max_size=2100))
def test_the_withdraw_form_takes_any_text_without_failing(reason):
    from oversight.forms import WithdrawForm

    form = WithdrawForm({"reason": reason})
    if form.is_valid():
        cleaned = form.cleaned_data["reason"]
        assert cleaned and cleaned == cleaned.strip() and len(cleaned) <= 2000 and "\x00" not in cleaned
    else:
        assert form.errors["reason"][0]


def test_lessons_learnt_from_breach_reports_are_listed_as_inputs_to_the_review(partnership):
    import datetime

    from django.utils import timezone

    from governance.models import Breach
    from oversight.services import review_reminder_send

    pack, police, council, people = partnership

    def breach(reference, *, lessons, note="", reported=None):
        made = Breach.objects.create(
            reference=reference, partnership=pack.partnership, reported_by=people["do_police"].user, reporter_organisation=police,
            occurred_organisation=police, what_happened="A letter naming Jordan went to the wrong address.",
            happened_at=timezone.now() - datetime.timedelta(days=3), discovered_at=timezone.now() - datetime.timedelta(days=2),
            data_categories=["identifiers"], people_affected=1, lessons_learnt=lessons, lessons_note=note,
        )
        if reported:
            Breach.objects.filter(pk=made.pk).update(reported_at=reported)

    breach("BR-2026-000001", lessons=True, note="Check the address against two sources before sending.")
    breach("BR-2026-000002", lessons=False)
    breach("BR-2021-000003", lessons=True, note="Considered at the last review.", reported=timezone.make_aware(datetime.datetime(2021, 1, 5)))
    page = _client_as(people["do_council"]).get(reverse("oversight:versions")).content.decode()
    assert "Inputs to the review" in page and "BR-2026-000001" in page and "Check the address against two sources" in page
    assert "BR-2026-000002" not in page and "BR-2021-000003" not in page
    assert "Jordan" not in page  # what happened stays in the breach case
    # The review reminders point at the page that lists them.
    review_reminder_send(pack=pack, today=pack.review_date - datetime.timedelta(days=10))
    assert set(Notification.objects.values_list("path", flat=True)) == {reverse("oversight:versions")}
