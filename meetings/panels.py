"""What other apps show on a meeting's page (the shared case workspace's cohort, issue 14: "the
cohort list and entries are shown at the forum's meetings instead of papers").

Apps above `meetings` register a panel in their AppConfig.ready(), as the core's registries work,
so `meetings` never imports them. A panel is a callable `(*, request, meeting, role)` returning
None (nothing to show this visitor) or a dict with the `template` to include and its context; the
panel applies its own need-to-know and writes its own access-log entries.
"""
from __future__ import annotations

from collections.abc import Callable

Panel = Callable[..., "dict | None"]
_PANELS: list[Panel] = []


def register_meeting_panel(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def meeting_panels(*, request, meeting, role) -> list[dict]:
    shown = []
    for panel in _PANELS:
        result = panel(request=request, meeting=meeting, role=role)
        if result:
            shown.append(result)
    return shown
