"""Protocol packs: the partnership's Information Sharing Protocol as versioned data (DOMAIN.md §2).

A pack is loaded from a YAML file (see protocols/ and portal/protocols/services.py). The whole
validated pack is kept on `ProtocolPack.data`; the parts that later features point at (a request's
purpose, gateway and lawful bases, its checklist answers and flowchart path, a release's marking, a
meeting's forum, a retention policy's default) are also copied into the child tables below, one
row per item, each carrying the item's `code` from the pack. Child rows belong to one pack version
and never change, so a request decided under version 2020 keeps pointing at 2020's rows after a
newer version is loaded (SSP 17, SDP 13: the protocol is reviewed and re-issued).

Exactly one pack is current: the one in force for new decisions.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from .people import OrganisationKind


class LawfulBasisCategory(models.TextChoices):
    ART6 = "art6", "UK GDPR Article 6"
    ART9 = "art9", "UK GDPR Article 9"
    DPA_SCH1 = "dpa_sch1", "DPA 2018 Schedule 1"
    DPA_SCH2 = "dpa_sch2", "DPA 2018 Schedule 2"
    PART3 = "part3", "DPA 2018 Part 3 (law enforcement)"


class FlowchartAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class FlowchartOutcome(models.TextChoices):
    """The ends of the key-questions flowchart (DOMAIN.md §6). Code acts on these, so a pack can
    describe them but not add new ones."""

    SHARE = "share", "Share"
    SHARE_DEPERSONALISED = "share_depersonalised", "Share (depersonalised)"
    SHARE_PUBLIC_INTEREST = "share_public_interest", "Share in the public interest"
    DO_NOT_SHARE = "do_not_share", "Do not share"
    SEEK_ADVICE = "seek_advice", "Seek advice"


class RetentionRecordKind(models.TextChoices):
    RELEASED_DATA = "released_data", "Released data"
    REQUESTS = "requests", "Requests and decisions"
    CONSENT_RECORDS = "consent_records", "Consent records"
    MEETING_PAPERS = "meeting_papers", "Meeting papers"
    ACCESS_LOG = "access_log", "Access log"


class ProtocolPack(models.Model):
    """One loaded version of a partnership's protocol. Never edited after loading: a changed
    protocol is a new version."""

    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="packs")
    slug = models.SlugField(max_length=80, help_text="Which partnership's protocol this is, e.g. safer-stockport.")
    version = models.SlugField(max_length=40)
    title = models.CharField(max_length=300)
    partnership_name = models.CharField(max_length=200)
    effective_date = models.DateField()
    review_date = models.DateField()
    content_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the pack's canonical JSON: reloading identical content is a no-op."
    )
    data = models.JSONField(help_text="The whole validated pack, as loaded.")
    source_name = models.CharField(max_length=300, blank=True, help_text="The file it was loaded from.")
    is_current = models.BooleanField(default=False, help_text="The version in force for its partnership.")
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="portal_protocolpack_version_unique"),
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(is_current=True), name="portal_protocolpack_one_current_per_partnership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership_name} protocol, version {self.version}"


def _pack(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(ProtocolPack, on_delete=models.CASCADE, related_name=related_name)


class PackItem(models.Model):
    """An item of one list in a pack: `code` is its stable name within that list and pack.
    Each subclass declares `pack = _pack("<related name>")`."""

    code = models.SlugField(max_length=80)
    order = models.PositiveIntegerField(help_text="Position in the pack's list, from 0.")
    source = models.TextField(blank=True, help_text="Where in the protocol document this comes from.")

    class Meta:
        abstract = True
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "code"], name="%(app_label)s_%(class)s_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class Purpose(PackItem):
    """SSP 2 and Appendix 8 themes; SDP 1.2 a–g."""

    pack = _pack("purposes")
    name = models.TextField()
    description = models.TextField(blank=True)

    class Meta(PackItem.Meta):
        pass


class LegalGateway(PackItem):
    """SSP Appendix 1; SDP Appendix 4 §1. A request may cite a gateway only if the holding
    organisation's kind is in `organisation_kinds`."""

    pack = _pack("legal_gateways")
    name = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    applies_to = ArrayField(
        models.TextField(), default=list, help_text="The protocol's own words for who may rely on it."
    )
    organisation_kinds = ArrayField(models.CharField(max_length=32, choices=OrganisationKind.choices))
    note = models.TextField(blank=True)

    class Meta(PackItem.Meta):
        pass

    @property
    def organisation_kind_labels(self) -> list[str]:
        return [OrganisationKind(kind).label for kind in self.organisation_kinds]


class LawfulBasis(PackItem):
    """SSP 6.3–6.4; SDP 5.1, 5.2, Appendix 4 §2."""

    pack = _pack("lawful_bases")
    category = models.CharField(max_length=16, choices=LawfulBasisCategory.choices)
    reference = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta(PackItem.Meta):
        verbose_name_plural = "lawful bases"


class ChecklistQuestion(PackItem):
    """SSP Appendix 2 "Do we need this information?" (Durham uses the same list)."""

    pack = _pack("checklist_questions")
    text = models.TextField()
    guidance = ArrayField(models.TextField(), default=list)

    class Meta(PackItem.Meta):
        pass

    @property
    def number(self) -> int:
        return self.order + 1


class FlowchartNode(PackItem):
    """One question of the key-questions flowchart (SSP Appendix 3, DOMAIN.md §6).

    `answers` maps each FlowchartAnswer to {"node": <code of another node>} or
    {"outcome": <FlowchartOutcome>}; validation guarantees targets exist and the graph has no loops.
    """

    pack = _pack("flowchart_nodes")
    question = models.TextField()
    guidance = models.TextField(blank=True)
    answers = models.JSONField()
    is_start = models.BooleanField(default=False)

    class Meta(PackItem.Meta):
        pass

    @property
    def number(self) -> int:
        return self.order + 1


class MarkingLevel(PackItem):
    """A level of the protective marking scheme, `order` 0 being the least restrictive
    (SSP 7.4, Appendix 6, Appendix 7; SDP 5.3)."""

    pack = _pack("marking_levels")
    name = models.CharField(max_length=100)
    definition = models.TextField()
    signing_in_text = models.TextField(
        blank=True, help_text="What the signing-in sheet says of this level (SSP App 6)."
    )
    handling_rules = models.JSONField(default=list, help_text='[{"code", "action", "rule"}, ...]')
    internet_allowed = models.BooleanField(
        help_text="False: material at this level may only be released on a declared secure network (SSP App 7)."
    )
    note = models.TextField(blank=True)

    class Meta(PackItem.Meta):
        pass


class Forum(PackItem):
    """A multi-agency meeting or initiative (SSP Appendix 8; SDP 5.5–5.13)."""

    pack = _pack("forums")
    name = models.CharField(max_length=300)
    theme = models.CharField(max_length=300)
    shares_individual_data = models.BooleanField()
    description = models.TextField(blank=True)
    arrangements = models.TextField(blank=True, help_text="Its specific sharing arrangements (SSP Appendix 8).")
    purposes = models.ManyToManyField(Purpose, blank=True, related_name="forums")

    class Meta(PackItem.Meta):
        pass


class PublicInterestGround(PackItem):
    """SSP 6.3; SDP Appendix 4 §2.1."""

    pack = _pack("public_interest_grounds")
    name = models.TextField()
    description = models.TextField(blank=True)

    class Meta(PackItem.Meta):
        pass


class RetentionDefault(PackItem):
    """How long each kind of record is kept unless its holder's own policy says otherwise
    (SSP 8.4, 14; SDP 5.1, 6.3). `code` is the record kind."""

    pack = _pack("retention_defaults")
    code = models.CharField(max_length=32, choices=RetentionRecordKind.choices)
    days = models.PositiveIntegerField()
    destroy_at_meeting_close = models.BooleanField(default=False)
    rule = models.TextField()

    class Meta(PackItem.Meta):
        pass
