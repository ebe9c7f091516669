from django.urls import path

from apps.projects import views

app_name = "invitations"
urlpatterns = [
    path("<str:secret>/", views.invitation_accept, name="accept"),
]
