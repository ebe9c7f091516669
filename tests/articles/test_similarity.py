import re

import pytest

from apps.articles.similarity import Resemblance, fingerprint, resemblance, spellings
from bench.story_matching import evaluate


def test_matcher_finds_every_built_pair_and_nothing_else():
    result = evaluate()
    assert result["wrong"] == [] and result["missed"] == []
    kinds = {(a, b): kind for a, b, kind in result["found"]}
    assert kinds[("sample-en", "sample-de")] == "translation"
    assert kinds[("sample-en", "sample-en-republished")] == "near-duplicate"


def test_shared_common_words_alone_are_no_match():
    one = "The Minister said on Monday that the Government would act. The Minister left."
    other = "The Minister said on Friday that the Opposition would vote. The Minister stayed."
    assert resemblance(fingerprint(one), "en", len(one), fingerprint(other), "en", len(other)) is None


def test_names_in_scripts_without_case_are_signals():
    signals = fingerprint("قال وزير الخارجية إن الاتفاق سيعزز التعاون في 2025")
    assert "@الخارجية" in signals and "#2025" in signals
    assert "@über" not in fingerprint("Er sprach über Russland und Belarus.")


def test_a_name_in_quotes_or_after_a_dash_is_a_signal():
    text = "„Dieses Schiff“, sagte die «Marine» über die “Möwe”—Kapitän Öztürk in 「東京都庁」 l’Europe."
    signals = fingerprint(text)
    for name in ("@schiff", "@marine", "@möwe", "@kapitän", "@öztürk", "@東京都庁", "@europe"):
        assert name in signals, name
    assert "@dieses" not in signals, "a common sentence opener, quoted or not"
    assert spellings(text, {"möwe", "öztürk", "東京都庁"}) == {
        "möwe": "Möwe",
        "öztürk": "Öztürk",
        "東京都庁": "東京都庁",
    }


def described(signals, text=None) -> str:
    match = Resemblance("translation", 0.5, [], frozenset(signals))
    if text is not None:
        match = match.spelled_from(spellings(text, match.folded_names))
    return re.sub(r"</?bdi>", "", str(match.description))


@pytest.mark.parametrize(
    ("signals", "description"),
    [
        (["@belarus"], "Both name Belarus."),
        (["@belarus", "@pakistan"], "Both name Belarus and Pakistan."),
        (
            ["@belarus", "@minsk", "@pakistan", "#2025"],
            "Both name Belarus, Minsk and Pakistan, and share the number 2025.",
        ),
        (["@belarus", "#2025", "#11"], "Both name Belarus and share 2 numbers (2025, 11)."),
        (["#2025", "#11", "#19", "#2025-27", "#300"], "Both share 5 numbers (2025-27, 2025, 300, …)."),
        (["@inss", "@mil-man", "@lukashenko", "@sharif"], "Both name Inss, Lukashenko, Mil-Man and 1 more."),
    ],
)
def test_resemblance_says_what_the_texts_share(signals, description):
    assert described(signals) == description


def test_resemblance_names_as_the_text_writes_them_in_its_order():
    text = "Arkady Mil-Man of the INSS: Lukashenko and Sharif. Straße. The INSS again."
    signals = fingerprint(text)
    assert described(signals, text) == "Both name Arkady, Mil-Man, INSS and 3 more."
    assert described(["@strasse", "@nowhere"], text) == "Both name Straße and Nowhere."


def test_resemblance_isolates_each_name():
    description = str(Resemblance("translation", 0.5, [], frozenset(["@الخارجية", "@minsk"])).description)
    assert description == "Both name <bdi>Minsk</bdi> and <bdi>الخارجية</bdi>."
