"""Page numbers for the API's lists.

Its own module because settings name it: importing `terms.api` from REST_FRAMEWORK would
import DRF's generic views before they are ready.
"""

from rest_framework.pagination import PageNumberPagination


class PageNumberWithSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
