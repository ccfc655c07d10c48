"""Screening engine on the full lists: index build, size and load; query latency against a
brute-force baseline; accuracy on a labelled name-variation set; address lookups.

    .venv/bin/python bench/screening.py [--data ../shared/data] [--queries 2000] [--seed 7]
                                        [--threshold 0.85] [--misses 40]

--data is a folder holding ofac-sdn-2021/ (sdn.csv, alt.csv, add.csv), un-consolidated/
(consolidated.xml) and eth-sanctioned-2025/ (ofac.sanctions.json); the default is ../shared/data
beside the repository when it exists.

The labelled set is generated from the lists, deterministically (``--seed``): for listed persons
and entities, the name as listed, the natural word order, a dropped middle name, one typo, a
spelling or script transliteration (Cyrillic for persons of the former USSR; Arabic-script and Han
aliases as the UN gives them), Chinese readings (Han names in pinyin syllables, Chinese given names
split into syllables), and a changed company suffix; plus names that are not listed (common names
of many countries, recombinations of listed first and last names, invented companies), each
checked against every listed name: a generated name is only used as "not listed" when no listed
name of its kind holds all of its words (phonetically). A positive counts when its entry is among
the hits at or above the threshold; a negative is a false positive when any hit reaches it.

Baseline, measured in the same run: rapidfuzz ``process.extract`` of the normalised query over
every normalised listed name (WRatio, limit 10), the brute-force way to get the same candidates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "kycgate"))

from kycgate.compliance.lists import ofac, sources  # noqa: E402
from kycgate.compliance.lists.importer import compile_index  # noqa: E402
from kycgate.compliance.lists.model import ENTITY, PERSON, RawFile  # noqa: E402
from kycgate.compliance.screening import index as index_codec  # noqa: E402
from kycgate.compliance.screening import lookup_address, normalize, screen_company, screen_person  # noqa: E402
from kycgate.compliance.screening.risk import DEFAULT_MATCH_THRESHOLD  # noqa: E402


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TARGETS = {"load_ms": 300, "p50_ms": 1.0, "p95_ms": 5.0, "recall": 0.95, "fpr": 0.10, "address_p50_ms": 0.1}

FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty "
    "Anthony Sandra Mark Ashley Paul Emily Steven Donna Andrew Michelle Kenneth Carol Joshua Amanda "
    "Kevin Melissa Brian Deborah George Stephanie Pierre Camille Lucas Chloe Hugo Lea Jonas Hanna "
    "Felix Greta Luca Giulia Matteo Sofia Pablo Lucia Javier Carmen Joao Beatriz Tiago Ines Piotr "
    "Zofia Jakub Olga Ivan Anna Hiroshi Yuki Takeshi Sakura Minjun Jiwoo Seojun Haeun Arjun Priya "
    "Rahul Ananya Wei Fang Jun Ling Emeka Chioma Kwame Ama Mehmet Elif Emre Zeynep Lars Ingrid Sven "
    "Astrid Mateus Larissa Diego Valentina"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson Martin "
    "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green "
    "Adams Nelson Baker Hall Campbell Mitchell Carter Roberts Turner Phillips Parker Evans Edwards "
    "Collins Stewart Morris Dubois Lefebvre Moreau Laurent Girard Mueller Schmidt Schneider Fischer "
    "Weber Wagner Becker Rossi Russo Ferrari Esposito Bianchi Romano Colombo Fernandes Pereira Costa "
    "Oliveira Nowak Kowalczyk Wisniewski Lewandowski Tanaka Suzuki Takahashi Watanabe Yamamoto "
    "Nakamura Park Choi Jung Kang Patel Sharma Gupta Iyer Okafor Mensah Boateng Yilmaz Demir Kaya "
    "Sahin Johansson Andersson Lindqvist Nilsson"
)
COMPANY_WORDS = _words(
    "Blue River Northern Star Atlas Summit Harbor Crescent Pioneer Golden Gate Silver Oak Maple "
    "Cedar Horizon Vertex Quantum Nimbus Coral Delta Granite Meadow Falcon Orchid Lotus Beacon "
    "Anchor Prairie Sapphire Emerald Aurora Zenith Cobalt Ivory Willow Juniper Aspen Sequoia Tundra "
    "Monarch Phoenix"
)
COMPANY_KINDS = _words(
    "Logistics Foods Software Textiles Consulting Ventures Pharma Robotics Analytics Furniture "
    "Apparel Dairy Bakery Studios Media Labs Systems Energy Solar Farms Capital Partners Outfitters "
    "Motors"
)
SUFFIXES = ("LTD", "LIMITED", "LLC", "INC.", "CO., LTD.", "GMBH", "S.A.", "CORP.", "PLC", "B.V.", "")
SPELLINGS = (
    ("MOHAMMED", "MUHAMMAD"),
    ("MUHAMMAD", "MOHAMED"),
    ("MOHAMMAD", "MUHAMMED"),
    ("AHMED", "AHMAD"),
    ("AHMAD", "AHMED"),
    ("HUSSEIN", "HUSAIN"),
    ("HUSAIN", "HUSSEIN"),
    ("HASSAN", "HASAN"),
    ("YUSUF", "YOUSSEF"),
    ("ABDUL", "ABDEL"),
    ("ABDEL", "ABDUL"),
    ("OU", "U"),
    ("KH", "H"),
    ("EI", "AI"),
    ("IY", "II"),
    ("Q", "K"),
    ("PH", "F"),
    ("EE", "I"),
    ("AL-", "AL "),
    ("AL ", "AL-"),
    ("V", "W"),
    ("W", "V"),
    ("J", "DJ"),
    ("Y", "I"),
    ("I", "Y"),
)
# Latin -> Cyrillic, longest first (written as code points: ruff rightly flags look-alike letters).
_CYRILLIC = tuple(
    zip(
        _words("shch yo zh kh ts ch sh yu ya a b v g d e z i y k l m n o p r s t u f"),
        "\u0449\u0451\u0436\u0445\u0446\u0447\u0448\u044e\u044f\u0430\u0431\u0432\u0433\u0434\u0435"
        "\u0437\u0438\u044b\u043a\u043b\u043c\u043d\u043e\u043f\u0440\u0441\u0442\u0443\u0444",
        strict=True,
    )
)
USSR = {"RU", "UA", "BY", "KZ", "KG", "MD", "UZ", "TJ", "AM", "GE", "AZ"}
CHINA = {"CN", "TW", "HK", "MO"}


def default_data() -> Path | None:
    candidate = ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def raw(path: Path) -> RawFile:
    return RawFile(path.name.lower(), str(path), path.read_bytes(), None)


def to_cyrillic(text: str) -> str:
    out, i, lower = [], 0, text.lower()
    while i < len(lower):
        for latin, cyr in _CYRILLIC:
            if lower.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(lower[i])
            i += 1
    return "".join(out).title()


def natural_order(name: str) -> str:
    """OFAC's "LAST, First Middle" as "First Middle LAST"."""
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}"
    return name


def typo(name: str, rng: random.Random) -> str | None:
    words = name.split()
    options = [i for i, w in enumerate(words) if len(w.strip(",.")) >= 5 and w.isalpha()]
    if not options:
        return None
    i = rng.choice(options)
    word = words[i]
    pos = rng.randrange(1, len(word) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz").upper() if word.isupper() else rng.choice("abcdefghiklmnoprstu")
    op = rng.choice(("substitute", "delete", "insert", "transpose"))
    if op == "substitute":
        word = word[:pos] + letter + word[pos + 1 :]
    elif op == "delete":
        word = word[:pos] + word[pos + 1 :]
    elif op == "insert":
        word = word[:pos] + letter + word[pos:]
    else:
        word = word[: pos - 1] + word[pos] + word[pos - 1] + word[pos + 1 :]
    words[i] = word
    return " ".join(words)


def drop_middle(name: str) -> str | None:
    words = [w for w in natural_order(name).split() if w.lower().strip(".") not in normalize.TITLES]
    middle = [i for i in range(1, len(words) - 1) if words[i].lower() not in normalize.PARTICLES]
    if len(words) < 3 or not middle:
        return None
    del words[middle[len(middle) // 2]]
    return " ".join(words)


def respell(name: str, rng: random.Random) -> str | None:
    upper = name.upper()
    options = [(a, b) for a, b in SPELLINGS if a in upper]
    if not options:
        return None
    a, b = rng.choice(options)
    at = upper.find(a)
    return upper[:at] + b + upper[at + len(a) :]


def pinyin_syllables() -> set[str]:
    from pypinyin import Style, lazy_pinyin

    return {s for c in range(0x4E00, 0x9FA6) for s in lazy_pinyin(chr(c), style=Style.NORMAL) if s.isalpha()}


def split_syllables(word: str, syllables: set[str]) -> list[str] | None:
    word = word.lower()
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in syllables:
                candidate = [*head, word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    return best[len(word)]


def change_suffix(name: str, table: dict[tuple[str, ...], str], rng: random.Random) -> str | None:
    form = normalize.name_forms(name, normalize.ORGANISATION, table)
    if not form:
        return None
    words = [w for w in form[0] if not w.startswith(normalize.MARK)]
    if not words:
        return None
    base = " ".join(w.upper() for w in words)
    current = next((t for t in form[0] if t.startswith(normalize.MARK)), None)
    choices = [s for s in SUFFIXES if normalize.name_forms(f"X {s}", normalize.ORGANISATION, table)[0][-1] != current]
    return f"{base} {rng.choice(choices)}".strip()


class Listed:
    """Every listed name's phonetic words, to tell a generated name is not listed."""

    def __init__(self, index) -> None:
        self.by_key: dict[str, dict[str, set[int]]] = {"person": defaultdict(set), "organisation": defaultdict(set)}
        for row, tokens in enumerate(index.name_tokens):
            entry = index.name_entry[row]
            kind = index.entries["type"][entry]
            group = "person" if kind == PERSON else "organisation" if kind == ENTITY else None
            if group is None:
                continue
            for tid in tokens:
                token = index.vocab[tid]
                self.by_key[group][self.key(token)].add(row)
        self.index = index

    @staticmethod
    def key(token: str) -> str:
        return normalize.phonetic_key(token) or token

    def listed(self, name: str, group: str) -> bool:
        kind = normalize.PERSON if group == "person" else normalize.ORGANISATION
        for form in normalize.name_forms(name, kind, self.index.legal_forms):
            words = [t for t in form if not t.startswith(normalize.MARK) and t not in normalize.PARTICLES]
            if not words:
                return True
            rows = None
            for word in words:
                found = self.by_key[group].get(self.key(word), set())
                rows = set(found) if rows is None else rows & found
                if not rows:
                    break
            if rows:
                return True
        return False


def labelled_set(parsed, index, rng: random.Random, per_category: int):
    """[(category, kind, query, expected uid or None)]"""
    entries = [e for p in parsed for e in p.entries]
    persons = [e for e in entries if e.entry_type == PERSON]
    companies = [e for e in entries if e.entry_type == ENTITY]
    table = index.legal_forms
    out: list[tuple[str, str, str, str | None]] = []

    def sample(pool, count):
        return rng.sample(pool, min(count, len(pool)))

    def strong_name(entry):
        names = [entry.name] + [a.name for a in entry.aliases if a.quality == "strong" and a.kind != "original_script"]
        return rng.choice(names)

    for e in sample(persons, per_category):
        out.append(("exact", "person", e.name, e.uid))
    for e in sample(companies, per_category // 2):
        out.append(("exact", "company", e.name, e.uid))
    for e in sample(persons, per_category):
        out.append(("order_swap", "person", natural_order(strong_name(e)), e.uid))
    count = 0
    for e in rng.sample(persons, len(persons)):
        dropped = drop_middle(strong_name(e))
        if dropped:
            out.append(("dropped_middle", "person", dropped, e.uid))
            count += 1
            if count >= per_category:
                break
    for pool, kind in ((persons, "person"), (companies, "company")):
        count = 0
        for e in rng.sample(pool, len(pool)):
            changed = typo(strong_name(e), rng)
            if changed:
                out.append(("typo", kind, changed, e.uid))
                count += 1
                if count >= (per_category if kind == "person" else per_category // 2):
                    break
    count = 0
    for e in rng.sample(persons, len(persons)):
        changed = respell(strong_name(e), rng)
        if changed and changed.upper() != e.name.upper():
            out.append(("transliteration", "person", changed, e.uid))
            count += 1
            if count >= per_category // 2:
                break
    ussr = [e for e in persons if USSR & set(e.nationalities + e.citizenships)]
    for e in sample(ussr, per_category // 2):
        out.append(("transliteration", "person", to_cyrillic(natural_order(e.name)), e.uid))
    for e in entries:
        for alias in e.aliases:
            if alias.kind == "original_script" and e.entry_type in (PERSON, ENTITY):
                kind = "person" if e.entry_type == PERSON else "company"
                category = "chinese_reading" if normalize.has_han(alias.name) else "transliteration"
                out.append((category, kind, alias.name, e.uid))
    syllables = pinyin_syllables()
    from kycgate.compliance.lists.build import _script_parts

    for e in entries:
        for alias in [a for a in e.aliases if normalize.has_han(a.name)]:
            for part in _script_parts(alias.name):
                if normalize.has_han(part):
                    kind = normalize.PERSON if e.entry_type == PERSON else normalize.ORGANISATION
                    reading = normalize.han_readings(part, surname_first=kind == normalize.PERSON)[0]
                    out.append(
                        ("chinese_reading", "person" if kind == "person" else "company", " ".join(reading), e.uid)
                    )
    chinese = [e for e in persons if CHINA & set(e.nationalities + e.citizenships) and "," in e.name]
    for e in sample(chinese, per_category):
        last, _, given = e.name.partition(",")
        split = split_syllables(given.strip().replace(" ", "").replace("-", ""), syllables)
        if split and len(split) > 1:
            out.append(("chinese_reading", "person", f"{last.strip()} {' '.join(split)}", e.uid))
    count = 0
    for e in rng.sample(companies, len(companies)):
        changed = change_suffix(strong_name(e), table, rng)
        if changed:
            out.append(("suffix_change", "company", changed, e.uid))
            count += 1
            if count >= per_category:
                break

    listed = Listed(index)
    negatives = 0
    attempts = 0
    person_tokens = [normalize.name_forms(e.name, normalize.PERSON)[0] for e in persons]
    while negatives < per_category * 4 and attempts < per_category * 80:
        attempts += 1
        roll = rng.random()
        if roll < 0.25:
            kind, name = "person", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        elif roll < 0.45:
            # A listed person's name with one word another: shares all but one word with the list.
            words = [w for w in natural_order(rng.choice(persons).name).split() if w.isalpha()]
            if len(words) < 2:
                continue
            words[rng.randrange(len(words))] = rng.choice(LAST_NAMES + FIRST_NAMES)
            kind, name = "person", " ".join(words)
        elif roll < 0.7:
            a, b = rng.choice(person_tokens), rng.choice(person_tokens)
            words_a = [w for w in a if not w.startswith(normalize.MARK) and w not in normalize.PARTICLES]
            words_b = [w for w in b if not w.startswith(normalize.MARK) and w not in normalize.PARTICLES]
            if not words_a or not words_b:
                continue
            kind, name = "person", f"{words_a[-1].title()} {words_b[0].title()}"
        else:
            suffix = rng.choice(SUFFIXES)
            kind, name = "company", f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {suffix}".strip()
        if listed.listed(name, "person" if kind == "person" else "organisation"):
            continue
        out.append(("not_listed", kind, name, None))
        negatives += 1
    return out


def screen(index, kind: str, query: str):
    return screen_person(index, query) if kind == "person" else screen_company(index, query)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def import_cost() -> tuple[float, list[str]]:
    """ms to import the engine in a fresh process that has already imported what every kycgate
    function imports (settings, boto3 clients), from bytecode as the layer ships it; and which
    heavy modules that import loaded (none expected: they load on the first query)."""
    heavy = ("rapidfuzz", "jellyfish", "anyascii", "pypinyin", "msgpack", "cleanco")
    code = (
        "import json, sys, time, kycgate.core.settings, kycgate.core.aws\n"
        "started = time.perf_counter()\n"
        "import kycgate.compliance.screening, kycgate.compliance.lists\n"
        "took = (time.perf_counter() - started) * 1000\n"
        f"print(json.dumps([took, [m for m in {heavy!r} if m in sys.modules]]))"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "kycgate"), "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        runs = []
        for _ in range(6):  # the first run writes the bytecode
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout))
    return min(r[0] for r in runs[1:]), runs[-1][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--per-category", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=DEFAULT_MATCH_THRESHOLD)
    parser.add_argument("--misses", type=int, default=40, help="how many misses and false positives to print")
    parser.add_argument("--baseline-queries", type=int, default=200)
    args = parser.parse_args()
    if args.data is None or not (args.data / "ofac-sdn-2021" / "sdn.csv").is_file():
        print(
            "bench/screening.py needs the full lists: --data FOLDER with ofac-sdn-2021/, un-consolidated/ and "
            "eth-sanctioned-2025/ (the default ../shared/data beside the repository is not there)",
            file=sys.stderr,
        )
        return 2
    rng = random.Random(args.seed)
    data = args.data

    # ------------------------------------------------------------------ build, size, load
    started = time.perf_counter()
    files = [raw(data / "ofac-sdn-2021" / name) for name in ofac.FILES] + [
        raw(data / "un-consolidated" / "consolidated.xml"),
        raw(data / "eth-sanctioned-2025" / "ofac.sanctions.json"),
    ]
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    parsed = sources.parse(files)
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    doc, encoded = compile_index(parsed)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.msgpack"
        path.write_bytes(encoded)
        loads = []
        for _ in range(5):
            started = time.perf_counter()
            index = index_codec.decode(path.read_bytes())
            loads.append(time.perf_counter() - started)
    load_ms = statistics.median(loads) * 1000
    print(f"lists: {', '.join(f'{p.source} {len(p.entries) or len(p.addresses)}' for p in parsed)}")
    print(f"index {doc['version']}: {doc['counts']}")
    print(
        f"read {read_s * 1000:.0f} ms, parse {parse_s * 1000:.0f} ms, build {build_s * 1000:.0f} ms; "
        f"size {len(encoded) / 1e6:.2f} MB (msgpack); load from file median {load_ms:.0f} ms "
        f"(min {min(loads) * 1000:.0f}) [target <= {TARGETS['load_ms']}]"
    )
    took, loaded = import_cost()
    print(
        f"engine import (fresh process, bytecode, after settings and boto3): {took:.1f} ms; "
        f"heavy modules loaded: {loaded or 'none'}"
    )

    # ------------------------------------------------------------------ labelled set
    labelled = labelled_set(parsed, index, rng, args.per_category)
    screen(index, "person", "warm up")
    screen(index, "company", "warm up")
    results = []
    for category, kind, query, uid in labelled:
        hits = screen(index, kind, query)
        results.append((category, kind, query, uid, hits))

    def accuracy(threshold: float):
        found = Counter()
        total = Counter()
        false_positive = 0
        negatives = 0
        misses, fps = [], []
        for category, kind, query, uid, hits in results:
            passing = [h for h in hits if h.score >= threshold]
            if uid is None:
                negatives += 1
                if passing:
                    false_positive += 1
                    fps.append((kind, query, passing[0]))
                continue
            total[category] += 1
            if any(h.uid == uid for h in passing):
                found[category] += 1
            else:
                best = next((h for h in hits if h.uid == uid), None)
                misses.append((category, kind, query, uid, best, passing[:1]))
        recall = sum(found.values()) / max(1, sum(total.values()))
        fpr = false_positive / max(1, negatives)
        return recall, fpr, found, total, misses, fps, negatives

    print("\nthreshold sweep (recall / false-positive rate):")
    for step in range(0, 9):
        threshold = round(0.75 + 0.025 * step, 3)
        recall, fpr, *_ = accuracy(threshold)
        mark = "  <- default" if abs(threshold - args.threshold) < 1e-9 else ""
        print(f"  {threshold:.3f}: recall {recall:.3f}  FPR {fpr:.3f}{mark}")
    recall, fpr, found, total, misses, fps, negatives = accuracy(args.threshold)
    positives = sum(total.values())
    print(
        f"\naccuracy at threshold {args.threshold}: recall {recall:.3f} ({sum(found.values())}/{positives}) "
        f"[target >= {TARGETS['recall']}], false-positive rate {fpr:.3f} ({len(fps)}/{negatives}) "
        f"[target <= {TARGETS['fpr']}]"
    )
    for category in sorted(total):
        print(f"  {category:16s} {found[category]:4d}/{total[category]:<4d} {found[category] / total[category]:.3f}")
    print(f"\nmisses (first {args.misses} of {len(misses)}):")
    for category, kind, query, uid, best, other in misses[: args.misses]:
        got = f"{best.score:.3f} on {best.matched_name!r}" if best else "not among the hits"
        also = f"; top hit {other[0].uid} {other[0].score:.3f}" if other else ""
        print(f"  [{category}] {kind} {query!r} -> {uid}: {got}{also}")
    print(f"false positives (first {args.misses} of {len(fps)}):")
    for kind, query, hit in fps[: args.misses]:
        print(
            f"  {kind} {query!r} -> {hit.uid} {hit.matched_name!r} {hit.score:.3f} ({hit.explanation['combination']})"
        )

    # ------------------------------------------------------------------ latency
    pool = [(kind, query) for _c, kind, query, _u, _h in results]
    rng.shuffle(pool)
    queries = (pool * (args.queries // len(pool) + 1))[: args.queries]
    mix = Counter("not listed" if c == "not_listed" else "exact" if c == "exact" else "variant" for c, *_ in results)
    for kind, query in queries[:200]:
        screen(index, kind, query)
    timings = []
    for kind, query in queries:
        started = time.perf_counter()
        screen(index, kind, query)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95, p99 = percentile(timings, 0.5), percentile(timings, 0.95), percentile(timings, 0.99)

    from rapidfuzz import fuzz, process

    every_name = []
    for row, tokens in enumerate(index.name_tokens):
        if index.entries["type"][index.name_entry[row]] in (PERSON, ENTITY):
            every_name.append(" ".join(index.vocab[t] for t in tokens))
    baseline = []
    for kind, query in queries[: args.baseline_queries]:
        started = time.perf_counter()
        form = normalize.name_forms(query, normalize.PERSON if kind == "person" else normalize.ORGANISATION)
        process.extract(" ".join(form[0]) if form else query, every_name, scorer=fuzz.WRatio, limit=10)
        baseline.append((time.perf_counter() - started) * 1000)
    base_p50 = percentile(baseline, 0.5)
    print(
        f"\nqueries: {len(timings)} warm ({dict(mix)} in the pool): p50 {p50:.3f} ms, p95 {p95:.3f} ms, "
        f"p99 {p99:.3f} ms [targets p50 <= {TARGETS['p50_ms']}, p95 <= {TARGETS['p95_ms']}]"
    )
    print(
        f"baseline rapidfuzz process.extract over {len(every_name)} names ({len(baseline)} queries): "
        f"p50 {base_p50:.2f} ms, p95 {percentile(baseline, 0.95):.2f} ms -> the index is {base_p50 / p50:.0f}x faster "
        f"at p50"
    )

    # ------------------------------------------------------------------ addresses
    keys = list(index.addresses)
    probes = [rng.choice(keys) for _ in range(5000)] + [f"0x{rng.getrandbits(160):040x}" for _ in range(5000)]
    rng.shuffle(probes)
    for probe in probes[:500]:
        lookup_address(index, probe)
    address_times = []
    for probe in probes:
        started = time.perf_counter_ns()
        lookup_address(index, probe)
        address_times.append((time.perf_counter_ns() - started) / 1e6)
    hits = sum(1 for p in probes if lookup_address(index, p))
    print(
        f"address lookups: {len(probes)} ({hits} listed): p50 {percentile(address_times, 0.5) * 1000:.1f} us, "
        f"p95 {percentile(address_times, 0.95) * 1000:.1f} us [target p50 <= {TARGETS['address_p50_ms'] * 1000:.0f} us]"
    )
    summary = {
        "load_ms": round(load_ms, 1),
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "baseline_p50_ms": round(base_p50, 2),
        "recall": round(recall, 3),
        "fpr": round(fpr, 3),
        "address_p50_us": round(percentile(address_times, 0.5) * 1000, 1),
        "size_mb": round(len(encoded) / 1e6, 2),
        "build_s": round(build_s, 2),
    }
    print("\nsummary " + json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
