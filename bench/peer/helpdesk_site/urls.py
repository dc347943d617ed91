"""django-helpdesk at /helpdesk/ (its docs' example), the admin, and the bare endpoint."""

from django.contrib import admin
from django.urls import include, path
from helpdesk_site.bare import bare

urlpatterns = [
    path("bare", bare),
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
