from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class InvitationSignUpForm(UserCreationForm):
    """A new account's user name and password, checked by Django's password validators."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
