"""URLs of disclosure requests (namespace `sharing`). Each views module owns its patterns:
raising (the requester's journey), holding (inbox, review, decision) and requester (the request
page, released items, PDF, disputes). Every pattern is in the authorization matrix."""
from sharing.views import holding, raising, requester

app_name = "sharing"

urlpatterns = [*raising.urlpatterns, *holding.urlpatterns, *requester.urlpatterns]
