"""A deterministic multilingual news corpus for the search benchmark (bench/search_bench.py).

Articles in English, German, French, Russian, Arabic and Spanish, written from each language's
own words (Faker's word lists, the tests' dependency) drawn with Zipf's law, so that a few words
are in nearly every article and most in few, as in real text. Function words lead each list;
word families ("sanction", "sanctions", "sanctioned"; "Abkommen", "Abkommens") are spread over
the ranks so that stemming has something to find. Names too follow Zipf's law: a list of public
figures, each written as its language writes it (Лукашенко, Lukashenko, Lukaschenko,
Loukachenko, لوكاشينكو), first with the first name and later alone, and a long tail of local
people and places from Faker's lists of each language. Quotes are attributed to figures.

Article i depends only on the seed and i, so any slice of the corpus can be generated alone.
"""

import random
import re
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from itertools import accumulate

from faker import Faker

LANGUAGES = {"en": 0.35, "de": 0.20, "fr": 0.15, "ru": 0.15, "ar": 0.10, "es": 0.05}
LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "ru": "ru_RU", "ar": "ar_AA", "es": "es_ES"}
FIGURES = 1500
LOCAL_NAMES = 5000  # per language
ZIPF_WORDS = 1.05
ZIPF_FIGURES = 1.1
FIRST_DAY = date(2023, 1, 1)
DAYS = 730

FUNCTION_WORDS = {
    "en": "the of and to in a that is for on was with he it as at by from his said have be are not this "
    "but had they has were would which been who will their more about after also",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an "
    "werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über",
    "fr": "de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se il sont ce "
    "avec son aux ou été elle mais nous comme sa",
    "ru": "и в не на что с по он как а это к из у за о от то для но его так было же все она бы уже "
    "при только был же ли если",
    "ar": "في من على أن إلى عن مع التي الذي هذا كان ما لا هذه أو بين قد كل بعد ذلك عند حتى قال وقال كما وفي إن لم",
    "es": "",  # Faker's Spanish list is in order of frequency already
}
# Word families at middle ranks: a query for one form finds the others by their stem.
FAMILIES = {
    "en": "sanction sanctions sanctioned sanctioning agreement agreements negotiation negotiations negotiated "
    "election elections elected minister ministers ministry border borders military cooperation "
    "pipeline pipelines refinery refineries drone drones missile missiles",
    "de": "Abkommen Abkommens Sanktion Sanktionen Verhandlung Verhandlungen verhandelt Wahl Wahlen gewählt "
    "Minister Ministerin Ministeriums Grenze Grenzen Zusammenarbeit Pipeline Raffinerie Drohne Drohnen "
    "Rakete Raketen Bundesregierung",
    "fr": "accord accords sanction sanctions négociation négociations négocié élection élections élu "
    "ministre ministres frontière frontières coopération militaire drone drones missile missiles",
    "ru": "соглашение соглашения соглашении санкции санкций санкциями переговоры переговоров выборы "
    "выборов министр министра министерство граница границы сотрудничество ракета ракеты беспилотник",
    "ar": "اتفاق الاتفاق اتفاقية العقوبات عقوبات المفاوضات مفاوضات الانتخابات انتخابات وزير الوزير "
    "وزارة الحدود التعاون العسكري صاروخ الصواريخ",
    "es": "acuerdo acuerdos sanción sanciones negociación negociaciones elecciones ministro frontera "
    "cooperación militar misil misiles",
}
QUOTE_MARKS = {"en": "“”", "de": "„“", "fr": "«»", "ru": "«»", "ar": "«»", "es": "«»"}
SAID = {
    "en": ["said", "told reporters", "wrote", "insisted"],
    "de": ["sagte", "erklärte", "betonte", "schrieb"],
    "fr": ["a déclaré", "a affirmé", "a écrit", "a insisté"],
    "ru": ["заявил", "сказал", "подчеркнул", "написал"],
    "ar": ["قال", "صرح", "أكد", "كتب"],
    "es": ["dijo", "afirmó", "escribió", "insistió"],
}
TAGS = ["sanctions", "military", "economy", "elections", "energy", "disinformation", "diplomacy", "to-verify"]
KINDS = ["claim", "quote", "fact"]
STATUSES = ["draft"] * 30 + ["submitted"] * 25 + ["approved"] * 35 + ["rejected"] * 10

RU_LATIN = {
    "en": dict(
        zip(
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
            "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
            strict=True,
        )
    ),
}
RU_LATIN["de"] = {**RU_LATIN["en"], "в": "w", "ж": "sch", "з": "s", "й": "j", "х": "ch", "ц": "z"}
RU_LATIN["de"] |= {"ч": "tsch", "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja", "ё": "jo"}
RU_LATIN["fr"] = {**RU_LATIN["en"], "ж": "j", "у": "ou", "х": "kh", "ч": "tch", "ш": "ch", "щ": "chtch"}
RU_LATIN["fr"] |= {"ю": "iou", "я": "ia", "й": "ï", "ё": "io"}
RU_LATIN["es"] = {**RU_LATIN["en"], "х": "j", "й": "i", "ж": "zh"}
RU_ARABIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "ا ب ف غ د ي يو ج ز ي ي ك ل م ن و ب ر س ت و ف خ تس تش ش ش - ي - ا يو يا".split(),
        strict=True,
    )
)
LATIN_CYRILLIC = [
    ("sh", "ш"),
    ("ch", "ч"),
    ("th", "т"),
    ("ph", "ф"),
    ("oo", "у"),
    ("ee", "и"),
    *zip("abcdefghijklmnopqrstuvwxyz", "а б к д е ф г х и дж к л м н о п к р с т у в у кс и з".split(), strict=True),
]


def transliterate(word: str, table: dict[str, str]) -> str:
    out = "".join(table.get(c, c) if (c := ch.lower()) in table else ch for ch in word).replace("-", "")
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def from_latin(word: str) -> str:
    """A Latin name in Cyrillic letters, roughly as a Russian newspaper writes it."""
    lowered, out, i = word.lower(), "", 0
    while i < len(lowered):
        for latin, cyrillic in LATIN_CYRILLIC:
            if lowered.startswith(latin, i):
                out += cyrillic
                i += len(latin)
                break
        else:
            out += lowered[i]
            i += 1
    return out[:1].upper() + out[1:]


@dataclass(frozen=True)
class Figure:
    """A public figure, each language's spelling of "First Last"; rank 0 is the most named."""

    rank: int
    spellings: dict[str, tuple[str, str]]

    def full(self, language: str) -> str:
        return " ".join(self.spellings[language])

    def last(self, language: str) -> str:
        return self.spellings[language][1]


@dataclass
class Span:
    start: int
    end: int
    quoted: Figure | None = None


@dataclass
class GeneratedArticle:
    number: int
    language: str
    title: str
    text: str
    author: str
    published_on: date
    spans: list[Span] = field(default_factory=list)


def zipf_weights(count: int, exponent: float) -> list[float]:
    return list(accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


class Corpus:
    def __init__(self, seed: int = 23):
        self.seed = seed

    @cached_property
    def fakers(self) -> dict[str, Faker]:
        fakers = {}
        for language, locale in LOCALES.items():
            fakers[language] = Faker(locale)
            fakers[language].seed_instance(self.seed)
        return fakers

    @cached_property
    def vocabulary(self) -> dict[str, tuple[list[str], list[float]]]:
        """Each language's words in the order of their frequency, with cumulative Zipf weights."""
        vocabulary = {}
        for language, faker in self.fakers.items():
            rng = random.Random(f"{self.seed}-{language}-words")
            leading = FUNCTION_WORDS[language].split()
            rest = [w for w in dict.fromkeys(faker.get_words_list()) if w not in leading and " " not in w]
            if language != "es":
                rng.shuffle(rest)
            families = FAMILIES[language].split()
            words = leading + rest
            for offset, word in enumerate(families):  # ranks 60 to about 600
                if word not in words:
                    words.insert(min(len(words), 60 + offset * 20), word)
            vocabulary[language] = (words, zipf_weights(len(words), ZIPF_WORDS))
        return vocabulary

    @cached_property
    def figures(self) -> list[Figure]:
        """Public figures, most named first: two thirds with Russian names, a third English."""
        rng = random.Random(f"{self.seed}-figures")
        ru, en = self.fakers["ru"], self.fakers["en"]
        figures, seen = [], set()
        while len(figures) < FIGURES:
            if rng.random() < 2 / 3:
                male = rng.random() < 0.7
                first = ru.first_name_male() if male else ru.first_name_female()
                last = ru.last_name_male() if male else ru.last_name_female()
                spellings = {"ru": (first, last)}
                for language in ("en", "de", "fr", "es"):
                    spellings[language] = tuple(transliterate(w, RU_LATIN[language]) for w in (first, last))
                spellings["ar"] = tuple(transliterate(w, RU_ARABIC) for w in (first, last))
            else:
                first, last = en.first_name(), en.last_name()
                spellings = {language: (first, last) for language in ("en", "de", "fr", "es")}
                spellings["ru"] = (from_latin(first), from_latin(last))
                spellings["ar"] = tuple(transliterate(w, RU_ARABIC) for w in spellings["ru"])
            if spellings["en"][1] in seen:
                continue
            seen.add(spellings["en"][1])
            figures.append(Figure(len(figures), spellings))
        return figures

    @cached_property
    def figure_weights(self) -> list[float]:
        return zipf_weights(FIGURES, ZIPF_FIGURES)

    @cached_property
    def locals(self) -> dict[str, tuple[list[str], list[str]]]:
        """Each language's people and places named now and then (a long tail, evenly drawn)."""
        pools = {}
        for language, faker in self.fakers.items():
            people = [faker.name() for _ in range(LOCAL_NAMES)]
            places = list(dict.fromkeys(re.sub(r"^\w+\. ", "", faker.city()) for _ in range(LOCAL_NAMES // 10)))
            pools[language] = (people, places)
        return pools

    @cached_property
    def language_weights(self) -> list[float]:
        return list(accumulate(LANGUAGES.values()))

    def language_of(self, number: int) -> str:
        rng = random.Random(f"{self.seed}-{number}-language")
        return list(LANGUAGES)[bisect(self.language_weights, rng.random() * self.language_weights[-1])]

    def article(self, number: int) -> GeneratedArticle:
        rng = random.Random(f"{self.seed}-{number}")
        language = self.language_of(number)
        words, weights = self.vocabulary[language]
        people, places = self.locals[language]
        named = rng.choices(self.figures, cum_weights=self.figure_weights, k=rng.randint(2, 6))
        mentioned: set[int] = set()

        def figure_name(figure: Figure) -> str:
            first_time = id(figure) not in mentioned
            mentioned.add(id(figure))
            return figure.full(language) if first_time else figure.last(language)

        def plain(count: int) -> str:
            return " ".join(rng.choices(words, cum_weights=weights, k=count))

        def sentence() -> tuple[str, Figure | None]:
            roll = rng.random()
            body = plain(rng.randint(6, 22))
            if roll < 0.25:
                body = f"{body} {figure_name(rng.choice(named))} {plain(rng.randint(2, 8))}"
            elif roll < 0.32:
                body = f"{body} {rng.choice(people)} {plain(rng.randint(2, 6))}"
            elif roll < 0.40:
                body = f"{body} {rng.choice(places)} {plain(rng.randint(1, 5))}"
            elif roll < 0.45:
                body = f"{body} {rng.randint(2, 2025)} {plain(rng.randint(2, 6))}"
            if roll > 0.85:
                speaker = rng.choice(named)
                opening, closing = QUOTE_MARKS[language]
                said = rng.choice(SAID[language])
                return f"{opening}{body[:1].upper()}{body[1:]}{closing}, {said} {figure_name(speaker)}.", speaker
            return f"{body[:1].upper()}{body[1:]}.", None

        title = f"{figure_name(named[0])}: {plain(rng.randint(4, 9))}"
        title = title[:1].upper() + title[1:]
        paragraphs, sentences, length, target = [], [], 0, rng.randint(300, 800)
        while length < target:
            paragraph = [sentence() for _ in range(rng.randint(2, 6))]
            length += sum(len(text.split()) for text, _ in paragraph)
            paragraphs.append(paragraph)
        offset, lines = 0, []
        for paragraph in paragraphs:
            line = ""
            for text, speaker in paragraph:
                if line:
                    line += " "
                sentences.append((offset + len(line), text, speaker))
                line += text
            lines.append(line)
            offset += len(line) + 2
        text = "\n\n".join(lines)
        spans = []
        for start, text_of_sentence, speaker in rng.sample(sentences, min(10, len(sentences))):
            tokens = [m.span() for m in re.finditer(r"\S+", text_of_sentence)]
            first = rng.randrange(max(1, len(tokens) - 2))
            last = min(len(tokens) - 1, first + rng.randint(1, 14))
            spans.append(Span(start + tokens[first][0], start + tokens[last][1], speaker))
        spans.sort(key=lambda span: span.start)
        return GeneratedArticle(
            number=number,
            language=language,
            title=title,
            text=text,
            author=rng.choice(people),
            published_on=FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
            spans=spans,
        )

    # -- What the benchmark looks for -------------------------------------------------------

    def content_word(self, language: str, rank: int) -> str:
        """The word of this rank in frequency among those that are not function words."""
        leading = set(FUNCTION_WORDS[language].split()) if FUNCTION_WORDS[language] else None
        words = self.vocabulary[language][0]
        content = [w for w in words if w not in leading] if leading else words[50:]
        return content[rank]
