"""The authorization matrix's machinery: every URL pattern of the project, and the visitors
that walk them. The expectations themselves are data, in tests/test_authorization_matrix.py."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver


def all_url_names() -> set[str]:
    """'namespace:name' for every named pattern; unnamed patterns are reported as their route."""
    names: set[str] = set()

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    names.add(f"<unnamed {prefix}{pattern.pattern}>")

    walk(get_resolver().url_patterns, None, "/")
    return names


# Outcomes a visitor can meet.
OK = 200
SIGN_IN = "sign-in"  # redirected to the sign-in page
REDIRECT = "redirect"  # redirected elsewhere (e.g. a signed-in user visiting the sign-in page)
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
BAD_REQUEST = 400

VISITORS = (
    "anonymous", "password_only", "no_membership", "officer", "designated_officer", "chair", "auditor", "dpo", "admin",
)


@dataclass
class Entry:
    """How to reach one URL and what each visitor should get.

    `expect` maps visitor -> outcome; `default` covers every fully signed-in visitor not named.
    Anonymous and password-only visitors get SIGN_IN unless the entry says otherwise (public pages).
    """

    default: object
    expect: dict[str, object] = field(default_factory=dict)
    kwargs: Callable[[object], dict] = lambda world: {}
    method: str = "get"
    data: Callable[[object], dict] = lambda world: {}

    def outcome_for(self, visitor: str):
        if visitor in self.expect:
            return self.expect[visitor]
        if visitor in ("anonymous", "password_only"):
            return SIGN_IN
        return self.default
