"""Page numbers for the API's lists.

Its own module because settings name it: importing `terms.api` from REST_FRAMEWORK would
import DRF's generic views before they are ready.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PageNumberWithSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    # Set by a list whose `count` stops short of every match (a search lists its best
    # MAX_RESULTS terms).
    count_capped = False

    def get_page_size(self, request):
        """The size asked for; a size that is not a whole number from 1 to max_page_size is
        a 400 (DRF's would quietly use the default, or the maximum)."""
        asked = request.query_params.get(self.page_size_query_param, "")
        if not asked:
            return self.page_size
        if not (asked.isascii() and asked.isdigit() and 1 <= int(asked) <= self.max_page_size):
            message = f"Give a whole number from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]}, code="invalid")
        return int(asked)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Terms per page; at most {self.max_page_size}."
        return parameters

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
