"""The demo's subject access case (governance/demo.py, `make run`): awaiting a partner's answer."""
import pytest
from django.core.management import call_command

from governance.demo import DEMO_RIGHTS_SUMMARY
from governance.models import ConsultationStatus, RightsCase

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_subject_access_case_awaiting_consultation(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    assert "subject access case" in capsys.readouterr().out
    case = RightsCase.objects.get(request_summary=DEMO_RIGHTS_SUMMARY)
    assert case.receiving_organisation.kind == "local_authority" and case.right == "access"
    assert case.subjects.exists()
    consultations = list(case.consultations.all())
    assert consultations and all(c.status == ConsultationStatus.AWAITING for c in consultations)
    call_command("load_demo")
    assert RightsCase.objects.filter(request_summary=DEMO_RIGHTS_SUMMARY).count() == 1
