"""`make audit`: audit the locked dependencies for known vulnerabilities with pip-audit, and
fail unless every package was actually audited (issue 20).

pip-audit reports a package it could not look up as "skipped" and, without a network, can skip
every one of them and still look like a pass. This runs

    pip-audit -r requirements-test.lock --strict --no-deps --disable-pip -f json -o <file>

(`--no-deps --disable-pip`: the lock pins every package, so it is audited as written, without
building a virtualenv; `--strict`: a package whose collection fails fails the run) and then
exits non-zero, with a message saying why, when pip-audit is missing, could not reach the
advisory service, skipped any package, audited none, or found a vulnerability. It needs the
network (PyPI's JSON API or OSV): run it in a connected CI job (docs/deploy.md).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The test lock holds every runtime pin too (tests/test_locks.py), so auditing it audits both.
LOCK = ROOT / "requirements-test.lock"


def find_pip_audit() -> str | None:
    """$PIP_AUDIT if set, else the virtualenv's pip-audit, else the one on PATH."""
    if os.environ.get("PIP_AUDIT"):
        return os.environ["PIP_AUDIT"]
    local = Path(sys.executable).with_name("pip-audit")
    return str(local) if local.exists() else shutil.which("pip-audit")


def verdict(report: dict) -> tuple[bool, list[str]]:
    """(passed, lines to print) for pip-audit's JSON report."""
    dependencies = report.get("dependencies") or []
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = [f"pip-audit: {len(audited)} package(s) audited, {len(skipped)} skipped, {len(vulnerable)} vulnerable"]
    for dependency in skipped:
        lines.append(f"  SKIPPED {dependency.get('name')}: {dependency['skip_reason']}")
    for dependency in vulnerable:
        ids = ", ".join(vuln.get("id", "?") for vuln in dependency["vulns"])
        lines.append(f"  VULNERABLE {dependency.get('name')} {dependency.get('version')}: {ids}")
    if skipped or not audited:
        lines.append(
            "AUDIT FAILED: not every package was audited (no network, or the advisory service did not answer). "
            "This is not a pass: run `make audit` where PyPI and OSV can be reached."
        )
    elif vulnerable:
        lines.append("AUDIT FAILED: known vulnerabilities in the locked dependencies: upgrade them and re-lock.")
    return not (skipped or not audited or vulnerable), lines


def main() -> int:
    pip_audit = find_pip_audit()
    if pip_audit is None:
        print(
            "AUDIT FAILED: pip-audit is not installed in this virtualenv. "
            "It is in requirements-test.lock (the test extras): install the lock, or set $PIP_AUDIT.",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "audit.json"
        command = [pip_audit, "-r", str(LOCK), "--strict", "--no-deps", "--disable-pip",
                   "--progress-spinner", "off", "-f", "json", "-o", str(output)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        text = output.read_text() if output.exists() else ""
    try:
        report = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        report = None
    if report is None:
        sys.stderr.write(result.stderr[-4000:])
        print(
            f"AUDIT FAILED: pip-audit exited {result.returncode} without a report "
            "(the advisory service could not be reached, or a package could not be collected).",
            file=sys.stderr,
        )
        return result.returncode or 2
    passed, lines = verdict(report)
    print("\n".join(lines), file=sys.stdout if passed else sys.stderr)
    if not passed:
        return result.returncode or 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
