import pytest

from paperfeed.arxiv_id import (
    is_arxiv_id,
    normalize_record_id,
    parse_reference,
    split_version,
)
from paperfeed.errors import Invalid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2410.17243", ("2410.17243", None)),
        ("2410.17243v2", ("2410.17243", 2)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999v10", ("1412.9999", 10)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("math.AG/0601001", ("math/0601001", None)),
        ("cond-mat/0011010", ("cond-mat/0011010", None)),
        (" 2104.12255v1 ", ("2104.12255", 1)),
    ],
)
def test_split_version(text: str, expected: tuple[str, int | None]) -> None:
    assert split_version(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "0000.0000",
        "2413.00001",
        "1501.0001",
        "1412.00001",
        "0703.0001",
        "2410.17243v0",
        "hep-th/99010011",
        "2410.17243; DROP TABLE papers",
        "../etc/passwd",
    ],
)
def test_rejects_malformed(text: str) -> None:
    assert not is_arxiv_id(text)
    with pytest.raises(Invalid, match="not an arXiv identifier"):
        split_version(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2410.17243", ("2410.17243", None)),
        ("https://arxiv.org/abs/2410.17243v3", ("2410.17243", 3)),
        ("http://arxiv.org/pdf/2410.17243v2.pdf", ("2410.17243", 2)),
        ("arxiv.org/pdf/2410.17243", ("2410.17243", None)),
        ("https://huggingface.co/papers/2410.17243", ("2410.17243", None)),
        ("https://export.arxiv.org/abs/hep-th/9901001", ("hep-th/9901001", None)),
        ("arXiv:2410.17243", ("2410.17243", None)),
        ("https://arxiv.org/abs/2410.17243?context=cs", ("2410.17243", None)),
    ],
)
def test_parse_reference(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_reference(text) == expected


def test_record_ids_allow_local_ids() -> None:
    assert normalize_record_id("CACM-0001") == ("CACM-0001", None)
    assert normalize_record_id("2410.17243v2") == ("2410.17243", 2)
    with pytest.raises(Invalid):
        normalize_record_id("has space")
    with pytest.raises(Invalid):
        normalize_record_id("x" * 100)
