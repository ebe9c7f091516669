from django import forms

from apps.stories.services import NAME_MAX_CHARS


class CounterpartForm(forms.Form):
    """The span of the other article the analyst accepts: the proposal's, or adjusted."""

    article = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, label="From character")
    end = forms.IntegerField(min_value=1, label="to character")

    def __init__(self, *args, text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and not 0 <= start < end <= len(self.text):
            raise forms.ValidationError(
                f"Choose a span inside the other article's text (0–{len(self.text)} characters), "
                "its start before its end."
            )
        return data


class StoryNameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_CHARS)
