"""Byte formats of BPE rank tables: tiktoken's base64 text and promptbank's fast-loading binary ("pbtk").

A rank table maps each mergeable token (bytes) to its rank (int). tiktoken ships it as text, one
``<base64 token> <rank>`` line per token; parsing that is ~150 ms for cl100k_base and ~300 ms for
o200k_base. The pbtk format loads the same table in a fraction of that, because each token is cut
out of one blob by ``struct`` in C instead of being base64-decoded line by line in Python.

pbtk, version 1, all integers little-endian, independent of the Python version that wrote it:

    magic      4 bytes  b"PBTK"
    version    uint16   1
    n_groups   uint16   number of distinct token lengths
    n_tokens   uint32
    groups     n_groups x (uint16 token_length, uint32 token_count), token lengths ascending
    ranks      n_tokens x uint32, in the order of the blob
    blob       the tokens, grouped by length (as in ``groups``), by rank within a group

Integrity is not this module's job: callers check a SHA-256 of the whole file (see ``bundle``).
"""

from __future__ import annotations

import base64
import struct
import sys
from array import array

MAGIC = b"PBTK"
VERSION = 1
_HEADER = struct.Struct("<4sHHI")
_GROUP = struct.Struct("<HI")


class RankFileError(ValueError):
    """The bytes are not a well-formed rank table."""


def parse_tiktoken(data: bytes) -> dict[bytes, int]:
    """Parse tiktoken's text format, as ``tiktoken.load.load_tiktoken_bpe`` does."""
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except ValueError as err:
            raise RankFileError(f"Malformed line in .tiktoken data: {line[:80]!r}") from err
    return ranks


def dump_pbtk(ranks: dict[bytes, int]) -> bytes:
    """Serialise a rank table to pbtk bytes (deterministic: same table, same bytes)."""
    if not ranks:
        raise RankFileError("Empty rank table")
    by_length: dict[int, list[tuple[int, bytes]]] = {}
    for token, rank in ranks.items():
        if not 0 < len(token) <= 0xFFFF:
            raise RankFileError(f"Token length {len(token)} out of range")
        if not 0 <= rank <= 0xFFFFFFFF:
            raise RankFileError(f"Rank {rank} out of range")
        by_length.setdefault(len(token), []).append((rank, token))
    lengths = sorted(by_length)
    parts = [_HEADER.pack(MAGIC, VERSION, len(lengths), len(ranks))]
    parts += [_GROUP.pack(length, len(by_length[length])) for length in lengths]
    ordered = [pair for length in lengths for pair in sorted(by_length[length])]
    parts.append(struct.pack(f"<{len(ordered)}I", *(rank for rank, _ in ordered)))
    parts.append(b"".join(token for _, token in ordered))
    return b"".join(parts)


def load_pbtk(data: bytes) -> dict[bytes, int]:
    """Parse pbtk bytes back into the rank table."""
    if len(data) < _HEADER.size:
        raise RankFileError("Truncated pbtk header")
    magic, version, n_groups, n_tokens = _HEADER.unpack_from(data, 0)
    if magic != MAGIC or version != VERSION:
        raise RankFileError(f"Not a pbtk v{VERSION} file (magic {magic!r}, version {version})")
    offset = _HEADER.size
    groups_end = offset + n_groups * _GROUP.size
    if len(data) < groups_end + 4 * n_tokens:
        raise RankFileError("Truncated pbtk group table or ranks")
    groups = [_GROUP.unpack_from(data, offset + i * _GROUP.size) for i in range(n_groups)]
    if sum(count for _, count in groups) != n_tokens:
        raise RankFileError("pbtk group counts do not add up to the token count")
    blob_start = groups_end + 4 * n_tokens
    if len(data) != blob_start + sum(length * count for length, count in groups):
        raise RankFileError("pbtk blob size does not match its group table")

    rank_values = array("I")
    if rank_values.itemsize != 4:  # pragma: no cover - no supported platform has a 2- or 8-byte "I"
        rank_values = array("L")
    rank_values.frombytes(data[groups_end:blob_start])
    if sys.byteorder == "big":  # pragma: no cover - Lambda (arm64) and CI (x86_64) are little-endian
        rank_values.byteswap()

    tokens: list[bytes] = []
    offset = blob_start
    for length, count in groups:
        # One C call cuts `count` fixed-width tokens out of the blob: this is what makes pbtk fast.
        tokens.extend(struct.unpack_from(f"{length}s" * count, data, offset))
        offset += length * count
    ranks = dict(zip(tokens, rank_values, strict=True))
    if len(ranks) != n_tokens:
        raise RankFileError("pbtk file holds duplicate tokens")
    return ranks
