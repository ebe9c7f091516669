from django.urls import path

from apps.stories import version_views, views

app_name = "stories"
urlpatterns = [
    path("", views.story_list, name="list"),
    path("<int:pk>/", views.story_detail, name="detail"),
    path("<int:pk>/name/", views.story_rename, name="rename"),
    path("annotations/<int:pk>/counterparts/", views.counterparts_section, name="counterparts"),
    path("annotations/<int:pk>/counterparts/proposal/", views.counterpart_proposal, name="counterpart-proposal"),
    path("annotations/<int:pk>/counterparts/accept/", views.counterpart_accept, name="counterpart-accept"),
    # Versions of one article.
    path("articles/<int:pk>/versions/", version_views.article_versions, name="versions"),
    path("carried/", version_views.anchoring_queue, name="anchorings"),
    path("carried/<int:pk>/", version_views.anchoring_decide, name="anchoring-decide"),
]
