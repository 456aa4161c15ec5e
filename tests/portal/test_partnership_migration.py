"""Migration 0010 (issue 16): what existed before partnerships becomes the first partnership's —
every organisation a member with the standing, signing date and suspension it had, every admin
and auditor serving it — and no request changes the version it was raised or decided under."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("portal", "0009_destruction_run_abandoned_and_recovery")]
AFTER = [("portal", "0010_partnerships")]  # the latest: update when portal gains a migration


def _migrate(portal_target):
    """Migrate the portal app to `portal_target` (every other app at its latest) and return the
    models as they were then."""
    executor = MigrationExecutor(connection)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "portal"]
    targets = [*portal_target, *others]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


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
