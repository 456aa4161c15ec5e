"""The look and feel: vendored GOV.UK Frontend, the base template, the shared components and the
sign-in and home pages."""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.auth.services import totp_code_now
from portal.roles import Role
from tests.portal.factories import TEST_PASSWORD, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

JS_ENABLED = (
    "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype"
    " ? ' govuk-frontend-supported' : '');"
)


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _assert_no_inline_code(html: str, nonce: str) -> None:
    """Every <script> is external or carries the nonce; no style="" or <style> (the CSP forbids them)."""
    for attrs in re.findall(r"<script\b([^>]*)>", html):
        assert "src=" in attrs or f'nonce="{nonce}"' in attrs, attrs
    assert not re.search(r"<style\b", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


# --- Vendored GOV.UK Frontend ------------------------------------------------------------------


def _static_text(path: str) -> str:
    found = finders.find(path)
    assert found, f"{path} is not found by the static files finders"
    return Path(found).read_text(encoding="utf-8")


def test_vendored_css_uses_arial_not_gds_transport():
    css = _static_text("govuk/govuk-frontend.min.css")
    assert ".govuk-template" in css and ".govuk-service-navigation" in css
    assert "arial" in css.lower()
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "govuk-crest" not in css
    # Any asset the CSS refers to lives under /static/govuk/assets/ and is vendored.
    for url in re.findall(r"url\(([^)]*)\)", css):
        url = url.strip("'\"")
        if url.startswith("data:"):
            continue
        assert url.startswith("/static/govuk/assets/"), url
        assert finders.find(url.removeprefix("/static/")), url
    assert "sourceMappingURL" not in css


def test_vendored_js_and_portal_js():
    govuk_js = _static_text("govuk/govuk-frontend.min.js")
    assert 'const version="6.6.0"' in govuk_js  # the current 6.x (issue 15)
    assert "initAll" in govuk_js
    assert "sourceMappingURL" not in govuk_js
    portal_js = _static_text("js/portal.js")
    assert 'import { initAll } from "../govuk/govuk-frontend.min.js"' in portal_js
    assert "initAll()" in portal_js
    assert "govuk-frontend 6.6.0" in _static_text("govuk/VERSION")
    assert ".portal-marking" in _static_text("css/portal.css")


def test_every_static_file_the_pages_link_exists(client):
    html = client.get(reverse("portal:sign_in")).content.decode()
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert {"/static/govuk/govuk-frontend.min.css", "/static/css/portal.css", "/static/js/portal.js"} <= set(urls)
    for url in urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


# --- Base template, CSP ------------------------------------------------------------------------


def test_sign_in_page_renders_in_govuk_markup(client):
    response = client.get(reverse("portal:sign_in"), {"next": "/somewhere/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert '<body class="govuk-template__body">' in html
    assert 'class="govuk-skip-link"' in html and 'href="#main-content"' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert "govuk-service-navigation" in html
    assert "case-sharing portal" in html
    assert "This is not a GOV.UK service" in html
    assert "govuk-header__logotype" not in html and "Crown copyright" not in html
    assert "Open Government Licence" not in html
    assert html.count("<h1") == 1
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in html
    assert "<title>Sign in –" in html
    assert '<label class="govuk-label" for="id_username">Username</label>' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'class="govuk-input' in html and 'type="password"' in html
    assert '<label class="govuk-label" for="id_password">Password</label>' in html
    assert 'name="next" value="/somewhere/"' in html
    assert 'class="govuk-button"' in html
    # Signed out: no account bar, no navigation.
    assert "Acting as" not in html and "Sign out" not in html


def test_csp_has_a_script_nonce_and_no_unsafe_inline(client):
    response = client.get(reverse("portal:sign_in"))
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    directives = _csp(response)
    nonces = [w for w in directives["script-src"] if w.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert directives["style-src"] == ["'self'"]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">{JS_ENABLED}</script>' in html
    assert '<script type="module" src="/static/js/portal.js"></script>' in html
    _assert_no_inline_code(html, nonce)


def test_signed_in_pages_have_no_inline_code(signed_in, make_member):
    membership = make_member()
    response = signed_in(membership.user).get(reverse("portal:home"))
    nonce = [w for w in _csp(response)["script-src"] if w.startswith("'nonce-")][0][len("'nonce-") : -1]
    _assert_no_inline_code(response.content.decode(), nonce)


def test_error_title_prefix_and_error_summary_on_failed_sign_in(client):
    response = client.post(reverse("portal:sign_in"), {"username": "nobody", "password": ""})
    html = response.content.decode()
    assert "<title>Error: Sign in –" in html
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert 'value="nobody"' in html  # what was typed is kept


def test_wrong_password_error_links_to_the_first_field(client):
    user = UserFactory()
    response = client.post(reverse("portal:sign_in"), {"username": user.username, "password": "wrong password"})
    html = response.content.decode()
    assert '<a href="#id_username">Enter a correct username and password</a>' in html


# --- Components --------------------------------------------------------------------------------


class ExampleForm(forms.Form):
    name = forms.CharField(label="Full name", help_text="As it appears on their ID")
    email = forms.EmailField(label="Email address")
    colour = forms.ChoiceField(label="Colour", choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(
        label="Kinds", choices=[("a", "Kind A"), ("b", "Kind B")], widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    agency = forms.ChoiceField(label="Agency", choices=[("", "Choose"), ("police", "Police")])
    agree = forms.BooleanField(label="I agree")
    born = forms.DateField(label="Date of birth", widget=forms.DateInput, required=False)
    upload = forms.FileField(label="Document", required=False)
    count = forms.IntegerField(label="How many", required=False)

    def clean(self):
        raise forms.ValidationError("Something about the whole form")


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def _field(form, name, **options) -> str:
    extra = "".join(f' {key}="{value}"' for key, value in options.items())
    return _render('{% include "components/field.html" with field=field' + extra + " %}", field=form[name])


class LimitedForm(forms.Form):
    title = forms.CharField(label="Title", max_length=20)
    reasons = forms.CharField(label="Reasons", max_length=1500, widget=forms.Textarea)


def test_long_text_is_never_cut_by_the_browser_and_a_textarea_counts_its_characters():
    form = LimitedForm()
    title, reasons = _field(form, "title"), _field(form, "reasons")
    assert " maxlength=" not in title and " maxlength=" not in reasons  # the browser would cut silently
    assert 'class="govuk-form-group govuk-character-count" data-module="govuk-character-count" data-maxlength="1500"' in reasons
    assert '<div id="id_reasons-info" class="govuk-hint govuk-character-count__message">You can enter up to 1,500 characters</div>' in reasons
    assert 'aria-describedby="id_reasons-info"' in reasons and "govuk-js-character-count" in reasons
    # Too long: refused by the server with a message, and what was typed comes back whole.
    typed = "x" * 1501
    form = LimitedForm({"title": "t" * 21, "reasons": typed})
    assert not form.is_valid()
    reasons = _field(form, "reasons")
    assert "Ensure this value has at most 1500 characters (it has 1501)." in reasons and typed in reasons
    assert "t" * 21 in _field(form, "title")


def test_field_renders_error_and_keeps_the_typed_value():
    form = ExampleForm({"name": "Ann Smith", "email": "not-an-email", "colour": "blue", "kinds": ["b"]})
    assert not form.is_valid()
    html = _field(form, "email")
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert '<label class="govuk-label" for="id_email">Email address</label>' in html
    assert '<p id="id_email-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span>' in html
    assert "Enter a valid email address." in html
    assert 'value="not-an-email"' in html
    assert 'aria-describedby="id_email-error"' in html
    assert "govuk-input--error" in html
    assert 'type="email"' in html

    html = _field(form, "name")
    assert 'value="Ann Smith"' in html
    assert '<div id="id_name-hint" class="govuk-hint">As it appears on their ID</div>' in html
    assert 'aria-describedby="id_name-hint"' in html
    assert "govuk-form-group--error" not in html


def test_field_renders_every_widget_in_govuk_markup():
    form = ExampleForm({"colour": "blue", "kinds": ["b"], "notes": "Some notes", "agency": "", "born": "2001-02-03"})
    form.is_valid()

    radios = _field(form, "colour")
    assert '<fieldset class="govuk-fieldset">' in radios
    assert '<legend class="govuk-fieldset__legend">' in radios
    assert 'class="govuk-radios" data-module="govuk-radios"' in radios
    assert '<input class="govuk-radios__input" id="id_colour_1" name="colour" type="radio" value="blue" checked>' in radios
    assert '<label class="govuk-label govuk-radios__label" for="id_colour_0">Red</label>' in radios

    checkboxes = _field(form, "kinds")
    assert 'class="govuk-checkboxes" data-module="govuk-checkboxes"' in checkboxes
    assert 'id="id_kinds_1" name="kinds" type="checkbox" value="b" checked>' in checkboxes

    bad = ExampleForm({"colour": "green", "kinds": ["z"]})
    bad.is_valid()
    radios = _field(bad, "colour", hint="Pick one")
    assert 'class="govuk-form-group govuk-form-group--error"' in radios
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_colour-hint id_colour-error">' in radios
    assert "Select a valid choice. green is not one of the available choices." in radios
    assert " checked" not in radios
    checkboxes = _field(bad, "kinds")
    assert "govuk-form-group--error" in checkboxes and 'aria-describedby="id_kinds-error"' in checkboxes

    textarea = _field(form, "notes")
    assert "govuk-textarea" in textarea and ">\nSome notes</textarea>" in textarea
    assert "Notes (optional)" in textarea

    select = _field(form, "agency")
    assert '<select name="agency"' in select and "govuk-select" in select and "govuk-select--error" in select

    checkbox = _field(form, "agree")
    assert 'type="checkbox"' in checkbox and "govuk-checkboxes__input" in checkbox
    assert '<label class="govuk-label govuk-checkboxes__label" for="id_agree">I agree</label>' in checkbox

    date = _field(form, "born")
    # Dates are typed day/month/year into a text box, as the hints say (no native picker);
    # what was typed comes back as typed, and a saved date is shown day/month/year.
    assert 'type="text"' in date and 'value="2001-02-03"' in date and "govuk-input" in date
    import datetime

    saved = _field(ExampleForm(initial={"born": datetime.date(2001, 2, 3)}), "born")
    assert 'type="text"' in saved and 'value="03/02/2001"' in saved

    upload = _field(form, "upload")
    assert '<input class="govuk-file-upload" id="id_upload" name="upload" type="file">' in upload

    number = _field(form, "count", input_class="govuk-input--width-4")
    assert 'type="number"' in number and "govuk-input govuk-input--width-4" in number


def test_field_options_label_as_heading_autocomplete_and_hint():
    form = ExampleForm()
    html = _field(form, "name", label_size="l", autocomplete="name", hint="Their legal name", spellcheck="false")
    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_name">' in html
    assert 'autocomplete="name"' in html and 'spellcheck="false"' in html
    assert "Their legal name" in html and "As it appears" not in html

    assert "Notes about the case (optional)</label>" in _field(form, "notes", label_text="Notes about the case")

    legend = _field(form, "colour", label_size="l")
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--l">' in legend
    assert '<h1 class="govuk-fieldset__heading">Colour</h1>' in legend

    password = _render(
        '{% include "components/field.html" with field=form.password %}',
        form=type("F", (forms.Form,), {"password": forms.CharField(widget=forms.PasswordInput)})(),
    )
    assert 'autocomplete="current-password"' in password and 'type="password"' in password


def test_error_summary_links_each_error_to_its_field():
    form = ExampleForm({"email": "bad"})
    assert not form.is_valid()
    html = _render('{% include "components/error_summary.html" with form=form %}', form=form)
    assert 'data-module="govuk-error-summary"' in html
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in html
    assert '<a href="#id_name">Something about the whole form</a>' in html  # non-field error first
    assert '<a href="#id_name">This field is required.</a>' in html
    assert '<a href="#id_email">Enter a valid email address.</a>' in html
    assert 'href="#id_colour_0"' in html  # radios: the first input
    assert 'href="#id_kinds_0"' in html  # checkboxes: the first input
    assert 'href="#id_agree"' in html
    assert html.index("whole form") < html.index("#id_email")

    assert _render('{% include "components/error_summary.html" with form=form %}', form=ExampleForm()).strip() == ""


def test_marking_banner_component():
    marking = SimpleNamespace(name="Official-Sensitive", handling="Only for the purpose it was shared for")
    html = _render('{% include "components/marking_banner.html" with marking=m %}', m=marking)
    assert 'role="region" aria-label="Protective marking"' in html
    assert "OFFICIAL-SENSITIVE" in html
    assert "Only for the purpose it was shared for" in html
    assert _render('{% include "components/marking_banner.html" with marking=m %}', m=None).strip() == ""


def _page(source: str, request=None, **context) -> str:
    request = request or RequestFactory().get("/")
    return Template(source).render(RequestContext(request, context))


def test_page_marking_block_shows_the_banner_top_and_bottom():
    html = _page(
        '{% extends "base.html" %}{% block marking %}Restricted{% endblock %}'
        '{% block content %}<h1 class="govuk-heading-l">Case</h1>{% endblock %}'
    )
    assert html.count("RESTRICTED") == 2
    assert 'aria-label="Protective marking"' in html
    assert 'aria-label="Protective marking, end of page"' in html
    top, bottom = html.index("RESTRICTED"), html.rindex("RESTRICTED")
    assert top < html.index("<header") and bottom > html.index("</footer>")


def test_page_marking_from_context_or_include():
    marking = SimpleNamespace(name="Confidential", definition="Serious damage if compromised")
    html = _page('{% extends "base.html" %}{% block content %}<h1>x</h1>{% endblock %}', marking=marking)
    assert html.count("CONFIDENTIAL") == 2 and html.count("Serious damage if compromised") == 2

    html = _page(
        '{% extends "base.html" %}'
        '{% block marking %}{% include "components/marking_banner.html" with marking=level %}{% endblock %}'
        "{% block content %}<h1>x</h1>{% endblock %}",
        level=SimpleNamespace(name="Official"),
    )
    assert html.count("OFFICIAL") == 2 and html.count('class="portal-marking"') == 2

    html = _page('{% extends "base.html" %}{% block content %}<h1>x</h1>{% endblock %}')
    assert "portal-marking" not in html


def test_pagination_keeps_other_query_parameters():
    paginator = Paginator(list(range(100)), 10)
    request = RequestFactory().get("/cases/", {"status": "open", "page": "5"})
    html = _page(
        '{% include "components/pagination.html" with page_obj=page_obj %}', request=request, page_obj=paginator.page(5)
    )
    assert '<nav class="govuk-pagination" aria-label="Pagination">' in html
    assert 'href="?status=open&amp;page=4" rel="prev"' in html
    assert 'href="?status=open&amp;page=6" rel="next"' in html
    assert 'aria-label="Page 5" aria-current="page"' in html
    assert 'href="?status=open&amp;page=10"' in html
    assert "govuk-pagination__item--ellipsis" in html

    one_page = Paginator([1, 2], 10).page(1)
    assert _page('{% include "components/pagination.html" with page_obj=p %}', p=one_page).strip() == ""


# --- Header: acting membership, switching ------------------------------------------------------


def test_header_shows_acting_role_and_organisation_without_switch_for_one_membership(signed_in, make_member):
    membership = make_member(role=Role.DESIGNATED_OFFICER)
    html = signed_in(membership.user).get(reverse("portal:home")).content.decode()
    assert "Acting as <strong>Designated officer</strong>, " + membership.organisation.name in html
    assert reverse("portal:switch_membership") not in html
    assert f'action="{reverse("portal:sign_out")}"' in html and "Sign out" in html
    assert 'aria-current="page"' in html  # Home is the current navigation item


def test_header_switch_form_with_two_memberships_and_switching_changes_it(signed_in, make_member):
    first = make_member(role=Role.OFFICER, organisation=OrganisationFactory(name="Alpha Police"))
    second = make_member(role=Role.CHAIR, user=first.user, organisation=OrganisationFactory(name="Beta Council"))
    client = signed_in(first.user)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Acting as <strong>Partner officer</strong>, Alpha Police" in html
    assert f'action="{reverse("portal:switch_membership")}"' in html
    assert '<select class="govuk-select portal-account-bar__select" id="portal-switch-membership" name="membership">' in html
    assert '<label class="govuk-label portal-account-bar__label" for="portal-switch-membership">' in html
    assert '<input type="hidden" name="next" value="/">' in html
    assert f'<option value="{second.pk}">Meeting chair, Beta Council</option>' in html

    response = client.post(reverse("portal:switch_membership"), {"membership": second.pk, "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("portal:home")).content.decode()
    assert "Acting as <strong>Meeting chair</strong>, Beta Council" in html
    assert "You are acting as Meeting chair for Beta Council" in html


def test_switching_to_a_membership_that_is_not_yours_is_refused(signed_in, make_member):
    mine = make_member()
    make_member(user=mine.user)
    someone_elses = make_member()
    client = signed_in(mine.user)
    response = client.post(reverse("portal:switch_membership"), {"membership": someone_elses.pk, "next": "/"})
    assert response.status_code == 400
    html = client.get(reverse("portal:home")).content.decode()
    assert someone_elses.organisation.name not in html


def test_administration_link_only_for_admins(admin_client_2fa, signed_in, make_member):
    admin_html = admin_client_2fa.get(reverse("portal:home")).content.decode()
    officer_html = signed_in(make_member().user).get(reverse("portal:home")).content.decode()
    assert "Administration" not in officer_html
    try:
        admin_url = reverse("portal:admin_home")
    except Exception:
        pytest.skip("portal:admin_home is not there yet")
    assert f'href="{admin_url}"' in admin_html


# --- Pages -------------------------------------------------------------------------------------


def test_home_lists_what_the_role_can_do(admin_client_2fa):
    html = admin_client_2fa.get(reverse("portal:home")).content.decode()
    assert html.count("<h1") == 1
    assert "You are acting as Partnership admin for " + admin_client_2fa.membership.organisation.name in html
    assert "manage organisations, users and their memberships" in html


def test_home_without_membership(signed_in):
    html = signed_in(UserFactory()).get(reverse("portal:home")).content.decode()
    assert "You do not have an active membership" in html
    assert "Contact your partnership admin" in html
    assert "You have no active membership" in html  # header
    assert reverse("portal:switch_membership") not in html


def test_enrolment_code_and_backup_code_pages():
    client = Client()
    user = UserFactory()
    response = client.post(reverse("portal:sign_in"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:enrol")

    html = client.get(reverse("portal:enrol")).content.decode()
    assert '<h1 class="govuk-heading-l">Set up your authenticator app</h1>' in html
    assert f'src="{reverse("portal:enrol_qr")}" alt="QR code for your authenticator app"' in html
    assert 'class="govuk-inset-text"' in html and 'data-testid="totp-secret"' in html
    assert 'autocomplete="one-time-code"' in html and 'name="code"' in html

    html = client.post(reverse("portal:enrol"), {"code": "000000x!"}).content.decode()
    assert "<title>Error: Set up your authenticator app" in html and 'href="#id_code"' in html

    key_hex = client.session["portal_enrol_key"]
    response = client.post(reverse("portal:enrol"), {"code": totp_code_now(key_hex=key_hex)})
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Your backup codes</h1>' in html
    assert len(re.findall(r'<li data-testid="backup-code">\S+</li>', html)) == settings.PORTAL_BACKUP_CODE_COUNT
    assert "will not be shown again" in html and "govuk-warning-text" in html
    assert f'<a href="{reverse("portal:home")}" role="button"' in html

    client.post(reverse("portal:sign_out"))
    response = client.post(reverse("portal:sign_in"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.url == reverse("portal:sign_in_code")
    html = client.get(reverse("portal:sign_in_code")).content.decode()
    assert '<h1 class="govuk-heading-l">Enter your security code</h1>' in html
    assert 'autocomplete="one-time-code"' in html and 'spellcheck="false"' in html
    assert 'inputmode="numeric"' not in html  # backup codes have letters
    assert "Use a backup code" in html and "govuk-details" in html


def test_account_locked_page():
    html = render_to_string("portal/account_locked.html", {"username": "someone"}, request=RequestFactory().get("/"))
    assert "Your account is locked" in html and "partnership admin" in html
    assert "someone" not in html


def test_error_pages():
    request = RequestFactory().get("/x/")
    for name, heading in [
        ("404.html", "Page not found"),
        ("403.html", "You do not have access to this page"),
        ("400.html", "Sorry, there is a problem with your request"),
    ]:
        html = render_to_string(name, {}, request=request)
        assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html and html.count("<h1") == 1
    # 500 stands alone: no request, no context processors.
    html = Template(Path(settings.BASE_DIR / "templates" / "500.html").read_text()).render(Context())
    assert "Sorry, there is a problem with the service" in html
    assert 'href="/static/govuk/govuk-frontend.min.css"' in html
    assert "<script" not in html
    assert render_to_string("500.html").count("<h1") == 1
    # 503 (the database is down: portal/views/errors.py) stands alone the same way.
    html = Template(Path(settings.BASE_DIR / "templates" / "503.html").read_text()).render(Context())
    assert "Sorry, the service is unavailable" in html and "Try again shortly" in html
    assert 'href="/static/govuk/govuk-frontend.min.css"' in html
    assert "<script" not in html and html.count("<h1") == 1


def test_404_for_a_signed_in_user(signed_in, make_member):
    response = signed_in(make_member().user).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_the_inbox_and_audit_pages_carry_the_marking_banner(make_member, signed_in):
    """Issue 15: every page showing personal data is marked, top and bottom (pack loaded)."""
    from django.core.management import call_command

    from portal.accountability.exports import audit_marking_name

    call_command("load_protocol", "protocols/stockport-2020.yaml", verbosity=0)
    marking = audit_marking_name()
    assert marking
    auditor = signed_in(make_member(role=Role.AUDITOR).user)
    officer = signed_in(make_member(role=Role.DESIGNATED_OFFICER).user)
    for client, url in ((officer, reverse("sharing:inbox")), (auditor, reverse("portal:audit_decisions")),
                        (auditor, reverse("portal:audit_access"))):
        page = client.get(url).content.decode()
        assert page.count('class="portal-marking"') == 2 and marking.upper() in page, url
