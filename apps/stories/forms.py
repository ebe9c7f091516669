from django import forms

from apps.stories.services import NAME_MAX_CHARS


class StoryNameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_CHARS)
