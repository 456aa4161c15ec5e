"""The portal's URLs plus the benchmark's peers (only under bench/bench_settings.py):

- /bench/floor/: the signed-in floor, the page layout with nothing in it, through the same
  middleware (session, both sign-in factors, acting membership, CSP) as every portal page;
- /bench/admin/: Django's admin, its changelist of disclosure requests filtered like the inbox.
"""
from django.contrib import admin
from django.shortcuts import render
from django.urls import path

from portal.urls import handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns
from sharing.models import DisclosureRequest


def floor(request):
    return render(request, "base.html", {})


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "urgency", "needed_by", "requesting_organisation", "assignee")
    list_filter = ("holding_organisation", "status")
    list_select_related = ("requesting_organisation", "assignee")
    ordering = ("needed_by", "id")
    list_per_page = 25


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/admin/", admin.site.urls),
    *portal_urlpatterns,
]
