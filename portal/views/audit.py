"""Auditors' view of the decision log (DOMAIN.md §8; SSP Appendix 4 rule 7; SDP 4.5 j)."""
from django.shortcuts import get_object_or_404, render

from portal.accountability.registry import decision_event_label
from portal.accountability.selectors import DecisionLogFilter, decision_log_page
from portal.forms.audit import DecisionLogFilterForm
from portal.models import DecisionLogEntry
from portal.roles import Role
from portal.views.decorators import role_required


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(Role.AUDITOR)
def decision_log(request):
    form = DecisionLogFilterForm(request.GET or None)
    filters = DecisionLogFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = DecisionLogFilter(
            organisation_id=data["organisation"].pk if data["organisation"] else None,
            action=data["action"],
            reference=data["reference"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = decision_log_page(filters=filters, before=_int(request.GET.get("before")), after=_int(request.GET.get("after")))
    rows = [(entry, decision_event_label(entry.action)) for entry in page.entries]
    return render(request, "portal/audit/decision_log.html", {"form": form, "page": page, "rows": rows})


@role_required(Role.AUDITOR)
def decision_log_entry(request, pk):
    entry = get_object_or_404(DecisionLogEntry, pk=pk)
    return render(
        request,
        "portal/audit/decision_log_entry.html",
        {"entry": entry, "action_label": decision_event_label(entry.action)},
    )
