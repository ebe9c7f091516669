from django.urls import path

from apps.annotations import views

app_name = "annotations"
urlpatterns = [
    path("articles/<int:article_pk>/", views.workbench, name="workbench"),
    path("annotations/article/<int:article_pk>/new/", views.annotation_create, name="create"),
    path("annotations/article/<int:article_pk>/sources/", views.source_search, name="source-search"),
    path("annotations/article/<int:article_pk>/submit-drafts/", views.drafts_submit, name="submit-drafts"),
    path("annotations/unread/", views.unread_replies, name="unread"),
    path("annotations/mine/", views.my_work, name="mine"),
    path("annotations/unread/count/", views.unread_total, name="unread-total"),
    path("annotations/<int:pk>/", views.annotation_panel, name="panel"),
    path("annotations/<int:pk>/edit/", views.annotation_update, name="update"),
    path("annotations/<int:pk>/submit/", views.annotation_submit, name="submit"),
    path("annotations/<int:pk>/withdraw/", views.annotation_withdraw, name="withdraw"),
    path("annotations/<int:pk>/review/", views.annotation_review, name="review"),
    path("annotations/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("annotations/<int:pk>/delete/", views.annotation_delete, name="delete"),
    path("annotations/<int:pk>/restore/", views.annotation_restore, name="restore"),
    path("annotations/<int:pk>/links/", views.link_create, name="link-create"),
    path("annotations/links/<int:pk>/delete/", views.link_delete, name="link-delete"),
]
