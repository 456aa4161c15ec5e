"""Factories for the core's models. Related objects stay consistent: a membership's user and
organisation are created with it unless given."""
import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.auth.services import new_totp_key
from portal.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipMember,
    StatutoryStanding,
    User,
)
from portal.roles import Role
from portal.selectors.partnerships import PARTNERSHIP_ROLES

TEST_PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """An organisation that is a member of every partnership loaded so far (or of
    `partnerships=[...]`), with `standing`, `signed_protocol_on` and `sharing_suspended` in each
    (issue 16: these are per partnership; the factory takes them for the common case)."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    kind = OrganisationKind.LOCAL_AUTHORITY
    ico_registration = factory.Sequence(lambda n: f"Z{n:07d}")
    standing = StatutoryStanding.RESPONSIBLE_AUTHORITY
    signed_protocol_on = factory.Faker("date_between", start_date="-2y", end_date="-1d")
    sharing_suspended = False
    partnerships = None

    @classmethod
    def _create(cls, model_class, *args, standing, signed_protocol_on, sharing_suspended, partnerships, **kwargs):
        organisation = super()._create(model_class, *args, **kwargs)
        PartnershipMember.objects.bulk_create(
            PartnershipMember(
                partnership=partnership,
                organisation=organisation,
                standing=standing,
                signed_protocol_on=signed_protocol_on,
                sharing_suspended=sharing_suspended,
            )
            for partnership in (Partnership.objects.all() if partnerships is None else partnerships)
        )
        return organisation


def member_set(organisation: Organisation, **fields) -> None:
    """Change an organisation's place in every partnership it is in (standing, signed_protocol_on,
    sharing_suspended): tests with one partnership set them as if they were the organisation's."""
    PartnershipMember.objects.filter(organisation=organisation).update(**fields)


def place(organisation: Organisation, partnership=None) -> PartnershipMember:
    """The organisation's place in `partnership` (default: its only one), e.g. for the raise form's value."""
    places = PartnershipMember.objects.filter(organisation=organisation)
    return places.get(partnership=partnership) if partnership is not None else places.get()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    key = factory.LazyFunction(new_totp_key)
    confirmed = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OFFICER
    # An admin or auditor serves one partnership: their organisation's first.
    partnership = factory.LazyAttribute(
        lambda m: Partnership.objects.filter(members__organisation=m.organisation).order_by("pk").first()
        if m.role in PARTNERSHIP_ROLES
        else None
    )
