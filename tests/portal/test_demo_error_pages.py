"""The demo (`make run`, portal.settings.local) shows the portal's own error pages, as production
does: never Django's technical 404 listing every URL pattern, nor a traceback page."""
import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = """
import os
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
client.cookies["sessionid"] = os.environ["PROBE_SESSION"]
for path in ("/no-such-page/", "/requests/999999/"):
    response = client.get(path)
    body = response.content.decode()
    print(path, response.status_code, "technical" if "URLconf" in body else "", "portal" if "Page not found" in body else "")
# The pages keep their styles with DEBUG off: the stylesheet is served without collectstatic.
import re
stylesheet = re.search(r'href="(/static/[^"]+[.]css)"', client.get("/").content.decode()).group(1)
print("stylesheet", client.get(stylesheet).status_code)
"""


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_the_portals_own_not_found_page(make_member, signed_in):
    session = signed_in(make_member().user).cookies["sessionid"].value
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    # The demo's settings with this test's database and secret (the session was signed with it).
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        PROBE_SESSION=session,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == ["/no-such-page/ 404  portal", "/requests/999999/ 404  portal", "stylesheet 200"], result.stdout
