"""`make audit` (scripts/audit.py) fails loudly when pip-audit did not actually audit: a run
that skipped packages (no network) or reached no advisory service is a failure, not a pass.
pip-audit itself is stood in for by a small script that answers as it does offline."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"


def fake_pip_audit(tmp_path: Path, *, report: dict | None, exit_code: int = 0) -> Path:
    """An executable that writes `report` where pip-audit's -o points, and exits `exit_code`."""
    body = (
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        f"report = {json.dumps(report)!r}\n"
        "if report != 'null':\n"
        "    open(args[args.index('-o') + 1], 'w').write(report)\n"
        "else:\n"
        "    sys.stderr.write('ConnectionError: could not reach the vulnerability service\\n')\n"
        f"sys.exit({exit_code})\n"
    )
    path = tmp_path / "pip-audit"
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def run(tmp_path: Path, **fake) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_AUDIT": str(fake_pip_audit(tmp_path, **fake))}
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env)


def test_a_run_that_skipped_every_package_fails_and_says_why(tmp_path):
    skipped = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"},
                                {"name": "celery", "skip_reason": "Dependency not found on PyPI"}], "fixes": []}
    result = run(tmp_path, report=skipped)
    assert result.returncode != 0
    assert "0 package(s) audited, 2 skipped" in result.stderr and "AUDIT FAILED" in result.stderr


def test_one_skipped_package_fails_the_audit(tmp_path):
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []},
                               {"name": "celery", "skip_reason": "could not be audited"}], "fixes": []}
    result = run(tmp_path, report=report)
    assert result.returncode != 0 and "SKIPPED celery" in result.stderr


def test_no_service_and_no_report_fails(tmp_path):
    result = run(tmp_path, report=None, exit_code=1)
    assert result.returncode != 0
    assert "could not be reached" in result.stderr and "ConnectionError" in result.stderr


def test_a_vulnerability_fails_and_a_full_clean_audit_passes(tmp_path):
    vulnerable = {"dependencies": [{"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-0000-1"}]}]}
    result = run(tmp_path, report=vulnerable, exit_code=1)
    assert result.returncode != 0 and "VULNERABLE django 5.2.0: PYSEC-0000-1" in result.stderr
    clean = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []}
    result = run(tmp_path / "", report=clean)
    assert result.returncode == 0 and "1 package(s) audited, 0 skipped" in result.stdout


def test_without_pip_audit_it_fails_and_says_so(tmp_path):
    env = {**os.environ, "PIP_AUDIT": "", "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env)
    if Path(sys.executable).with_name("pip-audit").exists():
        return  # installed in this virtualenv: nothing to show here
    assert result.returncode != 0 and "pip-audit is not installed" in result.stderr
