"""The home page, the acting-membership switch, and the health check."""
import contextlib
from concurrent.futures import Executor, Future

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


class _InlineExecutor(Executor):
    """Runs a synchronous check where it is asked for, in the request's own thread (and so on
    its database connection), instead of in a thread pool: a gunicorn sync worker then keeps no
    threads or extra connections behind after the request, and reloads as fast as before."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the check's result, as a pool would
            future.set_exception(error)
        return future


class Healthz(HealthCheckView):
    """django-health-check over portal/health.py's checks: 200 when all pass, 500 naming the
    failing service otherwise; JSON for `Accept: application/json` or `?format=json`, plain
    text otherwise (never an HTML page: rendering the portal's templates reads the database,
    which may be what is down). Never cached."""

    def get_checks(self):
        self.checks = health_checks()
        return super().get_checks()

    def get_executor(self):
        return contextlib.nullcontext(_InlineExecutor())

    def render_to_response(self, context, **response_kwargs):
        return self.render_to_response_text(response_kwargs.get("status", 200))


healthz = Healthz.as_view()
