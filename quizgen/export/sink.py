"""Where exporters write: files streamed to a folder (or kept in memory), zips member by member."""

from __future__ import annotations

import gzip
import io
import marshal
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ZIP_DATE = (2020, 1, 1, 0, 0, 0)
TAR_DATE = 1577836800  # 2020-01-01 00:00:00 UTC, as ZIP_DATE


class _SpooledEntries(list[zipfile.ZipInfo]):
    """A zip's central-directory entries where ZipFile keeps them (``filelist``), held in a temporary
    file instead of one ZipInfo object each: a package of a thousand students' items has tens of
    thousands. While writing, ZipFile only appends, counts and, on closing, reads them in order."""

    _FIELDS = zipfile.ZipInfo.__slots__

    def __init__(self) -> None:
        super().__init__()
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the zip)
        self._count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        record = marshal.dumps(tuple(getattr(info, name, ...) for name in self._FIELDS))
        self._file.write(len(record).to_bytes(4, "little") + record)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._file.seek(0)
        for _ in range(self._count):
            values = marshal.loads(self._file.read(int.from_bytes(self._file.read(4), "little")))
            info = zipfile.ZipInfo.__new__(zipfile.ZipInfo)
            for name, value in zip(self._FIELDS, values, strict=True):
                if value is not ...:
                    setattr(info, name, value)
            yield info

    def close(self) -> None:
        self._file.close()


class _Unindexed(dict[str, zipfile.ZipInfo]):
    """ZipFile's name index, kept empty: names are never looked up while writing (a name written
    twice is the exporter's to avoid; ZipFile would only have warned)."""

    def __setitem__(self, name: str, info: zipfile.ZipInfo) -> None:
        pass


class ZipOut:
    """A deterministic zip being written: fixed timestamps and permissions, members in call order.

    Its central directory waits in a temporary file, so memory does not grow with the members."""

    def __init__(self, target: IO[bytes]) -> None:
        self.archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        self._entries = _SpooledEntries()
        self.archive.filelist = self._entries
        self.archive.NameToInfo = _Unindexed()

    def _info(self, name: str, folder: bool = False) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, ZIP_DATE)
        info.compress_type = zipfile.ZIP_STORED if folder else zipfile.ZIP_DEFLATED
        info.external_attr = (0o40755 if folder else 0o644) << 16
        return info

    def add(self, name: str, data: bytes) -> None:
        self.archive.writestr(self._info(name), data)

    def add_folder(self, name: str) -> None:
        self.archive.writestr(self._info(name.rstrip("/") + "/", folder=True), b"")

    @contextmanager
    def member(self, name: str) -> Iterator[IO[str]]:
        """A member written as UTF-8 text in pieces, so a large document never sits in memory whole."""
        with self.archive.open(self._info(name), "w") as raw, io.TextIOWrapper(raw, "utf-8", newline="\n") as text:
            yield text

    def close(self) -> None:
        try:
            self.archive.close()
        finally:
            self._entries.close()


class TarOut:
    """A deterministic tar.gz being written: no gzip name or time, fixed member times, owners and
    permissions, members in call order (the caller sorts them)."""

    def __init__(self, target: IO[bytes]) -> None:
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0)
        self.archive = tarfile.open(fileobj=self._gzip, mode="w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115

    def add_file(self, name: str, handle: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, TAR_DATE, 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        self.archive.addfile(info, handle)

    def add(self, name: str, data: bytes) -> None:
        self.add_file(name, io.BytesIO(data), len(data))

    def close(self) -> None:
        try:
            self.archive.close()
        finally:
            self._gzip.close()


class Sink:
    """Exporters ask a sink for text files and zips; the sink decides where the bytes go."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.memory: dict[str, bytes] = {}
        self._notices: dict[tuple[object, ...], str] = {}

    def note(self, key: tuple[object, ...], text: str) -> None:
        """Something an import will not carry as the key has it, said once per ``key`` at export time."""
        self._notices.setdefault(key, text)

    @property
    def notices(self) -> list[str]:
        return sorted(set(self._notices.values()))

    @contextmanager
    def _binary(self, name: str) -> Iterator[IO[bytes]]:
        if self.folder is None:
            buffer = io.BytesIO()
            yield buffer
            self.memory[name] = buffer.getvalue()
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / name).open("wb") as handle:
            yield handle
        self.memory[name] = b""

    @contextmanager
    def text(self, name: str) -> Iterator[IO[str]]:
        with self._binary(name) as raw:
            wrapper = io.TextIOWrapper(raw, "utf-8", newline="\n", write_through=True)
            yield wrapper
            wrapper.flush()
            wrapper.detach()

    @contextmanager
    def zip(self, name: str) -> Iterator[ZipOut]:
        with self._binary(name) as raw:
            out = ZipOut(raw)
            yield out
            out.close()

    @contextmanager
    def tar(self, name: str) -> Iterator[TarOut]:
        with self._binary(name) as raw:
            out = TarOut(raw)
            yield out
            out.close()

    @property
    def names(self) -> list[str]:
        return sorted(self.memory)


def export_bytes(exporter, key) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Run an exporter into memory: file name → bytes (for tests and small exports)."""
    sink = Sink()
    exporter(key, sink)
    return dict(sink.memory)
