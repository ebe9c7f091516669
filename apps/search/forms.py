from django import forms

from apps.annotations.models import Annotation, Link
from apps.search.results import TYPES, Filters, Query

MAX_QUERY_CHARS = 500
NOTHING_TO_FIND = "Type a word, a name or a number to look for: quotation marks, “or” and “-” alone find nothing."


class SearchForm(forms.Form):
    """A search and its filters, from the address's query string (the page and the API read the same)."""

    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY_CHARS,
        strip=True,
        error_messages={
            "max_length": f"A search has at most {MAX_QUERY_CHARS:,} characters; this one has %(show_value)s."
        },
    )
    type = forms.ChoiceField(required=False, choices=[("", "everything"), *((kind, kind) for kind in TYPES)])
    project = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    language = forms.RegexField(required=False, regex=r"^([a-z]{2}|und)$", max_length=3)
    kind = forms.ChoiceField(required=False, choices=[("", "any"), *Annotation.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "any"), *Annotation.Status.choices])
    tag = forms.CharField(required=False, max_length=100)
    author = forms.CharField(required=False, max_length=150)
    source = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    role = forms.ChoiceField(required=False, choices=[("", "any"), *Link.Role.choices])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)
    claim = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, data=None, **kwargs):
        self.typed = data.get("q", "") if data is not None else ""
        if data is not None:
            # PostgreSQL text holds no NUL, and no stored word has one: it separates words here.
            data = {name: data.get(name, "").replace("\x00", " ") for name in self.base_fields if name in data}
        super().__init__(data, **kwargs)

    def clean_q(self):
        typed = self.cleaned_data["q"]
        if self.typed.strip() and not Query.parse(typed).has_words:
            raise forms.ValidationError(NOTHING_TO_FIND, code="nothing_to_find")
        return typed

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the period comes before its start.")
        return cleaned

    @property
    def query(self) -> Query | None:
        """What to look for; None to list what the filters let through."""
        typed = self.cleaned_data.get("q", "")
        return Query.parse(typed) if typed else None

    @property
    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(**{name: data.get(name) or Filters.__dataclass_fields__[name].default for name in FILTERS})

    @property
    def asks_anything(self) -> bool:
        """Whether there is anything to look for: words, a filter that picks rows, or the list of annotations."""
        data = self.cleaned_data
        return bool(data.get("q")) or data.get("type") == "annotation" or any(data.get(name) for name in FILTERS[1:])


FILTERS = (
    "type",
    "project",
    "language",
    "kind",
    "status",
    "tag",
    "author",
    "source",
    "role",
    "since",
    "until",
    "claim",
)


class AnnotationListForm(SearchForm):
    """The list of annotations across articles: the search's filters, annotations only, plus the
    source they are linked to by its name ("all quotes said by Arkady Mil-Man")."""

    source_name = forms.CharField(required=False, max_length=300, strip=True)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields.pop("type")

    @property
    def filters(self) -> Filters:
        data = self.cleaned_data
        values = {name: data.get(name) or Filters.__dataclass_fields__[name].default for name in LIST_FILTERS}
        return Filters(type="annotation", **values)


LIST_FILTERS = (*FILTERS[1:], "source_name")
