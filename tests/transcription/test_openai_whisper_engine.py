"""openai-whisper, the optional engine, on a tiny checkpoint the test builds.

Real weights cannot be downloaded here, so the checkpoint has random weights:
its text is nonsense, but loading, decoding, word timing, language detection,
progress and the mapping to our dataclasses are all the real code paths.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

whisper = pytest.importorskip(
    "whisper", reason="openai-whisper is an optional extra: pip install '.[openai-whisper]'"
)
torch = pytest.importorskip("torch", reason="openai-whisper needs torch")

from transcription.engines import Engine, get_engine  # noqa: E402
from transcription.engines.base import Segment, TranscriptionResult, Word  # noqa: E402
from transcription.engines.openai_whisper import (  # noqa: E402
    OpenAIWhisperEngine,
    segments_from_whisper,
)
from transcription.errors import ModelNotFound, TranscriptionError  # noqa: E402

# Greedy decoding without temperature fallback: random weights would otherwise
# retry every window six times with beam search, for minutes.
FAST = {"beam_size": None, "temperature": 0.0}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,  # fixed by 30 s windows of 10 ms frames, strided by 2
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=2,
        n_vocab=51865,  # the multilingual tokenizer's size, so language detection runs
        n_text_ctx=448,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=2,
    )
    model = Whisper(dims)
    # The text decoder's positional embedding is torch.empty (a real checkpoint
    # overwrites it): left as it is, uninitialised memory sometimes held NaN,
    # and language detection then gave NaN probabilities in some runs.
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0.0, 0.02)
    state = model.state_dict()
    assert all(
        torch.isfinite(tensor).all() for tensor in state.values() if tensor.is_floating_point()
    )
    path = tmp_path_factory.mktemp("whisper") / "tiny-random.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": state}, path)
    return path


@pytest.fixture(scope="module")
def engine(tiny_checkpoint: Path) -> OpenAIWhisperEngine:
    return OpenAIWhisperEngine(str(tiny_checkpoint), **FAST)


def test_a_checkpoint_file_loads_as_an_engine(engine: OpenAIWhisperEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "openai-whisper"
    assert engine.compute_type == "float32"


def test_get_engine_finds_openai_whisper_by_name(tiny_checkpoint: Path) -> None:
    engine = get_engine(str(tiny_checkpoint), engine="openai-whisper", **FAST)

    assert isinstance(engine, OpenAIWhisperEngine)
    assert get_engine(str(tiny_checkpoint), engine="openai-whisper", **FAST) is engine


def test_decoding_speech_gives_timed_segments_words_and_a_language(
    engine: OpenAIWhisperEngine, english_wav: Path
) -> None:
    calls: list[tuple[float, float]] = []

    result = engine.transcribe(
        english_wav, progress=lambda done, total: calls.append((done, total))
    )

    assert isinstance(result, TranscriptionResult)
    assert (result.engine, result.model) == ("openai-whisper", engine.model_name)
    assert result.duration == pytest.approx(4.0, abs=2.5)
    # Random weights still detect *a* language, with a real probability.
    assert result.language in whisper.tokenizer.LANGUAGES
    assert 0.0 < result.language_probability <= 1.0
    assert result.segments, "the decoder produced no segment at all"
    for segment in result.segments:
        assert isinstance(segment, Segment)
        assert isinstance(segment.start, float) and isinstance(segment.end, float)
        assert 0.0 <= segment.start <= segment.end <= result.duration + 0.5
        assert isinstance(segment.text, str)
        for word in segment.words:
            assert isinstance(word, Word)
            assert segment.start - 0.5 <= word.start <= word.end <= segment.end + 0.5
            assert 0.0 <= word.probability <= 1.0
    assert calls and calls[-1] == (result.duration, result.duration)
    assert all(done <= total for done, total in calls)
    versions = result.parameters["versions"]
    assert versions["torch"] == torch.__version__
    assert versions["openai_whisper"] == whisper.__version__
    assert result.parameters["word_timestamps"] is True


@pytest.mark.filterwarnings("ignore:Word-level timestamps on translations")
def test_translate_task_and_given_language_are_recorded(
    engine: OpenAIWhisperEngine, english_wav: Path
) -> None:
    result = engine.transcribe(english_wav, language="es", task="translate")

    assert result.language == "es"
    assert result.language_probability == 1.0
    assert result.parameters["task"] == "translate"


def test_unknown_task_is_refused(engine: OpenAIWhisperEngine, english_wav: Path) -> None:
    with pytest.raises(TranscriptionError, match="summarise"):
        engine.transcribe(english_wav, task="summarise")


def test_official_name_without_its_file_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match=r"small\.pt"):
        OpenAIWhisperEngine("small", download_root=str(tmp_path))


def test_garbage_checkpoint_is_a_transcription_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")

    with pytest.raises(TranscriptionError, match="bad.pt"):
        OpenAIWhisperEngine(str(bad))


def test_whisper_segment_dicts_map_to_our_dataclasses() -> None:
    raw = [
        {
            "start": 0,
            "end": 2.5,
            "text": " Me detuvieron. ",
            "words": [
                {"start": 0.0, "end": 0.6, "word": " Me", "probability": 0.9},
                {"start": 0.6, "end": 1.8, "word": " detuvieron.", "probability": 0.8},
            ],
        },
        {"start": 2.5, "end": 4.0, "text": "Sin palabras"},
    ]

    segments = segments_from_whisper(raw)

    assert segments[0] == Segment(
        0.0, 2.5, "Me detuvieron.", (Word(0.0, 0.6, "Me", 0.9), Word(0.6, 1.8, "detuvieron.", 0.8))
    )
    assert segments[1] == Segment(2.5, 4.0, "Sin palabras", ())
