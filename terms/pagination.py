"""Page numbers for the API's lists.

Its own module because settings name it: importing `terms.api` from REST_FRAMEWORK would
import DRF's generic views before they are ready.
"""

from rest_framework.pagination import PageNumberPagination


class PageNumberWithSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    # Set by a list whose `count` stops short of every match (a search lists its best
    # MAX_RESULTS terms).
    count_capped = False

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "True when more terms match `search` than it lists: `count` then "
            "counts its best 1000 matches.",
        }
        schema["required"] = [*schema.get("required", []), "count_capped"]
        return schema
