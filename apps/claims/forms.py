from django import forms

from apps.claims.models import Verdict


class VerdictForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    verdict = forms.ChoiceField(choices=Verdict.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)


class AttachForm(forms.Form):
    claim = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class ClaimFiltersForm(forms.Form):
    """The claim list's filters, from the address."""

    SORTS = {
        "spread": "Widest spread first",
        "appearances": "Most appearances first",
        "first_seen": "First seen, oldest first",
        "recent": "Latest made first",
    }

    project = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    verdict = forms.ChoiceField(choices=[("", "Any"), *Verdict.choices], required=False)
    language = forms.RegexField(regex=r"^([a-z]{2}|und)$", required=False)
    claimant = forms.CharField(required=False, max_length=300)
    outlet = forms.CharField(required=False, max_length=300)
    since = forms.DateField(required=False, label="First seen from")
    until = forms.DateField(required=False, label="First seen until")
    min_appearances = forms.IntegerField(required=False, min_value=0, max_value=1_000_000, label="At least appearances")
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False)

    def clean_claimant(self):
        return self.cleaned_data["claimant"].replace("\x00", "").strip()

    def clean_outlet(self):
        return self.cleaned_data["outlet"].replace("\x00", "").strip()
