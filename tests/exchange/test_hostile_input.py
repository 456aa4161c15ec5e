"""Hostile input on the new distribution form (recipients by role): whatever is posted, the page
answers with its errors (or adds a valid role), never a 500, and adds nothing it should not."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange import services as exchange
from exchange.models import DistributionRoleRecipient, RecipientRole
from tests.conftest import sign_in_fully

pytestmark = pytest.mark.django_db

hostile_text = st.one_of(
    st.text(max_size=60), st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1 OR 1=1", "\x00", "<script>"])
)


@pytest.fixture
def sender(world):
    w = world
    w.distribution = exchange.distribution_create(
        membership=w.officer_a, partnership=w.partnership, title="Monthly document",
        marking=w.pack.marking_levels.get(code="restricted"), handling_rules="No onward sharing.",
        acting_user=w.officer_a.user,
    )
    w.browser = sign_in_fully(Client(), w.officer_a.user)
    w.url = reverse("exchange:distribution_role_recipient_add", kwargs={"pk": w.distribution.pk})
    return w


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(organisation=st.one_of(hostile_text, st.integers(min_value=-(2**40), max_value=2**40).map(str)),
       role=st.one_of(hostile_text, st.sampled_from(RecipientRole.values + ["admin", "auditor"])))
def test_role_recipient_form_refuses_anything_but_a_valid_role_of_another_organisation(sender, organisation, role):
    w = sender
    valid_organisations = {str(w.b.pk), str(w.c.pk)}
    response = w.browser.post(w.url, {"organisation": organisation, "role": role})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "govuk-error-summary" in response.content.decode()
    else:
        assert organisation in valid_organisations and role in RecipientRole.values
    # Never the sender's own organisation, never a role outside the recipient roles.
    assert not DistributionRoleRecipient.objects.exclude(role__in=RecipientRole.values).exists()
    assert not DistributionRoleRecipient.objects.filter(organisation=w.a).exists()
