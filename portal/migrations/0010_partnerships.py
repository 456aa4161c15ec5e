"""Several partnerships in one portal (issue 16).

Creates a Partnership for every protocol pack slug already loaded and joins each pack to it. The
first partnership is the one whose pack is in force (else the newest loaded): every existing
organisation becomes its member with the standing, signing date and suspension it had, and every
existing admin and auditor membership serves it. Requests, meetings and consent records keep their
pack, so none changes version; their partnership is their pack's. Decision-log entries already
written are not touched (the log refuses UPDATE): an entry with no partnership is read as the
partnership of its organisation (ADR 0009).
"""
import django.db.models.deletion
from django.db import migrations, models


def partnerships_create(apps, schema_editor):
    Partnership = apps.get_model("portal", "Partnership")
    PartnershipMember = apps.get_model("portal", "PartnershipMember")
    ProtocolPack = apps.get_model("portal", "ProtocolPack")
    Organisation = apps.get_model("portal", "Organisation")
    Membership = apps.get_model("portal", "Membership")

    by_slug = {}
    for pack in ProtocolPack.objects.order_by("-loaded_at", "-pk"):
        if pack.slug not in by_slug:
            name = pack.partnership_name
            if Partnership.objects.filter(name=name).exists():
                name = f"{name} ({pack.slug})"
            by_slug[pack.slug] = Partnership.objects.create(slug=pack.slug, name=name)
        pack.partnership = by_slug[pack.slug]
        pack.save(update_fields=["partnership"])
    first_pack = ProtocolPack.objects.filter(is_current=True).first() or ProtocolPack.objects.order_by("-loaded_at", "-pk").first()
    if first_pack is None:
        return
    first = by_slug[first_pack.slug]
    PartnershipMember.objects.bulk_create(
        PartnershipMember(
            partnership=first,
            organisation=organisation,
            standing=organisation.standing,
            signed_protocol_on=organisation.signed_protocol_on,
            sharing_suspended=organisation.sharing_suspended,
            sharing_suspended_reason=organisation.sharing_suspended_reason,
        )
        for organisation in Organisation.objects.all()
    )
    Membership.objects.filter(role__in=["admin", "auditor"]).update(partnership=first)


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_destruction_run_abandoned_and_recovery")]

    operations = [
        migrations.CreateModel(
            name="Partnership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "slug",
                    models.SlugField(
                        help_text="The protocol packs' slug, e.g. safer-stockport: a pack joins the partnership of its slug.",
                        max_length=80,
                        unique=True,
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                (
                    "contact",
                    models.TextField(
                        blank=True, help_text="How partners reach the partnership's information governance lead."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="PartnershipMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "standing",
                    models.CharField(
                        choices=[
                            ("responsible_authority", "Responsible authority (Crime and Disorder Act 1998 s5(1))"),
                            ("co_operating_body", "Co-operating body (s5(2))"),
                            ("relevant_authority", "Relevant authority (s115)"),
                            ("invited", "Invited participant"),
                        ],
                        max_length=32,
                        verbose_name="statutory standing",
                    ),
                ),
                (
                    "signed_protocol_on",
                    models.DateField(
                        blank=True, help_text="When it signed this partnership's protocol; empty if it has not.", null=True
                    ),
                ),
                (
                    "sharing_suspended",
                    models.BooleanField(default=False, help_text="SSP 13.3: no new requests to or from it here."),
                ),
                ("sharing_suspended_reason", models.TextField(blank=True)),
                ("joined_at", models.DateTimeField(auto_now_add=True)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="partnership_places",
                        to="portal.organisation",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="members", to="portal.partnership"
                    ),
                ),
            ],
            options={
                "ordering": ["partnership__name", "organisation__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("partnership", "organisation"), name="portal_partnershipmember_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="protocolpack",
            name="partnership",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="packs", to="portal.partnership"
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                help_text="For a partnership admin or auditor, the partnership they serve (required); for a designated "
                "officer, the one partnership they act for (empty: every partnership of the organisation).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="portal.partnership",
            ),
        ),
        migrations.AddField(
            model_name="decisionlogentry",
            name="partnership",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="portal.partnership"
            ),
        ),
        migrations.AddIndex(
            model_name="decisionlogentry",
            index=models.Index(fields=["partnership", "-id"], name="portal_deci_partner_idx"),
        ),
        migrations.RunPython(partnerships_create, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="protocolpack", name="portal_protocolpack_one_current"),
        migrations.AddConstraint(
            model_name="protocolpack",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_current", True)),
                fields=("partnership",),
                name="portal_protocolpack_one_current_per_partnership",
            ),
        ),
        migrations.AlterField(
            model_name="protocolpack",
            name="partnership",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="packs", to="portal.partnership"
            ),
        ),
        migrations.RemoveConstraint(model_name="membership", name="portal_membership_unique"),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                fields=("user", "organisation", "role", "partnership"),
                name="portal_membership_unique",
                nulls_distinct=False,
            ),
        ),
        migrations.AlterField(
            model_name="protocolpack",
            name="is_current",
            field=models.BooleanField(default=False, help_text="The version in force for its partnership."),
        ),
        migrations.RemoveField(model_name="organisation", name="standing"),
        migrations.RemoveField(model_name="organisation", name="signed_protocol_on"),
        migrations.RemoveField(model_name="organisation", name="sharing_suspended"),
        migrations.RemoveField(model_name="organisation", name="sharing_suspended_reason"),
    ]
