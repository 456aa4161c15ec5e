"""The home page, the acting-membership switch, and the health check."""
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from health_check.views import HealthCheckView

from portal.health import health_checks
from portal.middleware import ACTING_MEMBERSHIP
from portal.models import Membership
from portal.waiting import waiting_for


def home(request):
    """Who the person acts as, what is waiting for them in that role (portal/waiting.py: counts
    and links), and what they can do."""
    membership = request.membership
    waiting = waiting_for(user=request.user, membership=membership) if request.user.is_authenticated else []
    return render(request, "portal/home.html", {"membership": membership, "waiting": waiting})


@require_POST
def switch_membership(request):
    try:
        membership_id = int(request.POST.get("membership", ""))
    except ValueError:
        return HttpResponseBadRequest("Choose an organisation and role")
    membership = Membership.objects.active().filter(user=request.user, pk=membership_id).first()
    if membership is None:
        return HttpResponseBadRequest("Choose an organisation and role")
    request.session[ACTING_MEMBERSHIP] = membership.pk
    request.session.cycle_key()
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "portal:home"
    return redirect(target)


class _ChecksExecutor(ThreadPoolExecutor):
    """Runs the synchronous checks in threads of this request's own, closed with it: the view is
    async (django-health-check), and Django refuses database access from inside its event loop
    (SynchronousOnlyOperation: the database check answered "unknown error" under every real
    server). Each thread closes its database connections when its check ends, and the pool is
    joined before the response goes, so a worker keeps no threads or connections behind and
    reloads as fast as before."""

    def __init__(self):
        super().__init__(max_workers=2, thread_name_prefix="healthz")

    def submit(self, fn, /, *args, **kwargs):
        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                connections.close_all()

        return super().submit(run)


class Healthz(HealthCheckView):
    """django-health-check over portal/health.py's checks: 200 when all pass, 500 naming the
    failing service otherwise; JSON for `Accept: application/json` or `?format=json`, plain
    text otherwise (never an HTML page: rendering the portal's templates reads the database,
    which may be what is down). Never cached."""

    def get_checks(self):
        self.checks = health_checks()
        return super().get_checks()

    def get_executor(self):
        return _ChecksExecutor()

    def render_to_response(self, context, **response_kwargs):
        return self.render_to_response_text(response_kwargs.get("status", 200))


healthz = Healthz.as_view()
