"""Factories for the core's models. Related objects stay consistent: a membership's user and
organisation are created with it unless given."""
import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.auth.services import new_totp_key
from portal.models import Membership, Organisation, OrganisationKind, StatutoryStanding, User
from portal.roles import Role

TEST_PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    kind = OrganisationKind.LOCAL_AUTHORITY
    standing = StatutoryStanding.RESPONSIBLE_AUTHORITY
    ico_registration = factory.Sequence(lambda n: f"Z{n:07d}")
    signed_protocol_on = factory.Faker("date_between", start_date="-2y", end_date="-1d")


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
