"""Loading protocol packs (DOMAIN.md §2) and creating the partners they name (SSP 1.2, 3;
SDP 4.1–4.4, Appendix 2).

A pack is validated in full before anything is written, then written in one transaction: a
refused pack leaves no trace. Loading identical content again is a no-op; a pack whose slug and
version are already loaded with different content is refused, because requests decided under that
version must keep meaning what they meant (SSP 17, SDP 13: changes are a new version). A newly
loaded pack becomes the current one; older versions stay readable.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db import connection, transaction

from portal.accountability.services import decision_record
from portal.models import (
    ChecklistQuestion,
    FlowchartNode,
    Forum,
    LawfulBasis,
    LegalGateway,
    MarkingLevel,
    Organisation,
    Partnership,
    PartnershipMember,
    ProtocolPack,
    PublicInterestGround,
    Purpose,
    RetentionDefault,
    User,
)
from portal.services.accounts import organisation_create, partnership_member_add

from .selectors import current_pack_cache_clear
from .validation import PackIssue, ProtocolPackError, pack_content_sha256, pack_parse, pack_validate

__all__ = ["PackIssue", "ProtocolPackError", "organisations_sync_from_pack", "protocol_pack_load"]

# Serialises pack loads, so two admins loading at once cannot both make a pack current.
PACK_LOAD_LOCK_ID = 0x50524F54  # "PROT"


def _read(path_or_text: str | Path) -> tuple[str, str]:
    """(text, source name). A Path, or a one-line string naming a .yaml/.yml file, is read from disk."""
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.strip().lower().endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        try:
            return path.read_text(encoding="utf-8"), path.name
        except (OSError, UnicodeDecodeError) as exc:
            raise ProtocolPackError([PackIssue("", f"cannot read {path}: {exc}")]) from exc
    return path_or_text, ""


def protocol_pack_load(*, path_or_text: str | Path, acting_user: User | None = None) -> tuple[ProtocolPack, bool]:
    """Validate and load a pack. Returns (pack, created); raises ProtocolPackError if refused."""
    text, source_name = _read(path_or_text)
    data = pack_parse(text)
    pack_validate(data)
    digest = pack_content_sha256(data)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PACK_LOAD_LOCK_ID])
        existing = ProtocolPack.objects.filter(slug=data["slug"], version=data["version"]).first()
        if existing is not None:
            if existing.content_sha256 == digest:
                return existing, False
            raise ProtocolPackError(
                [
                    PackIssue(
                        "version",
                        f"version {data['version']!r} of {data['slug']!r} is already loaded with different "
                        "content; a changed protocol needs a new version",
                    )
                ]
            )

        partnership = _partnership_for(data)
        ProtocolPack.objects.filter(partnership=partnership, is_current=True).update(is_current=False)
        pack = ProtocolPack.objects.create(
            partnership=partnership,
            slug=data["slug"],
            version=data["version"],
            title=data["title"],
            partnership_name=data["partnership_name"],
            effective_date=datetime.date.fromisoformat(data["effective_date"]),
            review_date=datetime.date.fromisoformat(data["review_date"]),
            content_sha256=digest,
            data=data,
            source_name=source_name[:300],
            is_current=True,
            loaded_by=acting_user,
        )
        _items_create(pack=pack, data=data)
        decision_record(
            actor=acting_user,
            organisation=None,
            action="protocol.loaded",
            reasons=f"Loaded {source_name or 'a protocol pack'}; it is now the protocol in force for {partnership.name}.",
            reference=f"{pack.slug}/{pack.version}",
            protocol_version=pack.version,
            details={"slug": pack.slug, "version": pack.version, "sha256": digest},
            partnership=partnership,
        )
        transaction.on_commit(current_pack_cache_clear)
    # Also now, for this process: its own next read must not wait for the commit of an outer
    # transaction it is part of.
    current_pack_cache_clear()
    return pack, True


def _partnership_for(data: dict) -> Partnership:
    """The partnership a pack belongs to, by its slug: created with the pack's partnership name the
    first time; a later version keeps the partnership (and takes its newer name)."""
    partnership = Partnership.objects.filter(slug=data["slug"]).first()  # loads are serialised by PACK_LOAD_LOCK_ID
    name = data["partnership_name"]
    if partnership is None:
        if Partnership.objects.filter(name=name).exists():
            raise ProtocolPackError(
                [PackIssue("partnership_name", f"another partnership is already called {name!r}: use its slug")]
            )
        return Partnership.objects.create(slug=data["slug"], name=name)
    if partnership.name != name and not Partnership.objects.filter(name=name).exists():
        partnership.name = name
        partnership.save(update_fields=["name"])
    return partnership


def _items_create(*, pack: ProtocolPack, data: dict) -> None:
    Purpose.objects.bulk_create(
        Purpose(
            pack=pack,
            code=item["code"],
            order=order,
            name=item["name"],
            description=item.get("description", ""),
            source=item["source"],
        )
        for order, item in enumerate(data["purposes"])
    )
    LegalGateway.objects.bulk_create(
        LegalGateway(
            pack=pack,
            code=item["code"],
            order=order,
            name=item["name"],
            summary=item.get("summary", ""),
            applies_to=item["applies_to"],
            organisation_kinds=item["organisation_kinds"],
            note=item.get("note", ""),
            source=item["source"],
        )
        for order, item in enumerate(data["legal_gateways"])
    )
    LawfulBasis.objects.bulk_create(
        LawfulBasis(
            pack=pack,
            code=item["code"],
            order=order,
            category=item["category"],
            reference=item["reference"],
            name=item["name"],
            description=item.get("description", ""),
            source=item["source"],
        )
        for order, item in enumerate(data["lawful_bases"])
    )
    ChecklistQuestion.objects.bulk_create(
        ChecklistQuestion(
            pack=pack,
            code=item["code"],
            order=order,
            text=item["text"],
            guidance=item.get("guidance", []),
            source=item["source"],
        )
        for order, item in enumerate(data["checklist"])
    )
    flowchart = data["flowchart"]
    FlowchartNode.objects.bulk_create(
        FlowchartNode(
            pack=pack,
            code=item["code"],
            order=order,
            question=item["question"],
            guidance=item.get("guidance", ""),
            answers=item["answers"],
            is_start=item["code"] == flowchart["start"],
            source=flowchart["source"],
        )
        for order, item in enumerate(flowchart["nodes"])
    )
    scheme = data["marking_scheme"]
    MarkingLevel.objects.bulk_create(
        MarkingLevel(
            pack=pack,
            code=item["code"],
            order=order,
            name=item["name"],
            definition=item["definition"],
            signing_in_text=item.get("signing_in_text", ""),
            handling_rules=item["handling_rules"],
            internet_allowed=item["internet_allowed"],
            note=item.get("note", ""),
            source=scheme["source"],
        )
        for order, item in enumerate(scheme["levels"])
    )
    forums = Forum.objects.bulk_create(
        Forum(
            pack=pack,
            code=item["code"],
            order=order,
            name=item["name"],
            theme=item["theme"],
            shares_individual_data=item["shares_individual_data"],
            description=item.get("description", ""),
            arrangements=item.get("arrangements", ""),
            source=item["source"],
        )
        for order, item in enumerate(data["forums"])
    )
    purpose_ids = dict(Purpose.objects.filter(pack=pack).values_list("code", "pk"))
    Forum.purposes.through.objects.bulk_create(
        Forum.purposes.through(forum_id=forum.pk, purpose_id=purpose_ids[code])
        for forum, item in zip(forums, data["forums"], strict=True)
        for code in item.get("purposes", [])
    )
    PublicInterestGround.objects.bulk_create(
        PublicInterestGround(
            pack=pack,
            code=item["code"],
            order=order,
            name=item["name"],
            description=item.get("description", ""),
            source=item["source"],
        )
        for order, item in enumerate(data["public_interest_grounds"])
    )
    RetentionDefault.objects.bulk_create(
        RetentionDefault(
            pack=pack,
            code=item["code"],
            order=order,
            days=item["days"],
            destroy_at_meeting_close=item.get("destroy_at_meeting_close", False),
            rule=item["rule"],
            source=item["source"],
        )
        for order, item in enumerate(data["retention"])
    )


def organisations_sync_from_pack(*, pack: ProtocolPack, acting_user: User | None = None) -> list[Organisation]:
    """Make the pack's partners members of its partnership: an organisation of the same name
    (ignoring case) joins as it is, one that does not exist yet is created; each with the standing
    and signing date the pack gives. Existing members are left as they are: the admin pages own
    them once they exist. Returns the organisations created."""
    created = []
    with transaction.atomic():
        existing = {organisation.name.casefold(): organisation for organisation in Organisation.objects.all()}
        members = set(PartnershipMember.objects.filter(partnership=pack.partnership).values_list("organisation_id", flat=True))
        for partner in pack.data["partners"]:
            signed_on = partner.get("signatory", {}).get("signed_on")
            signed_on = datetime.date.fromisoformat(signed_on) if signed_on else None
            organisation = existing.get(partner["name"].casefold())
            if organisation is None:
                organisation = organisation_create(
                    name=partner["name"],
                    kind=partner["kind"],
                    ico_registration=partner.get("ico_registration", ""),
                    acting_user=acting_user,
                )
                existing[organisation.name.casefold()] = organisation
                created.append(organisation)
            if organisation.pk not in members:
                partnership_member_add(
                    partnership=pack.partnership,
                    organisation=organisation,
                    standing=partner["standing"],
                    signed_protocol_on=signed_on,
                    acting_user=acting_user,
                )
                members.add(organisation.pk)
    return created
