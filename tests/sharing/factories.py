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
