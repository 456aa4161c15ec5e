"""Issue 15 (key rotation): `chain.rows_verify` before and after key epochs, interleaved in one
run over the same 200,000 chained rows in memory (no database: the per-row cost only).

    git show e17ad37~1:portal/accountability/chain.py > /tmp/chain_before.py
    DJANGO_SETTINGS_MODULE=portal.settings.test .venv/bin/python bench/chain_key_epochs.py /tmp/chain_before.py
"""
import importlib.util
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from portal.accountability import chain as after  # noqa: E402

ENTRIES = 200_000
ROUNDS = 5


def load_before(path: str):
    spec = importlib.util.spec_from_file_location("chain_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["chain_before"] = module
    spec.loader.exec_module(module)
    return module


def chained_rows() -> list[tuple]:
    rows, previous = [], after.GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(ENTRIES):
        when = start + timedelta(seconds=i, microseconds=i % 1000)
        fields = {
            "occurred_at": when, "actor_id": i % 50, "actor_name": "Pat Officer", "organisation_id": 3,
            "organisation_name": "Greater Manchester Police", "action": "request.released", "reference": f"DR-{i}",
            "recipient_name": "Stockport Council", "purpose": "Tackling ASB", "reasons": "Necessary and proportionate " * 3,
            "protocol_version": "2020.1", "details": {}, "partnership_id": 1,
        }
        entry_hash = after.entry_digest(previous_hash=previous, fields=fields)
        rows.append((
            i + 1, previous, entry_hash, when.strftime("%Y-%m-%d %H:%M:%S.%f"), i % 50, "Pat Officer", 3,
            "Greater Manchester Police", 1, "request.released", f"DR-{i}", "Stockport Council", "Tackling ASB",
            fields["reasons"], "2020.1", "{}",
        ))
        previous = entry_hash
    return rows


def main() -> None:
    before = load_before(sys.argv[1])
    rows = chained_rows()
    rates: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(ROUNDS):
        for name, module in (("before", before), ("after", after)):
            started = time.perf_counter()
            result = module.rows_verify(rows, previous_hash=after.GENESIS)
            seconds = time.perf_counter() - started
            assert result.broken_id is None and result.count == ENTRIES, (name, result)
            rates[name].append(ENTRIES / seconds)
    for name, values in rates.items():
        values.sort()
        print(f"{name}: median {values[ROUNDS // 2]:,.0f} entries/s (min {values[0]:,.0f}, max {values[-1]:,.0f})")
    print("ratio after/before (medians):", round(rates["after"][ROUNDS // 2] / rates["before"][ROUNDS // 2], 3))


if __name__ == "__main__":
    main()
