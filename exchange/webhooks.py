"""Hearing of a request's change of state, for the webhooks (docs/api.md, "Webhooks").

`sharing` knows nothing of the API: every status change goes through `sharing.lifecycle`'s
`transition`, which saves the request with `update_fields` naming "status", so a `post_save`
receiver here sees every move, inside the move's own transaction. A draft is the requesting
side's alone; from submission on, both organisations' systems are told."""
from __future__ import annotations

from exchange.services import webhook_deliveries_queue


def request_state_changed(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or not update_fields or "status" not in update_fields:
        return
    organisations = [instance.requesting_organisation_id]
    if instance.status != "draft":
        organisations.append(instance.holding_organisation_id)
    webhook_deliveries_queue(
        organisation_ids=organisations, reference=instance.reference, request_id=instance.pk, state=instance.status
    )
