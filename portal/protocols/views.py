"""Pages for reading the protocol in force, and any older version (DOMAIN.md §2).

Every signed-in user may read the protocol: it is the partnership's shared rulebook and holds no
personal data. Each section is one page, for the current pack (`protocol/<section>/`) or for a
named version (`protocol/versions/<slug>/<version>/<section>/`); the same templates serve both.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.models import LawfulBasis, LawfulBasisCategory, OrganisationKind, ProtocolPack, StatutoryStanding
from portal.selectors.partnerships import user_partnerships

from . import selectors


@dataclass(frozen=True)
class Section:
    title: str
    template: str
    context: Callable[[ProtocolPack], dict]


def _partners(pack: ProtocolPack) -> list[dict]:
    rows = []
    for partner in pack.data["partners"]:
        signed_on = partner.get("signatory", {}).get("signed_on")
        rows.append(
            {
                **partner,
                "kind_label": OrganisationKind(partner["kind"]).label,
                "standing_label": StatutoryStanding(partner["standing"]).label,
                "signed_on": datetime.date.fromisoformat(signed_on) if signed_on else None,
            }
        )
    return rows


def _by_category(bases) -> list[LawfulBasis]:
    # The page groups bases under Art 6, Art 9, ... in that order, whatever order the pack lists them.
    return sorted(bases, key=lambda basis: LawfulBasisCategory.values.index(basis.category))


SECTIONS: dict[str, Section] = {
    "purposes": Section(
        "Purposes of sharing", "portal/protocol/purposes.html", lambda pack: {"purposes": pack.purposes.all()}
    ),
    "legal-gateways": Section(
        "Legal gateways", "portal/protocol/legal_gateways.html", lambda pack: {"gateways": pack.legal_gateways.all()}
    ),
    "lawful-bases": Section(
        "Lawful bases and public interest",
        "portal/protocol/lawful_bases.html",
        lambda pack: {
            "lawful_bases": _by_category(pack.lawful_bases.all()),
            "grounds": pack.public_interest_grounds.all(),
        },
    ),
    "checklist": Section(
        "Necessity and proportionality checklist",
        "portal/protocol/checklist.html",
        lambda pack: {"questions": pack.checklist_questions.all()},
    ),
    "flowchart": Section(
        "Key questions for information sharing",
        "portal/protocol/flowchart.html",
        lambda pack: {"questions": selectors.protocol_flowchart(pack=pack), "flowchart": pack.data["flowchart"]},
    ),
    "golden-rules": Section(
        "Golden rules for information sharing",
        "portal/protocol/golden_rules.html",
        lambda pack: {"rules": pack.data["golden_rules"]},
    ),
    "markings": Section(
        "Protective marking",
        "portal/protocol/markings.html",
        lambda pack: {"levels": pack.marking_levels.all(), "scheme": pack.data["marking_scheme"]},
    ),
    "forums": Section(
        "Forums", "portal/protocol/forums.html", lambda pack: {"forums": selectors.protocol_forums(pack=pack)}
    ),
    "retention": Section(
        "Retention", "portal/protocol/retention.html", lambda pack: {"defaults": pack.retention_defaults.all()}
    ),
}


def _url(pack: ProtocolPack, *, versioned: bool, section: str | None = None) -> str:
    if versioned:
        args = [pack.slug, pack.version]
        if section:
            return reverse("portal:protocol_version_section", args=[*args, section])
        return reverse("portal:protocol_version", args=args)
    if section:
        return reverse("portal:protocol_section", args=[section])
    return reverse("portal:protocol")


def _render(request, pack: ProtocolPack, *, versioned: bool, section: str | None):
    if section is None:
        context = {
            "partners": _partners(pack),
            # The partnership was to review the protocol by then: say so when that date has passed.
            "review_overdue": pack.review_date is not None and pack.review_date < timezone.localdate(),
        }
        title, template = "Overview", "portal/protocol/overview.html"
    else:
        spec = SECTIONS.get(section)
        if spec is None:
            raise Http404("No such section of the protocol")
        title, template, context = spec.title, spec.template, spec.context(pack)
    nav = [{"title": "Overview", "url": _url(pack, versioned=versioned), "active": section is None}]
    nav += [
        {"title": spec.title, "url": _url(pack, versioned=versioned, section=slug), "active": slug == section}
        for slug, spec in SECTIONS.items()
    ]
    return render(
        request,
        template,
        {
            "pack": pack,
            "section_title": title,
            "section_nav": nav,
            "versions_url": reverse("portal:protocol_versions"),
            "current_url": reverse("portal:protocol"),
            **context,
        },
    )


def _packs_in_force(request) -> list[ProtocolPack]:
    """The protocols in force of the partnerships the reader takes part in (every partnership's
    for someone who takes part in none: the protocol is not personal data)."""
    packs = selectors.current_protocol_packs()
    mine = packs.filter(partnership__in=user_partnerships(user=request.user).values("pk"))
    return list(mine) or list(packs)


def protocol_overview(request):
    packs = _packs_in_force(request)
    if not packs:
        return render(request, "portal/protocol/no_pack.html")
    if len(packs) > 1:
        return render(request, "portal/protocol/choose.html", {"packs": packs})
    return _render(request, packs[0], versioned=False, section=None)


def protocol_section(request, section: str):
    packs = _packs_in_force(request)
    if not packs:
        raise Http404("No protocol pack is loaded")
    if len(packs) > 1:
        return redirect("portal:protocol")
    return _render(request, packs[0], versioned=False, section=section)


def protocol_versions(request):
    return render(request, "portal/protocol/versions.html", {"packs": selectors.protocol_pack_versions()})


def protocol_version(request, pack_slug: str, version: str):
    return protocol_version_section(request, pack_slug, version, None)


def protocol_version_section(request, pack_slug: str, version: str, section: str | None):
    pack = selectors.protocol_pack_get(slug=pack_slug, version=version)
    if pack is None:
        raise Http404("No such protocol version")
    return _render(request, pack, versioned=True, section=section)
