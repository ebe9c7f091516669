"""Uploads of the import page: written to the private import folder as they stream in.

No upload is ever held whole in memory or stored in the database: the handler writes each
file in chunks to the import folder, where its job reads it and deletes it when done.
"""

import tempfile
import time
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat

from apps.imports.readers import HEAD_BYTES, STREAMED_SUFFIXES, file_refusal

# Files of an upload cut short (a web worker killed) are removed once this old: no upload
# takes as long.
ABANDONED_SECONDS = 24 * 60 * 60


def import_dir() -> Path:
    """The folder where uploads wait for their job, readable by this user only."""
    folder = Path(settings.IMPORT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def incoming_dir() -> Path:
    folder = import_dir() / "incoming"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_BYTES


def upload_too_large(size: int | None = None) -> str:
    """The refusal of an upload over IMPORT_MAX_UPLOAD_BYTES; its size, when known."""
    known = f" ({filesizeformat(size)})" if size else ""
    return (
        f"This upload{known} is larger than the {filesizeformat(max_upload_bytes())} that can be uploaded at "
        "once. Nothing was imported: choose fewer files, or import large dumps with the command line."
    )


class IncomingFile(UploadedFile):
    """An uploaded file in the import folder, deleted when closed unless a job took it away."""

    def __init__(self, name, content_type, charset, content_type_extra):
        file = tempfile.NamedTemporaryFile(dir=incoming_dir(), prefix="upload-", suffix=".part")
        super().__init__(file, name, content_type, 0, charset, content_type_extra)

    def temporary_file_path(self) -> str:
        return self.file.name


class ImportUploadHandler(FileUploadHandler):
    """Write each file of an import to the import folder as its chunks arrive.

    A request larger than IMPORT_MAX_UPLOAD_BYTES stops as soon as that shows (from its
    Content-Length, else while it streams) and `refusal` says why; the view answers 413 and
    nothing is kept. The rest of the body is read and dropped, so that the browser, which is
    still sending, reads the answer.

    A file other than JSON Lines larger than IMPORT_MAX_BYTES is not kept either, but it
    costs only itself: its bytes are dropped as they arrive, and the import refuses it by
    name, with the size it had.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.refusal = ""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > max_upload_bytes():
            # Refused at the first file; the fields before it (the CSRF token) are still read.
            self.refusal = upload_too_large(content_length)

    def new_file(self, *args, **kwargs):
        if self.refusal:
            raise StopUpload
        super().new_file(*args, **kwargs)
        streamed = PurePath(self.file_name or "").suffix.lower() in STREAMED_SUFFIXES
        self.file_limit = None if streamed else settings.IMPORT_MAX_BYTES
        self.file = IncomingFile(self.file_name, self.content_type, self.charset, self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            self.refusal = upload_too_large()
            raise StopUpload
        if self.file_limit is None or start + len(raw_data) <= self.file_limit:
            self.file.write(raw_data)
        elif start <= self.file_limit:
            # Over the limit: what was kept of it goes too.
            self.file.seek(0)
            self.file.truncate()
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        return self.file


def arrival_refusal(upload: UploadedFile) -> str:
    """Why the file cannot be imported, told from its name, size and first bytes (see readers.file_refusal)."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return file_refusal(upload.name, upload.size, head)


def remove_abandoned_uploads() -> None:
    """Delete what uploads cut short (a web worker killed mid-request) left in the import folder.

    Job folders are left alone: another database (the tests', say) may share the folder, and
    a job deletes its own files when it ends.
    """
    cutoff = time.time() - ABANDONED_SECONDS
    for part in incoming_dir().iterdir():
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
