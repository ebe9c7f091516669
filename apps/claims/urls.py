from django.urls import path

from apps.claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/verdict/", views.claim_verdict, name="verdict"),
    path("<int:pk>/appearances/<int:annotation_pk>/detach/", views.claim_detach, name="detach"),
    path("annotation/<int:pk>/proposals/", views.annotation_proposals, name="proposals"),
    path("annotation/<int:pk>/attach/", views.annotation_attach, name="attach"),
    path("annotation/<int:pk>/new/", views.annotation_new_claim, name="new"),
    path("annotation/<int:pk>/detach/", views.annotation_detach, name="detach-annotation"),
    path("annotation/<int:pk>/evidence/", views.annotation_evidence, name="evidence"),
    path("annotation/<int:pk>/evidence/articles/", views.evidence_articles, name="evidence-articles"),
    path("annotation/<int:pk>/evidence/in/<int:article_pk>/", views.evidence_picker, name="evidence-picker"),
    path("annotation/<int:pk>/evidence/add/", views.evidence_add, name="evidence-add"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence-remove"),
    path("article/<int:article_pk>/evidence/", views.article_evidence, name="article-evidence"),
]
