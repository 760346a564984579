"""Files built to hurt a server that reads uploads, made in code: small on the wire, huge once read.

Each is what a visitor can upload to "Your city" (at most 5 MB). The tests check that reading them stays
within the upload's memory and time, and the capacity benchmark (`benchmarks/capacity.py`) measures what
they cost.

    merged_cells_workbook(1_800_000, distinct=False)   a ~100 KB .xlsx declaring 1.8 million merged cells
    lying_zip_bomb(2**30)              a ~1 MB .xlsx whose sheet says 2,000 bytes and inflates to 1 GiB
    problem_flood_csv()                a 5 MB CSV in which every cell of every row is wrong
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

from sdcf_metrics.schema import UPLOAD_COLUMNS

SHEET = "xl/worksheets/sheet1.xml"
DECLARED_SIZE = 2_000
_CHUNK = 1 << 20


def _template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    sheet.append(list(UPLOAD_COLUMNS))
    sheet.append(["Exampleville"] * len(UPLOAD_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_sheet(write_sheet: Callable[[bytes, io.BufferedIOBase], None]) -> bytes:
    """The template workbook with its sheet part rewritten by `write_sheet(original, stream)`."""
    source = zipfile.ZipFile(io.BytesIO(_template_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member in source.infolist():
            if member.filename == SHEET:
                with target.open(SHEET, "w") as stream:
                    write_sheet(source.read(SHEET), stream)
            else:
                target.writestr(member, source.read(member))
    return buffer.getvalue()


def merged_cells_workbook(count: int, *, distinct: bool = True) -> bytes:
    """A workbook whose sheet declares `count` merged cells (each a problem for the reader to report):
    each a different range, or (`distinct=False`) the same one again, which packs far smaller."""

    def write_sheet(original: bytes, stream: io.BufferedIOBase) -> None:
        head, _, _ = original.rpartition(b"</worksheet>")
        stream.write(head + f'<mergeCells count="{count}">'.encode())
        for start in range(0, count, 10_000):
            rows = range(start, min(start + 10_000, count))
            refs = (f"A{row + 2}:B{row + 2}" if distinct else "A2:B3" for row in rows)
            stream.write("".join(f'<mergeCell ref="{ref}"/>' for ref in refs).encode())
        stream.write(b"</mergeCells></worksheet>")

    return _with_sheet(write_sheet)


def lying_zip_bomb(inflated: int) -> bytes:
    """A workbook whose sheet inflates to `inflated` bytes while the zip's headers say 2,000."""

    def write_sheet(original: bytes, stream: io.BufferedIOBase) -> None:
        stream.write(original.replace(b"</worksheet>", b""))
        padding = b" " * _CHUNK
        written = len(original)
        while written < inflated:
            stream.write(padding)
            written += len(padding)
        stream.write(b"</worksheet>")

    return _declaring(_with_sheet(write_sheet), SHEET, DECLARED_SIZE)


def _declaring(archive: bytes, member: str, size: int) -> bytes:
    """`archive` with `member`'s uncompressed size rewritten to `size` in its local and central headers."""
    data = bytearray(archive)
    name = member.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_length] == name:
            struct.pack_into("<I", data, local + 22, size)
            break
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def problem_flood_csv(size: int = 4_900_000) -> bytes:
    """A CSV of at most `size` bytes whose every cell is wrong: as many problems as a file can hold."""
    header = ",".join(UPLOAD_COLUMNS) + "\n"
    row = ",".join(f"=bad\x01{index}" for index in range(len(UPLOAD_COLUMNS))) + "\n"
    rows = min((size - len(header)) // len(row), 5_000)
    return (header + row * rows).encode()
