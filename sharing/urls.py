"""URLs of disclosure requests (namespace `sharing`). Each views module owns its patterns:
raising (the requester's journey), holding (inbox, review, decision), requester (the request
page, released items, PDF, disputes), override (consent relied on, public-interest override,
the designated officers' queue) and onward (onward disclosure). Every pattern is in the
authorization matrix."""
from sharing.views import holding, onward, override, raising, requester

app_name = "sharing"

urlpatterns = [
    *raising.urlpatterns,
    *holding.urlpatterns,
    *requester.urlpatterns,
    *override.urlpatterns,
    *onward.urlpatterns,
]
