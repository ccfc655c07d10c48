"""Crypto address parsing: every address of the sanctions lists, per-address time, import cost.

Reads the full OFAC SDN CSV (its "Digital Currency Address - <code>" remarks) and the
eth-sanctioned JSON list, parses every address on its listed chain, and prints what fails and why.
Then times ``parse_address`` per address (warm, best of several rounds) beside a baseline measured
in the same run: a precompiled regular expression of the kind naive validators use (shape only,
no checksum), on the same addresses. Last, the import cost of the address module in fresh
processes, beside the floor a Lambda function pays anyway (functions/get_customer/app.py).

    .venv/bin/python bench/chain_addresses.py [--data ../shared/data] [--rounds 200]
"""

from __future__ import annotations

import argparse
import compileall
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "kycgate"))

from kycgate.compliance.chains.addresses import AddressError, chain_for_list_currency, parse_address  # noqa: E402

_REMARK = re.compile(r"Digital Currency Address - ([A-Z0-9]+) ([^\s;\"]+)")
_NAIVE = re.compile(r"^(?:0x[0-9a-fA-F]{40}|(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}|[LMT][a-km-zA-HJ-NP-Z1-9]{26,33})$")


def list_addresses(data: Path) -> list[tuple[str, str | None, str]]:
    """(source, chain, address) of every listed address."""
    out: list[tuple[str, str | None, str]] = []
    with (data / "ofac-sdn-2021" / "sdn.csv").open(encoding="latin-1", newline="") as rows:
        for row in csv.reader(rows):
            if len(row) > 11:
                out += [
                    (f"sdn {row[0]} {code}", chain_for_list_currency(code), a) for code, a in _REMARK.findall(row[11])
                ]
    for address in json.loads((data / "eth-sanctioned-2025" / "ofac.sanctions.json").read_text()):
        out.append(("eth-sanctioned", "eth", address))
    return out


def per_call_us(function, items: list, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - started)
    return best / len(items) * 1e6


def import_phases(runs: int = 7) -> tuple[float, float, float]:
    """Fastest ms of each phase over fresh processes: a function's imports (the floor), then
    importing the address module on top, then the first BTC and ETH parse. The layer is imported
    from a copy compiled to bytecode, as it ships (the venv sets PYTHONDONTWRITEBYTECODE)."""
    layer = Path(tempfile.mkdtemp(prefix="kycgate-layer-"))
    shutil.copytree(ROOT / "layers" / "kycgate" / "kycgate", layer / "kycgate")
    compileall.compile_dir(layer, quiet=1)
    code = (
        "import time; t0 = time.perf_counter(); import functions.get_customer.app; t1 = time.perf_counter(); "
        "from kycgate.compliance.chains.addresses import parse_address; t2 = time.perf_counter(); "
        "parse_address('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'); "
        "parse_address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'); t3 = time.perf_counter(); "
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    env = {**os.environ, "PYTHONPATH": str(layer)}
    samples = [
        [
            float(x) * 1000
            for x in subprocess.run(
                [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.split()
        ]
        for _ in range(runs)
    ]
    shutil.rmtree(layer)
    floor, module, first = (min(column) for column in zip(*samples, strict=True))
    return floor, module, first


def main() -> None:
    default = ROOT.parent / "shared" / "data"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default if default.is_dir() else None)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    if args.data is None:
        sys.exit("no --data: point it at the folder holding ofac-sdn-2021/ and eth-sanctioned-2025/")

    listed = list_addresses(args.data)
    failures = []
    chains: dict[str, int] = {}
    for source, chain, address in listed:
        try:
            parsed = parse_address(address, chain)
            chains[parsed.chain] = chains.get(parsed.chain, 0) + 1
        except AddressError as error:
            failures.append((source, address, error.code.value, error.message))
    print(f"listed addresses: {len(listed)}, parsed: {len(listed) - len(failures)} {dict(sorted(chains.items()))}")
    for failure in failures:
        print("  not an address as published:", *failure)

    refused = {address for _, address, _, _ in failures}
    good = [(a, c) for _, c, a in listed if a not in refused]
    by_chain: dict[str, list[str]] = {}
    for address, chain in good:
        by_chain.setdefault(chain or "?", []).append(address)
    naive = per_call_us(_NAIVE.match, [a for a, _ in good], args.rounds)
    print(f"\nper address, warm (best of {args.rounds} rounds; baseline: a shape-only regex, {naive:.2f} us)")
    for chain, addresses in sorted(by_chain.items()):
        us = per_call_us(lambda a, c=chain: parse_address(a, c), addresses, args.rounds)
        print(f"  {chain:5} {len(addresses):4} addresses  {us:7.1f} us  {us / naive:6.1f}x baseline")
    detected = per_call_us(parse_address, [a for a, _ in good], args.rounds)
    print(f"  all, chain detected: {detected:.1f} us  {detected / naive:.1f}x baseline")

    floor_ms, module_ms, first_ms = import_phases()
    print("\nimport (fastest of 7 fresh processes, phases timed inside each)")
    print(f"  floor (get_customer's imports): {floor_ms:.1f} ms")
    print(f"  + compliance.chains.addresses:   {module_ms:.2f} ms ({(floor_ms + module_ms) / floor_ms:.3f}x floor)")
    print(f"  + first ETH and BTC parse:       {first_ms:.2f} ms")


if __name__ == "__main__":
    main()
