"""The panel's forms keep their widgets' HTML once drawn: the next form draws the same HTML as
Django's own rendering would, and a form with what the user sent is always drawn afresh."""

import pytest
from django.forms.boundfield import BoundField

from apps.annotations.forms import AnnotationEditForm, CommentForm, LinkForm, RenderedOnce, ReviewForm
from tests.factories import ProjectFactory, SourceFactory


def drawn_by_django(form) -> str:
    return "".join(str(BoundField(form, field, name)) for name, field in form.fields.items())


def drawn(form) -> str:
    return "".join(str(form[name]) for name in form.fields)


@pytest.mark.django_db
def test_kept_widgets_are_the_html_django_draws_for_each_value():
    RenderedOnce.rendered.clear()
    project = ProjectFactory()
    SourceFactory(project=project, name="The minister")
    forms = [
        lambda: CommentForm(),
        lambda: ReviewForm(initial={"version": 3}),
        lambda: ReviewForm(initial={"version": 4}),
        lambda: LinkForm(project=project, initial={"role": "said_by"}),
        lambda: LinkForm(project=project, initial={"role": "cited"}),
        lambda: AnnotationEditForm(initial={"version": 2, "kind": "quote", "note": "<b>x</b>", "tags": ["a", "b"]}),
        lambda: AnnotationEditForm(initial={"version": 2, "kind": "fact", "note": "", "tags": []}),
    ]
    for make in forms * 2:  # the second time from what was kept
        assert drawn(make()) == drawn_by_django(make())
    assert 'value="4"' in drawn(ReviewForm(initial={"version": 4}))
    assert "selected>Cited" in drawn(LinkForm(project=project, initial={"role": "cited"}))


@pytest.mark.django_db
def test_a_form_with_what_the_user_sent_is_drawn_afresh():
    RenderedOnce.rendered.clear()
    str(CommentForm().as_div())
    sent = CommentForm(data={"body": ""})
    assert not sent.is_valid()
    assert 'aria-invalid="true"' in drawn(sent)
    assert drawn(sent) == drawn_by_django(sent)
    assert drawn(CommentForm(data={"body": "<i>mine</i>"})).count("&lt;i&gt;mine&lt;/i&gt;") == 1
