"""Escalation route matching: which department, if any, must act on a mention.

The brand's escalation routes (department, eligible mention categories, keywords) are
input data. A route is eligible when the mention's category is one of its categories; it
matches when one of its keywords (or a built-in keyword of its department, see
`BUILT_IN_KEYWORDS`) occurs in the text. Risk departments (legal, security, PR) win by
the tenant's escalation precedence; operational ones compete on evidence first. Two
category rules of the labelling guide come first: an outage always goes to the route that
lists ``outage`` (the technical team), and spam is escalated only when it is phishing
that impersonates the brand.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.triage.keywords import Keyword, TextWords, compile_keyword, find_keyword, split_words

__all__ = [
    "BUILT_IN_KEYWORDS",
    "OVERRIDING_DEPARTMENTS",
    "PHISHING_CUES",
    "EscalationRouteRule",
    "RouteSuggestion",
    "suggest_department",
]


@dataclass(frozen=True, slots=True)
class EscalationRouteRule:
    """One escalation route of a brand: mentions of ``categories`` mentioning ``keywords``."""

    department: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RouteSuggestion:
    """The department to escalate to and why, e.g. ``"keyword 'szkoda' → claims"``."""

    department: str
    reasons: tuple[str, ...]


# Risk departments: when one of them matches it wins outright, in precedence order. The
# operational departments (technical and the topic teams) compete on how many words of the
# mention point to them, and only a tie falls back to precedence: "the app charged me
# twice" is a billing case that mentions the app, not a bug report.
OVERRIDING_DEPARTMENTS = frozenset({"legal_compliance", "security", "pr"})

_OUTAGE = "outage"
_SPAM = "spam"

# brands.json lists a handful of keywords per route, mostly in the brand's main language.
# These supplement them with everyday vocabulary of each department in all five languages
# (and the inflected or colloquial forms the stemmer cannot reach), so that an English
# mention to a Polish insurer, or a synonym, still reaches the right team. They are used
# only for departments the brand actually has and only for eligible categories.
BUILT_IN_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "legal_compliance": (
        # Lawyers, courts, regulators and ombudsmen.
        "lawyer",
        "solicitor",
        "legal action",
        "court",
        "sue",
        "regulator",
        "ombudsman",
        "prawnik",
        "adwokat",
        "pozwę",
        "UOKiK",
        "KNF",
        "юрист",
        "адвокат",
        "прокуратура",
        "Роспотребнадзор",
        "Центробанк",
        "avvocato",
        "tribunale",
        "denuncia",
        "Garante",
        "currency control",
        "دادگاه",
        "شکایت",
        # Data protection and breaches.
        "data breach",
        "data leak",
        "personal data",
        "privacy",
        "GDPR",
        "wyciek danych",
        "dane osobowe",
        "incydent",
        "incydencie",
        "утечка",
        "персональных данных",
        "dati personali",
        "حریم خصوصی",
        "اطلاعات شخصی",
        # Mis-selling.
        "mis-sold",
        "mis-selling",
        "навязали",
        "навязывают",
        # Food safety and allergens.
        "allergy",
        "allergic",
        "allergen",
        "coeliac",
        "celiac",
        "gluten",
        "peanut",
        "nut allergy",
        "food poisoning",
        "alergia",
        "allergico",
        "allergica",
        "intolleranza",
        "intossicazione",
        "celiachia",
        # Accessibility, harassment and discrimination.
        "wheelchair",
        "disabled",
        "disability",
        "reduced mobility",
        "harassment",
        "harassed",
        "discrimination",
        "wózek inwalidzki",
        "niepełnosprawny",
        "nękanie",
        "sedia a rotelle",
        "disabile",
        "molestia",
        # Marketing without consent.
        "without my consent",
        "unsubscribe",
        "bez zgody",
        "без согласия",
        "рассылок",
        "рассылки",
        "senza consenso",
        "پیامک تبلیغاتی",
        # SIM swap and identity misuse at the telecom.
        "SIM swap",
        "بدون اجازه",
    ),
    "security": (
        "fraud",
        "fraudster",
        "scammer",
        "stolen",
        "unauthorised",
        "unauthorized",
        "hacked",
        "not me",
        "lost my card",
        "block my card",
        "мошенники",
        "мошенничество",
        "украли",
        "кража",
        "взлом",
        "взломали",
        "заблокировали",
        "заблокировать",
        "блокировка карты",
        "нового устройства",
        "не я",
    ),
    "pr": (
        "journalist",
        "reporter",
        "newsroom",
        "editor",
        "dziennikarz",
        "dziennikarka",
        "redakcja",
        "журналист",
        "корреспондент",
        "редакция",
        "giornalista",
        "redazione",
        "testata",
        "خبرنگار",
        "روزنامه",
    ),
    "technical": (
        "app",
        "website",
        "error",
        "crash",
        "bug",
        "won't load",
        "not loading",
        "coverage",
        "signal",
        "mobile data",
        "stopped working",
        "aplikacja",
        "aplikacji",
        "błędu",
        "błędem",
        "zalogować",
        "zasięg",
        "приложение",
        "приложения",
        "сайт",
        "ошибка",
        "ошибку",
        "сбой",
        "не работает",
        "не открывается",
        "выкидывает",
        "вылетает",
        "crasha",
        "errore",
        "si blocca",
        "non carica",
        "اپ",
        "اپلیکیشن",
        "خطا",
        "آنتن",
        "آنتن‌دهی",
        "پوشش",
        "سیگنال",
        "اینترنت",
    ),
    "claims": (
        "claim",
        "claims",
        "compensation",
        "delay",
        "delayed",
        "cancelled",
        "cancellation",
        "stranded",
        "missed connection",
        "denied boarding",
        "downgraded",
        "voucher",
        "wypłacie",
        "warsztat",
        "wycena",
        "wypadek",
        "wypadku",
        "accident",
        "zalanie",
        "zalało",
        "pożar",
        "kradzież",
        "włamanie",
        "theft",
        "assistance",
    ),
    "billing": (
        "refund",
        "charged",
        "charged twice",
        "overcharged",
        "fee",
        "fees",
        "invoice",
        "bill",
        "zwrot",
        "zwrotu",
        "pobraliście",
        "składkę",
        "składki",
        "nadpłata",
        "faktura",
        "płacił",
        "zapłacił",
        "paid",
        "costs",
        "списали",
        "списание",
        "верните",
        "вернуть",
        "начислены",
        "начислили",
        "проценты",
        "тариф",
        "кэшбэк",
        "остаток",
        "зарплату",
        "перевод",
        "не пришла",
        "addebitati",
        "addebito",
        "rimborso",
        "pagato due volte",
        "coupon",
        "credito",
        "صورتحساب",
        "کم شد",
        "کم می‌کنید",
        "مبلغ",
        "مصرف",
        "شارژ",
        "بسته",
    ),
    "logistics": (
        "delivery",
        "delivered",
        "courier",
        "rider",
        "never came",
        "never arrived",
        "bag",
        "baggage",
        "luggage",
        "suitcase",
        "lost property",
        "kurier",
        "przesyłka",
        "consegna",
        "consegnato",
        "ritardo",
        "arrivato",
        "arrivare",
        "annullato",
        "mancava",
        "mancano",
        "sbagliato",
        "پیک",
        "نرسیده",
        "ارسال",
        "مودم",
        "کد رهگیری",
    ),
}

# Phishing that impersonates the brand: a prize or gift lure. Only spam containing one of
# these and a link is escalated, to the route that accepts spam (legal or, at a bank,
# security). Generic spam (followers, crypto, loans) is not.
PHISHING_CUES: tuple[str, ...] = (
    "you have won",
    "you won",
    "winner",
    "prize",
    "giveaway",
    "free tickets",
    "claim now",
    "gratulacje",
    "losuje",
    "nagrodę",
    "wygrałeś",
    "дарит",
    "подарок",
    "выиграли",
    "розыгрыш",
    "regala",
    "hai vinto",
    "riscatta",
    "omaggio",
    "هدیه",
    "جایزه",
    "برنده",
)
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Hit:
    keyword: str
    position: int


def suggest_department(
    text: str,
    category: str | None,
    routes: Sequence[EscalationRouteRule],
    precedence: Sequence[str],
) -> RouteSuggestion | None:
    """The department that must act on the mention, or None when care can resolve it.

    ``category`` is the mention's triage category; None makes every route eligible.
    Rules, in order:

    1. an ``outage`` goes to the route listing that category;
    2. ``spam`` goes to a route accepting spam only when it has a link and a lure (one of
       `PHISHING_CUES` or of the route's own keywords);
    3. otherwise every eligible route whose keywords occur in ``text`` is a candidate. If
       any candidate is in `OVERRIDING_DEPARTMENTS`, the first of those in ``precedence``
       wins; else the candidates with the most matched words, the first in
       ``precedence`` among them. Departments absent from ``precedence`` rank after the
       listed ones, alphabetically.

    ``reasons`` names the matched keyword of each matched word of the winner, in text
    order, e.g. ``"keyword 'odszkodowanie' → claims"``.
    """
    words = split_words(text)
    if category == _OUTAGE:
        outage_routes = [route for route in routes if _OUTAGE in route.categories]
        if outage_routes:
            department = _first_by_precedence([r.department for r in outage_routes], precedence)
            return RouteSuggestion(department, (f"category '{_OUTAGE}' → {department}",))

    eligible = [route for route in routes if category is None or category in route.categories]
    hits_by_department: dict[str, list[_Hit]] = {}
    for route in eligible:
        if category == _SPAM:
            hits = _phishing_hits(text, words, route)
        else:
            vocabulary = (*route.keywords, *BUILT_IN_KEYWORDS.get(route.department, ()))
            hits = _hits(vocabulary, words)
        if hits:
            hits_by_department.setdefault(route.department, []).extend(hits)
    if not hits_by_department:
        return None

    department = _choose(hits_by_department, precedence)
    return RouteSuggestion(
        department,
        tuple(f"keyword '{hit.keyword}' → {department}" for hit in hits_by_department[department]),
    )


def _choose(hits_by_department: Mapping[str, Sequence[_Hit]], precedence: Sequence[str]) -> str:
    overriding = [d for d in hits_by_department if d in OVERRIDING_DEPARTMENTS]
    if overriding:
        return _first_by_precedence(overriding, precedence)
    most = max(len(hits) for hits in hits_by_department.values())
    strongest = [d for d, hits in hits_by_department.items() if len(hits) == most]
    return _first_by_precedence(strongest, precedence)


def _phishing_hits(text: str, words: TextWords, route: EscalationRouteRule) -> list[_Hit]:
    if not _LINK.search(text):
        return []
    return _hits((*route.keywords, *PHISHING_CUES), words)


def _hits(vocabulary: Sequence[str], words: TextWords) -> list[_Hit]:
    """One hit per matched word position (the first keyword listed wins), in text order."""
    by_position: dict[int, _Hit] = {}
    for keyword in _compiled(vocabulary):
        position = find_keyword(keyword, words)
        if position is not None and position not in by_position:
            by_position[position] = _Hit(keyword.text, position)
    return [by_position[position] for position in sorted(by_position)]


def _compiled(vocabulary: Sequence[str]) -> list[Keyword]:
    compiled = (compile_keyword(keyword) for keyword in dict.fromkeys(vocabulary))
    return [keyword for keyword in compiled if keyword is not None]


def _first_by_precedence(departments: Sequence[str], precedence: Sequence[str]) -> str:
    rank = {department: index for index, department in enumerate(precedence)}
    return min(departments, key=lambda d: (rank.get(d, len(rank)), d))
