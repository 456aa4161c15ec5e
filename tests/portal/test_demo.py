"""`make run`'s demo partnership: one user per role, requests in every state, loads twice safely."""
import pytest
from django.core.management import call_command

from portal.accountability.services import decision_log_verify
from portal.models import Membership, User
from portal.roles import Role
from sharing.models import DisclosureRequest, Status

pytestmark = pytest.mark.django_db


def test_demo_loads_every_role_and_every_request_state_and_reloads_safely(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "demo-partnership-2026" in out and "backup codes:" in out
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(DisclosureRequest.objects.values_list("status", flat=True)) == set(Status.values)
    requests, users = DisclosureRequest.objects.count(), User.objects.count()
    report = decision_log_verify()
    assert report.intact and report.count > 20

    call_command("load_demo")
    assert (DisclosureRequest.objects.count(), User.objects.count()) == (requests, users)
    assert decision_log_verify().count == report.count


def test_demo_refuses_to_load_without_debug(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="local use"):
        call_command("load_demo")
