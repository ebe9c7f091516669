"""What changed between two versions of a text, as HTML: insertions and deletions marked, the
text itself escaped, long unchanged stretches shortened to their ends."""

import time

from diff_match_patch import diff_match_patch
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from apps.stories.anchoring import DIFF_DELETE, DIFF_INSERT, TEXT_DIFF_SECONDS, diff_texts, matcher

# An unchanged stretch longer than this shows only its first and last CONTEXT characters.
LONG_UNCHANGED = 600
CONTEXT = 200


def changes(old: str, new: str) -> list[tuple[int, str]]:
    """The diff of two versions cleaned up for reading: whole words and phrases changed rather
    than scattered letters (diff-match-patch's semantic clean-up)."""
    dmp: diff_match_patch = matcher()
    diffs = diff_texts(dmp, old, new, time.monotonic() + TEXT_DIFF_SECONDS)
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def diff_html(old: str, new: str) -> SafeString:
    parts = []
    for operation, text in changes(old, new):
        if operation == DIFF_INSERT:
            parts.append(format_html('<ins class="diff-ins">{}</ins>', text))
        elif operation == DIFF_DELETE:
            parts.append(format_html('<del class="diff-del">{}</del>', text))
        elif len(text) > LONG_UNCHANGED:
            skipped = len(text) - 2 * CONTEXT
            parts.append(escape(text[:CONTEXT]))
            parts.append(format_html('<span class="diff-skip">[… {} unchanged characters …]</span>', f"{skipped:,}"))
            parts.append(escape(text[-CONTEXT:]))
        else:
            parts.append(escape(text))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above
