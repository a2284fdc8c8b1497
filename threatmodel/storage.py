"""File storage for several app servers.

Every stored file (report PDFs) goes through Django's storage API, chosen by FILE_STORAGE:
- `local` (default): the local disk under MEDIA_ROOT; one server, or a disk every server shares;
- `database`: `DatabaseStorage` below, the bytes in PostgreSQL: a PDF rendered by a worker on one host
  downloads from any app server, with nothing else to run;
- `s3`: any S3-compatible object store through django-storages (`pip install '.[s3]'`).
"""

import posixpath
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible


@deconstructible(path="threatmodel.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _model(self):
        from .models.files import StoredFile

        return StoredFile

    def _open(self, name, mode="rb"):
        row = self._model().objects.filter(name=name).values_list("content", flat=True).first()
        if row is None:
            raise FileNotFoundError(name)
        return ContentFile(bytes(row), name=name)

    def _save(self, name, content):
        content.seek(0) if hasattr(content, "seek") else None
        data = content.read()
        data = data.encode() if isinstance(data, str) else bytes(data)
        while True:
            try:
                with transaction.atomic():
                    self._model().objects.create(name=name, content=data, size=len(data))
                return name
            except IntegrityError:  # taken meanwhile: another name, as FileSystemStorage does
                root, ext = posixpath.splitext(name)
                name = f"{root}_{uuid.uuid4().hex[:7]}{ext}"

    def delete(self, name):
        self._model().objects.filter(name=name).delete()

    def exists(self, name):
        return self._model().objects.filter(name=name).exists()

    def size(self, name):
        size = self._model().objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        names = self._model().objects.filter(name__startswith=prefix).values_list("name", flat=True)
        dirs, files = set(), []
        for name in names:
            rest = name[len(prefix):]
            if "/" in rest:
                dirs.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(dirs), sorted(files)

    def url(self, name):
        raise NotImplementedError("stored files are served by the application's own views, never by URL")

    def get_created_time(self, name):
        created = self._model().objects.filter(name=name).values_list("created_at", flat=True).first()
        if created is None:
            raise FileNotFoundError(name)
        return created

    get_modified_time = get_created_time
