from django import forms

from apps.annotations.models import MAX_TAG_CHARS, MAX_TAGS, Annotation, Link, validate_tags
from apps.annotations.services import REASON_NEEDED, Decision
from apps.sources.models import Source


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
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
        label="Comment",
        error_messages={"required": "Write something first."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_comment_%s")
        super().__init__(*args, **kwargs)
