from apps.stories.alignment import Segment, align_paragraphs, align_sentences, paragraphs, sentences
from apps.stories.counterparts import propose_span
from tests.conftest import ENGLISH_SEED, GERMAN_SEED

ENGLISH = ENGLISH_SEED.read_text()
GERMAN = GERMAN_SEED.read_text()

# An Arabic report of a flood and its English version: digits in two scripts, emoji, a name
# that transliterates only loosely, and a closing line the Arabic one does not have.
ARABIC_TEXT = (
    "تحذير من الفيضانات 🌊 في حيفا.\n"
    "اجتمع مجلس المدينة في ١٢ مارس ٢٠٢٦ ووافق على ٣ ملاجئ جديدة للعائلات.\n"
    "«ابقوا في منازلكم حتى صباح الغد»، قال رئيس البلدية 🙏.\n"
)
ENGLISH_TEXT = (
    "Flood warning 🌊 in Haifa.\n"
    "The city council met on 12 March 2026 and approved 3 new shelters for families.\n"
    "“Stay in your homes until tomorrow morning,” the mayor said 🙏.\n"
    "Follow our live blog for updates every hour.\n"
)


def texts(text, segments):
    return [segment.text(text) for segment in segments]


def pair_of(pairs, text, fragment, side="left"):
    """The pair whose `side` holds the segment that contains `fragment`."""
    at = text.index(fragment)
    return next(p for p in pairs if any(s.start <= at < s.end for s in getattr(p, side)))


def test_sentences_split_a_long_quotation_but_not_an_abbreviation():
    found = texts(GERMAN, sentences(GERMAN, "de"))

    assert (
        "Belarus ist faktisch ein integraler Bestandteil Russlands und agiert in voller Abstimmung mit dem Kreml."
        in found
    )
    assert any(s.startswith("Dr. Moredcahi Kedar, ein renommierter Experte") for s in found)
    assert all("\n" not in s and s == s.strip() for s in found)


def test_paragraphs_are_the_non_blank_lines():
    text = "One.\n\n  \nTwo words.\n"

    assert paragraphs(text) == [Segment(0, 4), Segment(9, 19)]


def test_every_corresponding_paragraph_of_the_sample_pair_is_paired():
    pairs = align_paragraphs(ENGLISH, GERMAN, left_language="en", right_language="de")
    english_paragraphs, german_paragraphs = paragraphs(ENGLISH), paragraphs(GERMAN)

    corresponding = [
        ("Dr Moredcahi Kedar", "Dr. Moredcahi Kedar"),
        ("The signing of defence", "Die Unterzeichnung"),
        ("According to a special report", "In einem Sonderbericht"),
        ("The firms sanctioned", "Zu den am 19. April 2024"),
        ("In December 2024", "Im Dezember 2024"),
        ("Pakistan, he said", "Im Dezember 2024"),
        ("On this occasion", "In diesem Zusammenhang"),
        ("On this occasion", "Es wird beiden Ländern in mehreren"),
        ("Tel Aviv", "Vor kurzem"),
        ("Mil-Man said", "Pakistan sei zudem"),
    ]
    for english, german in corresponding:
        pair = pair_of(pairs, ENGLISH, english)
        assert german in "".join(texts(GERMAN, pair.right)), (english, german)
    # Every paragraph is in exactly one pair, in the order of both texts.
    assert [s for p in pairs for s in p.left] == english_paragraphs
    assert sorted(s for p in pairs for s in p.right) == german_paragraphs


def test_the_parts_only_one_version_has_are_marked_one_sided():
    pairs = align_paragraphs(ENGLISH, GERMAN, left_language="en", right_language="de")
    one_sided = {t for p in pairs if p.one_sided for t in texts(ENGLISH, p.left) + texts(GERMAN, p.right)}

    assert any("Raksha Anirveda" in t for t in one_sided)
    assert "Abkommen mit Belarus in Pakistan kaum beachtet" in one_sided
    assert "Roadmap 2025–2027 für Belarus und Pakistan" in one_sided
    assert "Mit WhatsApp immer auf dem neuesten Stand bleiben!" in one_sided
    assert any(t.startswith("Abonnieren Sie unseren WhatsApp-Kanal") for t in one_sided)
    assert not any(p.one_sided for p in pairs if "Dr Moredcahi" in "".join(texts(ENGLISH, p.left)))
    # Part of a sentence: the German version names the outlet Mil-Man spoke to.
    attribution = pair_of(
        align_sentences(ENGLISH, GERMAN, left_language="en", right_language="de"), GERMAN, "CPM", "right"
    )
    assert texts(GERMAN, attribution.right_only) == ["gegenüber CPM Defence Network"]
    assert texts(ENGLISH, attribution.left) == [
        "Mil-Man said that the West must follow very closely the combination of Russia – Belarus and Pakistan."
    ]


def test_sentences_pair_one_to_two_where_a_translation_splits_one():
    pairs = align_sentences(ENGLISH, GERMAN, left_language="en", right_language="de")
    pair = pair_of(pairs, ENGLISH, "Pakistan is a nuclear capable country")

    assert texts(GERMAN, pair.right) == [
        "Pakistan sei zudem ein Land mit Atomwaffen.",
        "Ein solches Abkommen mit einem Land, welches vom Kreml kontrolliert wird, sei demnach ein sehr "
        "deutliches Warnsignal für den Westen, insbesondere angesichts der aggressiven Haltung Putins.",
    ]
    assert pair.score > 0.5


def test_a_right_to_left_text_with_emoji_and_its_own_digits_aligns():
    pairs = align_sentences(ENGLISH_TEXT, ARABIC_TEXT, left_language="en", right_language="ar")

    assert [(texts(ENGLISH_TEXT, p.left), texts(ARABIC_TEXT, p.right)) for p in pairs] == [
        (["Flood warning 🌊 in Haifa."], ["تحذير من الفيضانات 🌊 في حيفا."]),
        (
            ["The city council met on 12 March 2026 and approved 3 new shelters for families."],
            ["اجتمع مجلس المدينة في ١٢ مارس ٢٠٢٦ ووافق على ٣ ملاجئ جديدة للعائلات."],
        ),
        (
            ["“Stay in your homes until tomorrow morning,” the mayor said 🙏."],
            ["«ابقوا في منازلكم حتى صباح الغد»، قال رئيس البلدية 🙏."],
        ),
        (["Follow our live blog for updates every hour."], []),
    ]
    paragraph_pairs = align_paragraphs(ARABIC_TEXT, ENGLISH_TEXT, left_language="ar", right_language="en")
    assert [p.one_sided for p in paragraph_pairs] == [False, False, False, True]


def test_empty_and_one_sided_texts():
    assert align_sentences("", "") == []
    assert [p.one_sided for p in align_paragraphs("Only here.\nAnd here.", "")] == [True, True]
    assert align_paragraphs("", "Nur hier.")[0].right == (Segment(0, 9),)


def test_a_counterpart_across_scripts_is_found_by_its_numbers_and_emoji():
    for passage, expected in (
        ("Flood warning 🌊 in Haifa.", "تحذير من الفيضانات 🌊 في حيفا."),
        (
            "The city council met on 12 March 2026 and approved 3 new shelters for families.",
            "اجتمع مجلس المدينة في ١٢ مارس ٢٠٢٦ ووافق على ٣ ملاجئ جديدة للعائلات.",
        ),
        ("Stay in your homes until tomorrow morning,", "ابقوا في منازلكم حتى صباح الغد"),
    ):
        start = ENGLISH_TEXT.index(passage)
        proposal = propose_span(
            ENGLISH_TEXT,
            ARABIC_TEXT,
            start=start,
            end=start + len(passage),
            kind="quote",
            source_language="en",
            target_language="ar",
        )
        assert ARABIC_TEXT[proposal.start : proposal.end] == expected
    closing = ENGLISH_TEXT.index("Follow our live blog")
    # A sentence only one version has: nothing to propose.
    assert propose_span(ENGLISH_TEXT, ARABIC_TEXT, start=closing, end=closing + 6) is None
