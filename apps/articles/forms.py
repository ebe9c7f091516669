from django import forms
from django.contrib.auth import get_user_model

from apps.articles.models import Article
from apps.projects.permissions import members_of


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
