from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.imports.uploads import max_upload_bytes
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
    files = MultipleFileField(required=False, allow_empty_file=True)
    url = forms.URLField(required=False, assume_scheme="https", max_length=2000, label="Or a web address")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["files"].help_text = (
            f".txt, .md, .html, .jsonl, .json or .jsonld (W3C Web Annotations); several at once. "
            f"JSON Lines (.jsonl) of any size, other files up to "
            f"{filesizeformat(settings.IMPORT_MAX_BYTES)}; at most {filesizeformat(max_upload_bytes())} at once."
        )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only http:// and https:// addresses can be imported.")
        return url

    def clean(self):
        data = super().clean()
        given = (data.get("text") or "").strip() or data.get("files") or data.get("url")
        # A refused input (an ftp:// address, say) was given and has its own message already.
        refused = any(self.has_error(name) for name in ("text", "files", "url"))
        if not given and not refused:
            raise forms.ValidationError("Paste some text, choose files or give a web address.")
        return data
