"""URLs of `datasets`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from . import feed, views

app_name = "datasets"

urlpatterns = [
    path("", views.dataset_list, name="index"),
    path("specification/<slug:code>/", views.dataset_detail, name="spec"),
    path("submit/", views.submission_new, name="submit"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots.csv", views.hotspots_csv, name="hotspots_csv"),
    path("hotspots.pdf", views.hotspots_pdf, name="hotspots_pdf"),
    path("trends/", views.trends, name="trends"),
    path("trends.csv", views.trends_csv, name="trends_csv"),
    path("trends.pdf", views.trends_pdf, name="trends_pdf"),
    path("feed/tokens/", views.feed_tokens, name="feed_tokens"),
    path("feed/tokens/<int:pk>/revoke/", views.feed_token_revoke, name="feed_token_revoke"),
    path("feed/<slug:partnership>/aggregates.<str:fmt>", feed.feed, name="feed"),
]
