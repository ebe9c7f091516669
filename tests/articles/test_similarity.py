from apps.articles.similarity import fingerprint, resemblance
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
