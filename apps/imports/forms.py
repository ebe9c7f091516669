from django import forms
from django.conf import settings

from apps.projects.models import Project


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), empty_label=None)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, strip=False, label="Paste text")
    title = forms.CharField(required=False, max_length=500, help_text="For pasted text; else the first line.")
    # Empty files pass here and are refused one by one when read, so they cost no other file.
    files = MultipleFileField(
        required=False, allow_empty_file=True, help_text=".txt, .md, .html, .jsonl or .json; several at once."
    )
    url = forms.URLField(required=False, assume_scheme="https", max_length=2000, label="Or a web address")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only http:// and https:// addresses can be imported.")
        return url

    def is_large_batch(self) -> bool:
        """Whether the files are too many or too big to import while the browser waits."""
        files = self.cleaned_data["files"]
        return (
            len(files) > settings.IMPORT_BACKGROUND_FILES
            or sum(upload.size for upload in files) > settings.IMPORT_BACKGROUND_BYTES
        )

    def clean(self):
        data = super().clean()
        given = (data.get("text") or "").strip() or data.get("files") or data.get("url")
        # A refused input (an ftp:// address, say) was given and has its own message already.
        refused = any(self.has_error(name) for name in ("text", "files", "url"))
        if not given and not refused:
            raise forms.ValidationError("Paste some text, choose files or give a web address.")
        return data
