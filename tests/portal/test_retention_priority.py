"""The sweep lowers its own CPU priority so page requests on the same machine come first
(issues 6 and 17, docs/performance.md), by PORTAL_RETENTION_SWEEP_NICENESS, and never raises it.
Each case runs in a forked child, so the test process keeps its own priority."""
from __future__ import annotations

import os

import pytest
from django.test import override_settings

from portal.retention.services import sweep_yield_cpu

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and process priorities")


def niceness_after_yield(*, started_at: int, setting: int) -> int:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no database, no pytest teardown
        try:
            os.setpriority(os.PRIO_PROCESS, 0, started_at)
            with override_settings(PORTAL_RETENTION_SWEEP_NICENESS=setting):
                sweep_yield_cpu()
            os.write(write, str(os.getpriority(os.PRIO_PROCESS, 0)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        return int(answer.read())


def test_the_sweep_lowers_itself_to_the_configured_niceness():
    start = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness_after_yield(started_at=start, setting=10) == max(start, 10)
    assert niceness_after_yield(started_at=start, setting=15) == max(start, 15)


def test_the_sweep_never_raises_its_priority():
    start = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness_after_yield(started_at=max(start, 12), setting=5) == max(start, 12)
    assert niceness_after_yield(started_at=start, setting=0) == start
