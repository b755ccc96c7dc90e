"""The pbtk rank-table format and the .tiktoken text parser."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable

import pytest

from promptbank.tokens.rankfile import RankFileError, dump_pbtk, load_pbtk, parse_tiktoken

SMALL = {b"a": 0, b"b": 1, b"\x00": 2, b"ab": 3, b"\xff\xfe": 4, b"hello": 5, b" world": 7}


def test_a_table_survives_the_round_trip() -> None:
    # Given a table with mixed token lengths, raw bytes and a gap in the ranks
    # When it is written and read back
    # Then it is unchanged
    assert load_pbtk(dump_pbtk(SMALL)) == SMALL


def test_a_real_table_survives_the_round_trip(source_bytes: Callable[[str], bytes]) -> None:
    # Given cl100k_base's 100,256 tokens
    ranks = parse_tiktoken(source_bytes("cl100k_base"))
    # When it is written as pbtk and read back
    # Then every token keeps its rank
    assert load_pbtk(dump_pbtk(ranks)) == ranks


def test_the_output_does_not_depend_on_insertion_order() -> None:
    # Given the same table built in another order
    shuffled = dict(reversed(list(SMALL.items())))
    # When both are written
    # Then the bytes are identical (reproducible layer builds)
    assert dump_pbtk(shuffled) == dump_pbtk(SMALL)


def test_the_header_is_little_endian_and_versioned() -> None:
    # Given a written table
    data = dump_pbtk(SMALL)
    # When its header is read with explicit little-endian sizes
    magic, version, groups, tokens = struct.unpack_from("<4sHHI", data)
    # Then it says pbtk v1 with 4 distinct token lengths and 7 tokens
    assert (magic, version, groups, tokens) == (b"PBTK", 1, 4, 7)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d[:10],
        lambda d: d[:-1],
        lambda d: d + b"x",
        lambda d: b"XXXX" + d[4:],
        lambda d: d[:4] + b"\x02\x00" + d[6:],
    ],
    ids=["truncated-header", "truncated-blob", "trailing-bytes", "bad-magic", "unknown-version"],
)
def test_malformed_pbtk_is_refused(mutate: Callable[[bytes], bytes]) -> None:
    # Given a damaged pbtk file
    # When it is read
    # Then it is a format error, never a half-built table
    with pytest.raises(RankFileError):
        load_pbtk(mutate(dump_pbtk(SMALL)))


def test_duplicate_tokens_are_refused() -> None:
    # Given a hand-made file listing the same token twice
    data = (
        struct.pack("<4sHHI", b"PBTK", 1, 1, 2) + struct.pack("<HI", 1, 2) + struct.pack("<2I", 0, 1) + b"aa"
    )
    # When it is read
    # Then it is refused
    with pytest.raises(RankFileError, match="duplicate"):
        load_pbtk(data)


def test_an_empty_table_cannot_be_written() -> None:
    # Given no tokens
    # When a file is written
    # Then it is refused
    with pytest.raises(RankFileError):
        dump_pbtk({})


def test_tiktoken_text_is_parsed_as_tiktoken_does() -> None:
    # Given two lines of the .tiktoken format and a blank line
    data = base64.b64encode(b"he") + b" 0\n\n" + base64.b64encode(b"\x00llo") + b" 1\n"
    # When parsed
    # Then tokens are decoded from base64 and ranks from decimal
    assert parse_tiktoken(data) == {b"he": 0, b"\x00llo": 1}


@pytest.mark.parametrize("line", [b"aGU= zero\n", b"aGU=\n", b"!!! 1\n", b"aGU= 1 2\n"])
def test_malformed_tiktoken_lines_are_refused(line: bytes) -> None:
    # Given a malformed line
    # When parsed
    # Then it is a format error naming the line
    with pytest.raises(RankFileError, match="Malformed line"):
        parse_tiktoken(line)
