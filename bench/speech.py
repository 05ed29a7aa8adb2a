"""Generated testimony for the benchmarks: espeak-ng sentences with pauses, cached.

Each recording is a seeded draw: sentences built from clause halves, each
half used once before any is used again (Whisper, given the previous text as
a prompt, completes a half it has heard with the ending it heard before: a
set where halves recur would measure that, not transcription), spoken one by one by espeak-ng at a
drawn speed and voice, joined by pauses of drawn length (mostly short,
sometimes several seconds, now and then ten or more, as in an interview).
The 16 kHz WAV and its reference text are cached under bench/out/recordings/
(git-ignored), keyed by language, minutes and seed, so long recordings are
made once.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / "out" / "recordings"

ENGLISH_OPENINGS = [
    "When we reached the border",
    "The first night in detention",
    "After the hearing was over",
    "Before my son was born",
    "Every time the phone rang",
    "When the officer came to the door",
    "During the long months of waiting",
    "On the morning of my release",
    "Because nobody spoke my language",
    "When my lawyer finally called",
    "After they took my fingerprints",
    "While my daughter was at school",
    "When I told the judge my story",
    "In the county jail",
    "Since the day I arrived",
    "When the bus stopped in the desert",
    "After my mother got sick",
    "Whenever I think about that winter",
    "When the letter from immigration came",
    "During the trial",
    "When I started working in the kitchen",
    "After I testified before the legislature",
    "When the shelter closed its doors",
    "Before anyone explained the plea",
    "The day my visa was denied",
    "When the social worker visited us",
    "After the storm destroyed our house",
    "When I crossed the bridge alone",
    "As soon as the doors were locked",
    "When the translator did not come",
]

ENGLISH_ENDINGS = [
    "nobody explained what would happen to us.",
    "I held my daughter's hand and tried not to cry.",
    "I wrote down everything so that I would not forget.",
    "the guards would not let me call my family.",
    "I understood that I had to start again.",
    "my brother sent us a little money every week.",
    "we slept on the floor of a church.",
    "I promised myself that I would keep studying.",
    "the interpreter changed the meaning of my words.",
    "I waited for hours in a cold room without windows.",
    "my neighbours brought food and clothes for the children.",
    "I felt that somebody was finally listening.",
    "they moved me to another facility far away.",
    "I did not know if I would see my son again.",
    "the women in my unit taught me to read and write.",
    "I was afraid to go to the hospital.",
    "we walked for three days without stopping.",
    "my husband told the police a story that was not true.",
    "I learned the names of every guard on the night shift.",
    "the community center helped me find a lawyer.",
    "I signed a paper that I could not read.",
    "my children asked me every day when I would come home.",
    "I kept the photographs hidden in my shoe.",
    "the judge gave me one more chance to speak.",
    "my sister looked after the baby for a year.",
    "I counted the days on the wall of my cell.",
    "a nurse gave me a blanket and some water.",
    "we lost every document we had carried.",
    "I sang to myself so that I would not be afraid.",
    "my cousin drove all night to pick us up.",
]

SPANISH_OPENINGS = [
    "Cuando llegamos a la frontera",
    "La primera noche en la detención",
    "Después de la audiencia",
    "Antes de que naciera mi hijo",
    "Cada vez que sonaba el teléfono",
    "Cuando el oficial llegó a la puerta",
    "Durante los largos meses de espera",
    "La mañana en que me soltaron",
    "Como nadie hablaba mi idioma",
    "Cuando por fin llamó mi abogada",
    "Después de que me tomaron las huellas",
    "Mientras mi hija estaba en la escuela",
    "Cuando le conté mi historia a la jueza",
    "En la cárcel del condado",
    "Desde el día en que llegué",
    "Cuando el autobús se detuvo en el desierto",
    "Después de que mi madre se enfermó",
    "Siempre que pienso en aquel invierno",
    "Cuando llegó la carta de inmigración",
    "Durante el juicio",
    "Cuando empecé a trabajar en la cocina",
    "Después de dar mi testimonio ante la legislatura",
    "Cuando el refugio cerró sus puertas",
    "Antes de que alguien me explicara el acuerdo",
    "El día en que me negaron la visa",
    "Cuando nos visitó la trabajadora social",
    "Después de que la tormenta destruyó la casa",
    "Cuando crucé el puente sola",
    "En cuanto cerraron las puertas",
    "Cuando el traductor no llegó",
]

SPANISH_ENDINGS = [
    "nadie nos explicó lo que iba a pasar.",
    "tomé la mano de mi hija y traté de no llorar.",
    "escribí todo para no olvidarlo.",
    "los guardias no me dejaron llamar a mi familia.",
    "entendí que tenía que empezar de nuevo.",
    "mi hermano nos mandaba un poco de dinero cada semana.",
    "dormimos en el piso de una iglesia.",
    "me prometí que seguiría estudiando.",
    "la intérprete cambió el sentido de mis palabras.",
    "esperé horas en un cuarto frío sin ventanas.",
    "los vecinos trajeron comida y ropa para los niños.",
    "sentí que por fin alguien me escuchaba.",
    "me llevaron a otro centro muy lejos.",
    "no sabía si volvería a ver a mi hijo.",
    "las mujeres de mi unidad me enseñaron a leer y escribir.",
    "tenía miedo de ir al hospital.",
    "caminamos tres días sin parar.",
    "mi esposo le contó a la policía una historia falsa.",
    "aprendí el nombre de cada guardia del turno de noche.",
    "el centro comunitario me ayudó a encontrar una abogada.",
    "firmé un papel que no podía leer.",
    "mis hijos me preguntaban cada día cuándo volvería a casa.",
    "guardé las fotografías escondidas en mi zapato.",
    "la jueza me dio una oportunidad más para hablar.",
    "mi hermana cuidó al bebé durante un año.",
    "conté los días en la pared de mi celda.",
    "una enfermera me dio una cobija y un poco de agua.",
    "perdimos todos los documentos que traíamos.",
    "cantaba sola para no tener miedo.",
    "mi primo manejó toda la noche para recogernos.",
]

LANGUAGES = {
    "en": (ENGLISH_OPENINGS, ENGLISH_ENDINGS, ["en-us", "en", "en-us+m3", "en+f2"]),
    "es": (SPANISH_OPENINGS, SPANISH_ENDINGS, ["es", "es-419", "es+m3", "es-419+f2"]),
}

ESPEAK_RATE = 22050


@dataclass(frozen=True)
class Recording:
    path: Path
    language: str
    text: str
    seconds: float
    #: (start, end) of each spoken sentence, seconds: where the speech really is.
    spoken: tuple[tuple[float, float], ...]


def _pause(rng: random.Random) -> float:
    draw = rng.random()
    if draw < 0.02:
        return rng.uniform(8.0, 15.0)
    if draw < 0.12:
        return rng.uniform(2.0, 5.0)
    return rng.uniform(0.3, 1.5)


def _say(text: str, voice: str, speed: int, dest: Path) -> np.ndarray:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(dest), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(dest)) as w:
        assert w.getframerate() == ESPEAK_RATE and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def recording(language: str, minutes: float, seed: int = 0) -> Recording:
    """The cached recording for (language, minutes, seed), made on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = f"{language}-{minutes:g}m-{seed}"
    wav, meta = CACHE / f"{stem}.wav", CACHE / f"{stem}.json"
    if wav.exists() and meta.exists():
        data = json.loads(meta.read_text())
        return Recording(
            wav, language, data["text"], data["seconds"], tuple(map(tuple, data["spoken"]))
        )
    from transcription.media import normalise_audio

    openings, endings, voices = LANGUAGES[language]
    rng = random.Random(f"{language}-{minutes}-{seed}")
    voice = voices[seed % len(voices)]
    speed = rng.randint(135, 165)
    parts: list[np.ndarray] = []
    sentences: list[str] = []
    spoken: list[tuple[float, float]] = []
    at = 0.0
    with tempfile.TemporaryDirectory(prefix="testimonio-speech-") as tmp:
        scratch = Path(tmp) / "s.wav"
        firsts: list[str] = []
        seconds: list[str] = []
        while at < minutes * 60:
            if not firsts or not seconds:
                firsts = rng.sample(openings, len(openings))
                seconds = rng.sample(endings, len(endings))
            sentence = f"{firsts.pop()}, {seconds.pop()}"
            samples = _say(sentence, voice, speed, scratch)
            sentences.append(sentence)
            spoken.append((at, at + len(samples) / ESPEAK_RATE))
            parts.append(samples)
            at += len(samples) / ESPEAK_RATE
            silence = _pause(rng)
            parts.append(np.zeros(int(silence * ESPEAK_RATE), dtype=np.int16))
            at += silence
        joined = Path(tmp) / "joined.wav"
        with wave.open(str(joined), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(ESPEAK_RATE)
            w.writeframes(np.concatenate(parts).tobytes())
        partial = wav.with_suffix(".part.wav")
        normalise_audio(joined, partial)
        partial.replace(wav)
    meta.write_text(
        json.dumps(
            {"text": " ".join(sentences), "seconds": at, "voice": voice, "speed": speed,
             "spoken": [[round(a, 3), round(b, 3)] for a, b in spoken]},
            ensure_ascii=False,
        )
    )  # fmt: skip
    return Recording(wav, language, " ".join(sentences), at, tuple(spoken))
