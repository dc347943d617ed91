"""The Django floor, the analogue of bench/bare.py: a tiny JSON document, no database, no
template. It passes the project's middleware like every Django view (sessions and the user
are lazy: nothing is read unless a view asks)."""

from django.http import JsonResponse


def bare(request):
    return JsonResponse({"ok": True})
