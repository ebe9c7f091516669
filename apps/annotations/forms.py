from django import forms
from django.forms.boundfield import BoundField

from apps.annotations.models import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    Annotation,
    AnnotationFilters,
    Link,
    has_words,
    validate_tags,
)
from apps.annotations.services import REASON_NEEDED, Decision
from apps.sources.models import Source

# Widgets kept rendered per process, and the longest value (as its repr) whose widget is kept.
RENDERED_WIDGETS_LIMIT = 2048
RENDERED_VALUE_CHARS = 200


class RenderedOnce(BoundField):
    """A field of an unbound form whose widget's HTML is kept once rendered, for the next form of
    the same class with the same value.

    Each panel of the workbench draws four forms, most of them unbound and alike; drawing a
    widget goes through the form renderer's templates (a select through one per option), which
    took a quarter of a panel's CPU. A bound form (with what the user sent, and errors) is drawn
    each time; so is a choice of model rows (its rows are the project's), and a long value.
    """

    rendered: dict = {}

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        form, field = self.form, self.field
        if form.is_bound or widget is not None or attrs or only_initial or isinstance(field, forms.ModelChoiceField):
            return super().as_widget(widget, attrs, only_initial)
        value = repr(self.value())
        if len(value) > RENDERED_VALUE_CHARS:
            return super().as_widget()
        key = (
            type(form),
            self.name,
            value,
            form.auto_id,
            form.prefix,
            form.use_required_attribute,
            field.required,
            field.disabled,
            str(field.help_text),
            repr(sorted(field.widget.attrs.items())),
            repr(getattr(field, "choices", None)),
        )
        html = self.rendered.get(key)
        if html is None:
            html = super().as_widget()
            if len(self.rendered) >= RENDERED_WIDGETS_LIMIT:
                self.rendered.clear()
            self.rendered[key] = html
        return html


class AnnotationCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=Annotation.Kind.choices)
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    exact = forms.CharField(strip=False, max_length=100_000)

    def clean(self):
        data = super().clean()
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise forms.ValidationError("A highlight must cover at least one character.")
        return data


class TagsField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value) or ""
        return sorted({" ".join(tag.split()) for tag in value.split(",") if tag.strip()})

    def run_validators(self, value):
        # The field's validators (null characters) are written for one string, not a list.
        for tag in value:
            super().run_validators(tag)
        validate_tags(value)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class AnnotationEditForm(forms.Form):
    bound_field_class = RenderedOnce

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    kind = forms.ChoiceField(choices=Annotation.Kind.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000)
    tags = TagsField(
        required=False,
        help_text=f"Separated by commas; at most {MAX_TAGS}, each at most {MAX_TAG_CHARS} characters.",
    )
    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version")
        if data.get("start") is None or data.get("end") is None:
            data.pop("start", None)
            data.pop("end", None)
        return data


class LinkForm(forms.Form):
    """Attach an existing source, or name a new one to create, with a role."""

    bound_field_class = RenderedOnce

    role = forms.ChoiceField(choices=Link.Role.choices)
    source = forms.ModelChoiceField(queryset=Source.objects.none(), required=False)
    new_source_name = forms.CharField(required=False, max_length=300)
    new_source_kind = forms.ChoiceField(choices=Source.Kind.choices, required=False)
    note = forms.CharField(required=False, max_length=5000)

    def __init__(self, *args, project, **kwargs):
        # The edit form beside it on the panel has a note too; ids must stay unique.
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.in_project(project)

    def clean(self):
        data = super().clean()
        if not data.get("source") and not (data.get("new_source_name") or "").strip():
            raise forms.ValidationError("Pick a source, or type the name of a new one.")
        if not data.get("source") and not data.get("new_source_kind"):
            raise forms.ValidationError("Say what kind of source the new one is.")
        return data


def seen_version_field():
    """The version the page showed, which a change of status is made from (optional for scripts)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReviewForm(forms.Form):
    bound_field_class = RenderedOnce

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_review_%s")
        super().__init__(*args, **kwargs)

    decision = forms.ChoiceField(choices=[(decision.value, decision.name.title()) for decision in Decision])
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        help_text="Required to reject: the author sees it.",
    )
    version = seen_version_field()

    def clean(self):
        """A rejection without a reason is refused here too, so that the page marks the reason's field."""
        data = super().clean()
        if data.get("decision") == Decision.REJECT and not data.get("reason"):
            self.add_error("reason", REASON_NEEDED)
        return data

    def review_args(self) -> dict:
        """The review service's arguments."""
        data = self.cleaned_data
        return {"decision": data["decision"], "reason": data["reason"], "seen_version": data["version"]}


class SubmitForm(forms.Form):
    version = seen_version_field()


class DraftsSubmitForm(forms.Form):
    """How many drafts the user confirmed submitting; none yet means the question is still to ask."""

    confirmed = forms.IntegerField(min_value=0, max_value=1_000_000, required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    bound_field_class = RenderedOnce

    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
        label="Comment",
        error_messages={"required": "Write something first."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_comment_%s")
        super().__init__(*args, **kwargs)


MAX_WORDS_CHARS = 500
MAX_ID = 2**63 - 1
NOTHING_TO_FIND = "Type a word, a name or a number to look for: quotation marks, “or” and “-” alone find nothing."


class AnnotationFiltersForm(forms.Form):
    """The annotation list's filters from an address's query string (its export links carry them)."""

    q = forms.CharField(
        required=False,
        max_length=MAX_WORDS_CHARS,
        error_messages={
            "max_length": f"A search has at most {MAX_WORDS_CHARS:,} characters; this one has %(show_value)s."
        },
    )
    kind = forms.ChoiceField(required=False, choices=[("", "any"), *Annotation.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "any"), *Annotation.Status.choices])
    tag = forms.CharField(required=False, max_length=MAX_TAG_CHARS)
    author = forms.CharField(required=False, max_length=150)
    language = forms.RegexField(required=False, regex=r"^([a-z]{2}|und)$", max_length=3)
    source = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    source_name = forms.CharField(required=False, max_length=300)
    role = forms.ChoiceField(required=False, choices=[("", "any"), *Link.Role.choices])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            # PostgreSQL text holds no NUL, and no stored word has one: it separates words here.
            data = {name: data.get(name, "").replace("\x00", " ") for name in self.base_fields if name in data}
        super().__init__(data, **kwargs)

    def clean_q(self):
        typed = self.cleaned_data["q"]
        if typed and not has_words(typed):
            raise forms.ValidationError(NOTHING_TO_FIND, code="nothing_to_find")
        return typed

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the period comes before its start.")
        return cleaned

    @property
    def filters(self) -> AnnotationFilters:
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        if "q" in data:
            data["words"] = data.pop("q")
        return AnnotationFilters(**data)

    def error_text(self) -> str:
        return " ".join(
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in self.errors.items()
            for message in messages
        )
