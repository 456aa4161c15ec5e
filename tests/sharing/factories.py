"""Factories for disclosure requests. A request built here is consistent: its purpose, gateway
and bases come from its own protocol pack, and its gateway fits the holding organisation."""
import factory
from django.conf import settings
from django.utils import timezone

from portal.models import DataSubject, SubjectRole
from portal.protocols.services import protocol_pack_load
from sharing.models import ChecklistAnswer, DisclosureRequest, RequestSubject, Status, Urgency


def stockport_pack():
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    return pack


def stockport_new_version(version: str = "2026"):
    """A later version of the Stockport protocol, the same text under a new version: it replaces
    the 2020 version in force for the same partnership."""
    text = (settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml").read_text(encoding="utf-8")
    assert 'version: "2020"' in text
    pack, _ = protocol_pack_load(path_or_text=text.replace('version: "2020"', f'version: "{version}"', 1))
    return pack


def gateway_for(pack, organisation):
    return pack.legal_gateways.filter(organisation_kinds__contains=[organisation.kind]).order_by("order").first()


class DisclosureRequestFactory(factory.django.DjangoModelFactory):
    """Pass requester membership's user/org, and holding_organisation. Status defaults to submitted."""

    class Meta:
        model = DisclosureRequest
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"DR-T{n:06d}")
    status = Status.SUBMITTED
    protocol_pack = factory.LazyFunction(stockport_pack)
    purpose = factory.LazyAttribute(lambda r: r.protocol_pack.purposes.order_by("order").first())
    legal_gateway = factory.LazyAttribute(lambda r: gateway_for(r.protocol_pack, r.holding_organisation))
    information_requested = "Any record of incidents at the address in the last 12 months."
    special_category = False
    criminal_offence_data = True
    victim_witness_information = False
    sub_judice = False
    urgency = Urgency.ROUTINE
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=10))
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_subject(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        subject = DataSubject.objects.create(
            holder=obj.requesting_organisation,
            full_name="Jordan Example",
            date_of_birth="1990-04-01",
            address="1 Example Street, Stockport",
        )
        RequestSubject.objects.create(request=obj, subject=subject, role=SubjectRole.OFFENDER)

    @factory.post_generation
    def with_checklist(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        ChecklistAnswer.objects.bulk_create(
            ChecklistAnswer(request=obj, question=q, answer="yes", reason="Needed to assess risk at the address.")
            for q in obj.protocol_pack.checklist_questions.all()
        )


# Decisions built directly, for tests of what follows a decision (the request page, the PDF copy,
# disputes) that should not depend on the responder's journey. Added by the requester part.
def decision_make(request, *, outcome, items=0, marking_code="restricted", decided_by=None, **kwargs):
    """A current Decision on `request` (whose status should already match `outcome`), with
    `items` ReleaseItems originating from the holding organisation and a marking from its pack."""
    from sharing.models import Decision, FactOrOpinion, Outcome, ReleaseItem

    releasing = outcome in (Outcome.RELEASED, Outcome.PARTLY_RELEASED)
    marking = request.protocol_pack.marking_levels.get(code=marking_code) if releasing and marking_code else None
    decided_by = decided_by or request.assignee or request.requester
    defaults = dict(
        reasons="Necessary and proportionate for the purpose given.",
        withheld="Third-party details withheld." if outcome == Outcome.PARTLY_RELEASED else "",
        handling_conditions="",
        organisation=request.holding_organisation,
        protocol_pack=request.protocol_pack,
    )
    decision = Decision.objects.create(
        request=request, outcome=outcome, marking=marking, decided_by=decided_by, **{**defaults, **kwargs}
    )
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            decision=decision,
            text=f"Item {n}: police attended the address on {n + 1} March 2024.",
            fact_or_opinion=FactOrOpinion.OPINION if n % 3 == 2 else FactOrOpinion.FACT,
            originating_organisation=request.holding_organisation,
            order=n,
        )
        for n in range(items)
    )
    return decision
