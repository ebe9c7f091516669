"""How the lines of two texts are put on the rows of their alignment."""

from apps.annotations.rendering import render_blocks
from apps.articles.models import Article
from apps.stories.alignment import Segment
from apps.stories.side_by_side import rows_of


def lines(rows) -> list[list[str]]:
    return [[item.block.text for item in row] for row in rows]


def test_each_line_goes_to_the_row_of_its_paragraph_and_blank_lines_stay_with_the_one_before():
    article = Article(text="\nFirst\n\nSecond\nThird\n", headings=[])
    rendered = render_blocks(article, [])
    segments = [(Segment(1, 6),), (), (Segment(8, 14), Segment(15, 20))]
    assert lines(rows_of(rendered, segments)) == [["", "First", ""], [], ["Second", "Third", ""]]


def test_rows_never_go_back_so_the_lines_stay_in_text_order():
    article = Article(text="A\nB\nC", headings=[])
    rendered = render_blocks(article, [])
    # An alignment that crossed over: B on the last row, C on the one before.
    segments = [(Segment(0, 1),), (Segment(4, 5),), (Segment(2, 3),)]
    rows = lines(rows_of(rendered, segments))
    assert [line for row in rows for line in row] == ["A", "B", "C"]
    assert rows == [["A"], [], ["B", "C"]]


def test_a_text_without_an_alignment_is_one_row():
    article = Article(text="Only\nlines", headings=[])
    assert lines(rows_of(render_blocks(article, []), [])) == [["Only", "lines"]]
