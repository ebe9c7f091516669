from django import forms
from django.conf.locale import LANG_INFO
from django.contrib.auth import get_user_model

from apps.articles.models import MORE_LANGUAGE_NAMES, Article, language_name
from apps.articles.services import METADATA
from apps.projects.permissions import members_of
from apps.sources.models import SourceKind
from apps.sources.services import find_or_create_source


class AssignmentForm(forms.Form):
    """Articles of one project, and members of that project to give them to or take them back from."""

    articles = forms.ModelMultipleChoiceField(
        queryset=Article.objects.none(), error_messages={"required": "Choose the articles (tick their boxes)."}
    )
    users = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        label="Analysts",
        error_messages={"required": "Choose whom to assign them to."},
        widget=forms.CheckboxSelectMultiple,
    )
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("unassign", "Unassign")])

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.filter(project=project).only("pk", "project_id", "title")
        # The project's members, by user name only: nothing else of them is anyone's business here.
        self.fields["users"].queryset = members_of(project).only("pk", "username").order_by("username")
        self.fields["users"].label_from_instance = lambda user: user.get_username()


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 codes by their English names, "Unknown" first."""
    codes = {code for code in LANG_INFO if len(code) == 2} | set(MORE_LANGUAGE_NAMES)
    return [("und", "Unknown"), *sorted(((code, language_name(code)) for code in codes), key=lambda c: c[1])]


class ArticleDetailsForm(forms.ModelForm):
    """An article's metadata as its members correct it; the text is not among them.

    The publisher is typed by name and is the project's outlet of that name (or alias), created if
    there is none, as the workbench's source picker does."""

    publisher_name = forms.CharField(
        label="Publisher", max_length=300, required=False, help_text="The outlet's name; a new name adds the outlet."
    )

    class Meta:
        model = Article
        fields = ["title", "url", "author", "published_on", "language"]
        labels = {"url": "Web address", "published_on": "Published on"}
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "An article needs a title."
        self.fields["language"] = forms.ChoiceField(choices=language_choices(), initial=self.instance.language)
        self.fields["publisher_name"].initial = self.instance.publisher.name if self.instance.publisher_id else ""
        self.order_fields(["title", "url", "author", "publisher_name", "published_on", "language"])

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def save_publisher(self) -> None:
        """Point the article at the outlet named in the form (none when the name is left empty)."""
        name = " ".join(self.cleaned_data["publisher_name"].split())
        current = self.instance.publisher.name if self.instance.publisher_id else ""
        if name == current:
            return
        self.instance.publisher = (
            find_or_create_source(project=self.instance.project, name=name, kind=SourceKind.OUTLET) if name else None
        )

    def changed_metadata(self) -> list[str]:
        changed = [name for name in self.changed_data if name in METADATA]
        if "publisher_name" in self.changed_data:
            changed.append("publisher")
        return changed
