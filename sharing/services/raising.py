"""The requesting officer's journey: draft, complete, submit, withdraw, answer a return
(DOMAIN.md §4 steps 1–2; SSP 5.6, 6.3–6.4, 13.3, Appendix 1, Appendix 2).

A request starts as a DRAFT belonging to the officer who raised it, and is filled in section by
section; each section save is one service below. Nothing is checked for completeness until
`disclosure_submit`, which lists *every* gap at once (`disclosure_submit_problems`), so the
check-your-answers page can link to each. What is checked as each section is saved is what can
never be right: a purpose, forum, gateway or lawful basis from another protocol pack, a legal
gateway that the holding organisation's kind may not rely on (SSP Appendix 1), a date of birth
in the future, an NHS number whose check digit is wrong, a needed-by date in the past.

Only the requester changes a draft. Withdrawal is open to the requester and to the designated
officer of the requesting organisation while the lifecycle allows it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from portal.models import (
    ChecklistQuestion,
    DataSubject,
    Forum,
    LawfulBasis,
    LawfulBasisCategory,
    LegalGateway,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
    Purpose,
    SubjectRole,
    User,
)
from portal.protocols.selectors import current_protocol_pack
from portal.restrictions import processing_restriction_refusal
from portal.roles import Role
from portal.selectors.partnerships import partnerships_shared
from portal.sharing_conditions import sharing_block_message, sharing_blocks
from portal.text import collect_text
from sharing import lifecycle
from sharing.models import (
    ChecklistAnswer,
    DisclosureRequest,
    NoteKind,
    RequestNote,
    RequestSubject,
    Status,
    Urgency,
    YesNo,
)
from sharing.retention import disclosure_copies_record
from sharing.selectors import access_disclosure, disclosure_role
from sharing.services.common import designated_officers, notify_about

RAISING_ROLES = frozenset({Role.OFFICER, Role.DESIGNATED_OFFICER})

# Longest text kept for each free-text field; longer input is refused with a clear message.
MAX_NAME = 200
MAX_ALIASES = 500
MAX_ADDRESS = 1000
MAX_THIRD_PARTIES = 5000
MAX_INFORMATION = 10000
MAX_REASON = 5000
MAX_ANSWER = 10000


# ---------------------------------------------------------------------------------------------
# Small rules shared by forms and services
# ---------------------------------------------------------------------------------------------


def nhs_number_normalise(value: str) -> str:
    """Digits only: people type NHS numbers as '943 476 5919' or '943-476-5919'."""
    return "".join(ch for ch in value if ch not in " -")


def nhs_number_is_valid(value: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


# ---------------------------------------------------------------------------------------------
# Who may do what (the view's guard, the buttons and the service call these; when the state
# allows it is for the transition table and the service to say)
# ---------------------------------------------------------------------------------------------


def _is_requester(*, user: User, disclosure: DisclosureRequest) -> bool:
    return disclosure.requester_id is not None and disclosure.requester_id == getattr(user, "pk", None)


def draft_may_change(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer who raised the request changes its draft."""
    return _is_requester(user=user, disclosure=disclosure)


def disclosure_may_submit(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer who raised the request, acting as an officer of the requesting organisation."""
    return bool(
        _is_requester(user=user, disclosure=disclosure)
        and membership
        and membership.organisation_id == disclosure.requesting_organisation_id
        and membership.role in RAISING_ROLES
    )


def disclosure_may_resubmit(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer who raised the request answers a return and resubmits it."""
    return _is_requester(user=user, disclosure=disclosure)


def disclosure_may_withdraw(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer who raised the request, or a designated officer of the requesting organisation."""
    return bool(disclosure_role(user=user, request=disclosure) & {"requester", "designated_requesting"})


def _locked_draft(*, disclosure: DisclosureRequest, acting_user: User) -> DisclosureRequest:
    """The draft, locked for this transaction, if `acting_user` may change it."""
    locked = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    if not draft_may_change(user=acting_user, membership=None, disclosure=locked):
        raise ValidationError("Only the officer who raised this request can change it")
    if locked.status != Status.DRAFT:
        raise ValidationError("This request has been submitted: it can no longer be changed")
    return locked


def sharing_refusals(
    *, partnership: Partnership, requesting: Organisation, holding: Organisation | None
) -> list[str]:
    """Why no new request may go from `requesting` to `holding` under `partnership`'s protocol now:
    both must be its members (a request never leaves its partnership), the holder a signatory,
    neither suspended there (SSP 13.3), and neither blocked by the protocol's conditions (SDP 4.5)."""
    members = {
        member.organisation_id: member
        for member in PartnershipMember.objects.filter(
            partnership=partnership, organisation__in=[requesting.pk] + ([holding.pk] if holding else [])
        )
    }
    problems = []
    mine = members.get(requesting.pk)
    if mine is None:
        problems.append(f"{requesting.name} is not a member of {partnership.name}, so it cannot raise requests under its protocol")
    elif mine.sharing_suspended:
        problems.append(f"Sharing with {requesting.name} is suspended, so it cannot raise new requests (SSP 13.3)")
    if holding is not None:
        theirs = members.get(holding.pk)
        if theirs is None:
            problems.append(f"{holding.name} is not a member of {partnership.name}, so it cannot be sent requests under its protocol")
        elif theirs.sharing_suspended:
            problems.append(f"Sharing with {holding.name} is suspended, so it cannot be sent requests (SSP 13.3)")
        elif not theirs.has_signed:
            problems.append(
                f"{holding.name} has not signed the information sharing protocol, so it cannot be sent requests"
            )
    if not problems:  # the protocol's own conditions (SDP 4.5), where the pack says they block sharing
        problems.extend(
            sharing_block_message(organisation, gaps)
            for organisation, gaps in sharing_blocks(partnership=partnership, organisations=[requesting, holding])
        )
    return problems


def request_partnership(
    *, requesting: Organisation, holding: Organisation, partnership: Partnership | None
) -> Partnership:
    """The partnership a new request between the two organisations is under: the one chosen, or
    the only one they share."""
    if partnership is not None:
        return partnership
    shared = list(partnerships_shared(first=requesting, second=holding)[:2])
    if not shared:
        raise ValidationError(
            {"holding_organisation": f"{holding.name} is not a member of any partnership {requesting.name} belongs to"}
        )
    if len(shared) > 1:
        raise ValidationError({"partnership": "Select which partnership's protocol the request is made under"})
    return shared[0]


def gateway_allowed(*, gateway: LegalGateway, holding: Organisation) -> bool:
    """SSP Appendix 1: a gateway may be cited only when the holding organisation's kind may rely on it."""
    return holding.kind in (gateway.organisation_kinds or [])


def gateways_for(*, pack, holding: Organisation):
    return pack.legal_gateways.filter(organisation_kinds__contains=[holding.kind]).order_by("order")


# ---------------------------------------------------------------------------------------------
# Starting a draft
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def disclosure_draft_create(
    *,
    requester: User,
    requesting_organisation: Organisation,
    holding_organisation: Organisation,
    acting_user: User,
    partnership: Partnership | None = None,
) -> DisclosureRequest:
    """Start a draft request from `requesting_organisation` to `holding_organisation`, under the
    protocol pack in force for `partnership` (by default the one partnership the two share).
    Grants nothing: the requester sees it through the selectors."""
    if acting_user.pk != requester.pk:
        raise ValidationError("A request can only be raised by the officer who will own it")
    membership = Membership.objects.active().filter(
        user=requester, organisation=requesting_organisation, role__in=RAISING_ROLES
    )
    if not membership.exists():
        raise ValidationError(f"You cannot raise requests for {requesting_organisation.name}")
    if holding_organisation.pk == requesting_organisation.pk:
        raise ValidationError({"holding_organisation": "Choose an organisation other than your own"})
    partnership = request_partnership(
        requesting=requesting_organisation, holding=holding_organisation, partnership=partnership
    )
    pack = current_protocol_pack(partnership)
    if pack is None:
        raise ValidationError(
            f"No information sharing protocol is in force for {partnership.name}, so requests cannot be raised "
            "under it. Ask your partnership admin."
        )
    refusals = sharing_refusals(partnership=partnership, requesting=requesting_organisation, holding=holding_organisation)
    if refusals:
        raise ValidationError({"holding_organisation": refusals})
    request = DisclosureRequest.objects.create(
        # A placeholder until the row has its id; never seen outside this transaction.
        reference=f"NEW-{uuid.uuid4().hex[:16]}",
        status=Status.DRAFT,
        protocol_pack=pack,
        requesting_organisation=requesting_organisation,
        requester=requester,
        holding_organisation=holding_organisation,
    )
    request.reference = f"DR-{timezone.localdate():%Y}-{request.pk:06d}"
    request.save(update_fields=["reference"])
    disclosure_copies_record(request=request)  # the requesting organisation's copy, under its policy
    return request


# ---------------------------------------------------------------------------------------------
# Draft sections
# ---------------------------------------------------------------------------------------------


def _subject_values(
    *,
    full_name: str,
    aliases: str,
    date_of_birth: datetime.date | None,
    address: str,
    nhs_number: str,
    role: str,
) -> dict:
    errors: dict = {}
    values = {
        "full_name": collect_text(full_name, field="full_name", label="Full name", max_length=MAX_NAME, errors=errors),
        "aliases": collect_text(aliases, field="aliases", label="Other names", max_length=MAX_ALIASES, errors=errors),
        "address": collect_text(address, field="address", label="Address", max_length=MAX_ADDRESS, errors=errors),
        "nhs_number": nhs_number_normalise((nhs_number or "").strip()),
        "date_of_birth": date_of_birth,
    }
    if not values["full_name"] and "full_name" not in errors:
        errors["full_name"] = "Enter the person's full name"
    if date_of_birth is not None and date_of_birth >= timezone.localdate():
        errors["date_of_birth"] = "Date of birth must be in the past"
    if values["nhs_number"] and not nhs_number_is_valid(values["nhs_number"]):
        errors["nhs_number"] = "Enter a valid NHS number: 10 digits, like 943 476 5919"
    if role not in SubjectRole.values:
        errors["role"] = "Select the person's role"
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def disclosure_draft_subject_add(
    *,
    disclosure: DisclosureRequest,
    full_name: str,
    role: str,
    aliases: str = "",
    date_of_birth: datetime.date | None = None,
    address: str = "",
    nhs_number: str = "",
    acting_user: User,
) -> RequestSubject:
    """Add a data subject to the draft. The subject record is held by the requesting organisation."""
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    values = _subject_values(
        full_name=full_name,
        aliases=aliases,
        date_of_birth=date_of_birth,
        address=address,
        nhs_number=nhs_number,
        role=role,
    )
    subject = DataSubject.objects.create(holder_id=disclosure.requesting_organisation_id, **values)
    return RequestSubject.objects.create(request=disclosure, subject=subject, role=role)


def _draft_subject(*, disclosure: DisclosureRequest, request_subject_pk: int) -> RequestSubject:
    link = RequestSubject.objects.select_related("subject").filter(request=disclosure, pk=request_subject_pk).first()
    if link is None:
        raise ValidationError("That person is not on this request")
    return link


@transaction.atomic
def disclosure_draft_subject_update(
    *,
    disclosure: DisclosureRequest,
    request_subject_pk: int,
    full_name: str,
    role: str,
    aliases: str = "",
    date_of_birth: datetime.date | None = None,
    address: str = "",
    nhs_number: str = "",
    acting_user: User,
) -> RequestSubject:
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    link = _draft_subject(disclosure=disclosure, request_subject_pk=request_subject_pk)
    values = _subject_values(
        full_name=full_name,
        aliases=aliases,
        date_of_birth=date_of_birth,
        address=address,
        nhs_number=nhs_number,
        role=role,
    )
    subject = link.subject
    for field, value in values.items():
        setattr(subject, field, value)
    subject.save(update_fields=list(values))
    if link.role != role:
        link.role = role
        link.save(update_fields=["role"])
    return link


@transaction.atomic
def disclosure_draft_subject_remove(*, disclosure: DisclosureRequest, request_subject_pk: int, acting_user: User) -> None:
    """Take a person off the draft. Their record goes too unless something else points at it."""
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    link = _draft_subject(disclosure=disclosure, request_subject_pk=request_subject_pk)
    subject = link.subject
    link.delete()
    if not RequestSubject.objects.filter(subject=subject).exists():
        try:
            with transaction.atomic():
                subject.delete()
        except ProtectedError:
            pass  # consent records or meetings point at it: it stays, held by the requesting organisation


@transaction.atomic
def disclosure_draft_third_parties_set(*, disclosure: DisclosureRequest, third_parties: str, acting_user: User) -> None:
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    errors: dict = {}
    disclosure.third_parties = collect_text(
        third_parties, field="third_parties", label="Third parties", max_length=MAX_THIRD_PARTIES, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    disclosure.save(update_fields=["third_parties", "updated_at"])


@transaction.atomic
def disclosure_draft_purpose_set(
    *,
    disclosure: DisclosureRequest,
    purpose: Purpose | None,
    forum: Forum | None,
    legal_gateway: LegalGateway | None,
    lawful_bases: Iterable[LawfulBasis],
    acting_user: User,
) -> DisclosureRequest:
    """Purpose, forum, legal gateway and lawful bases, all from the request's own protocol pack.
    Which lawful bases are *needed* depends on the information flags: that is checked at submit."""
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    pack_id = disclosure.protocol_pack_id
    lawful_bases = list(lawful_bases)
    errors: dict = {}
    if purpose is not None and purpose.pack_id != pack_id:
        errors["purpose"] = "Select a purpose from the protocol in force"
    if forum is not None and forum.pack_id != pack_id:
        errors["forum"] = "Select a forum from the protocol in force"
    if legal_gateway is not None:
        if legal_gateway.pack_id != pack_id:
            errors["legal_gateway"] = "Select a legal gateway from the protocol in force"
        elif not gateway_allowed(gateway=legal_gateway, holding=disclosure.holding_organisation):
            errors["legal_gateway"] = (
                f"{disclosure.holding_organisation.name} cannot rely on {legal_gateway.name}: "
                "select a gateway that its kind of organisation may use (SSP Appendix 1)"
            )
    if any(basis.pack_id != pack_id for basis in lawful_bases):
        errors["lawful_bases"] = "Select lawful bases from the protocol in force"
    if errors:
        raise ValidationError(errors)
    disclosure.purpose = purpose
    disclosure.forum = forum
    disclosure.legal_gateway = legal_gateway
    disclosure.save(update_fields=["purpose", "forum", "legal_gateway", "updated_at"])
    disclosure.lawful_bases.set(lawful_bases)
    return disclosure


@transaction.atomic
def disclosure_draft_information_set(
    *,
    disclosure: DisclosureRequest,
    information_requested: str,
    special_category: bool | None,
    criminal_offence_data: bool | None,
    victim_witness_information: bool | None,
    sub_judice: bool | None,
    acting_user: User,
) -> DisclosureRequest:
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    errors: dict = {}
    disclosure.information_requested = collect_text(
        information_requested,
        field="information_requested",
        label="What you are asking for",
        max_length=MAX_INFORMATION,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    disclosure.special_category = special_category
    disclosure.criminal_offence_data = criminal_offence_data
    disclosure.victim_witness_information = victim_witness_information
    disclosure.sub_judice = sub_judice
    disclosure.save(
        update_fields=[
            "information_requested",
            "special_category",
            "criminal_offence_data",
            "victim_witness_information",
            "sub_judice",
            "updated_at",
        ]
    )
    return disclosure


@transaction.atomic
def disclosure_draft_urgency_set(
    *, disclosure: DisclosureRequest, urgency: str, needed_by: datetime.date | None, acting_user: User
) -> DisclosureRequest:
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    errors: dict = {}
    if urgency and urgency not in Urgency.values:
        errors["urgency"] = "Select how urgent the request is"
    if needed_by is not None and needed_by < timezone.localdate():
        errors["needed_by"] = "The date you need it by must be today or in the future"
    if errors:
        raise ValidationError(errors)
    disclosure.urgency = urgency or ""
    disclosure.needed_by = needed_by
    disclosure.save(update_fields=["urgency", "needed_by", "updated_at"])
    return disclosure


@transaction.atomic
def disclosure_draft_checklist_set(
    *, disclosure: DisclosureRequest, answers: Mapping[int, tuple[str, str]], acting_user: User
) -> DisclosureRequest:
    """Save the Appendix 2 checklist page as a whole: `answers` maps a question's id to
    (yes|no, reason). A question not in `answers` is left unanswered (an earlier answer is
    cleared). Each answer needs its reason; a partly answered checklist may be saved."""
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    questions = {q.pk: q for q in ChecklistQuestion.objects.filter(pack_id=disclosure.protocol_pack_id)}
    errors: dict = {}
    cleaned: dict[int, tuple[str, str]] = {}
    for question_pk, (answer, reason) in answers.items():
        question = questions.get(question_pk)
        if question is None:
            raise ValidationError("That question is not in this request's checklist")
        reason = collect_text(
            reason,
            field=f"reason_{question_pk}",
            label=f"Your reason for question {question.number}",
            max_length=MAX_REASON,
            errors=errors,
        )
        if answer not in YesNo.values:
            errors[f"answer_{question_pk}"] = f"Answer question {question.number} yes or no"
        elif not reason and f"reason_{question_pk}" not in errors:
            errors[f"reason_{question_pk}"] = f"Give your reason for your answer to question {question.number}"
        cleaned[question_pk] = (answer, reason)
    if errors:
        raise ValidationError(errors)
    ChecklistAnswer.objects.filter(request=disclosure).exclude(question_id__in=list(cleaned)).delete()
    existing = {a.question_id: a for a in ChecklistAnswer.objects.filter(request=disclosure)}
    for question_pk, (answer, reason) in cleaned.items():
        current = existing.get(question_pk)
        if current is None:
            ChecklistAnswer.objects.create(request=disclosure, question_id=question_pk, answer=answer, reason=reason)
        elif (current.answer, current.reason) != (answer, reason):
            current.answer, current.reason = answer, reason
            current.save(update_fields=["answer", "reason"])
    disclosure.save(update_fields=["updated_at"])
    return disclosure


# ---------------------------------------------------------------------------------------------
# What is missing, section by section
# ---------------------------------------------------------------------------------------------

SECTIONS = ("subjects", "purpose", "information", "urgency", "checklist")


@dataclass(frozen=True)
class Problem:
    """One thing that stops a draft being submitted. `section` is where it is fixed ("" when no
    page of the draft can fix it), `anchor` the element on that page, `subject_pk` the
    RequestSubject to edit when it is about one person."""

    section: str
    message: str
    anchor: str = ""
    subject_pk: int | None = None


class SubmitRefused(ValidationError):
    """disclosure_submit's refusal, carrying every problem so the page can link to each."""

    def __init__(self, problems: list[Problem]):
        super().__init__([p.message for p in problems])
        self.problems = problems


def disclosure_submit_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    """Everything that stops `request` being submitted now, in the order of the task list."""
    problems = [
        Problem("", message)
        for message in sharing_refusals(
            partnership=disclosure.protocol_pack.partnership,
            requesting=disclosure.requesting_organisation,
            holding=disclosure.holding_organisation,
        )
    ]
    restricted = processing_restriction_refusal(
        organisation_ids=[disclosure.requesting_organisation_id, disclosure.holding_organisation_id],
        subject_ids=disclosure.subjects.values_list("subject_id", flat=True),
        doing="send this request",
    )
    if restricted:
        problems.append(Problem("", restricted))
    for section in (_subject_problems, _purpose_problems, _information_problems, _urgency_problems, _checklist_problems):
        problems.extend(section(disclosure=disclosure))
    return problems


def _subject_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    """Data subjects."""
    problems: list[Problem] = []
    links = list(disclosure.subjects.select_related("subject"))
    if not links:
        problems.append(Problem("subjects", "Add at least one person the request is about", "add-subject"))
    if disclosure.special_category:
        for link in links:
            if not link.subject.nhs_number:
                problems.append(
                    Problem(
                        "subjects",
                        f"Enter the NHS number of person {links.index(link) + 1}: "
                        "the request involves health or other special category data",
                        "id_nhs_number",
                        subject_pk=link.pk,
                    )
                )
    return problems


def _purpose_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    """Purpose and legal basis."""
    problems: list[Problem] = []
    holding = disclosure.holding_organisation
    pack_id = disclosure.protocol_pack_id
    if disclosure.purpose_id is None:
        problems.append(Problem("purpose", "Select the purpose of the request", "id_purpose_0"))
    if disclosure.legal_gateway_id is None:
        problems.append(Problem("purpose", "Select the legal gateway for the request", "id_legal_gateway_0"))
    elif holding is not None and not gateway_allowed(gateway=disclosure.legal_gateway, holding=holding):
        problems.append(
            Problem(
                "purpose",
                f"{holding.name} cannot rely on the legal gateway chosen: select another (SSP Appendix 1)",
                "id_legal_gateway_0",
            )
        )
    categories = {basis.category for basis in disclosure.lawful_bases.all() if basis.pack_id == pack_id}
    if LawfulBasisCategory.ART6 not in categories:
        problems.append(
            Problem("purpose", "Select at least one UK GDPR Article 6 lawful basis", "id_lawful_bases_art6_0")
        )
    if disclosure.special_category and LawfulBasisCategory.ART9 not in categories:
        problems.append(
            Problem(
                "purpose",
                "Select a UK GDPR Article 9 condition: the request involves special category data",
                "id_lawful_bases_art9_0",
            )
        )
    if disclosure.criminal_offence_data and LawfulBasisCategory.DPA_SCH1 not in categories:
        problems.append(
            Problem(
                "purpose",
                "Select a DPA 2018 Schedule 1 condition: the request involves criminal offence data",
                "id_lawful_bases_dpa_sch1_0",
            )
        )
    return problems


def _information_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    """Information requested."""
    problems: list[Problem] = []
    if not disclosure.information_requested.strip():
        problems.append(
            Problem("information", "Enter exactly what information you are asking for", "id_information_requested")
        )
    flags = [
        ("special_category", "whether it involves special category data"),
        ("criminal_offence_data", "whether it involves criminal offence data"),
        ("victim_witness_information", "whether it involves information about victims or witnesses"),
        ("sub_judice", "whether the matter is under investigation or prosecution"),
    ]
    for field, words in flags:
        if getattr(disclosure, field) is None:
            problems.append(Problem("information", f"Say {words}", f"id_{field}_0"))
    return problems


def _urgency_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    problems: list[Problem] = []
    if not disclosure.urgency:
        problems.append(Problem("urgency", "Select how urgent the request is", "id_urgency_0"))
    if disclosure.needed_by is None:
        problems.append(Problem("urgency", "Enter the date you need the information by", "id_needed_by"))
    elif disclosure.needed_by < timezone.localdate():
        problems.append(
            Problem("urgency", "The date you need it by has passed: enter today or a later date", "id_needed_by")
        )
    return problems


def _checklist_problems(*, disclosure: DisclosureRequest) -> list[Problem]:
    """The necessity and proportionality checklist (SSP Appendix 2)."""
    problems: list[Problem] = []
    answered = {
        answer.question_id
        for answer in disclosure.checklist_answers.all()
        if answer.answer in YesNo.values and answer.reason.strip()
    }
    for question in ChecklistQuestion.objects.filter(pack_id=disclosure.protocol_pack_id).order_by("order"):
        if question.pk not in answered:
            problems.append(
                Problem("checklist", f"Answer checklist question {question.number}", f"id_answer_{question.pk}_0")
            )
    return problems


@dataclass(frozen=True)
class SectionStatus:
    code: str
    label: str  # Completed | Incomplete | Not yet started

    @property
    def completed(self) -> bool:
        return self.code == "completed"


COMPLETED = SectionStatus("completed", "Completed")
INCOMPLETE = SectionStatus("incomplete", "Incomplete")
NOT_STARTED = SectionStatus("not_started", "Not yet started")


def draft_progress(*, disclosure: DisclosureRequest, problems: list[Problem] | None = None) -> dict[str, SectionStatus]:
    """Each section's status for the task list."""
    if problems is None:
        problems = disclosure_submit_problems(disclosure=disclosure)
    with_problems = {p.section for p in problems}
    started = {
        "subjects": disclosure.subjects.exists() or bool(disclosure.third_parties),
        "purpose": bool(disclosure.purpose_id or disclosure.legal_gateway_id or disclosure.forum_id)
        or disclosure.lawful_bases.exists(),
        "information": bool(disclosure.information_requested)
        or any(
            getattr(disclosure, f) is not None
            for f in ("special_category", "criminal_offence_data", "victim_witness_information", "sub_judice")
        ),
        "urgency": bool(disclosure.urgency or disclosure.needed_by),
        "checklist": disclosure.checklist_answers.exists(),
    }
    progress = {}
    for section in SECTIONS:
        if not started[section]:
            progress[section] = NOT_STARTED
        elif section in with_problems:
            progress[section] = INCOMPLETE
        else:
            progress[section] = COMPLETED
    return progress


# ---------------------------------------------------------------------------------------------
# Submit, withdraw, resubmit
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def disclosure_submit(
    *, disclosure: DisclosureRequest, acting_user: User, acting_membership: Membership
) -> DisclosureRequest:
    """Send the draft to the holding organisation. Refused, with every gap named, while anything
    is missing; refused too when either organisation's sharing is suspended (SSP 13.3) or the
    holding organisation has not signed the protocol."""
    disclosure = _locked_draft(disclosure=disclosure, acting_user=acting_user)
    if not disclosure_may_submit(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise ValidationError(f"Act as an officer of {disclosure.requesting_organisation.name} to submit this request")
    # The organisations were read afresh with the locked request: a suspension committed a
    # moment ago counts.
    problems = disclosure_submit_problems(disclosure=disclosure)
    if problems:
        raise SubmitRefused(problems)
    disclosure.submitted_at = timezone.now()
    bases = sorted(disclosure.lawful_bases.values_list("code", flat=True))
    lifecycle.transition(
        disclosure,
        Status.SUBMITTED,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="request.submitted",
        reasons=f"Submitted for {disclosure.purpose.name}",
        update_fields=["submitted_at"],
        details={
            "legal_gateway": disclosure.legal_gateway.code,
            "lawful_bases": bases,
            "forum": disclosure.forum.code if disclosure.forum_id else "",
            "urgency": disclosure.urgency,
            "needed_by": disclosure.needed_by.isoformat(),
            "special_category": disclosure.special_category,
            "criminal_offence_data": disclosure.criminal_offence_data,
            "victim_witness_information": disclosure.victim_witness_information,
            "sub_judice": disclosure.sub_judice,
            "subjects": disclosure.subjects.count(),
            "checklist_answers": disclosure.checklist_answers.count(),
        },
    )
    # The holding organisation now holds a copy too; the requesting one learns who it is about.
    disclosure_copies_record(request=disclosure)
    notify_about(
        disclosure=disclosure,
        recipients=designated_officers(disclosure.holding_organisation_id),
        subject="A new disclosure request needs assigning",
    )
    return disclosure


@transaction.atomic
def disclosure_withdraw(*, disclosure: DisclosureRequest, reason: str, acting_user: User) -> DisclosureRequest:
    """The requester, or the requesting organisation's designated officer, takes the request back
    before it is decided. The reason goes in the decision log."""
    disclosure = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    if not disclosure_may_withdraw(user=acting_user, membership=None, disclosure=disclosure):
        raise ValidationError(
            f"Only the officer who raised this request or a designated officer of "
            f"{disclosure.requesting_organisation.name} can withdraw it"
        )
    errors: dict = {}
    reason = collect_text(reason, field="reason", label="The reason", max_length=MAX_REASON, errors=errors)
    if not reason and not errors:
        errors["reason"] = "Enter why you are withdrawing the request"
    if errors:
        raise ValidationError(errors)
    lifecycle.transition(
        disclosure,
        Status.WITHDRAWN,
        acting_user=acting_user,
        organisation=disclosure.requesting_organisation,
        event="request.withdrawn",
        reasons=reason,
    )
    disclosure_copies_record(request=disclosure, closed=True)  # closed: the retention clocks start again
    if disclosure.assignee_id:
        notify_about(disclosure=disclosure, recipients=[disclosure.assignee], subject="A disclosure request has been withdrawn")
    return disclosure


@transaction.atomic
def disclosure_resubmit(
    *, disclosure: DisclosureRequest, answer: str, acting_user: User, acting_membership: Membership | None = None
) -> DisclosureRequest:
    """Answer a "returned for more information" and send the request back to the holding
    organisation: to its assignee if it has one, otherwise to its designated officers."""
    disclosure = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    if not disclosure_may_resubmit(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise ValidationError("Only the officer who raised this request can answer it")
    if disclosure.status != Status.RETURNED:
        raise ValidationError("This request has not been returned for more information")
    errors: dict = {}
    answer = collect_text(answer, field="answer", label="Your answer", max_length=MAX_ANSWER, errors=errors)
    if not answer and not errors:
        errors["answer"] = "Enter the information you were asked for"
    if errors:
        raise ValidationError(errors)
    organisation = disclosure.requesting_organisation
    if acting_membership is not None and acting_membership.organisation_id == disclosure.requesting_organisation_id:
        organisation = acting_membership.organisation
    note = RequestNote.objects.create(
        request=disclosure, author=acting_user, organisation=organisation, kind=NoteKind.ANSWER, text=answer
    )
    lifecycle.transition(
        disclosure,
        Status.SUBMITTED,
        acting_user=acting_user,
        organisation=organisation,
        event="request.resubmitted",
        # The answer itself may hold personal data: it stays on the request, not in the log.
        reasons="The requester answered the request for more information",
        details={"note": note.pk},
    )
    recipients = [disclosure.assignee] if disclosure.assignee_id else designated_officers(disclosure.holding_organisation_id)
    notify_about(disclosure=disclosure, recipients=recipients, subject="A returned disclosure request has been answered")
    return disclosure
