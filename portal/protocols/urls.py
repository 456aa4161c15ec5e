"""URLs of the protocol pages, included in portal/urls.py's `portal_patterns`.

`protocol/versions/` comes before `protocol/<section>/` so that "versions" is never read as a section.
"""

from django.urls import path

from . import views

protocol_patterns = [
    path("protocol/", views.protocol_overview, name="protocol"),
    path("protocol/versions/", views.protocol_versions, name="protocol_versions"),
    path("protocol/versions/<slug:pack_slug>/<slug:version>/", views.protocol_version, name="protocol_version"),
    path(
        "protocol/versions/<slug:pack_slug>/<slug:version>/<slug:section>/",
        views.protocol_version_section,
        name="protocol_version_section",
    ),
    path("protocol/<slug:section>/", views.protocol_section, name="protocol_section"),
]
