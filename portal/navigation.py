"""Service navigation items. The core registers its own; apps register theirs in
AppConfig.ready(), so the core never imports the apps above it."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from portal.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in user
    active_prefixes: tuple[str, ...]
    order: int


_ITEMS: list[NavItem] = []


def register_nav_item(
    *, label: str, url_name: str, roles=None, active_prefixes: tuple[str, ...] = (), order: int = 50
) -> None:
    if any(item.url_name == url_name for item in _ITEMS):
        return
    _ITEMS.append(
        NavItem(label, url_name, frozenset(roles) if roles else None, active_prefixes or (url_name,), order)
    )
    _ITEMS.sort(key=lambda item: item.order)


def navigation_for(*, role: str | None, view_name: str) -> list[dict]:
    items = []
    for item in _ITEMS:
        if item.roles is not None and role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = view_name == item.url_name
        active = current or any(view_name.startswith(prefix) for prefix in item.active_prefixes)
        items.append({"label": item.label, "url": url, "active": active, "current": current})
    return items


register_nav_item(label="Home", url_name="portal:home", order=0)
register_nav_item(label="Protocol", url_name="portal:protocol", active_prefixes=("portal:protocol",), order=80)
register_nav_item(
    label="Decision log",
    url_name="portal:audit_decisions",
    roles={Role.AUDITOR},
    active_prefixes=("portal:audit_decision", "portal:audit_verify"),
    order=85,
)
register_nav_item(
    label="Access log", url_name="portal:audit_access", roles={Role.AUDITOR}, active_prefixes=("portal:audit_access",), order=86
)
# One "Retention" item (each retention page links the others the role has): officers and
# designated officers land on what is due for review, partnership admins on the policies.
register_nav_item(
    label="Retention",
    url_name="portal:retention_due",
    roles={Role.OFFICER, Role.DESIGNATED_OFFICER},
    active_prefixes=("portal:retention",),
    order=70,
)
register_nav_item(
    label="Retention", url_name="portal:retention_policies", roles={Role.ADMIN}, active_prefixes=("portal:retention",), order=70
)
register_nav_item(
    label="Administration", url_name="portal:admin_home", roles={Role.ADMIN}, active_prefixes=("portal:admin",), order=90
)
