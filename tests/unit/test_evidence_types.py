"""What an evidence file is, read from its bytes: the accepted kinds and the refusals."""

from __future__ import annotations

import io
import zipfile

import pytest

from controltower.storage.evidence import (
    DOCX,
    GIF,
    JPEG,
    PDF,
    PNG,
    TEXT,
    WEBP,
    XLSX,
    EvidenceEmptyError,
    EvidenceTypeError,
    clean_filename,
    describe_size,
    detect_content_type,
)


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", PDF),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", JPEG),
        (b"GIF89a\x01\x00\x01\x00", GIF),
        (b"GIF87a\x01\x00\x01\x00", GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", WEBP),
        (b"sku,counted\nCBL-1,12\n", TEXT),
        ("Zählung: 12 Stück, reçu\n".encode(), TEXT),
        (b"\xef\xbb\xbfsku;qty\n", TEXT),
        (b"BMW 3 series brochure request\n", TEXT),
        (zipped("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), XLSX),
        (zipped("[Content_Types].xml", "word/document.xml"), DOCX),
    ],
)
def test_accepted_files_are_known_by_their_content(content: bytes, expected: str) -> None:
    assert detect_content_type(content) == expected


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "a Windows executable"),
        (b"\x7fELF\x02\x01\x01\x00", "an ELF executable"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "a gzip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Office document"),
        (zipped("payload.exe"), "a ZIP archive (not an XLSX workbook or a DOCX document)"),
        (b"PK\x03\x04 not really a zip", "a damaged ZIP archive"),
        (b"text with a \x00 NUL byte", "binary data of an unknown kind"),
        (b"\xff\xfe\x00\x00latin", "binary data of an unknown kind"),
        (b"caf\xe9 au lait", "binary data of an unknown kind"),
    ],
)
def test_other_files_are_refused_naming_what_they_look_like(content: bytes, named: str) -> None:
    with pytest.raises(EvidenceTypeError) as refused:
        detect_content_type(content)
    assert named in str(refused.value)
    assert "PDF, PNG, JPEG, GIF, WebP" in str(refused.value)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceEmptyError, match="the file is empty"):
        detect_content_type(b"")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("claim.pdf", "claim.pdf"),
        ("C:\\Users\\ann\\Desktop\\claim.pdf", "claim.pdf"),
        ("../../etc/passwd", "passwd"),
        ("photo\r\n.jpg", "photo.jpg"),
        ("...", "evidence"),
        (None, "evidence"),
        ("x" * 300 + ".xlsx", "x" * 195 + ".xlsx"),
    ],
)
def test_a_file_keeps_only_a_clean_name(sent: str | None, kept: str) -> None:
    assert clean_filename(sent) == kept


def test_sizes_are_written_for_people() -> None:
    assert describe_size(10 * 1024 * 1024) == "10 MiB"
    assert describe_size(1536) == "1.5 KiB"
    assert describe_size(100) == "100 bytes"
