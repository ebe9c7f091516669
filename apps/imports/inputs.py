"""What an import reads, as a stream of inputs: the command line and background jobs share it.

An input is one thing to read into articles (a JSON line, a file, pasted text, a web address).
Worker processes read inputs into drafts (see parallel.py), so inputs are small, picklable
descriptions. JSON Lines files are streamed line by line: a crawler dump of any size costs
the memory of one line, and the size limit applies to each line rather than to the file.

Worker processes import this module before Django is set up, so it imports no models.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

from django.conf import settings

from apps.imports.fetch import read_url
from apps.imports.normalise import ImportRefused, decode_bytes
from apps.imports.readers import (
    HEAD_BYTES,
    STREAMED_SUFFIXES,
    ReadItem,
    file_refusal,
    read_json_line,
    read_pasted,
    read_upload,
    too_large,
)

# Read at a time while skipping the rest of a line that is over the limit.
SKIP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class JsonLine:
    """One line of a JSON Lines stream.

    Bytes are decoded like a file of their own, so one badly encoded line costs only itself.
    """

    label: str
    line: str | bytes

    @property
    def size(self) -> int:
        return len(self.line)

    def read(self) -> list[ReadItem]:
        line = self.line
        if isinstance(line, bytes):
            limit = settings.IMPORT_MAX_BYTES
            if len(line) > limit:
                return [ReadItem(self.label, error=too_large("line", len(line), limit))]
            try:
                line = decode_bytes(line)
            except ImportRefused as refusal:
                return [ReadItem(self.label, error=str(refusal))]
        return [read_json_line(self.label, line)]


@dataclass(frozen=True)
class LocalFile:
    """A file on this machine; `name` is what the import shows and stores as its file name."""

    path: str
    name: str
    size: int = 0

    def read(self) -> list[ReadItem]:
        limit = settings.IMPORT_MAX_BYTES
        with open(self.path, "rb") as file:
            # Never more than the limit in memory, even if the file grew since it was listed.
            data = file.read(limit + 1)
            if len(data) > limit:
                return [ReadItem(self.name, error=too_large("file", os.fstat(file.fileno()).st_size, limit))]
        return list(read_upload(self.name, data))


@dataclass(frozen=True)
class PastedText:
    """Text pasted on the import page, kept in a file until its job has read it."""

    path: str
    title: str = ""
    size: int = 0

    def read(self) -> list[ReadItem]:
        return [read_pasted(Path(self.path).read_text(encoding="utf-8"), self.title)]


@dataclass(frozen=True)
class WebAddress:
    url: str
    # Unknown until fetched; fetch() reads at most IMPORT_MAX_BYTES.
    size: int = 0

    def read(self) -> list[ReadItem]:
        return list(read_url(self.url))


@dataclass(frozen=True)
class RefusedInput:
    """An input refused before reading (a file over the limit, a binary file): only its reason travels."""

    label: str
    reason: str
    size: int = 0

    def read(self) -> list[ReadItem]:
        return [ReadItem(self.label, error=self.reason)]


Input = JsonLine | LocalFile | PastedText | WebAddress | RefusedInput


def file_inputs(path: Path, name: str, size: int | None = None) -> Iterator[Input]:
    """The inputs of one file: each line of a JSON Lines file, else the file itself.

    `size` is the file's size as received when that differs from what is on disk: an upload
    over the limit is not kept, only refused.
    """
    if size is None:
        size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if refusal := file_refusal(name, size, head):
        yield RefusedInput(name, refusal)
    elif PurePath(name).suffix.lower() in STREAMED_SUFFIXES:
        with path.open("rb") as file:
            yield from stream_lines(file, name)
    else:
        yield LocalFile(str(path), name, size)


def stream_lines(stream: BinaryIO, name: str) -> Iterator[Input]:
    """Each non-blank line of a JSON Lines stream, read with at most IMPORT_MAX_BYTES of it in memory.

    A line over the limit is refused by its number and skipped unread, however long it is.
    """
    limit = settings.IMPORT_MAX_BYTES
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        label = f"{name} line {number}"
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line) + skip_line(stream)
            yield RefusedInput(label, too_large("line", size, limit))
        elif line.strip():
            yield JsonLine(label, line.rstrip(b"\r\n"))


def skip_line(stream: BinaryIO) -> int:
    """Read past the rest of the current line; return how many bytes of text that was, without the line end."""
    skipped = 0
    while part := stream.readline(SKIP_BYTES):
        if part.endswith(b"\n"):
            return skipped + len(part.rstrip(b"\r\n"))
        skipped += len(part)
    return skipped
