from django import forms

from apps.projects.models import Project
from apps.sources.models import Source


class DirectoryForm(forms.Form):
    """The directory's search and filters; a value outside the choices is refused, not ignored."""

    q = forms.CharField(required=False, max_length=300, strip=True)
    kind = forms.ChoiceField(required=False, choices=[("", "Every kind"), *Source.Kind.choices])
    project = forms.ModelChoiceField(required=False, queryset=Project.objects.none(), empty_label="All projects")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)

    def clean_q(self):
        return self.cleaned_data["q"].replace("\x00", "")


class MergeForm(forms.Form):
    """Merge the page's source into another one of its project, which keeps its name."""

    into = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        label="Merge into",
        error_messages={"invalid_choice": "Choose a source of the same project that you can see."},
    )

    def __init__(self, *args, source: Source, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["into"].queryset = (
            Source.objects.visible_to(user).in_project(source.project_id).exclude(pk=source.pk).order_by("name", "pk")
        )
