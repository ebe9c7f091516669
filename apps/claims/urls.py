from django.urls import path

from apps.claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/verdict/", views.claim_verdict, name="verdict"),
    path("annotation/<int:pk>/proposals/", views.annotation_proposals, name="proposals"),
    path("annotation/<int:pk>/attach/", views.annotation_attach, name="attach"),
    path("annotation/<int:pk>/new/", views.annotation_new_claim, name="new"),
]
