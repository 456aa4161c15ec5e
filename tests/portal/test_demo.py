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
    # A data protection officer at the police, the council and the NHS at least (issue 11), each
    # printed with the others.
    dpo_kinds = set(Membership.objects.filter(role=Role.DPO).values_list("organisation__kind", flat=True))
    assert {"police", "local_authority", "icb"} <= dpo_kinds
    assert "dpo.police" in out and "Data protection officer" in out
    # Issue 11: a breach inside its 72 hours and an overdue one, in dpo.police's queue.
    from governance.models import Breach
    from governance.selectors.breaches import breach_clock

    assert sorted(breach_clock(b).state for b in Breach.objects.all()) == ["ok", "overdue"]
    from governance.models import Complaint

    complaint = Complaint.objects.get()
    assert complaint.parts.count() == 2 and complaint.parts.filter(recorded_at__isnull=True).count() == 1
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


def test_make_run_writes_demo_mail_to_files_not_the_console(tmp_path):
    """Issue 18: `make run` printed ~500 lines of demo email before the sign-in table. With the
    local settings (scripts/run.py's), mail goes to files in DJANGO_EMAIL_FILE_PATH instead."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    mail_dir = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_EMAIL_BACKEND"}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", DJANGO_EMAIL_FILE_PATH=str(mail_dir))
    code = (
        "import django; django.setup()\n"
        "from django.core.mail import send_mail\n"
        "send_mail('A new disclosure request needs assigning', 'Link only', 'portal@localhost', ['do@b.example'])\n"
        "print('sign-in table')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sign-in table"
    written = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "A new disclosure request needs assigning" in written
