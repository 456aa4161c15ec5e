"""Rules the code keeps, checked like a linter (CONVENTIONS.md, "Things the anchors avoid").

1. A view never queries a model that holds personal data itself: it goes through the guarded
   selector (`access_disclosure`, `access_meeting`, `access_consent`), which answers 404 alike for
   missing and not-yours. The classic leak is `DisclosureRequest.objects.get(pk=...)` in a view.
2. Templates carry no inline style and no inline script without the CSP nonce (the policy has no
   'unsafe-inline'), so nothing on a page is silently blocked.
"""
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUARDED_MODELS = ("DisclosureRequest", "Meeting", "ConsentRecord", "DataSubject", "Decision", "ReleaseAttachment")
DIRECT_QUERY = re.compile(rf"\b({'|'.join(GUARDED_MODELS)})\.objects\.")


def view_modules():
    for app in ("portal", "sharing", "meetings", "consent"):
        base = ROOT / app
        yield from base.glob("views.py")
        yield from (base / "views").glob("*.py")


def test_views_reach_personal_data_only_through_guarded_selectors():
    offenders = []
    for path in view_modules():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # A Prefetch queryset only narrows rows reached through an already-guarded object.
            if DIRECT_QUERY.search(line) and "Prefetch(" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "Views must use the access_* selectors, not the model manager:\n" + "\n".join(offenders)


INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def test_templates_have_no_inline_style_or_unnonced_inline_script():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.name == "500.html" or "pdf" in path.parts:
            continue  # 500 stands alone without the CSP nonce; PDFs are not served to browsers
        text = COMMENTS.sub("", path.read_text())
        if INLINE_STYLE.search(text):
            offenders.append(f"{path.relative_to(ROOT)}: inline style attribute")
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and "nonce=" not in attributes:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script> without the CSP nonce")
    assert not offenders, "\n".join(offenders)


# meetings → sharing → consent → portal: an app never imports one to its left. The root URLconf
# is the project's wiring and the one exception.
FORBIDDEN_IMPORTS = {
    "portal": ("consent", "sharing", "meetings"),
    "consent": ("sharing", "meetings"),
    "sharing": ("meetings",),
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_]+)", re.M)


def test_imports_run_only_towards_the_core():
    offenders = []
    for app, above in FORBIDDEN_IMPORTS.items():
        for path in (ROOT / app).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "portal/urls.py" or "migrations" in path.parts:
                continue
            for module in IMPORT.findall(path.read_text()):
                if module in above:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, "Imports must run meetings → sharing → consent → portal:\n" + "\n".join(offenders)
