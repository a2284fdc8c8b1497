from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Plain lists: `page` and `page_size` (up to 200), with `next` / `previous` links."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
