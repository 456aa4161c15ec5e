"""Rules the code keeps, checked like a linter (CONVENTIONS.md, "Things the anchors avoid").

1. A view never queries a model that holds personal data itself: it goes through the guarded
   selector (`access_disclosure`, `access_meeting`, `access_consent`), which answers 404 alike for
   missing and not-yours. The classic leak is `DisclosureRequest.objects.get(pk=...)` in a view.
2. Templates carry no inline style and no inline script without the CSP nonce (the policy has no
   'unsafe-inline'), so nothing on a page is silently blocked.
3. `DisclosureRequest.objects` and `.select_for_update(` only in selectors modules, with an
   allowlist whose every entry states its reason (checked on the syntax tree).
"""
import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUARDED_MODELS = ("DisclosureRequest", "Meeting", "ConsentRecord", "DataSubject", "Decision", "ReleaseAttachment")
DIRECT_QUERY = re.compile(rf"\b({'|'.join(GUARDED_MODELS)})\.objects\.")


def view_modules():
    for app in ("portal", "sharing", "meetings", "consent", "governance"):
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


# 3. Rows are read for writing only through selectors: `DisclosureRequest.objects` and
# `.select_for_update(` appear in selectors modules (the guarded `access_disclosure(..., for_update=True)`
# and the one named system lock `lock_disclosure_for_system`) and nowhere else, checked on the
# syntax tree, not by text. `DisclosureRequest.objects.create(` is not a read and is allowed.
# Every other place is listed here with its reason; an entry that no longer matches anything is
# harmless, a new place is not.
LOCK_AND_MANAGER_ALLOWLIST = {
    ("sharing/demo.py", "DisclosureRequest.objects"): "demo data loader: counts and finds its own demo rows, no user acts",
    ("sharing/retention.py", "DisclosureRequest.objects"): (
        "the retention engine's callbacks (purge, backfill, in_use) work on the ids the engine hands them"
    ),
    ("portal/retention/services.py", ".select_for_update("): (
        "retention sweeps and holds lock the held copies and runs they destroy or review, not a disclosure"
    ),
    ("portal/services/accounts.py", ".select_for_update("): (
        "account services lock the organisation or user they change (accounts hold no case data)"
    ),
    ("portal/accountability/services.py", ".select_for_update("): (
        "verification workers claim ranges of the decision log with skip_locked, and lock their run to finish it"
    ),
    ("portal/services/identity_providers.py", ".select_for_update("): (
        "single sign-on locks the provider configuration and the access request it decides (no case data)"
    ),
    ("portal/notifications/services.py", ".select_for_update("): (
        "sending claims each notification with skip_locked so two workers never send one twice"
    ),
    ("sharing/services/disputes.py", ".select_for_update("): (
        "locks the dispute/decision row of a disclosure the caller already holds through access_disclosure"
    ),
    ("sharing/services/onward.py", ".select_for_update("): (
        "locks the onward request of a disclosure the caller already holds through access_disclosure"
    ),
    ("sharing/services/review.py", ".select_for_update("): (
        "locks the flowchart run of a disclosure the caller already locked through lock_disclosure_for"
    ),
    ("sharing/services/override.py", ".select_for_update("): (
        "locks the override of a disclosure the caller already locked through access_disclosure"
    ),
    ("portal/auth/services.py", ".select_for_update("): (
        "a password change locks the account holder's own user row, which holds no case data"
    ),
}
LOCK_SCANNED_APPS = ("sharing", "meetings", "consent", "portal")


def _is_selectors_module(relative: str) -> bool:
    parts = relative.split("/")
    return parts[-1] == "selectors.py" or "selectors" in parts[:-1]


def lock_and_manager_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each `DisclosureRequest.objects` (not `.create`) and `.select_for_update(` call."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr == "objects" and isinstance(node.value, ast.Name) and node.value.id == "DisclosureRequest":
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr == "create"):
                found.append((node.lineno, "DisclosureRequest.objects"))
        elif node.attr == "select_for_update" and isinstance(parents.get(node), ast.Call):
            found.append((node.lineno, ".select_for_update("))
    return found


def lock_and_manager_offenders(files: dict[str, str], allowlist: dict) -> list[str]:
    offenders = []
    for relative, source in sorted(files.items()):
        if _is_selectors_module(relative) or "/migrations/" in relative:
            continue
        for line, what in lock_and_manager_uses(source):
            if (relative, what) not in allowlist:
                offenders.append(f"{relative}:{line}: {what}")
    return offenders


def test_disclosure_manager_and_row_locks_only_in_selectors():
    files = {}
    for app in LOCK_SCANNED_APPS:
        for path in (ROOT / app).rglob("*.py"):
            files[path.relative_to(ROOT).as_posix()] = path.read_text()
    offenders = lock_and_manager_offenders(files, LOCK_AND_MANAGER_ALLOWLIST)
    assert not offenders, (
        "Lock and query disclosures through the selectors (access_disclosure(..., for_update=True), "
        "lock_disclosure_for_system) or add an allowlist entry with its reason:\n" + "\n".join(offenders)
    )


def test_allowlist_entries_give_reasons_and_never_cover_the_guarded_write_paths():
    guarded = {"sharing/services/review.py", "sharing/services/decide.py", "sharing/services/override.py"}
    for (relative, what), reason in LOCK_AND_MANAGER_ALLOWLIST.items():
        assert len(reason.split()) >= 5, relative
        # The people's write paths may lock a request's child rows once the request itself is
        # locked through a selector; they never reach the request's manager themselves.
        assert not (relative in guarded and what == "DisclosureRequest.objects"), relative
        assert relative != "sharing/services/decide.py", relative


def test_the_lock_checker_catches_an_unguarded_lock_and_spares_selectors_and_creates():
    bad = "def f(pk):\n    return DisclosureRequest.objects.select_for_update().get(pk=pk)\n"
    create = "def g():\n    return DisclosureRequest.objects.create(reference='x')\n"
    offenders = lock_and_manager_offenders(
        {"sharing/services/new.py": bad, "sharing/selectors.py": bad, "sharing/services/make.py": create}, {}
    )
    assert sorted(offenders) == [
        "sharing/services/new.py:2: .select_for_update(",
        "sharing/services/new.py:2: DisclosureRequest.objects",
    ]
