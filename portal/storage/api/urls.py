from django.urls import path

from portal.storage.api import views

urlpatterns = [
    path("files/<str:token>", views.FileDownloadView.as_view(), name="file-download"),
]
