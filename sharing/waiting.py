"""The sharing app's part of "What is waiting for me" on the home page (portal/waiting.py):
requests to pick up, to decide, returned with a question, and the designated officers' queue.
Counts only, from the inbox's and the queue's own selectors: a fixed number of queries."""
from __future__ import annotations

from django.urls import reverse

from portal.roles import Role
from portal.waiting import Waiting
from sharing.models import Status
from sharing.selectors import designated_queue_counts, inbox_counts, returned_to_requester_count

QUEUE_LABELS = {
    "overrides": "Public-interest overrides to approve",
    "disputes": "Disputed decisions to resolve",
    "advice": "Requests waiting for your advice",
    "onward": "Onward disclosure requests to decide",
}


def requests_waiting(*, user, membership) -> list[Waiting]:
    if membership.role not in (Role.OFFICER, Role.DESIGNATED_OFFICER):
        return []
    inbox = reverse("sharing:inbox")
    counts = inbox_counts(organisation_id=membership.organisation_id, user=user)
    returned = returned_to_requester_count(user=user, organisation_id=membership.organisation_id)
    items = [
        Waiting("New requests to pick up", counts.get("new") or 0, f"{inbox}?show=new", 10),
        Waiting("Requests assigned to you to decide", counts.get("mine") or 0, f"{inbox}?show=mine", 20),
        Waiting(
            "Your requests returned with a question",
            returned,
            f"{reverse('sharing:my_requests')}?status={Status.RETURNED}",
            30,
        ),
    ]
    if membership.role == Role.DESIGNATED_OFFICER:
        queue = reverse("sharing:designated_queue")
        counts = designated_queue_counts(
            organisation_id=membership.organisation_id, partnership_id=membership.partnership_id
        )
        for order, (code, count) in enumerate(counts.items()):
            items.append(Waiting(QUEUE_LABELS.get(code, code), count, f"{queue}#{code}", 40 + order))
    return items
