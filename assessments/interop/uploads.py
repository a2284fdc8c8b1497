"""Stop reading an upload as soon as it passes the import size limit (nothing is spooled past it).

Django would otherwise read a whole oversized upload into a temporary file before the view can look
at its size. The handler is installed before the request body is parsed (for pages that means before
the CSRF check reads the form, see ``views.import_home``) and counts the bytes of file parts.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .limits import max_bytes

SLACK = 64 * 1024  # multipart headers and the other fields


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()
        self.received = 0
        self.exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + SLACK:
            self.exceeded = True
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.exceeded or self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def install(request) -> SizeLimitHandler:
    """Put the limit in front of the request's upload handlers (call before request.POST/FILES is read)."""
    handler = SizeLimitHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler
