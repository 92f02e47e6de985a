"""Record linkage of firms: which two records are one firm, with a score one can read.

The score is a Fellegi-Sunter match weight, as splink computes it: every compared field
(name, tax code, phone, e-mail, address/commune, products) falls into a level ("the same",
"a one-digit typo", "different", "missing") and each level adds log2(m/u) to the weight,
m being how often true duplicates fall in that level and u how often two unrelated firms
do. u of an exact name, phone or e-mail comes from how many firms share that value here
(splink's term-frequency adjustment): "Nguyễn Văn Hùng" or a shared accountant's phone
proves less than a rare name. The sum plus the prior odds gives a probability.

Rules before any score:
- two different valid 10-digit tax codes are two legal entities: never the same firm;
- the same 10 digits with a 13-digit "-NNN" code is a branch (chi nhánh): related, not a
  duplicate to merge;
so only records with a missing or mistyped (check digit wrong) tax code can be duplicates.

Blocking: pairs are only compared inside small blocks of records sharing a key (the name
without legal-form words, its two rarest words, its first or last letters in a province,
a phone, an e-mail, a tax code one digit away), and only pairs with at least one record
whose tax code does not already decide. 100,000 firms never mean 100,000² comparisons.

Pure: no Flask and no database here (crm/duplicates/queries.py loads the records).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from crm.duplicates.names import key_of_words, legal_form_of_words
from matching.text import fold, fold_words

PRIOR_WEIGHT = -8.0  # log2 odds that two records sharing a block key are one firm
THRESHOLD = 0.8  # probability from which a pair is proposed
MAX_BLOCK = 200  # a key shared by more records says too little to compare them all
MIN_POPULATION = 10_000  # firms a value's frequency is counted against, at least

# Family names that start most Vietnamese personal names (folded).
SURNAMES = frozenset({
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui",
    "do", "ho", "ngo", "duong", "ly", "dinh", "trinh", "lam", "mai", "truong", "ha", "luu",
    "cao", "doan", "ta", "thai", "quach", "chau", "luong", "trieu", "la", "tong", "kieu",
    "tang", "van", "hua", "tat", "lai", "nghiem", "khuc", "au",
})
FREE_MAIL = frozenset({
    "gmail.com", "yahoo.com", "yahoo.com.vn", "hotmail.com", "outlook.com", "icloud.com",
    "live.com", "msn.com", "mail.ru", "qq.com", "163.com", "126.com", "protonmail.com",
})
# Levels and their weights (log2 m/u); an exact name, phone or e-mail is weighed by rarity.
W = {
    ("name", "different"): -6.0,
    ("name", "similar"): 1.0,
    ("name", "very_similar"): 5.0,
    ("name", "numbered"): -7.0,
    ("name", "person_different"): -15.0,
    ("name", "person_partial"): 2.0,
    ("name", "other_form"): -4.0,
    # Tax codes are handed out in sequence: neighbours one digit apart are common.
    ("tax_code", "typo"): 4.0,
    ("tax_code", "close"): 1.0,
    ("tax_code", "different"): -2.0,
    ("phone", "different"): -1.0,
    ("email", "domain"): 2.0,
    ("email", "different"): -1.0,
    ("address", "same_address"): 4.0,
    ("address", "same_commune"): 2.0,
    ("address", "other_commune"): -1.0,
    ("address", "other_province"): -3.0,
    ("products", "shared"): 2.0,
    ("products", "different"): -2.0,
}
EXACT_M = {"name": 0.9, "person": 0.9, "phone": 0.6, "email": 0.6}  # m of an exact agreement
EXACT_CAP = {"name": (3.0, 10.0), "person": (2.0, 8.0), "phone": (1.0, 6.0),
             "email": (1.0, 7.0)}
_DIGITS = re.compile(r"\D+")
_NUMBER = re.compile(r"\d")
_HOUSEHOLD_PREFIX = ("ho kinh doanh ", "hkd ", "co so ")


# --- values ----------------------------------------------------------------------------------

def valid_tax_root(root: str) -> bool:
    """Ten digits whose last is the check digit of the first nine (stdnum.vn.mst's rule,
    weights 31 29 23 19 17 13 7 5 3), written out: 100,000 codes are checked per page."""
    if len(root) != 10 or not root.isdigit() or root[2:9] == "0000000":
        return False
    d = [c - 48 for c in root.encode()]
    total = (31 * d[0] + 29 * d[1] + 23 * d[2] + 19 * d[3] + 17 * d[4] + 13 * d[5]
             + 7 * d[6] + 5 * d[7] + 3 * d[8])
    return 10 - total % 11 == d[9]


@lru_cache(maxsize=1 << 18)
def tax_root(code: str | None) -> tuple[str, bool, bool]:
    """(first 10 digits, whether they are a valid tax code, whether it is a branch code)."""
    digits = _DIGITS.sub("", code or "")
    root = digits[:10]
    valid = valid_tax_root(root) and (len(digits) == 10 or (len(digits) == 13
                                                            and digits[10:] != "000"))
    return root, valid, valid and len(digits) == 13


def phone_key(raw: str | None) -> str | None:
    """A phone number as its last 9 digits ('+84 905 123 456' = '0905123456'), or None."""
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    return digits[-9:] if len(digits) >= 8 else None


def email_key(raw: str | None) -> str | None:
    """An e-mail address lower-cased, or None."""
    value = (raw or "").strip().lower()
    return value if "@" in value else None


def web_domain(raw: str | None) -> str | None:
    """'https://www.yensao.vn/gioi-thieu' -> 'yensao.vn'."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    value = value.split("://", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0]
    value = value.removeprefix("www.")
    return value if "." in value else None


def _same_person_word(a: str, b: str) -> bool:
    """Two words of a person's name are the same: with their diacritics when both have
    them ('Hùng' is not 'Hưng'), folded when one was typed without ('Hung' is either)."""
    if a == b:
        return True
    fa, fb = fold(a), fold(b)
    if fa != fb:
        return False
    return a == fa or b == fb


# --- records ---------------------------------------------------------------------------------

@dataclass
class FirmRecord:
    """What linkage compares of one firm. `words` and `address_words` are the folded name
    and address (fold_words) when the caller folded many at once."""

    id: int
    name: str
    tax_code: str = ""
    legal_form: str | None = None
    province_code: int | None = None
    commune_code: int | None = None
    address: str | None = None
    website: str | None = None
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    hs_codes: frozenset[str] = frozenset()  # 4-digit headings
    products: frozenset[str] = frozenset()  # product names, folded
    words: str | None = None
    address_words: str | None = None

    def __post_init__(self) -> None:
        if self.words is None:
            self.words = fold_words(self.name)
        self.key = key_of_words(self.words)
        self.tokens = tuple(self.key.split())
        self.compact = self.key.replace(" ", "")
        self.form = legal_form_of_words(self.words)
        self.root, self.root_valid, self.is_branch = tax_root(self.tax_code)
        # A record whose tax code does not decide for it: missing or mistyped.
        self.open = not self.root_valid
        self.person = self._person_words()
        if self.address_words is None:
            self.address_words = fold_words(self.address)
        domains = {e.split("@", 1)[1] for e in self.emails} | {web_domain(self.website)}
        self.domains = frozenset(d for d in domains if d and d not in FREE_MAIL)

    def _person_words(self) -> tuple[str, ...] | None:
        """The owner's name, words with their diacritics, when the name is a person's: a
        household's ("HKD Nguyễn Minh Khang") or a bare one ("Nguyễn Minh An")."""
        if not (2 <= len(self.tokens) <= 4 and self.tokens[0] in SURNAMES):
            return None
        household = self.legal_form == "household" or self.form == "household" \
            or (self.words or "").startswith(_HOUSEHOLD_PREFIX)
        if not household and self.key != self.words:
            return None  # "Công ty TNHH Hồ Tiêu Chư Sê": a trade name, not a person
        words = re.sub(r"[^\w]+", " ", self.name.lower()).split()
        if len(words) < len(self.tokens):
            return None
        return tuple(words[-len(self.tokens):])


@dataclass
class Stats:
    """How common each value is among the records: the u of exact agreements."""

    total: int = 1
    names: Counter[str] = field(default_factory=Counter)
    tokens: Counter[str] = field(default_factory=Counter)
    phones: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, records: Iterable[FirmRecord]) -> Stats:
        """Counts over `records`."""
        stats = cls()
        n = 0
        for r in records:
            n += 1
            stats.names[r.compact] += 1
            stats.tokens.update(set(r.tokens))
            stats.phones.update(r.phones)
            stats.emails.update(r.emails)
        stats.total = max(n, 1)
        return stats

    def exact_weight(self, kind: str, count: int) -> float:
        """log2(m/u) of agreeing on a value `count` records hold, within the kind's bounds.

        u is the share of firms holding the value, out of at least MIN_POPULATION: in a
        registry of 50 firms two of them sharing a name is not a coin toss.
        """
        u = max(count, 1) / max(self.total, MIN_POPULATION)
        lo, hi = EXACT_CAP[kind]
        return min(max(math.log2(EXACT_M[kind] / u), lo), hi)

    def idf(self, token: str) -> float:
        """Rarer words say more about a name."""
        return math.log((self.total + 1) / (self.tokens.get(token, 0) + 1)) + 1.0


# --- comparing two records -------------------------------------------------------------------

@dataclass
class Component:
    """One compared field: its level, its weight, and a similarity to show (0..1) if any."""

    code: str
    level: str
    weight: float
    similarity: float | None = None


@dataclass
class PairScore:
    """Two records compared: 'duplicate' (scored), 'branch' or 'distinct' (decided by rule)."""

    first_id: int
    second_id: int
    relation: str
    probability: float = 0.0
    weight: float = 0.0
    components: list[Component] = field(default_factory=list)
    reason: str | None = None

    @property
    def score(self) -> float:
        """The probability rounded for display and sorting."""
        return round(self.probability, 3)


def _form_family(record: FirmRecord) -> str | None:
    """'company', 'cooperative' or 'household' as the name announces it, else None."""
    form = record.form
    if form is None:
        return None
    return form if form in ("cooperative", "household") else "company"


def _weighted_jaccard(a: Sequence[str], b: Sequence[str], stats: Stats) -> float:
    sa, sb = set(a), set(b)
    union = sum(stats.idf(t) for t in sa | sb)
    return sum(stats.idf(t) for t in sa & sb) / union if union else 0.0


def compare_names(a: FirmRecord, b: FirmRecord, stats: Stats) -> Component:
    """Names without legal-form words; household names compared as person names."""
    if a.person is not None and b.person is not None:
        return _compare_persons(a, b, stats)
    if (a.person is not None) != (b.person is not None) and a.compact != b.compact:
        # A person's name against a trade name: not one business unless all else says so.
        return Component("name", "different", W[("name", "different")],
                         fuzz.ratio(a.key, b.key) / 100)
    if a.compact == b.compact:
        if _form_family(a) and _form_family(b) and _form_family(a) != _form_family(b):
            # "HTX Dệt may Tây Sơn" and "CTCP Dệt may Tây Sơn": a cooperative and a company.
            return Component("name", "other_form", W[("name", "other_form")], 1.0)
        return Component("name", "exact", stats.exact_weight("name", stats.names[a.compact]),
                         1.0)
    ratio = max(fuzz.ratio(a.key, b.key), fuzz.token_sort_ratio(a.key, b.key)) / 100
    if _NUMBER.search(a.key + b.key) and \
            [t for t in a.tokens if t.isdigit()] != [t for t in b.tokens if t.isdigit()]:
        # "... Minh Phát 2" is another firm than "... Minh Phát": numbered namesakes.
        return Component("name", "numbered", W[("name", "numbered")], ratio)
    overlap = _weighted_jaccard(a.tokens, b.tokens, stats)
    if ratio >= 0.92 and overlap >= 0.5:
        return Component("name", "very_similar", W[("name", "very_similar")], ratio)
    if overlap >= 0.75 or (ratio >= 0.85 and overlap >= 0.5):
        return Component("name", "similar", W[("name", "similar")], ratio)
    return Component("name", "different", W[("name", "different")], ratio)


def _compare_persons(a: FirmRecord, b: FirmRecord, stats: Stats) -> Component:
    pa, pb = a.person or (), b.person or ()
    sim = fuzz.ratio(a.key, b.key) / 100
    if not (_same_person_word(pa[-1], pb[-1]) and _same_person_word(pa[0], pb[0])):
        # "Nguyễn Minh Khang" and "Nguyễn Minh An": two people, however alike the letters.
        return Component("name", "person_different", W[("name", "person_different")], sim)
    if len(pa) == len(pb) and all(_same_person_word(x, y) for x, y in zip(pa, pb, strict=True)):
        return Component("name", "person_same",
                         stats.exact_weight("person", stats.names[a.compact]), 1.0)
    short, long_ = sorted((pa, pb), key=len)
    if len(short) < len(long_) and all(any(_same_person_word(w, v) for v in long_)
                                       for w in short):
        return Component("name", "person_partial", W[("name", "person_partial")], sim)
    return Component("name", "person_different", W[("name", "person_different")], sim)


def compare_tax_codes(a: FirmRecord, b: FirmRecord) -> Component:
    """Both codes, at least one mistyped or missing: how far apart are their digits."""
    if not a.root or not b.root:
        return Component("tax_code", "missing", 0.0)
    distance = OSA.distance(a.root, b.root)  # a swap of two neighbouring digits counts 1
    if distance <= 1:
        return Component("tax_code", "typo", W[("tax_code", "typo")])
    if distance == 2:
        return Component("tax_code", "close", W[("tax_code", "close")])
    return Component("tax_code", "different", W[("tax_code", "different")])


def _compare_shared(code: str, mine: frozenset[str], theirs: frozenset[str],
                    counts: Counter[str], stats: Stats) -> Component:
    if not mine or not theirs:
        return Component(code, "missing", 0.0)
    shared = mine & theirs
    if shared:
        weight = max(stats.exact_weight(code, counts[v]) for v in shared)
        return Component(code, "same", weight)
    return Component(code, "different", W[(code, "different")])


def compare_emails(a: FirmRecord, b: FirmRecord, stats: Stats) -> Component:
    """The same address, else the same own domain (e-mail or website)."""
    found = _compare_shared("email", a.emails, b.emails, stats.emails, stats)
    if found.level != "same" and a.domains & b.domains:
        return Component("email", "domain", W[("email", "domain")])
    return found


def compare_places(a: FirmRecord, b: FirmRecord) -> Component:
    """Same street address, same commune, another commune or another province."""
    if a.province_code and b.province_code and a.province_code != b.province_code:
        return Component("address", "other_province", W[("address", "other_province")])
    ka, kb = a.address_words or "", b.address_words or ""
    same_street = len(ka) >= 8 and len(kb) >= 8 and fuzz.token_set_ratio(ka, kb) >= 90
    if same_street and (a.commune_code == b.commune_code or not (a.commune_code and
                                                                 b.commune_code)):
        return Component("address", "same_address", W[("address", "same_address")])
    if a.commune_code and b.commune_code:
        if a.commune_code == b.commune_code:
            return Component("address", "same_commune", W[("address", "same_commune")])
        return Component("address", "other_commune", W[("address", "other_commune")])
    return Component("address", "missing", 0.0)


def compare_products(a: FirmRecord, b: FirmRecord) -> Component:
    """A shared 4-digit HS heading or product name."""
    if not (a.hs_codes or a.products) or not (b.hs_codes or b.products):
        return Component("products", "missing", 0.0)
    shared = len(a.hs_codes & b.hs_codes) + len(a.products & b.products)
    if shared:
        return Component("products", "shared", W[("products", "shared")])
    return Component("products", "different", W[("products", "different")])


def relation(a: FirmRecord, b: FirmRecord) -> tuple[str, str | None]:
    """('branch' | 'distinct' | 'duplicate', reason) from the tax codes alone."""
    if a.root_valid and b.root_valid:
        if a.root == b.root:
            return "branch", "same_root"
        return "distinct", "two_valid_tax_codes"
    return "duplicate", None


def compare(a: FirmRecord, b: FirmRecord, stats: Stats) -> PairScore:
    """The pair's relation and, for a possible duplicate, its components and probability."""
    first, second = (a, b) if a.id < b.id else (b, a)
    kind, reason = relation(first, second)
    if kind != "duplicate":
        return PairScore(first.id, second.id, kind, reason=reason)
    components = [
        compare_names(first, second, stats),
        compare_tax_codes(first, second),
        _compare_shared("phone", first.phones, second.phones, stats.phones, stats),
        compare_emails(first, second, stats),
        compare_places(first, second),
        compare_products(first, second),
    ]
    weight = PRIOR_WEIGHT + sum(c.weight for c in components)
    probability = 1 / (1 + 2 ** -weight)
    return PairScore(first.id, second.id, "duplicate", probability, weight, components)


# --- blocking --------------------------------------------------------------------------------

def _rarest(record: FirmRecord, stats: Stats, n: int = 2) -> str:
    words = sorted(set(record.tokens), key=lambda t: (stats.tokens.get(t, 0), t))[:n]
    return " ".join(sorted(words))


def block_keys(record: FirmRecord, stats: Stats) -> tuple[set[str], set[str]]:
    """(strong, weak) keys under which `record` is compared with others: strong ones (the
    same name, phone or e-mail) always lead to a comparison, weak ones (rare words, first or
    last letters in a province, the owner's name) only when the names are alike."""
    strong, weak = set(), set()
    if record.compact:
        strong.add("k:" + record.compact)
        weak.add(f"f:{record.province_code}:{record.compact[:6]}")
        weak.add(f"l:{record.province_code}:{record.compact[-6:]}")
    if record.tokens:
        weak.add("t:" + _rarest(record, stats))
    if record.person:
        weak.add("g:" + fold(record.person[-1]) + ":" + fold(record.person[0]))
    strong.update("p:" + p for p in record.phones)
    strong.update("e:" + e for e in record.emails)
    return strong, weak


def alike(a: FirmRecord, b: FirmRecord) -> bool:
    """Cheap test before a full comparison of two records met only through a weak key."""
    return bool(fuzz.ratio(a.key, b.key, score_cutoff=80)
                or fuzz.token_set_ratio(a.key, b.key, score_cutoff=90))


@dataclass
class Linkage:
    """Everything found among a set of records."""

    duplicates: list[PairScore]
    branches: list[PairScore]
    comparisons: int


def find_pairs(records: Sequence[FirmRecord], threshold: float = 0.0,
               skip: Iterable[tuple[int, int]] = (),
               complete: Callable[[set[int]], Iterable[FirmRecord]] | None = None) -> Linkage:
    """Scored possible duplicates (probability ≥ threshold, best first) and branch pairs.

    `skip`: pairs (smaller id first) already decided "not a duplicate". `complete`: given
    the ids of the records about to be compared, their full records, when `records` hold
    only what blocking needs (names, tax codes, places, phones, e-mails).
    """
    stats = Stats.of(records)
    by_id = {r.id: r for r in records}
    decided = set(skip)
    pairs = candidate_pairs(records, stats, decided)
    if complete is not None and pairs:
        by_id.update((r.id, r) for r in complete({i for pair in pairs for i in pair}))
    out = []
    for a, b in pairs:
        found = compare(by_id[a], by_id[b], stats)
        if found.relation == "duplicate" and found.probability >= threshold:
            out.append(found)
    out.sort(key=lambda p: (-p.probability, p.first_id, p.second_id))
    return Linkage(out, _branches(records), len(pairs))


def candidate_pairs(records: Sequence[FirmRecord], stats: Stats,
                    decided: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pairs (smaller id first) worth comparing: at least one record whose tax code does not
    decide, sharing a strong key, or a weak key and alike names."""
    open_ids = {r.id for r in records if r.open}
    if not open_ids:
        return []
    by_id = {r.id: r for r in records}
    strong_blocks: dict[str, list[int]] = defaultdict(list)
    weak_blocks: dict[str, list[int]] = defaultdict(list)
    for r in records:
        strong, weak = block_keys(r, stats)
        for key in strong:
            strong_blocks[key].append(r.id)
        for key in weak:
            weak_blocks[key].append(r.id)
    seen: set[tuple[int, int]] = set()
    out = []
    for blocks, check in ((strong_blocks, False), (weak_blocks, True)):
        for members in blocks.values():
            if len(members) < 2 or len(members) > MAX_BLOCK:
                continue
            for a in (m for m in members if m in open_ids):
                for b in members:
                    pair = (a, b) if a < b else (b, a)
                    if a == b or pair in seen or pair in decided:
                        continue
                    seen.add(pair)
                    if check and not alike(by_id[a], by_id[b]):
                        continue
                    out.append(pair)
    return out


def _branches(records: Sequence[FirmRecord]) -> list[PairScore]:
    """Records sharing a valid 10-digit root: a head office and its branches."""
    roots: dict[str, list[FirmRecord]] = defaultdict(list)
    for r in records:
        if r.root_valid:
            roots[r.root].append(r)
    out = []
    for members in roots.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda r: (r.is_branch, r.tax_code, r.id))
        head = members[0]
        for other in members[1:]:
            # The head office first when there is one; sibling branches otherwise.
            reason = "branch_of" if not head.is_branch else "same_root"
            out.append(PairScore(head.id, other.id, "branch", reason=reason))
    out.sort(key=lambda p: (p.first_id, p.second_id))
    return out
