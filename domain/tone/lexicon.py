"""Word lists of the tone check, per language (pl, ru, it, fa, en).

Cues are written as patterns of words separated by spaces and matched on
consecutive words of a draft, case-insensitively and without diacritics:
`word` matches that word, `pref*` a word starting with `pref`, `*suf` a word
ending with `suf`, `#` a number. Persian words are split at the zero-width
non-joiner, so «می‌توانید» is the two words `می توانید`.

The lists favour precision: a form that is also a common noun or a
third-person verb ("controlla", "ordini", "koncie") is left out, because a
false "wrong form of address" on a correct reply teaches agents to ignore
the check.
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class SuffixRule:
    """Words ending with one of `suffixes` (folded), at least `min_length` long, not excepted."""

    suffixes: tuple[str, ...]
    min_length: int = 5
    exceptions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AddressLexicon:
    """Markers of the formal and the informal form of address in one language."""

    formal: tuple[str, ...] = ()
    informal: tuple[str, ...] = ()
    formal_suffixes: tuple[SuffixRule, ...] = ()
    informal_suffixes: tuple[SuffixRule, ...] = ()
    #: Formal only when written with a capital letter inside a sentence
    #: (Italian "Lei", "La", "Suo"; lower-case they mean "she", "the", "his").
    formal_when_capitalized: frozenset[str] = frozenset()
    #: Formal pronouns that the brand may require capitalised («Вы»).
    capitalizable: frozenset[str] = frozenset()
    formal_hint: str = ""
    informal_hint: str = ""


@dataclass(frozen=True, slots=True)
class RedirectLexicon:
    """Cues of a move to private messages and of the substance that makes it useful."""

    redirect: tuple[str, ...] = ()
    reason: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    #: A next step is a word ending with one of these (first person plural),
    #: starting with one of `next_step_stems` (any stem when there are none).
    next_step_endings: tuple[SuffixRule, ...] = ()
    next_step_stems: tuple[str, ...] = ()
    next_step_phrases: tuple[str, ...] = ()
    time_units: tuple[str, ...] = ()
    relative_days: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()


ADDRESS: Final[dict[str, AddressLexicon]] = {
    "pl": AddressLexicon(
        formal=(
            *("pan", "pana", "panu", "panem", "panie", "pani", "panią", "państwo", "państwa"),
            *("państwu", "państwem", "szanowny", "szanowna", "szanowni", "szanownego"),
        ),
        informal=(
            *("ty", "ci", "cię", "ciebie", "tobie", "tobą", "twój", "twoja", "twoje"),
            *("twojego", "twojej", "twojemu", "twoim", "twoją", "twoich", "twoimi", "wasz"),
            *("wasza", "wasze", "waszego", "waszej", "waszym", "waszą", "waszych", "wam"),
            *("was", "wami", "napisz", "napiszcie", "pisz", "piszcie", "sprawdź", "sprawdźcie"),
            *("wyślij", "wyślijcie", "prześlij", "prześlijcie", "zadzwoń", "zadzwońcie", "daj"),
            *("dajcie", "podaj", "podajcie", "kliknij", "kliknijcie", "zgłoś", "zgłoście"),
            *("skontaktuj", "skontaktujcie", "poczekaj", "poczekajcie", "zajrzyj", "wejdź"),
            *("zaloguj", "pobierz", "dodaj", "wybierz", "wypełnij", "odezwij", "pamiętaj"),
            *("zobacz", "spróbuj", "spróbujcie", "załóż", "uzupełnij", "otwórz", "zrób"),
            *("możecie", "macie", "jesteście", "chcecie", "musicie", "otrzymacie", "wiecie"),
            *("dostaniecie", "znajdziecie", "jesteś", "*łeś", "*łaś", "*liście", "*łyście"),
        ),
        informal_suffixes=(
            SuffixRule(
                suffixes=("esz", "isz", "ysz", "asz"),
                min_length=4,
                exceptions=frozenset(
                    {
                        *("nasz", "wasz", "kosz", "grosz", "klawisz", "afisz", "mysz"),
                        *("kapelusz", "tusz", "plusz", "gulasz", "pasz", "listonosz"),
                        *("marsz", "lemiesz", "kalisz", "tomasz", "łukasz"),
                    }
                ),
            ),
        ),
        formal_hint="Pan/Pani/Państwo or an impersonal form (“Prosimy o przesłanie…”)",
        informal_hint="the informal “Ty” forms",
    ),
    "ru": AddressLexicon(
        formal=(
            *("вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "вашего", "вашей"),
            *("вашему", "вашим", "вашими", "вашу", "ваших", "напишите", "пишите"),
            *("позвоните", "проверьте", "отправьте", "зайдите", "сделайте", "скажите"),
            *("уточните", "подождите", "обратитесь", "попробуйте", "нажмите", "откройте"),
            *("выберите", "укажите", "заблокируйте", "смените", "оформите", "загрузите"),
            *("пришлите", "свяжитесь", "перезвоните", "заполните", "введите", "можете"),
            *("хотите", "получите", "сможете", "уважаемый", "уважаемая", "уважаемые"),
        ),
        informal=(
            *("ты", "тебя", "тебе", "тобой", "тобою", "твой", "твоя", "твоё", "твои"),
            *("твоего", "твоей", "твоему", "твоим", "твоими", "твою", "твоих", "напиши"),
            *("пиши", "позвони", "проверь", "отправь", "зайди", "сделай", "скажи", "уточни"),
            *("подожди", "обратись", "попробуй", "нажми", "открой", "выбери", "укажи"),
            *("заблокируй", "смени", "оформи", "загрузи", "свяжись", "перезвони", "заполни"),
            *("введи", "скинь", "кинь", "жди", "смотри", "посмотри", "звони"),
        ),
        informal_suffixes=(
            SuffixRule(
                suffixes=("ешь", "ишь", "ёшь", "ешься", "ишься", "ёшься"),
                min_length=4,
                exceptions=frozenset({"тишь", "ешь"}),
            ),
        ),
        capitalizable=frozenset(
            {
                *("вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "вашего"),
                *("вашей", "вашему", "вашим", "вашими", "вашу", "ваших"),
            }
        ),
        formal_hint="«Вы» and the plural imperative («напишите»)",
        informal_hint="«ты» and the singular imperative («напиши»)",
    ),
    "it": AddressLexicon(
        formal=(
            *("gentile cliente", "gentile signora", "gentile signore", "gentile signor*"),
            *("egregio", "egregia", "cordiali saluti", "distinti saluti", "la preghiamo"),
            *("la ringraziamo", "la ringrazio", "le chiediamo", "le auguriamo"),
            *("le confermiamo", "la informiamo", "la invitiamo", "ci scriva", "scriva"),
            *("ci dica", "mi dica", "si rivolga", "non esiti", "attenda", "inserisca"),
            *("mi permetta", "ci permetta", "resti in attesa"),
        ),
        informal=(
            *("tu", "ti", "te", "tuo", "tua", "tuoi", "tue", "puoi", "vuoi", "devi", "hai"),
            *("sai", "vedi", "trovi", "ricevi", "scegli", "preferisci", "scrivici"),
            *("mandaci", "inviaci", "contattaci", "chiamaci", "dicci", "raccontaci"),
            *("segnalaci", "scrivi", "dimmi", "fammi", "facci", "scrivimi", "mandami"),
            *("segnalacelo", "mandacelo", "scrivicelo", "inviacelo"),
        ),
        formal_when_capitalized=frozenset({"lei", "la", "le", "suo", "sua", "suoi", "sue"}),
        formal_hint="“Lei” and the formal imperative (“scriva”, “ci contatti”)",
        informal_hint="“tu” and the informal imperative (“scrivici”, “puoi”)",
    ),
    "fa": AddressLexicon(
        formal=(
            *("شما", "شمارا", "جنابعالی", "حضرتعالی", "می *ید", "نمی *ید", "کنید", "دهید"),
            *("بدهید", "نمایید", "بفرمایید", "شوید", "باشید", "بروید", "بزنید", "ببینید"),
            *("بفرستید", "بنویسید", "بپرسید", "بگیرید", "بگویید", "اید"),
        ),
        informal=(
            *("تو", "تورو", "ترا", "بهت", "برات", "ازت", "باهات", "خودت", "می *ی"),
            *("نمی *ی", "بفرست", "بگو", "بزن", "بکن", "کن", "برو", "بده", "بنویس", "ببین"),
            *("بیا", "بخر", "بپرس", "بذار", "بگیر", "بمون", "داری", "نداری", "هستی"),
            *("نیستی", "میخوای", "میتونی", "میدونی"),
        ),
        formal_hint="«شما» with plural verbs («بفرستید»، «می‌توانید»)",
        informal_hint="«تو» and singular verbs («بفرست»)",
    ),
    "en": AddressLexicon(
        # English has one "you": what a guideline can ask for is a register.
        formal=(
            *("dear sir", "dear madam", "dear sir or madam", "dear sir madam", "dear customer"),
            *("dear valued customer", "valued customer", "to whom it may concern"),
            *("yours faithfully", "yours sincerely", "esteemed customer"),
        ),
        informal=(
            *("gonna", "wanna", "gotta", "u", "ur", "pls", "plz", "thx", "lol", "omg"),
            *("btw", "ya", "yep", "nope", "dude", "cuz", "coz", "kinda", "sorta", "bro"),
        ),
        formal_hint="a stiff letter formula",
        informal_hint="slang or text-speak",
    ),
}

_TIME_UNITS: Final = {
    "pl": ("min*", "godz*", "dni", "dzie*", "dnia", "tydz*", "tygod*", "miesi*"),
    "ru": ("мин*", "час*", "дн*", "ден*", "сут*", "недел*", "месяц*"),
    "it": ("minut*", "ore", "ora", "giorn*", "settiman*", "mes*"),
    "fa": ("دقیقه*", "ساعت*", "روز*", "هفته*", "ماه*"),
    "en": ("min*", "hour*", "hr*", "day*", "week*", "month*", "business", "working"),
}

REDIRECT: Final[dict[str, RedirectLexicon]] = {
    "pl": RedirectLexicon(
        redirect=(
            *("wiadomo* prywatn*", "prywatn* wiadomo*", "priv*", "pw", "dm", "messenger*"),
            *("czat*", "prywatnie", "skrzynk* odbiorcz*", "na privie"),
        ),
        reason=(
            *("aby", "żeby", "abyśmy", "żebyśmy", "ponieważ", "gdyż", "bo", "dlatego"),
            *("w celu", "by", "byśmy"),
        ),
        data=(
            *("numer*", "nr", "datę", "data", "daty", "kwot*", "polis*", "rejestracyjn*"),
            *("imię", "nazwisk*", "e-mail*", "mail*", "telefon*", "zdjęci*", "skan*"),
            *("zrzut*", "dokument*", "faktur*", "paragon*", "adres*"),
        ),
        next_step_endings=(SuffixRule(suffixes=("my",), min_length=6),),
        next_step_stems=(
            *("sprawdz", "wyjasn", "oddzwon", "skontaktuj", "przekaz", "zweryfik", "ustal"),
            *("pomoz", "zajm", "rozwiaz", "napraw", "zwroc", "wysl", "odpowie", "popraw"),
            *("odezw", "przeanaliz", "rozpatrz"),
        ),
        time_units=_TIME_UNITS["pl"],
        relative_days=("dziś", "dzisiaj", "jutro", "pojutrze", "niezwłocznie", "od ręki"),
        reference=("§", "ust*", "pkt", "art*", "paragraf*", "numer*", "nr"),
    ),
    "ru": RedirectLexicon(
        redirect=(
            *("личн* сообщ*", "личк*", "лс", "директ*", "dm", "чат*", "приватн*"),
            *("в личные", "личные сообщения"),
        ),
        reason=("чтобы", "так как", "потому что", "поскольку", "для", "ибо"),
        data=(
            *("номер*", "дат*", "сумм*", "цифр*", "скриншот*", "фио", "телефон*"),
            *("договор*", "заявк*", "чек*", "квитанц*", "почт*", "e-mail", "email"),
        ),
        next_step_endings=(SuffixRule(suffixes=("им", "ем", "мся"), min_length=6),),
        next_step_stems=(
            *("провер", "уточн", "разбер", "помож", "свяж", "перезвон", "ответ", "верн"),
            *("исправ", "направ", "передад", "посмотр", "выясн", "решим", "вернем"),
        ),
        time_units=_TIME_UNITS["ru"],
        relative_days=("сегодня", "завтра", "послезавтра", "сразу", "немедленно"),
        reference=("пункт*", "п", "стать*", "номер*", "№"),
    ),
    "it": RedirectLexicon(
        redirect=(
            *("in privato", "privato", "privata", "messaggi* privat*", "dm", "direct"),
            *("in direct", "chat", "in chat", "privatamente"),
        ),
        reason=(
            *("così", "perché", "poiché", "affinché", "in modo da", "per controllar*"),
            *("per verificar*", "per capir*", "per aiutart*", "per sistemar*"),
            *("per rimborsart*", "per risolver*", "per recuperar*"),
        ),
        data=(
            *("numero", "numer*", "codic*", "ordin*", "email", "mail", "nome", "cognome"),
            *("indirizz*", "screenshot", "foto", "importo", "data", "ricevut*", "fv*"),
        ),
        next_step_endings=(
            SuffixRule(
                suffixes=("iamo",),
                min_length=6,
                exceptions=frozenset({"siamo", "abbiamo", "scusiamo", "ringraziamo"}),
            ),
        ),
        time_units=_TIME_UNITS["it"],
        relative_days=("oggi", "domani", "subito", "stasera", "entro"),
        reference=("articol*", "art", "paragraf*", "punto", "numero", "codice"),
    ),
    "fa": RedirectLexicon(
        redirect=(
            *("دایرکت*", "پیام خصوصی", "پیوی", "پی وی", "خصوصی", "پیام مستقیم"),
            *("ربات پشتیبانی",),
        ),
        reason=("تا", "برای", "چون", "زیرا", "به دلیل", "چراکه"),
        data=(
            *("شماره*", "کد*", "تاریخ*", "مبلغ*", "نام*", "اسکرین*", "تصویر*", "رسید*"),
            *("ایمیل*",),
        ),
        next_step_phrases=("بررسی*", "پیگیری*", "تماس می*", "تماس خواهیم"),
        time_units=_TIME_UNITS["fa"],
        relative_days=("امروز", "فردا", "فوراً", "فورا", "بلافاصله"),
        reference=("شماره*", "کد*", "بند*", "ماده*"),
    ),
    "en": RedirectLexicon(
        redirect=(
            *("dm", "dms", "direct messag*", "private messag*", "privately", "pm us"),
            *("inbox us", "in private", "message us privately", "send us a message"),
        ),
        reason=(
            *("so we", "so that", "so i", "so our", "to check", "to look", "to help"),
            *("to sort", "to fix", "to find", "to investigate", "to chase", "because"),
            *("in order to", "as we need", "to confirm", "to refund", "to rebook"),
        ),
        data=(
            *("booking", "reference", "surname", "name", "email", "e-mail", "date"),
            *("flight number", "order number", "number", "receipt*", "screenshot*"),
            *("postcode", "address", "photo*"),
        ),
        next_step_phrases=("we'll", "we will", "we can", "we're going to", "we'd"),
        time_units=_TIME_UNITS["en"],
        relative_days=("today", "tomorrow", "tonight", "straight away", "right away"),
        reference=("clause", "section", "reference", "ref", "case", "number"),
    ),
}

#: Emoticons typed as text count as emoji.
EMOTICONS: Final = (":)", ":-)", ";)", ";-)", ":D", ":-D", ":(", ":-(", ":P", ":-P", "<3", "xD")
