"""URLs of the documents API's files part (documents/api/urls.py includes them)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
