"""Track which sessions belong to which user, whatever signed them in, so that deactivation
and password resets can end them at once (portal.auth.services.sessions_end_for_user)."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.models import UserSession


@receiver(user_logged_in, dispatch_uid="portal_track_session")
def track_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)
