"""Content negotiation of the API (DRF's, with a shortcut for the common case).

Its own module: DRF imports the negotiation class while loading its settings, which
`smarketing.core.api`'s serializers already need.
"""

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the common case of a client that accepts anything (no Accept
    header or `*/*`, no `?format=`) answered by the first renderer without parsing."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            format_suffix is None
            and accept == "*/*"
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
