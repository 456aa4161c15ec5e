from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.oidc_idp import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("seed/client/", views.seed_client),
    path("seed/user/", views.seed_user),
]
