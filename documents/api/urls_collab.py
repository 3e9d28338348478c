"""URLs of the documents API's collab part (documents/api/urls.py includes them)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
