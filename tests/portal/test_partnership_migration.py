"""Migration 0010 (issue 16): what existed before partnerships becomes the first partnership's —
every organisation a member with the standing, signing date and suspension it had, every admin
and auditor serving it — and no request changes the version it was raised or decided under."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("portal", "0009_destruction_run_abandoned_and_recovery")
AFTER = None  # every app at its latest migration


def _targets(executor, portal_target):
    """Every app's latest migration, or — going back to `portal_target` — each other app's latest
    migration that needs nothing of the portal app beyond it (none, for the apps born later)."""
    graph = executor.loader.graph
    if portal_target is None:
        return graph.leaf_nodes()
    allowed = {node for node in graph.forwards_plan(portal_target) if node[0] == "portal"}
    best: dict[str, tuple] = {}
    for node in graph.nodes:
        if node[0] == "portal":
            continue
        plan = graph.forwards_plan(node)
        if {n for n in plan if n[0] == "portal"} <= allowed and len(plan) > best.get(node[0], (0, None))[0]:
            best[node[0]] = (len(plan), node)
    apps = {node[0] for node in graph.nodes if node[0] != "portal"}
    return [portal_target, *(best[app][1] if app in best else (app, None) for app in sorted(apps))]


def _migrate(portal_target):
    """Migrate the portal app to `portal_target` (None: everything at its latest) and return the
    models as they were then."""
    executor = MigrationExecutor(connection)
    targets = _targets(executor, portal_target)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _pack(apps, slug, version, name, current):
    return apps.get_model("portal", "ProtocolPack").objects.create(
        slug=slug, version=version, title=f"{name} ISP", partnership_name=name,
        effective_date=datetime.date(2020, 11, 1), review_date=datetime.date(2022, 11, 1),
        content_sha256=f"{slug}{version}".ljust(64, "0"), data={}, is_current=current,
    )


def test_existing_data_becomes_the_first_partnerships():
    old = _migrate(BEFORE)
    try:
        stockport_2020 = _pack(old, "safer-stockport", "2020", "Safer Stockport Partnership", current=False)
        stockport_2021 = _pack(old, "safer-stockport", "2021", "Safer Stockport Partnership", current=True)
        Organisation = old.get_model("portal", "Organisation")
        police = Organisation.objects.create(
            name="Police", kind="police", standing="responsible_authority", signed_protocol_on=datetime.date(2020, 12, 1)
        )
        homes = Organisation.objects.create(
            name="Homes", kind="social_landlord", standing="co_operating_body",
            sharing_suspended=True, sharing_suspended_reason="NC-4",
        )
        User = old.get_model("portal", "User")
        admin = User.objects.create(username="admin-user")
        officer = User.objects.create(username="officer-user")
        Membership = old.get_model("portal", "Membership")
        Membership.objects.create(user=admin, organisation=police, role="admin")
        Membership.objects.create(user=officer, organisation=police, role="officer")
        Request = old.get_model("sharing", "DisclosureRequest")
        decided = Request.objects.create(
            reference="DR-2020-000001", status="released", protocol_pack_id=stockport_2020.pk,
            decided_under_id=stockport_2021.pk, requesting_organisation_id=police.pk, requester_id=officer.pk,
            holding_organisation_id=homes.pk,
        )
    finally:
        new = _migrate(AFTER)  # and the test database is left at the latest migrations

    Partnership = new.get_model("portal", "Partnership")
    partnership = Partnership.objects.get()
    assert (partnership.slug, partnership.name) == ("safer-stockport", "Safer Stockport Partnership")
    packs = new.get_model("portal", "ProtocolPack").objects.order_by("version")
    assert [(p.version, p.partnership_id, p.is_current) for p in packs] == [
        ("2020", partnership.pk, False), ("2021", partnership.pk, True)
    ]
    members = {
        m.organisation.name: m for m in new.get_model("portal", "PartnershipMember").objects.select_related("organisation")
    }
    assert members["Police"].standing == "responsible_authority"
    assert members["Police"].signed_protocol_on == datetime.date(2020, 12, 1) and not members["Police"].sharing_suspended
    assert members["Homes"].sharing_suspended and members["Homes"].sharing_suspended_reason == "NC-4"
    roles = dict(new.get_model("portal", "Membership").objects.values_list("role", "partnership_id"))
    assert roles == {"admin": partnership.pk, "officer": None}
    request = new.get_model("sharing", "DisclosureRequest").objects.get(pk=decided.pk)
    assert (request.protocol_pack_id, request.decided_under_id) == (stockport_2020.pk, stockport_2021.pk)
