"""URLs of consent records (namespace `consent`, at /consent/). Every pattern is in the
authorization matrix."""
from consent import views

app_name = "consent"

urlpatterns = views.urlpatterns
