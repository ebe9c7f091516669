from django.urls import path

from apps.api import views
from apps.api.api import api

app_name = "api"

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
